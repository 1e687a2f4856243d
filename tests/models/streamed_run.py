"""A run streamed into a results file in chunks (for the kill test).

    python streamed_run.py OUTPUT N_CHUNKS

Rank 0 prints 'chunk k' after the k-th chunk has been flushed.
"""
import sys

from distsim import *
from distsim.parallel import rank

output, n_chunks = sys.argv[1], int(sys.argv[2])
seed(7)
G = NeuronGroup(2000, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1", reset="v = 0",
                refractory=2 * ms, method="exact")
G.I = "0.9 + 0.3*rand()"
S = Synapses(G, G, "w : 1", on_pre="v_post += w")
S.connect(p=0.05)
S.w = "0.02*randn()"
S.delay = "rand()*3*ms"
spikes = SpikeMonitor(G)
for k in range(n_chunks):
    run(20 * ms, output=output, flush_interval=10 * ms)
    if rank() == 0:
        print(f"chunk {k}", flush=True)
save(output)
