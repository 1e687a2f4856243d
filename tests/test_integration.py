"""State updates against analytic solutions."""
import os
import sys

import numpy as np
import pytest

from distsim import NeuronGroup, SpikeMonitor, ms, mV, pA, pF, run, second
from distsim.model.integration import IntegrationError, expm

PD14 = """
dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
dI/dt = -I/tau_syn : amp
Iext : amp
"""
tau_m, tau_syn, Cm, v_r = 10 * ms, 0.5 * ms, 250 * pF, -65 * mV


def pd14_analytic(t, v0, i0, iext):
    tm, ts, c, e = 10e-3, 0.5e-3, 250e-12, -65e-3
    return (e + (v0 - e) * np.exp(-t / tm) + iext * tm / c * (1 - np.exp(-t / tm))
            + i0 / c * tm * ts / (tm - ts) * (np.exp(-t / tm) - np.exp(-t / ts)),
            i0 * np.exp(-t / ts))


def test_exact_integration_of_the_pd14_neuron_matches_the_analytic_solution():
    G = NeuronGroup(4, PD14, method="exact")
    v0 = np.array([-70.0, -65.0, -58.0, -51.0]) * 1e-3
    i0 = np.array([0.0, 300.0, -500.0, 1000.0]) * 1e-12
    iext = np.array([0.0, 100.0, 0.0, 350.0]) * 1e-12
    G.v_ = v0
    G.I_ = i0
    G.Iext_ = iext
    run(50 * ms)
    v, i = pd14_analytic(50e-3, v0, i0, iext)
    assert np.allclose(np.asarray(G.v_), v, rtol=1e-12, atol=0)
    assert np.allclose(np.asarray(G.I_), i, rtol=1e-12, atol=1e-30)


def test_exact_with_equal_time_constants():
    # A degenerate (Jordan) case that symbolic solutions get wrong.
    G = NeuronGroup(1, """dv/dt = (x - v)/tau : 1
                          dx/dt = -x/tau : 1""", method="exact",
                    namespace={"tau": 10 * ms})
    G.v = 0
    G.x = 1
    run(20 * ms)
    t, tau = 20e-3, 10e-3
    assert float(G.v_[0]) == pytest.approx(t / tau * np.exp(-t / tau), rel=1e-12)


def test_explicit_methods_converge_to_the_solution():
    errors = {}
    for method in ("euler", "rk2", "rk4"):
        G = NeuronGroup(1, "dv/dt = -v/tau : 1", method=method, namespace={"tau": 10 * ms})
        G.v = 1
        run(10 * ms)
        errors[method] = abs(float(G.v_[0]) - np.exp(-1))
    assert errors["rk4"] < 1e-9 and errors["rk2"] < 1e-5 and errors["euler"] < 1e-2
    assert errors["rk4"] < errors["rk2"] < errors["euler"]


def test_nonlinear_equation_with_exact_is_an_error_naming_the_equation():
    G = NeuronGroup(1, "dv/dt = -v**2/tau : 1", method="exact", namespace={"tau": 10 * ms})
    with pytest.raises(IntegrationError, match="not linear in v"):
        run(1 * ms)


def test_unknown_method_is_an_error():
    G = NeuronGroup(1, "dv/dt = -v/tau : 1", method="heunish", namespace={"tau": 10 * ms})
    with pytest.raises(IntegrationError, match="unknown integration method 'heunish'"):
        run(1 * ms)


def test_expm_matches_series_for_a_stack():
    a = np.array([[[-1.0, 2.0], [0.0, -3.0]], [[0.0, 1.0], [-1.0, 0.0]]])
    result = expm(a)
    # Rotation by 1 radian for the second matrix.
    assert np.allclose(result[1], [[np.cos(1), np.sin(1)], [-np.sin(1), np.cos(1)]], atol=1e-14)
    assert np.isclose(result[0][0, 0], np.exp(-1)) and np.isclose(result[0][1, 1], np.exp(-3))


def test_threshold_reset_and_refractoriness_follow_brian2s_schedule():
    # dv/dt = (I - v)/tau with I = 2 crosses v = 1 at tau*ln(2) = 6.93 ms; the
    # spike is stamped with the start of the step whose update crossed.
    G = NeuronGroup(2, "dv/dt = (I - v)/tau : 1 (unless refractory)\nI : 1\ntau : second",
                    threshold="v > 1", reset="v = 0", refractory="k*ms", method="exact",
                    namespace={"k": 2})
    G.I = 2
    G.tau = 10 * ms
    mon = SpikeMonitor(G)
    run(30 * ms)
    times = np.round(np.asarray(mon.t_)[mon.i == 0] * 1e3, 6)
    # first spike at 6.9 ms, then an ISI of 6.9 + 2.0 ms refractory = 8.9 ms
    assert list(times) == [6.9, 15.8, 24.7]


