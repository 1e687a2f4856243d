"""A run that a signal may interrupt (tests/test_checkpoints.py).

    python interrupted_model.py OUT CKPT MARKER [continue | auto]

Builds the network, then runs to 40 s with checkpoints to CKPT (on a
signal: checkpoint and exit 85), writing MARKER once the run is under way. With 'continue': restores CKPT
and runs the remaining time; with 'auto', the same if CKPT exists (the
pattern of a job that resubmits itself, slurm/long_run.sbatch). Saves spikes
and weights to OUT (rank 0).
"""
import os
import sys

import numpy as np

from distsim import (NeuronGroup, SpikeMonitor, Synapses, defaultclock, ms, restore, run,
                     second, seed)
from distsim.parallel import rank

out, checkpoint, marker = sys.argv[1:4]
mode = sys.argv[4] if len(sys.argv) > 4 else None
continuing = mode == "continue" or (mode == "auto" and os.path.exists(checkpoint))
seed(11)
G = NeuronGroup(80, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1", reset="v = 0",
                method="exact", name="neurons")
G.I = "0.95 + 0.2*rand()"
S = Synapses(G, G, """w : 1
                      dA/dt = -A/(20*ms) : 1 (event-driven)""",
             on_pre="v_post += w; A += 0.01", on_post="w = clip(w + A, 0, 0.1)", name="s")
S.connect(p=0.2)
S.w = "0.05*rand()"
S.delay = "(0.5 + 3*rand())*ms"
spikes = SpikeMonitor(G, name="spikes")
# Biological seconds: the run must last well beyond the 1 s after the marker at
# which the tests signal it, however fast the loop gets (12 s had come down
# to about 1.5 s of wall time on 2 ranks).
total = 40 * second
if continuing:
    restore(filename=checkpoint)


def mark_running(elapsed, completed, start, duration):
    """MARKER once the run is under way (rank 0's progress report): every
    rank is past the run's collective preparation, its signal handlers set."""
    if completed > 0 and not os.path.exists(marker):
        open(marker, "w").close()


run(total - defaultclock.t, checkpoint=checkpoint, report=mark_running,
    report_period=0.2 * second)
if rank() == 0:
    np.savez(out, i=spikes.i, t=spikes.t_, w=np.asarray(S.w), t_end=float(defaultclock.t_))
else:
    np.asarray(S.w)
