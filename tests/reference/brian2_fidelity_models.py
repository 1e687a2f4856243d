"""Reference models for the Brian2 semantics that Brian2's own examples rely
on (issue 15): run by Brian2 (make_brian2_reference.py) and by distsim
(tests/test_brian2_fidelity.py). Each function takes the simulator module
(``brian2`` or ``distsim``) and returns a dict of arrays (SI units).
"""
import numpy as np

from brian2_fidelity_synapse_models import (neighbour_subexpressions,
                                            presynaptic_writes, synapses_onto_synapses,
                                            synaptic_linked_variable)


def hh_subexpressions(sim):
    """COBAHH's way of writing Hodgkin-Huxley: rate subexpressions with
    ``exprel`` and a constant (VT) that only the subexpressions use, an
    initial value from a string that does not name it, a subexpression
    recorded by a StateMonitor and read as ``G.alpha_m`` after the run."""
    ms, mV, umetre, cm, ufarad, siemens, msiemens, nA = (sim.ms, sim.mV, sim.umetre, sim.cm,
                                                         sim.ufarad, sim.siemens, sim.msiemens,
                                                         sim.nA)
    area = 20000 * umetre ** 2
    Cm = 1 * ufarad * cm ** -2 * area
    gl = 5e-5 * siemens * cm ** -2 * area
    El, EK, ENa, VT = -60 * mV, -90 * mV, 50 * mV, -63 * mV
    g_na = 100 * msiemens * cm ** -2 * area
    g_kd = 30 * msiemens * cm ** -2 * area
    eqs = """
    dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I_ext)/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    I_ext = amplitude*(1 + i) : amp
    amplitude : amp (shared)
    """
    sim.defaultclock.dt = 0.01 * ms
    G = sim.NeuronGroup(3, eqs, threshold="v > -20*mV", refractory=3 * ms,
                        method="exponential_euler")
    G.v = "El - 5*mV*i/N"
    G.amplitude = 0.3 * nA
    mon = sim.StateMonitor(G, ["v", "alpha_m", "I_ext"], record=True, dt=0.1 * ms)
    spikes = sim.SpikeMonitor(G)
    sim.run(30 * ms)
    sim.defaultclock.dt = 0.1 * ms
    return dict(v=np.asarray(mon.v_), alpha_m=np.asarray(mon.alpha_m_),
                I_ext=np.asarray(mon.I_ext_), alpha_m_end=np.asarray(G.alpha_m_[:]),
                beta_n_end=np.asarray(G.beta_n[:]), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def user_functions(sim):
    """Python functions in models: one decorated with ``@check_units`` (used
    directly, as Brian2's numpy target allows), one wrapped in ``Function``
    with its units given, and ``timestep`` called from Python."""
    ms, mV, nA, Mohm, second, volt, amp = (sim.ms, sim.mV, sim.nA, sim.Mohm, sim.second,
                                           sim.volt, sim.amp)

    @sim.check_units(t=second, result=amp)
    def drive(t):
        return 0.25 * nA * (1 + np.sin(2 * np.pi * t / (20 * ms)))

    def soft_reset(v):
        return v * 0.5 - 35 * mV

    reset_to = sim.Function(soft_reset, arg_units=[volt], return_unit=volt)
    G = sim.NeuronGroup(2, """dv/dt = (-70*mV - v + R*drive(t)*(1 + i))/(10*ms) : volt""",
                        threshold="v > -55*mV", reset="v = reset_to(v)", method="euler",
                        namespace={"R": 100 * Mohm, "drive": drive, "reset_to": reset_to,
                                   "mV": mV, "ms": ms})
    G.v = -70 * mV
    mon = sim.StateMonitor(G, "v", record=True)
    spikes = sim.SpikeMonitor(G)
    sim.run(60 * ms)
    from_python = [float(drive(3 * ms) / nA), float(reset_to(-50 * mV) / mV)]
    return dict(v=np.asarray(mon.v_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_), from_python=np.array(from_python))


def magic_sweep(sim):
    """A parameter sweep written as Brian2's examples write it: a new group
    and monitor in each iteration and ``run()``. Brian2 starts every
    iteration at t = 0 and simulates only that iteration's objects."""
    ms = sim.ms
    counts, ends, first_spikes = [], [], []
    for drive in (1.05, 1.2, 1.5):
        G = sim.NeuronGroup(5, "dv/dt = (drive*(1 + 0.1*i) - v)/(10*ms) : 1",
                            threshold="v > 1", reset="v = 0", method="exact")
        M = sim.SpikeMonitor(G)
        sim.run(50 * ms)
        counts.append(np.asarray(M.count))
        ends.append(float(sim.defaultclock.t / ms))
        first_spikes.append(float(M.t[0] / ms) if len(M.t) else -1.0)
    # A new monitor does not start a new simulation: time continues.
    M2 = sim.SpikeMonitor(G)
    sim.run(10 * ms)
    ends.append(float(sim.defaultclock.t / ms))
    return dict(counts=np.array(counts), ends=np.array(ends),
                first_spikes=np.array(first_spikes), late_count=np.asarray(M2.count))


def dropped_objects(sim):
    """Objects the script keeps no reference to are not simulated (Brian2):
    an input created without a name changes nothing."""
    ms, mV, Hz = sim.ms, sim.mV, sim.Hz
    G = sim.NeuronGroup(20, "dv/dt = -v/(10*ms) : volt", threshold="v > 1*mV", reset="v = 0*mV",
                        method="exact")
    sim.PoissonInput(G, "v", 100, 100 * Hz, 1 * mV)  # no reference kept
    kept = sim.PoissonInput(G[:10], "v", 10, 50 * Hz, 0.2 * mV)
    spikes = sim.SpikeMonitor(G)
    sim.run(100 * ms)
    return dict(spike_count=np.asarray(spikes.count), v_rest=np.asarray(G.v_[10:]),
                moved=np.asarray(np.abs(G.v_[:10]) > 0))


def constants_and_timestep(sim):
    """Physical constants (``brian2.units.constants``) and ``timestep``."""
    import importlib
    constants = importlib.import_module(f"{sim.__name__}.units.constants")
    functions = importlib.import_module(f"{sim.__name__}.core.functions"
                                        if sim.__name__ == "brian2" else
                                        f"{sim.__name__}.model.functions")
    names = ["avogadro_constant", "boltzmann_constant", "electric_constant", "electron_mass",
             "elementary_charge", "faraday_constant", "gas_constant", "magnetic_constant",
             "molar_mass_constant", "zero_celsius"]
    values = np.array([float(np.asarray(getattr(constants, n))) for n in names])
    ms = sim.ms
    steps = np.array([functions.timestep(t * ms, 0.1 * ms) for t in (0, 0.1, 0.3, 1.0, 2.55)])
    exprel = np.array([float(sim.exprel(x)) for x in (0.0, 1e-20, 1e-3, 1.0, -5.0, 50.0)])
    return dict(values=values, steps=steps, exprel=exprel)


def network_operations(sim):
    """Python code during a run: an operation that reads the group's values
    and a monitor and writes the group every 2 ms, one that takes ``t``, and
    ``stop()`` when a spike count is reached (network_operation_stop.py)."""
    ms = sim.ms
    G = sim.NeuronGroup(6, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1",
                        reset="v = 0", method="exact")
    G.I = "1.1 + 0.1*i"
    spikes = sim.SpikeMonitor(G)
    seen = []

    @sim.network_operation(dt=2 * ms)
    def balance():
        values = G.v[:]
        G.I = G.I[:] + 0.02 * (values.mean() - values)
        seen.append(spikes.num_spikes)

    times = []

    @sim.network_operation(when="end")
    def clocked(t):
        times.append(float(t / ms))
        if spikes.num_spikes >= 25:
            sim.stop()

    sim.run(200 * ms)
    return dict(I=np.asarray(G.I[:]), seen=np.array(seen), last_t=np.array(times[-3:]),
                end=np.array(float(sim.defaultclock.t / ms)), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def monitor_slots(sim):
    """Monitors in other slots of the step (Izhikevich_2003.py records
    ``when='after_thresholds'``, Naud et al. ``when='thresholds'``): before
    the update, after the threshold (before the reset) and at the end."""
    ms = sim.ms
    G = sim.NeuronGroup(3, "dv/dt = (1.5 + 0.2*i - v)/(10*ms) : 1", threshold="v > 1",
                        reset="v = 0.1*i", method="exact")
    start = sim.StateMonitor(G, "v", record=True)
    after = sim.StateMonitor(G, "v", record=True, when="after_thresholds")
    end = sim.StateMonitor(G, "v", record=[0, 2], when="end", order=5)
    spikes = sim.SpikeMonitor(G, variables="v", when="end")
    rate = sim.PopulationRateMonitor(G)
    sim.run(30 * ms)
    return dict(start=np.asarray(start.v), after=np.asarray(after.v), end=np.asarray(end.v),
                spike_v=np.asarray(spikes.v), spike_i=np.asarray(spikes.i),
                rate=np.asarray(rate.rate_))


def temporaries_and_shared_statements(sim):
    """Statements with temporaries (Clopath et al.'s ``w_minus = ...`` in
    on_pre) and a run_regularly that assigns shared variables once for the
    group, then per-neuron values from them (Kremer et al.'s stimulus)."""
    ms, mV = sim.ms, sim.mV
    inputs = sim.SpikeGeneratorGroup(3, [0, 1, 2, 0, 1, 2, 0], [2, 4, 6, 10, 14, 18, 25] * ms)
    G = sim.NeuronGroup(4, """dv/dt = (drive - v)/(10*ms) : volt
                              drive : volt
                              phase : 1 (shared)
                              offset : volt (shared)""", threshold="v > -50*mV",
                        reset="v = -65*mV", method="exact")
    G.v = -65 * mV
    G.run_regularly("""phase = t/(7*ms)
                       offset = 2*mV*phase
                       scaled = (1 + 0.5*i)*offset
                       drive = -55*mV + scaled""", dt=3 * ms)
    S = sim.Synapses(inputs, G, """w : volt
                                   dx/dt = -x/(5*ms) : 1 (event-driven)""",
                     on_pre="""x += 1
                               change = 0.5*mV*x*int(v_post > -60*mV)
                               v_post += w + change
                               w = clip(w - 0.1*change, 0*mV, 3*mV)""",
                     on_post="""gain = 0.2*mV*x
                                w = clip(w + gain, 0*mV, 3*mV)""")
    S.connect()
    S.w = "(1 + i + j)*0.5*mV"
    mon = sim.StateMonitor(G, ["v", "drive"], record=True)
    spikes = sim.SpikeMonitor(G)
    sim.run(40 * ms)
    return dict(v=np.asarray(mon.v_), drive=np.asarray(mon.drive_), w=np.asarray(S.w_[:]),
                phase=np.asarray(G.phase_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def synapse_indices(sim):
    """``S.indices[...]`` gives synapse indices to assign by (Brunel & Wang
    2001 set their weights this way)."""
    G = sim.NeuronGroup(6, "v : 1")
    S = sim.Synapses(G, G, "w : 1")
    S.connect(condition="i != j and (j != 4 or i < 2)")
    S.w = 1.0
    S.w[S.indices[:, 2:4]] = 0.5
    S.w[S.indices[1:3, 1:3]] = 2.0
    S.w[S.indices["j == 5"]] = 3.0
    one = S.w[3]  # one synapse index: one value (Clopath et al. read S.w_ampa[0])
    return dict(w=np.asarray(S.w[:]), i=np.asarray(S.i[:]), j=np.asarray(S.j[:]),
                picked=np.asarray(S.indices[0, :]), one=np.array([np.ndim(one), float(one)]),
                n_in=np.asarray(S.N_incoming_post), n_out=np.asarray(S.N_outgoing_pre))


def poisson_input_weight_of_time(sim):
    """A PoissonInput whose weight depends on time through a TimedArray
    (Brunel & Wang 2001's stimuli): with rate*dt = 1 every step has exactly
    N events, so the result is deterministic."""
    ms, mV, kHz = sim.ms, sim.mV, sim.kHz
    stimulus = sim.TimedArray([0.0, 0.5, 0.2, 0.0] * mV, dt=5 * ms)
    G = sim.NeuronGroup(2, "dv/dt = -v/(10*ms) : volt", method="exact")
    noise = sim.PoissonInput(G, "v", 3, 10 * kHz, "stimulus(t)")
    mon = sim.StateMonitor(G, "v", record=True)
    sim.run(25 * ms)
    return dict(v=np.asarray(mon.v_))


def custom_events(sim):
    """Brian2's custom_events.py with fixed input and five neurons: two
    custom events with run_on_event, a pathway triggered by one of them, an
    EventMonitor recording a variable, and spikes as usual."""
    ms = sim.ms
    inputs = sim.SpikeGeneratorGroup(5, np.repeat(np.arange(5), 120),
                                     np.tile(np.arange(120) * 4.0, 5) * ms
                                     + np.repeat(np.arange(5) * 0.7, 120) * ms)
    G = sim.NeuronGroup(5, """dv/dt = (g-v)/(50*ms) : 1
                              dg/dt = -g/(10*ms) : 1
                              allow_gspike : boolean""", threshold="v>1",
                        reset="v = 0; g = 0; allow_gspike = True",
                        events={"gspike": "g>1 and allow_gspike",
                                "end_gspike": "g<1 and not allow_gspike"}, method="exact")
    G.run_on_event("gspike", "allow_gspike = False")
    G.run_on_event("end_gspike", "allow_gspike = True")
    H = sim.NeuronGroup(5, """dx/dt = -x/(10*ms) : 1
                              dy/dt = -y/(10*ms) : 1""", method="exact")
    Sin = sim.Synapses(inputs, G, on_pre="g += 0.5 + 0.05*j")
    Sin.connect(j="i")
    S = sim.Synapses(G, H, on_pre={"pre": "x += 1", "gpath": "y += 1 + i"},
                     on_event={"pre": "spike", "gpath": "gspike"}, delay=1 * ms)
    S.connect()
    G.allow_gspike = True
    gspikes = sim.EventMonitor(G, "gspike", "g")
    spikes = sim.SpikeMonitor(G, "v")
    state = sim.StateMonitor(H, ("x", "y"), record=True)
    sim.run(500 * ms)
    return dict(event_i=np.asarray(gspikes.i), event_t=np.asarray(gspikes.t_),
                event_g=np.asarray(gspikes.g), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_), x=np.asarray(state.x), y=np.asarray(state.y))


def subgroup_run_regularly(sim):
    """run_regularly on a subgroup (Izhikevich 2003 drives its excitatory
    part this way): only the subgroup's neurons run the statements."""
    ms = sim.ms
    G = sim.NeuronGroup(6, "dv/dt = -v/(10*ms) : 1\nkicks : 1", method="exact")
    G[2:5].run_regularly("v += 0.1*(1 + i); kicks += 1", dt=2 * ms)
    G[0].run_regularly("v = 0.5", dt=5 * ms, when="end")
    mon = sim.StateMonitor(G, "v", record=True)
    sim.run(12 * ms)
    return dict(v=np.asarray(mon.v), kicks=np.asarray(G.kicks[:]))


def script_conveniences(sim):
    """What Brian2's examples read and call around the model: ``net['name']``
    (Maass et al.), ``mon[k].t`` (Naud et al.), ``S.x_pre`` (Kremer et al.),
    ``set_spikes`` between runs and spike times as a list of quantities."""
    ms = sim.ms
    G = sim.NeuronGroup(3, "dv/dt = -v/(5*ms) : 1\nx : 1", threshold="v > 1", reset="v = 0",
                        method="exact", name="neurons")
    G.x = "10*i"
    stimulus = sim.SpikeGeneratorGroup(3, [0, 1], [1 * ms, 2 * ms], name="stimulus")
    S = sim.Synapses(stimulus, G, "w : 1", on_pre="v_post += 1.5*w")
    S.connect()
    S.w = "0.5 + 0.1*j"
    mon = sim.StateMonitor(G, "v", record=True)
    spikes = sim.SpikeMonitor(G, name="spikes")
    net = sim.Network(G, stimulus, S, mon, spikes)
    net.run(5 * ms)
    net["stimulus"].set_spikes([2, 0], [7 * ms, 9 * ms])
    net["neurons"].v = 0.2
    net.run(10 * ms)
    return dict(t0=np.asarray(mon[0].t_), v1=np.asarray(mon[1].v), x_post=np.asarray(S.x_post),
                spike_i=np.asarray(net["spikes"].i), spike_t=np.asarray(net["spikes"].t_))


def exact_synapses_with_subexpression(sim):
    """Tsodyks et al. (2000)'s synapse: clock-driven, integrated exactly, a
    subexpression (z = 1 - x - y) inside the linear system and a shared time
    constant."""
    ms, mV = sim.ms, sim.mV
    inputs = sim.SpikeGeneratorGroup(2, [0, 1, 0, 1, 0], [2, 3, 5, 9, 12] * ms)
    G = sim.NeuronGroup(2, "dv/dt = (I_syn - v)/(5*ms) : volt\nI_syn : volt", method="exact")
    S = sim.Synapses(inputs, G, """A : volt
                                   tau_rec : second
                                   tau_y : second (shared, constant)
                                   dx/dt = z/tau_rec : 1 (clock-driven)
                                   dy/dt = -y/tau_y : 1 (clock-driven)
                                   z = 1 - x - y : 1
                                   I_syn_post = A*y : volt (summed)""",
                     on_pre="y += 0.5*x; x -= 0.5*x", method="exact")
    S.connect()
    S.A = "(1 + i + 2*j)*mV"
    S.tau_rec = "(20 + 10*i)*ms"
    S.tau_y = 3 * ms  # shared (Maass et al.'s tau_I)
    S.x = 1
    mon = sim.StateMonitor(G, "v", record=True)
    sim.run(20 * ms)
    return dict(v=np.asarray(mon.v_), x=np.asarray(S.x[:]), y=np.asarray(S.y[:]))


def conditionally_linear(sim):
    """Morris & Lecar (1981)'s form: exponential_euler on an equation whose
    factor of V depends on V itself through a subexpression (m_inf(V))."""
    ms, mV = sim.ms, sim.mV
    G = sim.NeuronGroup(3, """dV/dt = (-(V + 60*mV) - 2*m_inf*(V - 120*mV) + I)/(20*ms) : volt
                              m_inf = 0.5*(1 + tanh((V + 1.2*mV)/(18*mV))) : 1
                              I : volt""", method="exponential_euler")
    G.V = -60 * mV
    G.I = "(30 + 20*i)*mV"
    mon = sim.StateMonitor(G, "V", record=True)
    sim.run(30 * ms)
    return dict(V=np.asarray(mon.V_))


def timed_array_in_equations(sim):
    """TimedArrays read by the equations (Jansen & Rit's noise): a 1-d one
    in a subexpression integrated by rk4 (read between steps, at t + dt/2),
    whose values change every 2 ms; one with the simulation's dt in the
    threshold; Brian2's rounding of t to the values' grid decides both."""
    ms = sim.ms
    noise = sim.TimedArray(np.linspace(0.0, 2.0, 41) ** 2, dt=2 * ms)
    step = sim.TimedArray(np.tile([0.0, 1.0, 1.0, 0.0, 1.0], 200), dt=0.1 * ms)
    G = sim.NeuronGroup(3, """dv/dt = (drive - v)/(5*ms) : 1
                              drive = (1 + 0.3*i) * noise(t) : 1
                              dw/dt = -w/(3*ms) : 1""",
                        threshold="v > 1.5 and step(t) > 0.5", reset="v = 0; w += 1",
                        method="rk4")
    mon = sim.StateMonitor(G, ["v", "w", "drive"], record=True)
    spikes = sim.SpikeMonitor(G)
    sim.run(80 * ms)
    return dict(v=np.asarray(mon.v_), w=np.asarray(mon.w_), drive=np.asarray(mon.drive_),
                spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_))


def linked_variables(sim):
    """Linked variables that read other neurons (Brian2's reliability.py and
    Brette & Guigon 2003): every neuron linked to a group of one neuron
    (Brian2's index "0"), a shared subexpression of that value, and
    ``linked_var(G, 'y', index=...)`` choosing a source neuron per neuron.
    The sources reset, one is created before the targets and one after, so
    the values read are those of the moment each code object runs."""
    ms = sim.ms
    sources = sim.NeuronGroup(4, "dy/dt = (1.2 + 0.1*i - y)/(6*ms) : 1", threshold="y > 1.1",
                              reset="y = 0", method="exact")
    neurons = sim.NeuronGroup(10, """dv/dt = (0.5*I + 0.6*y_in + B - v)/tau : 1
                                     I : 1 (linked)
                                     y_in : 1 (linked)
                                     B = 0.2*I*I : 1 (shared)
                                     tau : second""",
                              threshold="v > 0.8", reset="v = 0", refractory=2 * ms,
                              method="euler")
    drive = sim.NeuronGroup(1, "dx/dt = (2 - x)/(7*ms) : 1", threshold="x > 1.3",
                            reset="x = 0", method="exact")
    neurons.tau = "(4 + i)*ms"
    neurons.I = sim.linked_var(drive, "x")
    neurons.y_in = sim.linked_var(sources, "y", index=np.arange(10) % 4)
    drive.x = 0.5
    spikes = sim.SpikeMonitor(neurons)
    mon = sim.StateMonitor(neurons, ["v", "I", "y_in", "B"], record=[0, 3, 9])
    sim.run(60 * ms)
    before = np.asarray(neurons.I[:])
    drive.x = 0.25  # set between runs: the next run's first step reads it
    sim.run(20 * ms)
    return dict(spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_),
                v=np.asarray(mon.v), I=np.asarray(mon.I), y_in=np.asarray(mon.y_in),
                B=np.asarray(mon.B), I_between=before, y_end=np.asarray(neurons.y_in[:]),
                x_end=np.asarray(drive.x[:]))


def synapse_monitor_of_neuron_variables(sim):
    """A StateMonitor of Synapses recording the neurons' variables through
    each synapse (Brian2's nonlinear.py records 'g', the target's variable
    that a summed variable sets). (Brian2 2.9 refuses v_post and v_pre
    here: "need to precalculate direct indices".)"""
    ms = sim.ms
    a = b = c = 1 / (10 * ms)
    inputs = sim.NeuronGroup(2, "dv/dt = 1/(10*ms) : 1", threshold="v>1", reset="v = 0",
                             method="euler")
    neurons = sim.NeuronGroup(3, """dv/dt = (g-v)/(10*ms) : 1
                                    g : 1""", method="exact")
    S = sim.Synapses(inputs, neurons, """dg_syn/dt = -a*g_syn+b*x*(1-g_syn) : 1 (clock-driven)
                                         g_post = g_syn : 1 (summed)
                                         dx/dt=-c*x : 1 (clock-driven)
                                         w : 1""", on_pre="x += w")
    S.connect()
    S.w = "1.0 + 2*i + j"
    inputs.v = [0.0, 0.5]
    mon = sim.StateMonitor(S, ["g", "g_syn"], record=[5, 0, 3, 4])
    sim.run(40 * ms)
    return dict(g=np.asarray(mon.g), g_syn=np.asarray(mon.g_syn))


def group_clock(sim):
    """A group with its own dt (Brian2's stochastic_odes.py: one network per
    dt): its monitors record on its clock, the network's time counts its
    steps, and the default clock does not move."""
    ms = sim.ms
    G = sim.NeuronGroup(2, "dv/dt = (1.2 + 0.1*i - v)/(5*ms) : 1", threshold="v > 1",
                        reset="v = 0", method="euler", dt=0.25 * ms)
    mon = sim.StateMonitor(G, "v", record=True)
    spikes = sim.SpikeMonitor(G)
    net = sim.Network(G, mon, spikes)
    net.run(20 * ms)
    return dict(v=np.asarray(mon.v), t=np.asarray(mon.t_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_), net_t=np.asarray(float(net.t / ms)),
                default_t=np.asarray(float(sim.defaultclock.t / ms)))


def groups_on_different_clocks(sim):
    """Groups with different dts in one run (Stimberg et al. 2018's example
    6: astrocytes on 10 ms beside neurons on 0.1 ms): the slow group's
    update, threshold, refractoriness, reset and run_regularly on its clock,
    a pathway from the fast group writing it at once, a summed variable into
    it on its clock from synapses whose clock-driven trace runs on the
    default clock, a fast group reading the slow one's values through
    synapses, monitors on their sources' clocks or their own dt."""
    ms = sim.ms
    fast = sim.NeuronGroup(4, """dv/dt = (1.3 + 0.1*i + I_back - v)/(8*ms) : 1 (unless refractory)
                                 I_back : 1""",
                           threshold="v > 1", reset="v = 0", refractory=1 * ms, method="exact")
    fast.v = "0.2*i"
    slow = sim.NeuronGroup(3, """dx/dt = (I_in + I_sum - x)/(6*ms) : 1 (unless refractory)
                                 I_in : 1
                                 I_sum : 1
                                 y : 1""",
                           threshold="x > 0.35", reset="x = 0", refractory=3 * ms,
                           method="euler", dt=1 * ms)
    slow.run_regularly("y += 0.1 + x", dt=2 * ms)
    direct = sim.Synapses(fast, slow, "w : 1", on_pre="I_in_post += w")
    direct.connect()
    direct.w = "0.05 + 0.02*i + 0.01*j"
    summed = sim.Synapses(fast, slow, """dtr/dt = -tr/(4*ms) : 1 (clock-driven)
                                         I_sum_post = 0.15*tr : 1 (summed)""",
                          on_pre="tr += 1", method="exact")
    summed.connect("i != j")
    back = sim.Synapses(slow, fast, "I_back_post = 0.05*x_pre : 1 (summed)")
    back.connect()
    slow_mon = sim.StateMonitor(slow, ["x", "I_sum", "I_in", "y"], record=True)
    fast_mon = sim.StateMonitor(fast, ["v", "I_back"], record=[0, 3], dt=0.5 * ms)
    slow_spikes = sim.SpikeMonitor(slow)
    fast_spikes = sim.SpikeMonitor(fast)
    sim.run(60 * ms)
    return dict(x=np.asarray(slow_mon.x), I_sum=np.asarray(slow_mon.I_sum),
                I_in=np.asarray(slow_mon.I_in), y=np.asarray(slow_mon.y),
                slow_t=np.asarray(slow_mon.t_), v=np.asarray(fast_mon.v),
                I_back=np.asarray(fast_mon.I_back), fast_t=np.asarray(fast_mon.t_),
                slow_i=np.asarray(slow_spikes.i), slow_spike_t=np.asarray(slow_spikes.t_),
                fast_i=np.asarray(fast_spikes.i), fast_spike_t=np.asarray(fast_spikes.t_))


def coefficients_written_by_other_synapses(sim):
    """A clock-driven exact equation whose coefficient (``G_A``) is summed
    into the synapses by another Synapses at every step (Stimberg et al.
    2018's example 6: gliotransmitter onto synapses): the update uses the
    coefficient's current value at every step."""
    ms = sim.ms
    G = sim.NeuronGroup(3, """dv/dt = (1.4 + 0.1*i - v)/(6*ms) : 1
                              """, threshold="v > 1", reset="v = 0", method="exact")
    astro = sim.NeuronGroup(2, """dc/dt = (1.5 + 0.2*i - c)/(7*ms) : 1
                                  dg/dt = -g/(8*ms) : 1""",
                            threshold="c > 1", reset="c = 0; g += 1", method="exact")
    S = sim.Synapses(G, G, """dGam/dt = 0.5/ms*G_A*(1 - Gam) - 0.2/ms*Gam : 1 (clock-driven)
                              G_A : 1
                              w : 1""", on_pre="v_post += w*(1 - Gam)", method="exact")
    S.connect("i != j")
    S.w = 0.1
    X = sim.Synapses(astro, S, "G_A_post = g_pre : 1 (summed)")
    X.connect("i == j % 2")
    mon = sim.StateMonitor(S, ["Gam", "G_A"], record=[0, 1, 5])
    spikes = sim.SpikeMonitor(G)
    sim.run(50 * ms)
    return dict(Gam=np.asarray(mon.Gam), G_A=np.asarray(mon.G_A), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def synapses_on_the_default_clock(sim):
    """A group with its own dt (0.5 ms) and Synapses whose clock-driven
    trace runs on the default clock (0.1 ms), summed into the group on the
    group's clock: the Synapses keep Brian2's clock, not the group's."""
    ms = sim.ms
    G = sim.NeuronGroup(3, """dv/dt = (1.2 + 0.1*i + I_syn - v)/(6*ms) : 1
                              I_syn : 1""", threshold="v > 1", reset="v = 0",
                        method="euler", dt=0.5 * ms)
    S = sim.Synapses(G, G, """dtr/dt = -tr/(2*ms) + 0.3/ms*sin(2*pi*t/(1.3*ms))**2 : 1 (clock-driven)
                              I_syn_post = 0.1*tr : 1 (summed)""", on_pre="tr += 1",
                     method="euler")
    S.connect("i != j")
    mon = sim.StateMonitor(G, ["v", "I_syn"], record=True)
    trace = sim.StateMonitor(S, "tr", record=[0, 3], dt=0.1 * ms)
    spikes = sim.SpikeMonitor(G)
    sim.run(30 * ms)
    return dict(v=np.asarray(mon.v), I_syn=np.asarray(mon.I_syn), tr=np.asarray(trace.tr),
                t=np.asarray(mon.t_), tr_t=np.asarray(trace.t_), spike_i=np.asarray(spikes.i),
                spike_t=np.asarray(spikes.t_))


def spike_generator_off_the_grid(sim):
    """SpikeGeneratorGroup times between time steps (Maass et al. 2002 draws
    Poisson times): Brian2 puts a spike in the step that contains it (its
    time plus a thousandth of dt, truncated), also with a period."""
    ms = sim.ms
    times = np.array([0.06, 0.149, 0.31, 1.26, 1.95, 2.5499, 3.0, 4.97]) * ms
    indices = np.array([0, 1, 0, 1, 2, 0, 2, 1])
    stim = sim.SpikeGeneratorGroup(3, indices, times, period=6 * ms)
    G = sim.NeuronGroup(3, "dv/dt = -v/(3*ms) : 1", method="exact")
    S = sim.Synapses(stim, G, on_pre="v_post += 1")
    S.connect(j="i")
    spikes = sim.SpikeMonitor(stim)
    mon = sim.StateMonitor(G, "v", record=True)
    sim.run(14 * ms)
    return dict(spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_),
                v=np.asarray(mon.v))


def per_neuron_exact_with_input(sim):
    """Linear equations integrated exactly with time constants that differ
    between neurons, driven by a current that synapses set at every step
    (a summed variable): the exact step with per-neuron coefficients and a
    parameter that changes during the run (Maass et al. 2002's liquid), with
    a variable held while refractory."""
    return _exact_with_input(sim, "(3 + 2*i)*ms", "(8 - i)*ms")


def shared_exact_with_input(sim):
    """`per_neuron_exact_with_input` with time constants shared by all
    neurons: one propagator for all, the changing current per neuron."""
    return _exact_with_input(sim, "5*ms", "7*ms")


def _exact_with_input(sim, tau, tau2):
    ms = sim.ms
    drive = sim.NeuronGroup(3, "dx/dt = (1.5 + 0.2*i - x)/(4*ms) : 1", threshold="x > 1",
                            reset="x = 0", method="exact")
    G = sim.NeuronGroup(4, """dv/dt = (I - v)/tau : 1 (unless refractory)
                              dw/dt = (v - w)/tau2 : 1
                              tau : second (constant)
                              tau2 : second (constant)
                              I : 1""", threshold="v > 0.6", reset="v = 0",
                        refractory=2 * ms, method="exact")
    G.tau = tau
    G.tau2 = tau2
    S = sim.Synapses(drive, G, "I_post = (0.4 + 0.1*j)*(1 + x_pre) : 1 (summed)")
    S.connect()
    spikes = sim.SpikeMonitor(G)
    mon = sim.StateMonitor(G, ["v", "w", "I"], record=True)
    sim.run(40 * ms)
    return dict(v=np.asarray(mon.v), w=np.asarray(mon.w), I=np.asarray(mon.I),
                spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_))