def test_exponential_euler_needs_equations_linear_in_their_variable():
    G = NeuronGroup(1, "dv/dt = -v**2/tau : 1", method="exponential_euler",
                    namespace={"tau": 10 * ms})
    with pytest.raises(IntegrationError, match="not linear in v"):
        run(1 * ms)


def test_euler_refuses_multiplicative_noise_and_the_default_picks_heun():
    G = NeuronGroup(1, "dx/dt = -x/tau + x*xi/sqrt(tau) : 1", method="euler",
                    namespace={"tau": 10 * ms})
    with pytest.raises(IntegrationError, match="multiplicative"):
        run(1 * ms)
    from distsim import start_scope
    start_scope()
    G = NeuronGroup(1, "dx/dt = -x/tau + x*xi/sqrt(tau) : 1", namespace={"tau": 10 * ms})
    run(0.1 * ms)
    assert G.state_updater.name == "heun"


def test_heun_takes_an_euler_step_for_the_drift_as_brian2s_heun_does():
    # Brian2's heun (stateupdaters/explicit.py): x_support = x + g dW,
    # x_new = x + dt f(x) + dW (g(x) + g(x_support))/2: without noise, an
    # Euler step. distsim had averaged the drift too (a second-order step),
    # which moved Brette 2012's Fig. 5A spikes by steps.
    from distsim import start_scope
    start_scope()
    G = NeuronGroup(1, "dx/dt = -x/tau + 0*x*xi/sqrt(tau) : 1", method="heun",
                    namespace={"tau": 1 * ms})
    G.x = 1
    run(1 * ms)
    assert G.state_updater.name == "heun"
    assert np.isclose(G.x[0], (1 - 0.1) ** 10, rtol=1e-12, atol=0)


def test_refractoriness_given_as_a_condition():
    # Brian2's semantics: a spike makes the neuron refractory, the condition
    # only ends it. Starting above the condition's bound (v = 0.9 > 0.5) does
    # not make a neuron refractory before its first spike.
    G = NeuronGroup(1, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1", reset="v = 0",
                    refractory="v > 0.5", method="exact")
    G.I = 2
    G.v = 0.9
    mon = SpikeMonitor(G)
    run(30 * ms)
    assert list(np.round(np.asarray(mon.t_) * 1e3, 6)) == [0.9, 7.9, 14.9, 21.9, 28.9]
    # With the reset above the bound, the neuron stays refractory for good.
    from distsim import start_scope
    start_scope()
    G = NeuronGroup(1, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1", reset="v = 0.8",
                    refractory="v > 0.5", method="exact")
    G.I = 2
    mon = SpikeMonitor(G)
    run(30 * ms)
    assert list(np.round(np.asarray(mon.t_) * 1e3, 6)) == [6.9]


def test_shared_parameters_have_one_value():
    G = NeuronGroup(5, "dv/dt = (E - v)/tau : volt\nE : volt (shared)",
                    namespace={"tau": 10 * ms}, method="exact")
    G.E = -60 * mV
    assert float(G.E / mV) == pytest.approx(-60)
    with pytest.raises(ValueError, match="shared"):
        G.E = np.ones(5) * mV
    run(100 * ms)
    assert np.allclose(np.asarray(G.v_), -60e-3 * (1 - np.exp(-10)))


def test_unknown_identifiers_and_bad_code_name_the_object_and_expression():
    from distsim.model import ExpressionError
    G = NeuronGroup(1, "dv/dt = -v/tau_unknown : 1", name="cells")
    with pytest.raises(KeyError, match="NeuronGroup 'cells'.*'tau_unknown'"):
        run(1 * ms)
    with pytest.raises(ExpressionError, match="NeuronGroup 'bad', threshold.*v >"):
        NeuronGroup(1, "v : 1", threshold="v >", name="bad")
    with pytest.raises(Exception, match="reset.*'w'.*not a variable"):
        from distsim import start_scope
        start_scope()
        G = NeuronGroup(1, "v : 1", threshold="v > 1", reset="w = 0")
        run(1 * ms)


def test_compiled_refractoriness_flags_equal_brian2s_timestep_rule():
    from distsim._ext import neuron_kernels
    from distsim.groups.neurongroup import _timestep
    dt, t = 1e-4, 0.0123
    lastspike = np.concatenate([[-1e4, t, t - 2e-3, t - 2e-3 + 1e-9, t - 1.9999e-3],
                                t - np.random.default_rng(3).uniform(0, 5e-3, 1000)])
    for steps in (np.array([20]), np.arange(len(lastspike)) % 40):
        flags = np.empty(len(lastspike), dtype=np.uint8)
        neuron_kernels.refractory_flags(lastspike, t, dt, steps.astype(np.int64), flags)
        assert np.array_equal(flags.astype(bool), _timestep(t - lastspike, dt) >= steps)


