"""A run whose results file fails on one rank only, at its third flush
(fault injection for the test of writing errors).

    python failing_flush.py OUTPUT
"""
import sys

from distsim import *
from distsim.monitors.spikemonitor import SpikeMonitor as _SpikeMonitor
from distsim.parallel import rank

flushes = []
original_flush_to = _SpikeMonitor.flush_to


def flush_to_failing_on_rank_1(self, group):
    flushes.append(1)
    if rank() == 1 and len(flushes) == 3:
        raise OSError(5, "Input/output error (injected on rank 1)")
    return original_flush_to(self, group)


_SpikeMonitor.flush_to = flush_to_failing_on_rank_1
seed(7)
G = NeuronGroup(500, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1", reset="v = 0",
                method="exact")
G.I = "0.9 + 0.3*rand()"
spikes = SpikeMonitor(G)
run(100 * ms, output=sys.argv[1], flush_interval=10 * ms)
