"""A small recurrent network for the cluster tests (tests/slurm_stage).

    python small_network.py OUT              # results file OUT
    python small_network.py OUT INDEX FILE   # a scan task: drive 0.9 + 0.1*INDEX, results FILE

Deterministic for a given seed on any number of ranks.
"""
import sys

from distsim import NeuronGroup, SpikeMonitor, Synapses, ms, run, save, seed

output = sys.argv[3] if len(sys.argv) > 3 else sys.argv[1]
drive = 0.9 + 0.1 * int(sys.argv[2]) if len(sys.argv) > 3 else 1.0
seed(5)
G = NeuronGroup(300, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1", reset="v = 0",
                refractory=2 * ms, method="exact", name="cells")
G.I = f"{drive} + 0.2*rand()"
S = Synapses(G, G, "w : 1", on_pre="v_post += w", name="recurrent")
S.connect(p=0.1)
S.w = "0.05*randn()"
S.delay = "(1 + 2*rand())*ms"
spikes = SpikeMonitor(G)
run(200 * ms)
save(output)
