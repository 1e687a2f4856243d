"""A PyNN network using every part of distsim.pynn: the standard cells,
connectors with random numbers, static, depressing and plastic synapses,
current sources, views and assemblies, populations smaller than the number
of ranks (PyNN#767). Writes every recorded array to <output>.npz (rank 0).

    mpirun -n N python tests/models/pynn_network.py OUTPUT
"""
import sys

import numpy as np

import distsim.pynn as sim

output = sys.argv[1]
sim.setup(timestep=0.1, rng_seed=2024)
rng = sim.NumpyRNG(seed=77)

exc = sim.Population(30, sim.IF_cond_exp(tau_refrac=2.0), label="exc",
                     initial_values={"v": sim.RandomDistribution("uniform", (-65, -55), rng=rng)})
inh = sim.Population(2, sim.IF_curr_alpha(tau_m=15.0), label="inh")       # fewer than 3 ranks
adex = sim.Population(1, sim.EIF_cond_exp_isfa_ista(), label="adex")        # fewer than 2 ranks
hh = sim.Population(4, sim.HH_cond_exp(), label="hh")
drive = sim.Population(20, sim.SpikeSourcePoisson(
    rate=sim.RandomDistribution("uniform", (40, 120), rng=rng)), label="drive")
times = sim.Population(3, sim.SpikeSourceArray(spike_times=[5.0, 25.0, 45.0, 65.0]), label="times")

w = sim.RandomDistribution("normal_clipped", (0.004, 0.002, 0.0, 1.0), rng=rng)
delays = sim.RandomDistribution("uniform", (0.5, 3.0), rng=rng)
sim.Projection(drive, exc, sim.FixedProbabilityConnector(0.4, rng=rng),
               sim.StaticSynapse(weight=w, delay=delays), receptor_type="excitatory")
sim.Projection(exc, exc, sim.FixedNumberPreConnector(4, rng=rng),
               sim.TsodyksMarkramSynapse(U=0.4, tau_rec=80.0, weight=0.01, delay=1.0),
               receptor_type="excitatory")
plastic = sim.Projection(drive, adex + hh, sim.FixedProbabilityConnector(0.5, rng=rng),
                         sim.STDPMechanism(
                             timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0,
                                                                 A_plus=0.02, A_minus=0.021),
                             weight_dependence=sim.MultiplicativeWeightDependence(w_min=0.0,
                                                                                 w_max=0.01),
                             weight=0.004, delay=1.0, dendritic_delay_fraction=0),
                         receptor_type="excitatory")
sim.Projection(exc[::3], inh, sim.AllToAllConnector(),
               sim.StaticSynapse(weight=-0.05, delay=2.0), receptor_type="inhibitory")
sim.Projection(times, hh, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.05, delay=1.0),
               receptor_type="excitatory")
sim.Projection(inh, exc, sim.FromListConnector([(0, 3, 0.02, 1.0), (1, 17, 0.03, 2.5)]),
               sim.StaticSynapse(), receptor_type="inhibitory")

# The other connectors (PyNN's FixedTotalNumberConnector is replaced: its
# draws depended on the number of processes).
from pyNN.connectors import IndexBasedProbabilityConnector  # noqa: E402
from pyNN.core import IndexBasedExpression  # noqa: E402
from pyNN.space import Grid2D  # noqa: E402


class EveryThird(IndexBasedExpression):
    def __call__(self, i, j):
        return ((i + j) % 3 == 0).astype(float)


grid_a = sim.Population(16, sim.SpikeSourcePoisson(rate=20.0), structure=Grid2D(), label="grid_a")
grid_b = sim.Population(9, sim.IF_curr_exp(), structure=Grid2D(), label="grid_b")
if sim.rank() == 0:
    np.savetxt(output + "_connections.txt", [[0, 1, 0.2, 1.5], [3, 4, 0.3, 2.0], [15, 8, 0.1, 1.0]])
from distsim.parallel import get_comm  # noqa: E402
get_comm().Barrier()
connector_projections = {
    "total": sim.FixedTotalNumberConnector(50, rng=rng),
    "distance": sim.DistanceDependentProbabilityConnector("exp(-d)", rng=rng),
    "array": sim.ArrayConnector(np.arange(144).reshape(16, 9) % 5 == 0),
    "index": IndexBasedProbabilityConnector(EveryThird(), rng=rng),
    "file": sim.FromFileConnector(output + "_connections.txt"),
}
connector_projections = {
    name: sim.Projection(grid_a, grid_b, connector,
                         sim.StaticSynapse(weight=sim.RandomDistribution("uniform", (0.1, 0.2),
                                                                         rng=rng), delay=1.0)
                         if name != "file" else sim.StaticSynapse())
    for name, connector in connector_projections.items()}

sim.DCSource(amplitude=0.6, start=20.0, stop=60.0).inject_into(adex)
sim.NoisyCurrentSource(mean=0.1, stdev=0.2, start=0.0, stop=80.0, dt=1.0).inject_into(exc[0:10])
sim.StepCurrentSource(times=[10.0, 30.0], amplitudes=[1.5, 0.1]).inject_into(inh)

for population in (exc, inh, adex, hh):
    population.record(["spikes", "v"])
exc[:5].record("gsyn_exc")
sim.run(50.0)
sim.run(30.0)

arrays = {}
for population in (exc, inh, adex, hh):
    segment = population.get_data().segments[0]
    if sim.rank() == 0:
        for k, train in enumerate(segment.spiketrains):
            arrays[f"{population.label}.spikes.{k}"] = np.asarray(train)
        for signal in segment.analogsignals:
            arrays[f"{population.label}.{signal.name}"] = np.asarray(signal)
weights = plastic.get(["weight"], format="list", gather=True)
connections = {name: projection.get(["weight", "delay"], format="list", gather=True)
               for name, projection in connector_projections.items()}
if sim.rank() == 0:
    for name, rows in connections.items():
        arrays[f"connector.{name}"] = np.array(sorted(tuple(row) for row in rows))
    arrays["plastic.weights"] = np.array(sorted(tuple(row) for row in weights))
    np.savez(output, **arrays)
sim.end()
