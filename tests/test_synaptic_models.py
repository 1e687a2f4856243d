"""General synapse models (one rank): every synaptic form of seeds/001 runs,
analytic checks of event-driven and parameter-changing pathways, and a clear
error for each kind of bad synaptic model. Brian2's traces for the same forms
are compared in test_brian2_reference.py; rank independence in
test_rank_independence.py."""
import numpy as np
import pytest

from distsim import (NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses,
                     ms, mV, nS, run)
from distsim.model.equations import EquationError
from distsim.model.integration import IntegrationError
from distsim.units import DimensionMismatchError


def spiking_source(n=20, rate_steps=7):
    """``n`` neurons that spike regularly (neuron k first at step k)."""
    times = [(k + rate_steps * r) * 0.1 for r in range(40) for k in range(n)]
    indices = [k for r in range(40) for k in range(n)]
    return SpikeGeneratorGroup(n, indices, np.array(times) * ms)


def test_every_synaptic_form_of_the_guide_runs():
    # seeds/001, in the guide's order: each object must act during the run.
    source = spiking_source(20)
    target = NeuronGroup(30, """dv/dt = -v/(10*ms) : volt
                               dge/dt = -ge/(5*ms) : siemens""")
    conn1 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn1.connect(i=3, j=5)
    conn1.w[3, 5] = 3 * nS
    conn2 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn2.connect()
    conn2.w = 5 * nS
    conn3 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn3.connect(p=0.02)
    conn3.w = 2 * nS
    conn4 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn4.connect(j="i")
    conn4.w = 4 * nS
    conn5 = Synapses(source, target, "w : siemens (shared)")
    conn5.w = 3 * nS
    assert float(conn5.w / nS) == pytest.approx(3)
    conn6 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn6.connect()
    W = np.random.RandomState(0).rand(20, 30) * nS
    conn6.w = W.flatten()
    assert np.allclose(np.asarray(conn6.w_), np.asarray(W).flatten())
    conn7 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn7.connect("i < 5 and j >=5 and j <10")
    conn7.w[source[:5], target[5:10]] = 5 * nS
    conn8 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn8.connect()
    conn8.w = "(1 + cos(i - j))*2*nS"
    conn9 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn9.connect(p=0.02)
    conn9.w = "rand()*nS"
    conn10 = Synapses(source, target, "w: siemens", on_pre="ge += w")
    conn10.connect(p="exp(-abs(i - j)*.1)")
    conn10.w = 2 * nS
    conn11 = Synapses(source, target, "w : siemens", on_pre="ge += w")
    conn11.connect()
    conn11.w = 3 * nS
    conn11.delay = "rand()*5*ms"
    # Modulation by a presynaptic variable (the guide's conn12)
    modulated_source = NeuronGroup(20, "du/dt = (1.5 - u)/(5*ms) : 1", threshold="u > 1",
                                   reset="u = 0", method="exact")
    conn12 = Synapses(modulated_source, target, "w : siemens", on_pre="ge += w * u_pre")
    conn12.connect(j="i")
    conn12.w = 1 * nS
    # STDP (the guide's stdp_syn, with '+ =' written as '+=')
    taupre = taupost = 20 * ms
    delta_Apre, delta_Apost, gmax = 0.01, -0.0105, 1.0
    stdp_target = NeuronGroup(30, """dv/dt = (ge*100*mV - v)/(10*ms) : volt
                                    dge/dt = -ge/(5*ms) : 1""",
                              threshold="v > 5*mV", reset="v = 0*mV", method="exact")
    stdp_syn = Synapses(source, stdp_target, model='''
                        w:1
                        dApre/dt = -Apre/taupre : 1 (event-driven)
                        dApost/dt = -Apost/taupost : 1 (event-driven)''',
                        on_pre='''ge +=w
                               Apre += delta_Apre
                               w = clip(w + Apost, 0, gmax)''',
                        on_post='''Apost += delta_Apost
                                w = clip(w + Apre, 0, gmax)''')
    stdp_syn.connect()
    stdp_syn.w = 0.1
    # Summed variables (the guide's non-linear synapse)
    a, b, c = 1 / (10 * ms), 1 / (5 * ms), 1 / (20 * ms)
    neurons = NeuronGroup(1, model='''
                          dv/dt = (gtot - v)/(10*ms) : 1
                          gtot : 1''')
    syn = Synapses(source, neurons,
                   model='''
                   dg/dt = -a*g+b*x*(1-g) : 1
                   dx/dt = -c*x : 1
                   w : 1 # synaptic weight
                   gtot_post = g : 1 (summed)''',
                   on_pre='x += w')
    syn.connect()
    syn.w = 0.1
    # Multiple pathways (the guide's dict form, delayed trace)
    multi = Synapses(source, stdp_target, '''w : 1
                     Apre : 1
                     Apost : 1''',
                     on_pre={'pre_transmission':
                             'ge += w*0.01',
                             'pre_plasticity':
                             '''w = clip(w + Apost, 0, inf)
                                Apre += 0.01'''},
                     on_post='''Apost += -0.01
                             w = clip(w + Apre, 0, inf)''')
    multi.connect()
    multi.w = 0.5
    multi.pre_plasticity.delay[:, :] = 3 * ms
    # Monitoring synaptic variables: all synapses targetting neuron 3
    mon = StateMonitor(stdp_syn, "w", record=stdp_syn[:, 3])
    target_spikes = SpikeMonitor(stdp_target)
    ge = StateMonitor(target, "ge", record=True)
    run(30 * ms)

    assert np.asarray(mon.w).shape == (20, 300)  # the 20 synapses onto neuron 3
    assert target_spikes.num_spikes > 0
    assert not np.any(np.asarray(stdp_syn.w) == 0.1)  # plasticity acted on every synapse
    assert float(neurons.v[0]) > 0.01 and float(neurons.gtot[0]) > 0
    assert np.all(np.asarray(multi.Apre) > 0)
    assert np.allclose(np.asarray(multi.pre_plasticity.delay_), 3e-3)
    assert np.all(np.asarray(multi.Apost) < 0)
    assert np.asarray(ge.ge_).max() > 0


