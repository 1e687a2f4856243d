"""Reference models run by both Brian2 (make_brian2_reference.py) and distsim
(tests/test_brian2_reference.py). Each function takes the simulator module
(``brian2`` or ``distsim``) and returns a dict of recorded arrays (SI units).

Only features both simulators share are used, so the two scripts are the
same model text.
"""
import numpy as np


def _record(sim, group, variables, record=True, dt=None):
    if dt is None:
        return sim.StateMonitor(group, variables, record=record)
    return sim.StateMonitor(group, variables, record=record, dt=dt)


def cuba_neuron(sim):
    """CUBA neurons (Brette et al. 2007) fed by excitatory and inhibitory spikes."""
    ms, mV = sim.ms, sim.mV
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = sim.NeuronGroup(3, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                        method="exact")
    P.v = np.array([-60.0, -55.0, -51.0]) * mV
    inputs = sim.SpikeGeneratorGroup(2, [0, 1, 0, 0, 1, 0, 0, 0],
                                     [5, 12, 20, 21, 40, 60, 61, 62] * ms)
    Ce = sim.Synapses(inputs, P, on_pre="ge += 6*mV")
    Ce.connect(i=0, j=[0, 1, 2])
    Ci = sim.Synapses(inputs, P, on_pre="gi -= 9*mV")
    Ci.connect(i=1, j=[0, 1, 2])
    mon = _record(sim, P, ["v", "ge", "gi"])
    spikes = sim.SpikeMonitor(P)
    sim.run(100 * ms)
    return dict(v=np.asarray(mon.v_), ge=np.asarray(mon.ge_), gi=np.asarray(mon.gi_),
                spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_))


