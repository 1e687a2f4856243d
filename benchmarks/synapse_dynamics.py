"""Benchmark: clock-driven synaptic equations and a summed variable, per
synapse and step, on one core; distsim (generated kernel or numpy) beside Brian2.

    python benchmarks/synapse_dynamics.py                 # distsim, generated kernel
    python benchmarks/synapse_dynamics.py --numpy         # distsim, numpy path
    $BRIAN2_PYTHON benchmarks/synapse_dynamics.py --brian2  # Brian2 (Cython)

The model is the non-linear (NMDA-like) synapse of Brian2's Synapses guide
(seeds/001), 1000 Poisson inputs to 1000 neurons, all to all (10^6 synapses).
Appends a row to benchmarks/results/synapse_dynamics.md.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numpy", action="store_true", help="distsim's numpy path")
    parser.add_argument("--brian2", action="store_true", help="run Brian2 instead")
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    if args.brian2:
        import brian2 as sim
        sim.prefs.codegen.target = "cython"
        label = f"Brian2 {sim.__version__} (Cython)"
    else:
        import distsim as sim
        label = f"distsim {sim.__version__}, generated kernel"
        if args.numpy:
            import distsim.synapses.dynamics as dynamics
            dynamics._synapse_loop = lambda *_: None
            label = f"distsim {sim.__version__}, numpy"
    ms, Hz = sim.ms, sim.Hz
    sim.seed(1)
    inputs = sim.PoissonGroup(1000, 10 * Hz)
    neurons = sim.NeuronGroup(1000, "dv/dt = (gtot - v)/(10*ms) : 1\ngtot : 1")
    syn = sim.Synapses(inputs, neurons, """dg/dt = -a*g+b*x*(1-g) : 1 (clock-driven)
                                          dx/dt = -c*x : 1 (clock-driven)
                                          w : 1
                                          gtot_post = g : 1 (summed)""", on_pre="x += w",
                       namespace=dict(a=1 / (10 * ms), b=1 / (5 * ms), c=1 / (20 * ms)))
    syn.connect()
    syn.w = "rand()*0.1"
    sim.run(1 * ms)  # compilation and preparation
    started = time.perf_counter()
    sim.run(args.steps * sim.defaultclock.dt)
    per_step = (time.perf_counter() - started) / args.steps
    row = (f"| {label} | {len(syn):,} | {per_step * 1e3:.2f} | "
           f"{per_step / len(syn) * 1e9:.2f} |")
    append_row(os.path.join(HERE, "results", "synapse_dynamics.md"),
               "# Clock-driven synapses and a summed variable (1 core)\n\n"
               f"Machine: {machine()}. `benchmarks/synapse_dynamics.py`: the Synapses guide's "
               "NMDA-like synapse, 1000 Poisson inputs x 1000 neurons; whole steps (also "
               "the spikes and the neurons).\n\n"
               "| simulator | synapses | ms/step | ns/synapse/step |\n|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