MODELS = {
    "per_neuron_exact_with_input": per_neuron_exact_with_input,
    "shared_exact_with_input": shared_exact_with_input,
    "synapses_onto_synapses": synapses_onto_synapses,
    "synaptic_linked_variable": synaptic_linked_variable,
    "presynaptic_writes": presynaptic_writes,
    "neighbour_subexpressions": neighbour_subexpressions,
    "group_clock": group_clock,
    "groups_on_different_clocks": groups_on_different_clocks,
    "coefficients_written_by_other_synapses": coefficients_written_by_other_synapses,
    "spike_generator_off_the_grid": spike_generator_off_the_grid,
    "synapses_on_the_default_clock": synapses_on_the_default_clock,
    "synapse_monitor_of_neuron_variables": synapse_monitor_of_neuron_variables,
    "linked_variables": linked_variables,
    "timed_array_in_equations": timed_array_in_equations,
    "conditionally_linear": conditionally_linear,
    "exact_synapses_with_subexpression": exact_synapses_with_subexpression,
    "script_conveniences": script_conveniences,
    "subgroup_run_regularly": subgroup_run_regularly,
    "custom_events": custom_events,
    "poisson_input_weight_of_time": poisson_input_weight_of_time,
    "synapse_indices": synapse_indices,
    "temporaries_and_shared_statements": temporaries_and_shared_statements,
    "monitor_slots": monitor_slots,
    "network_operations": network_operations,
    "hh_subexpressions": hh_subexpressions,
    "user_functions": user_functions,
    "magic_sweep": magic_sweep,
    "dropped_objects": dropped_objects,
    "constants_and_timestep": constants_and_timestep,
}
