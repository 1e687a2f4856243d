"""A network with state in every place a checkpoint must keep: plastic
synapses with on_post (event-driven traces), heterogeneous delays (events
in flight), an additive pathway with a delay (input in the ring buffers),
refractoriness, PoissonGroup and PoissonInput, spike, state (neurons and
synapses) and rate monitors.

    python checkpoint_model.py full   OUT          # 2 x 60 ms
    python checkpoint_model.py first  OUT CKPT     # 60 ms, then store to CKPT
    python checkpoint_model.py second OUT CKPT     # restore from CKPT, 60 ms
"""
import sys

import numpy as np

from distsim import (Hz, NeuronGroup, PoissonGroup, PoissonInput, PopulationRateMonitor,
                     SpikeMonitor, StateMonitor, Synapses, ms, restore, run, seed, store)
from distsim.parallel import rank

mode, out = sys.argv[1], sys.argv[2]
checkpoint = sys.argv[3] if len(sys.argv) > 3 else None
seed(7)
G = NeuronGroup(60, """dv/dt = (I - v)/(10*ms) : 1 (unless refractory)
                       I : 1""", threshold="v > 1", reset="v = 0", refractory=2 * ms,
                method="exact", name="neurons")
G.I = "0.9 + 0.2*rand()"
G.v = "rand()"
P = PoissonGroup(40, 40 * Hz, name="poisson")
S = Synapses(P, G, """w : 1
                      dApre/dt = -Apre/(20*ms) : 1 (event-driven)
                      dApost/dt = -Apost/(20*ms) : 1 (event-driven)""",
             on_pre="""v_post += w
                       Apre += 0.01
                       w = clip(w + Apost, 0, 0.3)""",
             on_post="""Apost -= 0.012
                        w = clip(w + Apre, 0, 0.3)""", name="stdp")
S.connect(p=0.3)
S.w = "0.15*rand()"
S.delay = "(1 + 4*rand())*ms"
R = Synapses(G, G, on_pre="v_post += 0.03", delay=1.5 * ms, name="recurrent")
R.connect(p=0.1)
background = PoissonInput(G, "v", 20, 30 * Hz, 0.02, name="background")
spikes = SpikeMonitor(G, name="spikes")
trace = StateMonitor(G, "v", record=[0, 5, 31, 59], name="trace")
weights = StateMonitor(S, "w", record=[0, 1, 50, 200], name="weights")
rate = PopulationRateMonitor(G, name="rate")

if mode == "full":
    run(60 * ms)
    run(60 * ms)
elif mode == "first":
    run(60 * ms)
    store("half", filename=checkpoint)
else:
    restore("half", filename=checkpoint)
    run(60 * ms)
results = {"i": spikes.i, "t": spikes.t_, "count": spikes.count, "w": np.asarray(S.w),
           "Apre": np.asarray(S.Apre), "v": np.asarray(G.v), "trace": np.asarray(trace.v),
           "trace_t": np.asarray(trace.t_), "weights": np.asarray(weights.w),
           "rate": np.asarray(rate.rate), "lastspike": np.asarray(G.lastspike_)}
if rank() == 0:
    np.savez(out, **results)