def iaf_psc_exp_step(sim):
    """NEST's iaf_psc_exp (the PD14 neuron) driven by a step current."""
    ms, mV, pA, pF = sim.ms, sim.mV, sim.pA, sim.pF
    tau_m, tau_syn, Cm, v_r, theta = 10 * ms, 0.5 * ms, 250 * pF, -65 * mV, -50 * mV
    eqs = """
    dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
    dI/dt = -I/tau_syn : amp
    Iext : amp
    """
    G = sim.NeuronGroup(3, eqs, threshold="v > theta", reset="v = v_r", refractory=2 * ms,
                        method="exact")
    G.v = -65 * mV
    G.I = np.array([0.0, 200.0, -300.0]) * pA
    mon = _record(sim, G, ["v", "I"])
    spikes = sim.SpikeMonitor(G)
    sim.run(20 * ms)
    G.Iext = np.array([300.0, 380.0, 500.0]) * pA
    sim.run(100 * ms)
    return dict(v=np.asarray(mon.v_), I=np.asarray(mon.I_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def hodgkin_huxley(sim, method):
    """Brian2's Hodgkin-Huxley example (Traub & Miles rates), three currents."""
    ms, mV, umetre, cm, ufarad, siemens, msiemens, nA = (sim.ms, sim.mV, sim.umetre, sim.cm,
                                                         sim.ufarad, sim.siemens, sim.msiemens,
                                                         sim.nA)
    area = 20000 * umetre ** 2
    Cm = 1 * ufarad * cm ** -2 * area
    gl = 5e-5 * siemens * cm ** -2 * area
    El, EK, ENa, VT = -65 * mV, -90 * mV, 50 * mV, -63 * mV
    g_na = 100 * msiemens * cm ** -2 * area
    g_kd = 30 * msiemens * cm ** -2 * area
    eqs = """
    dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
    dm/dt = 0.32*(mV**-1)*(13.*mV-v+VT)/(exp((13.*mV-v+VT)/(4.*mV))-1.)/ms*(1-m)-0.28*(mV**-1)*(v-VT-40.*mV)/(exp((v-VT-40.*mV)/(5.*mV))-1.)/ms*m : 1
    dn/dt = 0.032*(mV**-1)*(15.*mV-v+VT)/(exp((15.*mV-v+VT)/(5.*mV))-1.)/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
    dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
    I : amp
    """
    sim.defaultclock.dt = 0.01 * ms
    G = sim.NeuronGroup(3, eqs, threshold="v > -40*mV", refractory="v > -40*mV", method=method)
    G.v = El
    G.I = np.array([0.3, 0.7, 1.5]) * nA
    mon = _record(sim, G, ["v", "m", "h", "n"], dt=0.1 * ms)
    spikes = sim.SpikeMonitor(G)
    sim.run(40 * ms)
    sim.defaultclock.dt = 0.1 * ms
    return dict(v=np.asarray(mon.v_), m=np.asarray(mon.m_), h=np.asarray(mon.h_),
                n=np.asarray(mon.n_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def adex(sim):
    """Brian2's adaptive exponential integrate-and-fire example (Naud et al. 2008)."""
    ms, mV, pF, nS, nA = sim.ms, sim.mV, sim.pF, sim.nS, sim.nA
    C, gL, EL, VT, DeltaT = 281 * pF, 30 * nS, -70.6 * mV, -50.4 * mV, 2 * mV
    Vcut = VT + 5 * DeltaT
    tauw, a, b, Vr = 144 * ms, 4 * nS, 0.0805 * nA, -70.6 * mV
    eqs = """
    dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt
    dw/dt = (a*(vm - EL) - w)/tauw : amp
    I : amp
    """
    G = sim.NeuronGroup(2, eqs, threshold="vm > Vcut", reset="vm = Vr; w += b", method="euler")
    G.vm = EL
    G.I = np.array([0.8, 1.5]) * nA
    mon = _record(sim, G, ["vm", "w"])
    spikes = sim.SpikeMonitor(G)
    sim.run(200 * ms)
    return dict(vm=np.asarray(mon.vm_), w=np.asarray(mon.w_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def noisy(sim):
    """Statistics of noisy neurons: an Ornstein-Uhlenbeck process (additive
    noise, euler) and geometric Brownian motion (multiplicative, heun)."""
    ms, mV = sim.ms, sim.mV
    tau, sigma = 10 * ms, 2 * mV
    ou = sim.NeuronGroup(4000, "dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : volt", method="euler")
    gbm = sim.NeuronGroup(4000, "dx/dt = mu*x + s*x*xi : 1", method="heun",
                          namespace={"mu": -2 / sim.second, "s": 0.5 / sim.second ** 0.5})
    gbm.x = 1
    sim.run(50 * ms)
    v, x = np.asarray(ou.v_), np.asarray(gbm.x_)
    return dict(ou_mean=np.array([v.mean()]), ou_var=np.array([v.var()]),
                gbm_mean=np.array([x.mean()]), gbm_var=np.array([x.var()]))


def _input_spikes(n_inputs, rate_hz, duration_s, seed):
    """Fixed Poisson-like input spike times (numpy, the same for both
    simulators), on the 0.1 ms grid, at most one spike per input and step."""
    rng = np.random.RandomState(seed)
    steps = int(round(duration_s / 1e-4))
    fired = rng.uniform(size=(steps, n_inputs)) < rate_hz * 1e-4
    step_index, neuron = np.nonzero(fired)
    return neuron, step_index * 1e-4


def stdp(sim):
    """The synapse guide's STDP model (event-driven traces, on_pre and
    on_post), heterogeneous delays, inputs driving two neurons."""
    ms, mV = sim.ms, sim.mV
    taum, taue, vt, vr = 10 * ms, 5 * ms, -54 * mV, -60 * mV
    taupre, taupost, gmax = 20 * ms, 20 * ms, 7 * mV
    delta_Apre = 0.01
    delta_Apost = -delta_Apre * taupre / taupost * 1.05
    neurons = sim.NeuronGroup(2, """dv/dt = (ge + (-74*mV - v))/taum : volt
                                   dge/dt = -ge/taue : volt""",
                              threshold="v > vt", reset="v = vr", method="exact")
    neurons.v = vr
    indices, times = _input_spikes(40, 30.0, 0.4, seed=11)
    inputs = sim.SpikeGeneratorGroup(40, indices, times * sim.second)
    stdp_syn = sim.Synapses(inputs, neurons, model="""
                            w:1
                            dApre/dt = -Apre/taupre : 1 (event-driven)
                            dApost/dt = -Apost/taupost : 1 (event-driven)""",
                            on_pre="""ge += w*gmax
                                   Apre += delta_Apre
                                   w = clip(w + Apost, 0, 1)""",
                            on_post="""Apost += delta_Apost
                                    w = clip(w + Apre, 0, 1)""")
    stdp_syn.connect()
    stdp_syn.w = np.random.RandomState(5).uniform(0.3, 0.9, size=80)
    stdp_syn.delay = "(i % 3)*ms"
    mon = sim.StateMonitor(stdp_syn, ["w", "Apre", "Apost"], record=[0, 7, 40, 79])
    spikes = sim.SpikeMonitor(neurons)
    sim.run(400 * ms)
    return dict(w=np.asarray(mon.w), Apre=np.asarray(mon.Apre), Apost=np.asarray(mon.Apost),
                final_w=np.asarray(stdp_syn.w), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def summed_nmda(sim):
    """The guide's non-linear (NMDA-like) synapse: clock-driven synaptic
    equations and a summed variable."""
    ms = sim.ms
    a, b, c = 1 / (10 * ms), 1 / (5 * ms), 1 / (20 * ms)
    indices, times = _input_spikes(3, 40.0, 0.2, seed=3)
    inputs = sim.SpikeGeneratorGroup(3, indices, times * sim.second)
    neurons = sim.NeuronGroup(2, """dv/dt = (gtot - v)/(10*ms) : 1
                                   gtot : 1""")
    syn = sim.Synapses(inputs, neurons,
                       model="""dg/dt = -a*g+b*x*(1-g) : 1
                                dx/dt = -c*x : 1
                                w : 1 # synaptic weight
                                gtot_post = g : 1 (summed)""",
                       on_pre="x += w")
    syn.connect()
    syn.w = "0.2 + 0.1*i + 0.05*j"
    mon = sim.StateMonitor(neurons, ["v", "gtot"], record=True)
    syn_mon = sim.StateMonitor(syn, ["g", "x"], record=[0, 3, 5])
    sim.run(200 * ms)
    return dict(v=np.asarray(mon.v), gtot=np.asarray(mon.gtot), g=np.asarray(syn_mon.g),
                x=np.asarray(syn_mon.x))


def pathways(sim):
    """Two presynaptic pathways (the guide's 'pre_transmission' and a delayed
    'pre_plasticity'), modulation by a presynaptic variable (ge += w*u_pre)
    and a shared parameter."""
    ms = sim.ms
    source = sim.NeuronGroup(3, "du/dt = (2 - u)/(7*ms) : 1", threshold="u > 1",
                             reset="u = 0", method="exact")
    source.u = "0.3*i"
    target = sim.NeuronGroup(2, """dge/dt = -ge/(5*ms) : 1
                                  count : 1""")
    S = sim.Synapses(source, target, """w : 1
                                        scale : 1 (shared)
                                        dApre/dt = -Apre/(10*ms) : 1 (event-driven)""",
                     on_pre={"pre_transmission": "ge += scale * w * u_pre",
                             "pre_plasticity": """Apre += 0.1
                                                  count_post += 1
                                                  w = clip(w + 0.5*Apre, 0, 2)"""})
    S.connect()
    S.w = "0.5 + 0.1*i - 0.2*j"
    S.scale = 1.5
    S.pre_plasticity.delay[:, :] = 3 * ms  # the guide's delayed trace
    S.pre_transmission.delay = "(1 + i)*ms"
    mon = sim.StateMonitor(target, ["ge", "count"], record=True)
    syn_mon = sim.StateMonitor(S, ["w", "Apre"], record=True)
    sim.run(60 * ms)
    return dict(ge=np.asarray(mon.ge), count=np.asarray(mon.count), w=np.asarray(syn_mon.w),
                Apre=np.asarray(syn_mon.Apre))


def refractory_writes(sim):
    """Writes to '(unless refractory)' variables are dropped while a neuron is
    refractory (Brian2's conditional write): by a synapse's ``v_post += ...``
    (the compiled additive path and the general path) and by run_regularly;
    the reset still writes."""
    ms, mV = sim.ms, sim.mV
    G = sim.NeuronGroup(4, """dv/dt = (v0 - v)/(10*ms) : volt (unless refractory)
                              v0 : volt""", threshold="v > -50*mV", reset="v = -65*mV",
                        refractory=5 * ms, method="exact")
    G.v = -65 * mV
    G.v0 = np.array([-45.0, -48.0, -52.0, -60.0]) * mV
    inputs = sim.SpikeGeneratorGroup(1, np.zeros(30, dtype=int), np.arange(1, 31) * 1.7 * ms)
    additive = sim.Synapses(inputs, G, on_pre="v_post += 1.3*mV")
    additive.connect()
    general = sim.Synapses(inputs, G, "w : volt", on_pre="""v_post += w
                                                          w = w*0.97""", delay=0.3 * ms)
    general.connect()
    general.w = 0.9 * mV
    G.run_regularly("v += 0.4*mV", dt=1 * ms)
    mon = _record(sim, G, "v")
    spikes = sim.SpikeMonitor(G)
    sim.run(60 * ms)
    return dict(v=np.asarray(mon.v_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_), w=np.asarray(general.w_))


MODELS = {
    "cuba_neuron": cuba_neuron,
    "iaf_psc_exp_step": iaf_psc_exp_step,
    "hh_rk4": lambda sim: hodgkin_huxley(sim, "rk4"),
    "hh_exponential_euler": lambda sim: hodgkin_huxley(sim, "exponential_euler"),
    "adex": adex,
    "noisy": noisy,
    "stdp": stdp,
    "summed_nmda": summed_nmda,
    "pathways": pathways,
    "refractory_writes": refractory_writes,
}
