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

# ../shared/reference/microcircuit.md
n_full = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
p_conn = np.array([  # row = target, column = source
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
np.random.seed(100)
n_layer = [int(round(n * scale)) or 1 for n in n_full]
bounds = np.concatenate([[0], np.cumsum(n_layer)])
defaultclock.dt = 0.1 * ms
tau_m, tau_syn, c_m = 10 * ms, 0.5 * ms, 250 * pF
v_r, theta = -65 * mV, -50 * mV
neurons = NeuronGroup(int(bounds[-1]), """dv/dt = (-v + v_r)/tau_m + I/c_m : volt (unless refractory)
                                          dI/dt = -I/tau_syn : amp""",
                      threshold="v > theta", reset="v = v_r", refractory=2 * ms,
                      method="exact")
neurons.v = "-58.0*mV + 10.0*mV*randn()"
syn = Synapses(neurons, neurons, "w : amp", on_pre="I_post += w")
total = 0
for target in range(8):
    for source in range(8):
        p = p_conn[target, source]
        if p == 0:
            continue
        n_pre, n_post = n_layer[source], n_layer[target]
        nsyn = int(round(np.log(1.0 - p) / np.log(1.0 - 1.0 / (n_pre * n_post))))
        pre = np.random.randint(n_pre, size=nsyn) + bounds[source]
        post = np.random.randint(n_post, size=nsyn) + bounds[target]
        syn.connect(i=pre, j=post)
        weight, delay, delay_sd = (87.81, 1.5, 0.75) if source % 2 == 0 else \
            (-4 * 87.81, 0.75, 0.375)
        syn.delay[-nsyn:] = f"clip({delay}*ms + {delay_sd}*randn()*ms, 0.1*ms, inf*ms)"
        syn.w[-nsyn:] = f"({weight} + {0.1 * abs(weight)}*randn())*pA"
        total += nsyn
monitor = SpikeMonitor(neurons)
run(defaultclock.dt)
end = time.perf_counter()
print("RESULT " + json.dumps({"simulator": simulator, "scale": scale, "synapses": total,
                              "import": imported - start, "build": end - imported,
                              "total": end - start}), flush=True)