def test_event_driven_traces_decay_exactly_between_events():
    # One synapse, presynaptic spikes at 1 ms and 6 ms: Apre at the second
    # spike is 1*exp(-5ms/tau) + 1, read back from lastupdate-based updates.
    source = SpikeGeneratorGroup(1, [0, 0], [1, 6] * ms)
    target = NeuronGroup(1, "x : 1")
    S = Synapses(source, target, """dApre/dt = -Apre/(10*ms) : 1 (event-driven)
                                    seen : 1""",
                 on_pre="""seen = Apre
                           Apre += 1""")
    S.connect()
    run(10 * ms)
    assert np.asarray(S.seen)[0] == pytest.approx(np.exp(-0.5), rel=1e-12)
    assert np.asarray(S.Apre)[0] == pytest.approx(np.exp(-0.5) + 1, rel=1e-12)
    assert np.asarray(S.lastupdate_)[0] == pytest.approx(6e-3)


def test_a_parameter_changed_by_synapses_drives_the_exact_update():
    # dv/dt = (I - v)/tau with I a parameter that a pathway sets at 2 ms:
    # v(t) = I (1 - exp(-(t - 2 ms)/tau)) after it, analytically.
    source = SpikeGeneratorGroup(1, [0], [2] * ms)
    G = NeuronGroup(1, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", method="exact")
    S = Synapses(source, G, on_pre="I_post += 0.5")
    S.connect()
    run(12 * ms)
    # Brian2's order: the pathway acts after the step's update, so v starts
    # rising in the step after the spike's (t = 2.1 ms to 12 ms: 9.9 ms).
    assert float(G.v[0]) == pytest.approx(0.5 * (1 - np.exp(-0.99)), rel=1e-12)


def test_random_numbers_in_a_pathway_differ_per_event():
    source = SpikeGeneratorGroup(1, [0, 0], [1, 2] * ms)
    target = NeuronGroup(50, "x : 1")
    S = Synapses(source, target, "first : 1\nprevious : 1",
                 on_pre="""previous = first
                           first = rand()""")
    S.connect()
    run(3 * ms)
    first, previous = np.asarray(S.first), np.asarray(S.previous)
    assert len(np.unique(first)) == 50 and len(np.unique(previous)) == 50
    assert not np.any(first == previous)
    assert 0.3 < first.mean() < 0.7


def test_homogeneous_delays_by_pathway_name():
    source = SpikeGeneratorGroup(1, [0], [1] * ms)
    target = NeuronGroup(1, "a : 1\nb : 1")
    S = Synapses(source, target, on_pre={"fast": "a_post += 1", "slow": "b_post += 1"},
                 delay={"slow": 2 * ms})
    S.connect()
    mon = StateMonitor(target, ["a", "b"], record=0)
    run(5 * ms)
    a, b = np.asarray(mon.a[0]), np.asarray(mon.b[0])
    # recorded at the start of each step: a step's effects show one step later
    assert np.flatnonzero(a)[0] == 11 and np.flatnonzero(b)[0] == 31
    assert np.allclose(np.asarray(S.slow.delay / ms), 2)


def test_shared_synaptic_variables_have_one_value():
    source, target = NeuronGroup(3, "v : 1"), NeuronGroup(4, "x : 1")
    S = Synapses(source, target, "w : siemens (shared)\nk : 1", on_pre="x += k*w/nS")
    S.connect()
    S.w = "2*nS"
    assert float(S.w / nS) == pytest.approx(2)
    with pytest.raises(IndexError, match="shared"):
        S.w[0] = 1 * nS
    with pytest.raises(ValueError, match="one value"):
        S.w = "i*nS"
    with pytest.raises(DimensionMismatchError):
        S.w = 3 * mV


# -- errors ---------------------------------------------------------------
def test_an_event_driven_equation_must_be_linear():
    source, target = NeuronGroup(2, "v : 1"), NeuronGroup(2, "v : 1")
    with pytest.raises(IntegrationError, match="clock-driven"):
        Synapses(source, target, "dA/dt = -A**2/(10*ms) : 1 (event-driven)")


def test_event_and_clock_driven_variables_cannot_depend_on_each_other():
    source, target = NeuronGroup(2, "v : 1"), NeuronGroup(2, "v : 1")
    with pytest.raises(EquationError, match="clock-driven variable"):
        Synapses(source, target, """dA/dt = (x - A)/(10*ms) : 1 (event-driven)
                                    dx/dt = -x/(5*ms) : 1 (clock-driven)""")
    with pytest.raises(EquationError, match="event-driven variable"):
        Synapses(source, target, """dA/dt = -A/(10*ms) : 1 (event-driven)
                                    gsum_post = A : 1 (summed)""")


@pytest.mark.parametrize("model, error, match", [
    ("v_post = 1 : 1 (summed)", KeyError, "must be a parameter"),
    ("h_post = 1 : 1 (summed)", DimensionMismatchError, "declared unit"),
    ("h_post = 1*ms : volt (summed)", DimensionMismatchError, "units"),
    ("nothing_post = 1 : 1 (summed)", KeyError, "must be a parameter")])
def test_summed_variables_are_checked(model, error, match):
    source = NeuronGroup(2, "v : 1")
    target = NeuronGroup(2, "dv/dt = -v/ms : 1\ng : 1\nh : volt")
    S = Synapses(source, target, model)
    S.connect()
    with pytest.raises(error, match=match):
        run(0.1 * ms)


def test_two_summed_variables_cannot_set_the_same_neurons():
    source = NeuronGroup(2, "v : 1")
    target = NeuronGroup(4, "g : 1")
    S1 = Synapses(source, target[:3], "g_post = 1 : 1 (summed)")
    S2 = Synapses(source, target[2:], "g_post = 2 : 1 (summed)")
    S1.connect()
    S2.connect()
    with pytest.raises(ValueError, match="both set 'g'"):
        run(0.1 * ms)


def test_a_summed_variable_must_name_a_pre_or_post_variable():
    source, target = NeuronGroup(2, "v : 1"), NeuronGroup(2, "g : 1")
    with pytest.raises(EquationError, match="summed"):
        Synapses(source, target, "g = 1 : 1 (summed)")
    with pytest.raises(EquationError, match="summed"):
        Synapses(source, target, "w_post : 1")


@pytest.mark.parametrize("code, error, match", [
    ("unknown_post += 1", KeyError, "unknown_post"),
    ("v += 1", DimensionMismatchError, "units of v"),
    ("i = 3", KeyError, "cannot be written"),
    ("v *= 2*mV", DimensionMismatchError, "units")])
def test_pathway_statements_are_checked(code, error, match):
    source, target = NeuronGroup(2, "v : 1"), NeuronGroup(2, "v : volt")
    S = Synapses(source, target, "w : 1", on_post=code)
    S.connect()
    with pytest.raises(error, match=match):
        run(0.1 * ms)


def test_pathway_names_and_delays_are_checked():
    source, target = NeuronGroup(2, "v : 1"), NeuronGroup(2, "v : 1")
    with pytest.raises(ValueError, match="unknown pathway"):
        Synapses(source, target, on_pre="v += 1", delay={"other": 1 * ms})
    with pytest.raises(ValueError, match="already used"):
        Synapses(source, target, "w : 1", on_pre={"w": "v += 1"})
    with pytest.raises(TypeError, match="Brian 1"):
        Synapses(source, target, pre="v += 1")
    S = Synapses(source, target, on_pre={"transmission": "v += 1"})
    with pytest.raises(AttributeError, match="no 'pre' pathway"):
        S.delay = 1 * ms
    with pytest.raises(EquationError, match="not allowed in Synapses"):
        Synapses(source, target, "dx/dt = -x/ms : 1 (unless refractory)")


def test_generated_pathway_kernels_give_the_numpy_paths_values(monkeypatch):
    # The guide's STDP model and a modulated pathway with random numbers: the
    # generated loop (distsim/codegen) against the numpy statements.
    import distsim
    from distsim import start_scope

    def simulate(generated):
        start_scope()
        distsim.prefs.codegen.target = "cython" if generated else "numpy"
        source = NeuronGroup(30, "du/dt = (1.2 + 0.01*i - u)/(8*ms) : 1", threshold="u > 1",
                             reset="u = 0", method="exact")
        target = NeuronGroup(10, """dv/dt = (ge - v)/(10*ms) : 1
                                    dge/dt = -ge/(5*ms) : 1""",
                             threshold="v > 0.3", reset="v = 0", method="exact")
        S = Synapses(source, target, """w : 1
                     dApre/dt = -Apre/(20*ms) : 1 (event-driven)
                     dApost/dt = -Apost/(20*ms) : 1 (event-driven)""",
                     on_pre="""ge += w*u_pre*(0.5 + rand())
                               Apre += 0.01 + 0.001*randn()
                               w = clip(w + Apost, 0, 1)""",
                     on_post="""Apost -= 0.0105
                                w = clip(w + Apre, 0, 1)""")
        S.connect(p=0.5)
        S.w = "0.1 + 0.02*(i % 7)"
        S.delay = "(i % 3)*ms"
        run(100 * ms)
        kernels = [p.kernel is not None for p in S.event_pathways]
        result = {name: np.asarray(getattr(S, name)) for name in ("w", "Apre", "Apost")}
        result["v"] = np.asarray(target.v)
        distsim.prefs.codegen.target = "cython"
        return result, kernels

    compiled, used = simulate(True)
    numpy_path, unused = simulate(False)
    assert all(used) and len(used) == 2 and not any(unused)
    assert np.ptp(compiled["w"]) > 0
    for key in compiled:
        assert np.allclose(compiled[key], numpy_path[key], rtol=1e-12, atol=1e-15), key


def test_the_guides_loose_generator_gets_a_hint():
    # seeds/001 writes "conn7.connect(j='k in range(5, 10) if i < 5')" (no 'k for')
    source, target = NeuronGroup(20, "v : 1"), NeuronGroup(30, "v : 1")
    conn7 = Synapses(source, target, "w: siemens", on_pre="v += 1")
    with pytest.raises(SyntaxError, match="write j='k for k in range"):
        conn7.connect(j="k in range(5, 10) if i < 5")
    conn7.connect(j="k for k in range(5, 10) if i < 5")
    assert len(conn7) == 25



def test_a_weight_changed_by_a_pathway_drives_the_exact_synaptic_update():
    # dg/dt = (w - g)/tau (clock-driven, exact) with w raised by each spike:
    # g follows the piecewise analytic solution, not the w of the run's start.
    source = SpikeGeneratorGroup(1, [0], [2] * ms)
    target = NeuronGroup(1, "x : 1")
    S = Synapses(source, target, """w : 1
                                    dg/dt = (w - g)/(10*ms) : 1 (clock-driven)""",
                 on_pre="w += 1", method="exact")
    S.connect()
    run(12 * ms)
    # w = 1 from the spike's step (2 ms); 99 updates after it (2.1 ms .. 11.9 ms)
    assert np.asarray(S.g)[0] == pytest.approx(1 - np.exp(-9.9 / 10), rel=1e-12)


def test_connecting_between_runs_warns_about_events_in_flight():
    source = SpikeGeneratorGroup(2, [0], [0.5] * ms)
    target = NeuronGroup(2, "x : 1\ny : 1")
    S = Synapses(source, target, "w : 1", on_pre="x_post += 1\ny_post += w", delay=2 * ms)
    S.connect(i=0, j=0)
    run(1 * ms)  # the spike's event arrives at 2.5 ms: still queued
    with pytest.warns(UserWarning, match="in flight"):
        S.connect(i=1, j=1)
        len(S)  # the queued connect runs here


def test_assignments_resolve_names_as_synaptic_code_does():
    # An unsuffixed name that is not synaptic is the postsynaptic variable (Brian2).
    source, target = NeuronGroup(3, "v : 1"), NeuronGroup(2, "u : 1")
    target.u = "10*i"
    S = Synapses(source, target, "w : 1")
    S.connect()
    S.w = "u + i"
    assert list(np.asarray(S.w)) == [0, 10, 1, 11, 2, 12]
