"""Every connect form, indexing form and input of distsim in one network.

Run under mpirun with any rank count: rank 0 saves the synapse arrays
(in Brian2's creation order), the spikes and the final state to an .npz, and
all ranks write the results file. tests/test_rank_independence.py compares
the outputs for 1, 2 and 3 ranks: they must be identical.
"""
import sys

import numpy as np

from distsim import *
from distsim.parallel import rank

output = sys.argv[1]
seed(2024)

G = NeuronGroup(300, """dv/dt = (-v + I_syn*Rm)/tau : volt (unless refractory)
                        dI_syn/dt = -I_syn/tau_s : amp
                        tau : second""",
                threshold="v > 12*mV", reset="v = 0*mV", refractory=2*ms, method="exact",
                namespace={"Rm": 40 * Mohm, "tau_s": 2 * ms})
G.tau = "(10 + 5*rand())*ms"
G.v = "rand()*10*mV"
exc, inh = G[:240], G[240:]

connections = {}
S_fixed = Synapses(exc, G, "w : amp", on_pre="I_syn_post += w")
S_fixed.connect(fixed_total_number=6000)                     # multapses, microcircuit rule
S_fixed.w = "25*pA * (1 + 0.1*randn())"
S_fixed.delay = "clip(1.5*ms + 0.75*randn()*ms, 0.1*ms, inf*ms)"   # heterogeneous
connections["fixed"] = S_fixed

S_p = Synapses(inh, exc, "w : amp", on_pre="I_syn_post -= w", delay=0.8 * ms)
S_p.connect(p=0.1)
S_p.connect("i < 10 and j >= 5 and j < 60", p=0.5)          # a second call
S_p.w = "60*pA * rand()"
S_p.w[-20:] = "70*pA"
connections["p"] = S_p

S_gen = Synapses(G, G, "w : amp", on_pre="I_syn += w")
S_gen.connect(j="k for k in range(i - 3, i + 4) if k != i", skip_if_invalid=True)
S_gen.connect(j="k for k in sample(N_post, p=0.01)")
S_gen.connect(j="k for k in sample(N_post, size=2)")
# rand() and j (the element) in the condition, parentheses in both parts
S_gen.connect(j="k for k in range((i - 6), i + 6) if rand() < exp(-0.1*(i-j)**2)",
              skip_if_invalid=True)
S_gen.connect(i=np.array([5, 7, 299, 5]), j=np.array([3, 3, 0, 3]), n=2)
S_gen.w = "(1 + cos(i - j))*5*pA"
S_gen.delay = "rand()*3*ms"
S_gen.w[exc[:5], G[100:200]] = 2 * pA
S_gen.w["i > j + 250"] = 1 * pA
connections["gen"] = S_gen

# The seed thread's style: one Synapses, connect(i=, j=) from numpy-drawn
# pairs, then the newest synapses' values by string expressions.
S_seed = Synapses(G, G, "w : amp", on_pre="I_syn_post += w")
pairs = np.random.RandomState(7)
for k, n_new in enumerate((400, 0, 250, 310)):
    S_seed.connect(i=pairs.randint(0, 300, n_new), j=pairs.randint(0, 300, n_new))
    if n_new:
        S_seed.delay[-n_new:] = f"clip({k + 1}*ms + 0.5*ms*randn(), 0.1*ms, inf*ms)"
        S_seed.w[-n_new:] = f"({k} + rand())*pA"
S_seed.w[390:420:7] = "-3*pA"   # a stride over two calls
connections["seed"] = S_seed

background = [PoissonInput(sub, "I_syn", 200, 20 * Hz, weight=45 * pA) for sub in (exc, inh)]
drive = PoissonGroup(40, "20*Hz + 10*Hz*sin(2*pi*t/(50*ms))")
S_drive = Synapses(drive, G, "w : amp", on_pre="I_syn += w")
S_drive.connect(p="0.2*exp(-abs(i*7 - j)*0.01)")
S_drive.w = 40 * pA
S_drive.delay = 1 * ms
stimulus = SpikeGeneratorGroup(3, [0, 1, 2, 0], [5, 10, 15, 30] * ms)
S_stim = Synapses(stimulus, G, on_pre="v += 3*mV")
S_stim.connect(j="i*100")
connections["stim"] = S_stim

# General synapse models: the guide's STDP (event-driven traces, on_post,
# rand() per event), modulation by a presynaptic variable, clock-driven
# synaptic equations with a summed variable, two named pathways.
H = NeuronGroup(60, """dv/dt = (ge + gtot*4*mV - v)/(10*ms) : volt
                       dge/dt = -ge/(5*ms) : volt
                       gtot : 1
                       arrivals : 1
                       drive_sum : 1""", threshold="v > 8*mV", reset="v = 0*mV", method="exact")
H.run_regularly("v += 2*mV*rand()", dt=2 * ms)  # Brian2's run_regularly, random per neuron
# A linked variable: L.v is G.v (the same neurons on every rank), read live.
L = NeuronGroup(300, """dx/dt = (v/mV - x)/(5*ms) : 1
                        v : volt (linked)""", method="euler")