@pytest.mark.parametrize("model, kwargs, init", [
    # seeds/000: the thread's first model and the PD14 neuron (with method='Linear')
    ("dv/dt = (I-v)/tau : 1\nI : 1\ntau : second",
     dict(threshold="v>1", reset="v = 0", method="exact"), dict(I=2, tau=10 * ms)),
    ("""
        dv/dt = (-v + v_r)/tau_m + (I+Iext)/Cm : volt (unless refractory)
        dI/dt = -I/tau_syn : amp
        Iext : amp
        """, dict(threshold="v>theta", reset="v = v_r", method="Linear", refractory=2 * ms),
     dict(v="-58.0*mV + 10.0*mV*randn()", I=0 * pA, Iext=400 * pA)),
    # seeds/001: the neurons of the summed-variable example
    ("dv/dt = (gtot - v)/(10*ms) : 1\ngtot : 1", dict(), dict(gtot=0.5)),
])
def test_every_neuron_equation_form_of_the_seeds_parses_and_runs(model, kwargs, init):
    namespace = dict(v_r=-65 * mV, tau_m=10 * ms, Cm=250 * pF, tau_syn=0.5 * ms,
                     theta=-50 * mV)
    G = NeuronGroup(20, model, namespace=namespace, **kwargs)
    for name, value in init.items():
        setattr(G, name, value)
    before = np.asarray(G.v_).copy()
    spikes = SpikeMonitor(G)
    run(20 * ms)
    assert np.all(np.isfinite(G.v_)) and not np.array_equal(np.asarray(G.v_), before)
    if "threshold" in kwargs:
        assert spikes.num_spikes > 0


def test_the_compiled_step_gives_the_general_paths_spikes_and_values(monkeypatch):
    # The PD14 neuron: one compiled pass (refractoriness, exact update,
    # threshold) against the numpy path evaluating each expression.
    import distsim

    def simulate(use_numpy):
        distsim.prefs.codegen.target = "numpy" if use_numpy else "cython"
        distsim.start_scope()
        distsim.seed(7)
        G = NeuronGroup(500, """
            dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
            dI/dt = -I/tau_syn : amp
            Iext : amp""", threshold="v > theta", reset="v = v_r", refractory=2 * ms,
            method="exact", namespace=dict(v_r=-65 * mV, tau_m=10 * ms, Cm=250 * pF,
                                           tau_syn=0.5 * ms, theta=-50 * mV))
        G.v = "-58*mV + 10*mV*randn()"
        G.Iext = "(350 + 100*rand())*pA"
        spikes = SpikeMonitor(G)
        run(50 * ms)
        return G, np.asarray(spikes.i), np.asarray(spikes.t_), np.asarray(G.v_)

    compiled_group, *compiled = simulate(False)
    general_group, *general = simulate(True)
    assert compiled_group.state_update_code.compiled_step is not None and \
        general_group.state_update_code.compiled_step is None
    assert len(compiled[0]) > 100
    assert np.array_equal(compiled[0], general[0]) and np.array_equal(compiled[1], general[1])
    assert np.allclose(compiled[2], general[2], rtol=1e-14, atol=0)


def test_generated_update_kernels_give_the_numpy_updaters_values(monkeypatch):
    # HH (rk4, exponential_euler) and AdEx (euler): the generated loop
    # (distsim/codegen) against the numpy updaters, same spikes, same values
    # up to the last bits of exp().
    import distsim
    import distsim.groups
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "reference"))
    from brian2_models import MODELS

    def simulate(name, generated):
        distsim.prefs.codegen.target = "cython" if generated else "numpy"
        distsim.start_scope()
        distsim.defaultclock.dt = 0.1 * ms
        result = MODELS[name](distsim)
        kernels = [g.state_update_code.kernel is not None for g in _registered_groups()]
        distsim.prefs.codegen.target = "cython"
        return result, kernels

    for name in ("hh_rk4", "hh_exponential_euler", "adex"):
        compiled, used = simulate(name, True)
        numpy_path, unused = simulate(name, False)
        assert any(used) and not any(unused), name
        assert np.array_equal(compiled["spike_i"], numpy_path["spike_i"])
        assert np.array_equal(compiled["spike_t"], numpy_path["spike_t"])
        for key in compiled:
            # exp() of libm and of numpy may differ in the last bit; the
            # dynamics amplify that to about 1e-12 of the scale, no more.
            scale = np.max(np.abs(numpy_path[key]))
            assert np.allclose(compiled[key], numpy_path[key], rtol=1e-10, atol=1e-10 * scale), key


