"""Reference models of brian2_fidelity_models.py for synapses: neighbour
subexpressions, presynaptic writes, linked synaptic variables and Synapses
onto Synapses (run by Brian2 in make_brian2_reference.py and by distsim in
tests/test_brian2_fidelity_synapses.py, through brian2_fidelity_models.MODELS).
"""
import numpy as np

def neighbour_subexpressions(sim):
    """Synaptic code reading subexpressions of the source and target groups
    (Tetzlaff et al. 2015: ``F_pre*F_post`` in a clock-driven weight,
    ``I_post = w*F_pre`` summed): the subexpression is evaluated on the
    neuron it belongs to, with that neuron's values at the moment the
    synaptic code runs; an unsuffixed name means the target's, and a
    subexpression may use another one and the neuron's index."""
    ms = sim.ms
    F_max, beta = 1.2, 4.0
    neurons = sim.NeuronGroup(7, """F = F_max/(1 + exp(beta*(0.5 - u))) : 1
                                    G = F*F + 0.01*i : 1
                                    du/dt = (-u + I_E - I_I + drive)/(5*ms) : 1
                                    I_E : 1
                                    I_I : 1
                                    drive : 1 (constant)""",
                              threshold="u > 0.9", reset="u = 0", method="euler")
    neurons.drive = "0.6 + 0.15*i"
    exc = sim.Synapses(neurons, neurons, """dw/dt = F_pre*F_post/(40*ms) - (0.7 - F_post)*w**2/(30*ms) : 1 (clock-driven)
                                            I_E_post = w*F_pre : 1 (summed)""",
                       method="euler")
    exc.connect(condition="(i + 2*j) % 3 == 0")
    exc.w = "0.1 + 0.02*i"
    inh = sim.Synapses(neurons, neurons, """c : 1
                                            I_I_post = c*G_pre : 1 (summed)""",
                       on_pre="c += 0.05*G_post + 0.01*F")
    inh.connect(condition="i != j and (i + j) % 2 == 1")
    inh.c = 0.05
    mon = sim.StateMonitor(neurons, ["u", "I_E", "I_I"], record=True)
    wmon = sim.StateMonitor(exc, "w", record=True)
    spikes = sim.SpikeMonitor(neurons)
    sim.run(60 * ms)
    return dict(u=np.asarray(mon.u), I_E=np.asarray(mon.I_E), I_I=np.asarray(mon.I_I),
                w=np.asarray(wmon.w), c=np.asarray(inh.c[:]), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def presynaptic_writes(sim):
    """A pathway writing its presynaptic neuron (Wang 2002's NMDA rise,
    ``on_pre='x_pre += 1'`` with ``connect(j='i')``): each spike raises the
    neuron's own x after the delay; two synapses per neuron add both."""
    ms = sim.ms
    G = sim.NeuronGroup(6, """dv/dt = (1.1 + 0.1*i - v - 0.4*s)/(8*ms) : 1
                              ds/dt = -s/(20*ms) + 0.5*x*(1 - s)/ms : 1
                              dx/dt = -x/(2*ms) : 1""",
                        threshold="v > 1", reset="v = 0", refractory=2 * ms, method="euler")
    S = sim.Synapses(G, G, "w : 1", on_pre="x_pre += w", delay=0.5 * ms)
    S.connect(j="i")
    S.connect(j="i")
    S.w = "0.5 + 0.25*i"
    mon = sim.StateMonitor(G, ["v", "s", "x"], record=True)
    spikes = sim.SpikeMonitor(G)
    sim.run(50 * ms)
    return dict(v=np.asarray(mon.v), s=np.asarray(mon.s), x=np.asarray(mon.x),
                spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_))