L.v = linked_var(G.v)
S_stdp = Synapses(G, H, """w : 1
                           dApre/dt = -Apre/(20*ms) : 1 (event-driven)
                           dApost/dt = -Apost/(20*ms) : 1 (event-driven)""",
                  on_pre="""ge += w*2*mV*(0.5 + rand())
                            Apre += 0.01
                            w = clip(w + Apost, 0, 1)""",
                  on_post="""Apost -= 0.0105
                             w = clip(w + Apre, 0, 1)""")
S_stdp.connect(p=0.2)
S_stdp.w = "rand()"
S_stdp.delay = "rand()*2*ms"
connections["stdp"] = S_stdp
S_nmda = Synapses(drive, H, """dg/dt = -g/(10*ms) + x*(1 - g)/(5*ms) : 1 (clock-driven)
                               dx/dt = -x/(20*ms) : 1 (clock-driven)
                               w : 1
                               gtot_post = g*w : 1 (summed)""", on_pre="x += 0.5")
S_nmda.connect(p=0.3)
S_nmda.w = "0.5 + rand()"
connections["nmda"] = S_nmda
S_mod = Synapses(exc, H, "w : volt", on_pre={"pre": "ge += w*v_pre/(12*mV)",
                                              "counting": "arrivals_post += 1"})
S_mod.connect(p=0.05)
S_mod.w = "1*mV"
S_mod.delay = "(1 + (i % 4))*ms"
S_mod.counting.delay = 2.5 * ms
connections["mod"] = S_mod
# A summed variable onto a subgroup that straddles rank boundaries, and an
# on_post pathway with per-synapse delays.
S_sub = Synapses(exc, H[10:50], """c : 1
                                   drive_sum_post = c*(1 + v_pre/mV) : 1 (summed)""",
                 on_post="c += 1")
S_sub.connect(p=0.1)
S_sub.post.delay = "(j % 5)*0.5*ms"
connections["sub"] = S_sub

monitors = {"G": SpikeMonitor(G, variables="v"), "drive": SpikeMonitor(drive),
            "H": SpikeMonitor(H)}
plastic = StateMonitor(S_stdp, ["w", "Apre", "Apost"], record=S_stdp[:, 7])
nmda = StateMonitor(H, ["gtot", "ge", "arrivals", "drive_sum"], record=[0, 11, 31, 49, 59])
traces = StateMonitor(G, ["v", "I_syn"], record=[0, 3, 150, 299])
weights = StateMonitor(S_gen, "w", record=S_gen[:, 3], dt=1 * ms)
rates = PopulationRateMonitor(G)
run(60 * ms, output=output + ".h5", flush_interval=15 * ms)
run(40 * ms, output=output + ".h5")
save(output + ".h5")

arrays = {}
for name, S in connections.items():
    for var in ("i", "j", "_synaptic_pre", "_synaptic_post", "delay", "N_incoming", "N_outgoing"):
        if var == "delay" and "pre" not in S._pathway_objects:
            continue  # S.delay is the 'pre' pathway's (Brian2)
        arrays[f"{name}.{var}"] = np.asarray(getattr(S, var))
    if "w" in S.variables:
        arrays[f"{name}.w"] = np.asarray(S.w)
        arrays[f"{name}.w[2:40:3]"] = np.asarray(S.w[2:40:3])
        arrays[f"{name}.w[i>j]"] = np.asarray(S.w["i > j"])
        arrays[f"{name}.w[-7:]"] = np.asarray(S.w[-7:])
        arrays[f"{name}.w[5,1,5,-1]"] = np.asarray(S.w[[5, 1, 5, -1]])
        arrays[f"{name}.w[:50, 100:]"] = np.asarray(S.w[:50, 100:])
        arrays[f"{name}.w[2, 5]"] = np.asarray(S.w[2, 5])
for name, mon in monitors.items():
    arrays[f"{name}.spikes.i"] = mon.i
    arrays[f"{name}.spikes.t"] = np.asarray(mon.t)
arrays["G.spikes.v"] = np.asarray(monitors["G"].v)
arrays["traces.v"] = np.asarray(traces.v)
arrays["traces.I_syn"] = np.asarray(traces.I_syn)
arrays["weights.w"] = np.asarray(weights.w)
arrays["rates"] = np.asarray(rates.rate)
arrays["G.v"] = np.asarray(G.v)
arrays["G.I_syn"] = np.asarray(G.I_syn)
for var in ("w", "Apre", "Apost"):
    arrays[f"plastic.{var}"] = np.asarray(getattr(plastic, var))
arrays["sub.c"] = np.asarray(S_sub.c)
arrays["sub.post.delay"] = np.asarray(S_sub.post.delay)
for var in ("gtot", "ge", "arrivals", "drive_sum"):
    arrays[f"nmda.{var}"] = np.asarray(getattr(nmda, var))
arrays["stdp.lastupdate"] = np.asarray(S_stdp.lastupdate)
arrays["nmda.g"] = np.asarray(S_nmda.g)
arrays["mod.counting.delay"] = np.asarray(S_mod.counting.delay)
arrays["linked.x"] = np.asarray(L.x)
if rank() == 0:
    np.savez(output + ".npz", **arrays)