def _registered_groups():
    from distsim.core import registry
    return [o for o in registry.registered_objects() if isinstance(o, NeuronGroup)]


def test_run_regularly_runs_every_dt_before_the_update():
    # Brian2's run_regularly: at t = 0, 1, 2 ... ms, in the 'start' slot.
    G = NeuronGroup(3, """dv/dt = -v/(10*ms) : 1
                          ticks : 1
                          I : 1""", method="exact")
    G.run_regularly("ticks += 1", dt=1 * ms)
    G.run_regularly("v = 1 + i", dt=2 * ms)
    run(5 * ms)  # steps 0..49: ticks at 0, 1, 2, 3, 4 ms
    assert np.allclose(np.asarray(G.ticks), 5)
    # last reset of v at t = 4 ms, then 10 steps of exact decay
    assert np.allclose(np.asarray(G.v), (1 + np.arange(3)) * np.exp(-1.0 / 10), rtol=1e-12)


def test_run_regularly_changes_a_parameter_of_the_exact_update():
    G = NeuronGroup(1, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", method="exact")
    G.run_regularly("I = 2", dt=5 * ms, when="end")  # after the first step's update
    run(6 * ms)
    # I = 2 from the end of step 0: v relaxes towards 2 for the 59 steps after it
    assert float(G.v[0]) == pytest.approx(2 * (1 - np.exp(-5.9 / 10)), rel=1e-12)


def test_run_regularly_is_checked():
    G = NeuronGroup(2, "v : volt")
    G.run_regularly("v = 3", dt=1 * ms)
    with pytest.raises(Exception, match="units"):
        run(0.1 * ms)
    distsim_scope()
    G = NeuronGroup(2, "v : volt")
    G.run_regularly("v = 3*mV", dt=0.25 * ms)
    with pytest.raises(ValueError, match="multiple of the clock"):
        run(0.1 * ms)
    distsim_scope()
    G = NeuronGroup(2, "v : volt")
    G.run_regularly("w = 3*mV")  # Brian2: a temporary; a warning names the likely typo
    with pytest.warns(UserWarning, match="'w' in 'w = 3\\*mV' is neither a variable"):
        run(0.1 * ms)
    with pytest.raises(ValueError, match="when='thresold' is not a slot"):
        G.run_regularly("v = 0*mV", when="thresold")


def distsim_scope():
    from distsim import start_scope
    start_scope()


def test_a_linked_variable_reads_its_source_live():
    # Brian2's linked variables: H.v is G.v, also when G.v changes mid-run.
    from distsim import linked_var
    G = NeuronGroup(4, "v : 1")
    G.v = "i"
    H = NeuronGroup(4, """dx/dt = (v - x)/(10*ms) : 1
                          v : 1 (linked)""", method="exact")
    H.v = linked_var(G, "v")
    G.run_regularly("v = 2*i", dt=5 * ms, when="end")  # from the end of step 0
    run(6 * ms)
    assert np.array_equal(np.asarray(H.v), 2 * np.arange(4))
    # x relaxes towards i during step 0, then towards 2i for 59 steps
    first = np.arange(4) * (1 - np.exp(-0.01))
    expected = 2 * np.arange(4) + (first - 2 * np.arange(4)) * np.exp(-5.9 / 10)
    assert np.allclose(np.asarray(H.x), expected, rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="linked to"):
        H.v = 3


@pytest.mark.parametrize("case, error, match", [
    ("never", ValueError, "never linked"),
    ("size", ValueError, "without an index"),
    ("index shape", ValueError, "one integer per neuron"),
    ("index range", IndexError, "goes outside"),
    ("index variable", NotImplementedError, "index variable"),
    ("units", Exception, "units"),
    ("plain", TypeError, "linked_var"),
    ("reset", ValueError, "cannot be written")])
def test_linked_variables_are_checked(case, error, match):
    from distsim import linked_var, mV
    G = NeuronGroup(4, "v : 1\nu : volt")
    H = NeuronGroup(5 if case == "size" else 4, "v : 1 (linked)\nw : 1",
                    threshold="w > 1" if case == "reset" else None,
                    reset="v = 0" if case == "reset" else None)
    with pytest.raises(error, match=match):
        if case == "size":
            H.v = linked_var(G.v)
        elif case == "index shape":
            H.v = linked_var(G, "v", index=[0, 1])
        elif case == "index range":
            H.v = linked_var(G, "v", index=[0, 1, 2, 4])
        elif case == "index variable":
            H.v = linked_var(G, "v", index="w")
        elif case == "units":
            H.v = linked_var(G, "u")
        elif case == "plain":
            H.v = 3 * mV
        else:
            if case == "reset":
                H.v = linked_var(G.v)
            run(0.1 * ms)