def synaptic_linked_variable(sim):
    """A ``(linked)`` synaptic variable (Brian2's homeostatic STDP example):
    every synapse reads a subexpression of a group of one neuron (``G = H -
    gamma``) that another Synapses drives, in its event-driven pathways and
    in a StateMonitor, with the value of the moment the code runs."""
    ms, Hz, second = sim.ms, sim.Hz, sim.second
    gamma, tau_H = 5 * Hz, 20 * ms
    factor = sim.NeuronGroup(1, """G = H - gamma : Hz
                                   dH/dt = -H/tau_H : Hz""", method="exact")
    factor.H = 2 * Hz
    drive = sim.NeuronGroup(3, "dv/dt = (1.2 + 0.2*i - v)/(4*ms) : 1", threshold="v > 1",
                            reset="v = 0", method="exact")
    aggregate = sim.Synapses(drive, factor, on_pre="H_post += 3*Hz")
    aggregate.connect()
    pre = sim.NeuronGroup(2, "dv/dt = (1.1 + 0.3*i - v)/(6*ms) : 1", threshold="v > 1",
                          reset="v = 0", method="exact")
    post = sim.NeuronGroup(3, "dv/dt = (1.15 + 0.2*i - v)/(5*ms) : 1", threshold="v > 1",
                           reset="v = 0", method="exact")
    S = sim.Synapses(pre, post, """G : Hz (linked)
                                   wij : 1
                                   dzi/dt = -zi/(10*ms) : 1 (event-driven)
                                   dzj/dt = -zj/(10*ms) : 1 (event-driven)""",
                     on_pre="zj += 1\nwij += 0.01*second*G*(zi + 1)",
                     on_post="zi += 1\nwij += 0.01*second*G*zj")
    S.connect()
    S.G = sim.linked_var(factor, "G")
    mon = sim.StateMonitor(S, ["G", "wij"], record=True)
    sim.run(60 * ms)
    return dict(G=np.asarray(mon.G_), wij=np.asarray(mon.wij), wij_end=np.asarray(S.wij[:]),
                G_end=np.asarray(S.G_[:]))


def synapses_onto_synapses(sim):
    """Synapses whose source or target is another Synapses (Izhikevich
    2007's dopamine onto STDP synapses, Stimberg et al. 2018's astrocytes):
    a pathway writing the target synapses' clock-driven variable, a summed
    variable into a synaptic parameter (generator syntax over synapse ids),
    a summed variable from the synapses into neurons, and connect
    conditions reading synaptic variables (``k_post``, ``k_pre``), Brian2's
    short generator form ``j='expr if cond'``. The
    synapses' ids interleave over the ranks that hold them (source-major
    ids, targets split over ranks)."""
    ms = sim.ms
    pre = sim.NeuronGroup(3, "dv/dt = (1.1 + 0.1*i - v)/(5*ms) : 1", threshold="v > 1",
                          reset="v = 0", method="exact")
    post = sim.NeuronGroup(4, "dv/dt = -v/(10*ms) : 1", method="exact")
    S = sim.Synapses(pre, post, """w : 1
                                  k : integer (constant)
                                  G : 1
                                  dd/dt = -d/(20*ms) : 1 (clock-driven)
                                  dc/dt = (d - c)/(10*ms) : 1 (clock-driven)
                                  dy/dt = (G - y)/(5*ms) : 1 (clock-driven)""",
                     on_pre="v_post += w*(1 + c)", method="euler")
    S.connect()
    S.w = "0.2 + 0.05*j"
    S.k = "(i + j) % 2"
    modulator = sim.NeuronGroup(2, "dv/dt = (1.2 + 0.3*i - v)/(7*ms) : 1", threshold="v > 1",
                                reset="v = 0", method="exact")
    reward = sim.Synapses(modulator, S, on_pre="d_post += 0.5")
    reward.connect("i == k_post")
    level = sim.Synapses(modulator, S, "G_post = v_pre : 1 (summed)")
    level.connect(j="m for m in range(i, N_post, 3)")
    gate = sim.Synapses(modulator, S, on_pre="c_post += 0.1")
    gate.connect(j="2*i + 7 if i < 1")  # Brian2's short form: one candidate, kept if
    astro = sim.NeuronGroup(2, "Y : 1")
    uptake = sim.Synapses(S, astro, "Y_post = y_pre + 0.1*i : 1 (summed)")
    uptake.connect("k_pre == j")
    syn_mon = sim.StateMonitor(S, ["d", "c", "y", "G"], record=True)
    post_mon = sim.StateMonitor(post, "v", record=True)
    astro_mon = sim.StateMonitor(astro, "Y", record=True)
    sim.run(40 * ms)
    return dict(d=np.asarray(syn_mon.d), c=np.asarray(syn_mon.c), y=np.asarray(syn_mon.y),
                G=np.asarray(syn_mon.G), v=np.asarray(post_mon.v), Y=np.asarray(astro_mon.Y),
                reward_i=np.asarray(reward.i[:]), reward_j=np.asarray(reward.j[:]),
                level_j=np.asarray(level.j[:]), gate_j=np.asarray(gate.j[:]), uptake_i=np.asarray(uptake.i[:]),
                uptake_j=np.asarray(uptake.j[:]), S_i=np.asarray(S.i[:]),
                S_j=np.asarray(S.j[:]))
