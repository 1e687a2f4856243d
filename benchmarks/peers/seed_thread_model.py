"""The Potjans-Diesmann microcircuit as the seed thread writes it (seeds/000,
"method 2"): one NeuronGroup, one Synapses object; per projection
``connect(i=pre, j=post)`` from numpy-drawn pairs, then the newest synapses'
delays and weights by string expressions on ``[-k:]`` slices; the Poisson
background left out (it is not part of the build). Runs unchanged with Brian2
(``brian2``, numpy target) or distsim (``distsim``, any number of ranks).

    python seed_thread_model.py {brian2|distsim} SCALE

Prints ``RESULT {json}``: import, build (the network statements and a run of
one step, which makes distsim build its queued synapses) and total seconds.
"""
import json
import os
import sys
import time

import numpy as np

simulator, scale = sys.argv[1], float(sys.argv[2])
start = time.perf_counter()
if simulator == "brian2":
    from brian2 import (NeuronGroup, SpikeMonitor, Synapses, defaultclock, mV, ms, pA, pF,
                        prefs, run)
    prefs.codegen.target = "numpy"
else:
    from distsim import NeuronGroup, SpikeMonitor, Synapses, defaultclock, mV, ms, pA, pF, run
imported = time.perf_counter()

from model_facts import NEURON, projections, sizes  # noqa: E402 - the model's facts

np.random.seed(100)
n_layer = sizes(scale)
bounds = np.concatenate([[0], np.cumsum(n_layer)])
defaultclock.dt = 0.1 * ms
tau_m, tau_syn, c_m = NEURON["tau_m"] * ms, NEURON["tau_syn"] * ms, NEURON["C_m"] * pF
v_r, theta = NEURON["V_reset"] * mV, NEURON["V_th"] * mV
neurons = NeuronGroup(int(bounds[-1]), """dv/dt = (-v + v_r)/tau_m + I/c_m : volt (unless refractory)
                                          dI/dt = -I/tau_syn : amp""",
                      threshold="v > theta", reset="v = v_r", refractory=NEURON["t_ref"] * ms,
                      method="exact")
neurons.v = "-58.0*mV + 10.0*mV*randn()"
syn = Synapses(neurons, neurons, "w : amp", on_pre="I_post += w")
total = 0
for source, target, nsyn, weight, delay, delay_sd in projections(scale):
    pre = np.random.randint(n_layer[source], size=nsyn) + bounds[source]
    post = np.random.randint(n_layer[target], size=nsyn) + bounds[target]
    syn.connect(i=pre, j=post)
    syn.delay[-nsyn:] = f"clip({delay}*ms + {delay_sd}*randn()*ms, 0.1*ms, inf*ms)"
    syn.w[-nsyn:] = f"({weight} + {0.1 * abs(weight)}*randn())*pA"
    total += nsyn
monitor = SpikeMonitor(neurons)
run(defaultclock.dt)
end = time.perf_counter()
if os.environ.get("OMPI_COMM_WORLD_RANK", "0") == "0":  # one line (run() waits for all)
    print("RESULT " + json.dumps({"simulator": simulator, "scale": scale, "synapses": total,
                                  "import": imported - start, "build": end - imported,
                                  "total": end - start}), flush=True)
