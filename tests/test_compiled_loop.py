"""The compiled step loop (network/compiled_loop.py, ext/step_loop.pyx)
computes what the Python loop computes.

``run(profile=True)`` keeps the Python loop (it times each code object) with
the same kernels, so each model here runs both ways and the spikes, the state
and the recordings must be the same to the bit. Each test also checks that
the compiled loop really ran the operations it should (else it would compare
the Python loop with itself).
"""
import h5py
import numpy as np
import pytest

import distsim as ds
from distsim._ext import step_loop
from distsim.network import compiled_loop


@pytest.fixture
def loops_made(monkeypatch):
    """The StepLoops made during the test: the operation type names of each."""
    made = []
    original = compiled_loop.make_step_loop

    def spy(schedule, window, clock):
        loop = original(schedule, window, clock)
        if loop is not None:
            made.append([type(op).__name__ for op in loop.operations()
                         if not isinstance(op, step_loop.ClockOp)])
        return loop
    monkeypatch.setattr("distsim.network.network.make_step_loop", spy)
    return made


def _two_populations(seed):
    """Two groups (offsets, unsorted ids across groups), refractoriness,
    constant resets, delays of several steps (windows longer than a step),
    input onto an '(unless refractory)' variable (the ring's mask)."""
    ds.seed(seed)
    ms, mV = ds.ms, ds.mV
    eqs = """
    dv/dt = (ge + gi - (v + 40*mV)) / (20*ms) : volt (unless refractory)
    dge/dt = -ge / (5*ms) : volt
    dgi/dt = -gi / (10*ms) : volt
    """
    E = ds.NeuronGroup(400, eqs, threshold="v > -50*mV", reset="v = -60*mV; ge = 0*mV",
                       refractory=5 * ms, method="exact", name="exc")
    I = ds.NeuronGroup(100, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                       refractory=2 * ms, method="exact", name="inh")
    for G in (E, I):
        G.v = "-60*mV + rand() * 10*mV"
    EE = ds.Synapses(E, E, "w : volt", on_pre="ge += w", delay=1.5 * ms, name="ee")
    EE.connect(p=0.05)
    EE.w = "rand() * 1.6*mV"
    EI = ds.Synapses(E, I, on_pre="ge += 1.2*mV", delay=0.8 * ms, name="ei")
    EI.connect(p=0.1)
    IE = ds.Synapses(I, E, on_pre="gi -= 1*mV", delay=0.5 * ms, name="ie")
    IE.connect(p=0.1)
    # onto the held variable itself: the mask
    IV = ds.Synapses(I, E, on_pre="v_post += 0.3*mV", delay=0.3 * ms, name="iv")
    IV.connect(p=0.05)
    drive = ds.PoissonInput(E, "ge", 50, 5 * ds.Hz, weight=0.1 * mV, name="drive")
    monitors = [drive, ds.SpikeMonitor(E, name="spikes_e"), ds.SpikeMonitor(I, name="spikes_i"),
                ds.StateMonitor(E, "v", record=[0, 7], name="state_e"),
                ds.PopulationRateMonitor(I, name="rate_i")]
    return ds.Network(E, I, EE, EI, IE, IV, *monitors), E, I, monitors


def _outcome(net, E, I, monitors):
    _, spikes_e, spikes_i, state, rate = monitors
    return {"e_i": spikes_e.i[:], "e_t": spikes_e.t_[:], "i_i": spikes_i.i[:],
            "i_t": spikes_i.t_[:], "v": state.v_[:], "rate": rate.rate_[:],
            "E_v": E.v_[:], "E_ge": E.ge_[:], "I_gi": I.gi_[:], "E_last": E.lastspike_[:]}


def _assert_same(a, b):
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_the_compiled_loop_gives_the_python_loops_spikes_and_state(loops_made):
    results = []
    for profile in (False, True):
        net, E, I, monitors = _two_populations(11)
        net.run(20 * ds.ms, profile=profile)
        net.run(30 * ds.ms, profile=profile)  # a second run continues both ways
        results.append(_outcome(net, E, I, monitors))
        assert net.window_steps == 3  # 0.3 ms: windows of 3 steps
        del net, E, I, monitors  # (their names are given again)
    assert len(results[0]["e_i"]) > 500 and len(results[0]["i_i"]) > 300, \
        (len(results[0]["e_i"]), len(results[0]["i_i"]))
    _assert_same(*results)
    # Both runs of the first network were compiled throughout, the window
    # delivering in C (one rank).
    assert len(loops_made) == 2
    for names in loops_made:
        assert "PythonOp" not in names, names
        assert {"RecordState", "ExactStep", "CopySpikes", "SpikeWindowOp", "RingSlot",
                "ConstantReset", "_AddCounts"} <= set(names)


def test_network_operations_keep_the_python_loop(loops_made):
    """They may stop the run and read spikes at every step."""
    net, E, I, monitors = _two_populations(12)
    seen = []

    @ds.network_operation(dt=5 * ds.ms)
    def note():
        seen.append(float(ds.defaultclock.t / ds.ms))
    net.add(note)
    net.run(10 * ds.ms)
    assert loops_made == [] and seen == [0.0, 5.0]


def test_python_operations_and_the_clock_in_the_compiled_loop(loops_made):
    """A run_regularly reading t (a Python operation of the loop) between the
    update and the reset."""
    results = []
    for profile in (False, True):
        net, E, I, monitors = _two_populations(13)
        E.run_regularly("ge += 0.2*mV + t/second*mV", dt=1 * ds.ms)
        net.run(25 * ds.ms, profile=profile)
        results.append(_outcome(net, E, I, monitors))
        del net, E, I, monitors
    _assert_same(*results)
    assert len(loops_made) == 1 and loops_made[0].count("PythonOp") == 1


def test_flushes_and_checkpoints_fall_where_the_python_loop_puts_them(tmp_path, loops_made):
    for profile in (False, True):
        net, E, I, monitors = _two_populations(14)
        out = str(tmp_path / f"out{profile}.h5")
        net.run(23 * ds.ms, output=out, flush_interval=7 * ds.ms,
                checkpoint=str(tmp_path / f"check{profile}.h5"),
                checkpoint_interval=10 * ds.ms, profile=profile)
        net.save(out)
        del net, E, I, monitors
    assert len(loops_made) == 1 and "PythonOp" not in loops_made[0]
    with h5py.File(tmp_path / "outFalse.h5") as a, h5py.File(tmp_path / "outTrue.h5") as b:
        assert len(a["spikes/spikes_e/node_ids"]) > 300
        for path in ("spikes/spikes_e/node_ids", "spikes/spikes_e/timestamps",
                     "spikes/spikes_i/node_ids", "spikes/spikes_i/timestamps",
                     "rates/rate_i/rate", "report/exc/data"):
            assert np.array_equal(a[path][...], b[path][...]), path
    # The last periodic checkpoint (t = 20 ms) holds the same state both ways.
    states = []
    for profile in (False, True):
        net, E, I, monitors = _two_populations(14)
        net.restore(filename=str(tmp_path / f"check{profile}.h5"))
        states.append((float(net.t / ds.ms), E.v_[:].copy(), I.gi_[:].copy()))
        del net, E, I, monitors
    assert states[0][0] == states[1][0] == pytest.approx(20.0)
    assert np.array_equal(states[0][1], states[1][1])
    assert np.array_equal(states[0][2], states[1][2])


def _plastic(seed, heterogeneous):
    """STDP from a PoissonGroup (rand() in a compiled threshold) onto noisy
    neurons (normal numbers in the compiled update), with pre- and
    postsynaptic pathways whose events wait several steps in the queues."""
    ds.seed(seed)
    ms = ds.ms
    P = ds.PoissonGroup(200, rates=40 * ds.Hz, name="poisson")
    G = ds.NeuronGroup(20, """dv/dt = (ge - v) / (10*ms) + 0.1*xi/sqrt(ms) : 1
                              dge/dt = -ge / (5*ms) : 1""",
                       threshold="v > 1", reset="v = 0", method="euler", name="post")
    S = ds.Synapses(P, G, """w : 1
                             dApre/dt = -Apre / (20*ms) : 1 (event-driven)
                             dApost/dt = -Apost / (20*ms) : 1 (event-driven)""",
                    on_pre="""ge += w
                              Apre += 0.01
                              w = clip(w + Apost, 0, 0.5)""",
                    on_post="""Apost -= 0.0105
                               w = clip(w + Apre, 0, 0.5)""", name="plastic")
    S.connect(p=0.5)
    S.w = "rand() * 0.5"
    if heterogeneous:
        S.pre.delay = "(1 + 3*rand()) * ms"
        S.post.delay = "(j % 3) * 0.5*ms"
    else:
        S.pre.delay = 1.2 * ms
        S.post.delay = 0.6 * ms
    monitors = [ds.SpikeMonitor(G, name="spikes_post"), ds.SpikeMonitor(P, name="spikes_in")]
    return ds.Network(P, G, S, *monitors), S, G, monitors


@pytest.mark.parametrize("heterogeneous", [False, True])
def test_plastic_pathways_poisson_input_and_noise_run_compiled_as_in_python(
        heterogeneous, loops_made, tmp_path):
    results = []
    for case in ("compiled", "python", "mixed"):
        net, S, G, monitors = _plastic(5, heterogeneous)
        first = case == "python"
        net.run(15 * ds.ms, profile=first)
        if case == "mixed":  # events in flight move from the C queues to Python and back
            net.store("middle", filename=str(tmp_path / f"middle{heterogeneous}.h5"))
            net.run(10 * ds.ms, profile=True)
            net.run(15 * ds.ms, profile=False)
        elif case == "compiled":  # a checkpoint at 25 ms, events in flight in C
            net.run(25 * ds.ms, checkpoint=str(tmp_path / f"periodic{heterogeneous}.h5"),
                    checkpoint_interval=10 * ds.ms)
        else:
            net.run(25 * ds.ms, profile=first)
        results.append({"w": S.w[:].copy(), "ge": G.ge[:].copy(), "v": G.v[:].copy(),
                        "out_i": monitors[0].i[:], "out_t": monitors[0].t_[:],
                        "in_i": monitors[1].i[:]})
        del net, S, G, monitors
    assert len(results[0]["out_i"]) > 50 and len(results[0]["in_i"]) > 200
    for other in results[1:]:
        _assert_same(results[0], other)
    # The compiled runs: everything in C (no Python operation at all).
    assert len(loops_made) == 4
    for names in loops_made:
        assert "PythonOp" not in names, names
    # A checkpoint taken between compiled runs keeps the events in flight:
    # restored, the run continues as the uninterrupted one.
    for name, filename in (("middle", "middle"), ("default", "periodic")):
        net, S, G, monitors = _plastic(5, heterogeneous)
        net.restore(name, filename=str(tmp_path / f"{filename}{heterogeneous}.h5"))
        # (periodic: the last one, at the end of the first window after 35 ms)
        assert float(net.t / ds.ms) == pytest.approx(15.0 if name == "middle" else
                                                    35.4 if not heterogeneous else 35.0)
        net.run(40 * ds.ms - net.t)
        assert np.array_equal(S.w[:], results[0]["w"]), filename
        assert np.array_equal(G.v[:], results[0]["v"]), filename
        del net, S, G, monitors


@pytest.mark.parametrize("writes_target", [False, True])
def test_events_of_one_step_give_the_python_loops_result(writes_target, loops_made):
    """Spikes of several steps arrive together (delays differ) and several
    targets spike in one step: the events interleave in store order. Code
    writing only its synapses runs them in the order queued (no sort); code
    summing into the target keeps store order (the sum's rounding depends
    on it). Either way the result is the Python loop's, to the bit."""
    results = []
    for profile in (False, True):
        ds.seed(3)
        P = ds.NeuronGroup(300, "y : 1", threshold="rand() < 0.3", name="pre")
        G = ds.NeuronGroup(10, "y : 1", threshold="rand() < 0.5", name="post")
        S = ds.Synapses(P, G, "w : 1", on_pre="w = w * 0.5 + 0.25"
                        + ("\ny_post += w * 1e-3 + 0.1" if writes_target else ""),
                        on_post="w = w * 0.75", name="plastic")
        S.connect()
        S.w = "rand()"
        S.pre.delay = "rand() * 2*ms"
        net = ds.Network(P, G, S)
        net.run(5 * ds.ms, profile=profile)
        assert S.pre.writes_neurons is writes_target and not S.post.writes_neurons
        results.append({"w": S.w[:].copy(), "y": G.y[:].copy()})
        del net, P, G, S
    _assert_same(*results)
    assert len(set(results[0]["w"])) > 1000  # the events changed the weights unevenly
    if writes_target:
        assert np.all(results[0]["y"] > 10)
    assert len(loops_made) == 1 and loops_made[0].count("EventQueue") == 2, loops_made


@pytest.mark.parametrize("n_vars", [1, 2, 3])
@pytest.mark.parametrize("refractory", ["(1 + i % 4) * ms", "2*ms", False])
def test_the_fused_exact_step_equals_the_separate_update_and_threshold(n_vars, refractory,
                                                                        monkeypatch):
    """ext/neuron_kernels' fused pass (exact_pass.h's vectorized loops for 1
    to 3 variables, over more than one block of neurons; a refractory period
    per neuron, one for all, none) against the exact update and the
    threshold run one after the other."""
    from distsim.groups.neuron_code import NeuronStateUpdate
    eqs = {1: "dv/dt = (20*mV - v) / (10*ms) : volt (unless refractory)",
           2: """dv/dt = (I*ohm*1e6 - v) / (10*ms) : volt (unless refractory)
                 dI/dt = -I / (2*ms) : amp""",
           3: """dv/dt = (ge + gi - v + 15*mV) / (20*ms) : volt (unless refractory)
                 dge/dt = -ge / (5*ms) : volt
                 dgi/dt = -gi / (10*ms) : volt"""}[n_vars]
    results = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(NeuronStateUpdate, "_compiled_step", lambda self: None)
        ds.seed(3)
        G = ds.NeuronGroup(600, eqs, threshold="v > 10*mV", reset="v = 0*mV",
                           refractory=refractory, method="exact", name="cells")
        G.v = "rand() * 12*mV"
        for name in ("I", "ge"):
            if name in G.variables:
                setattr(G, name, "rand() * 1e-8*amp" if name == "I" else "rand() * 5*mV")
        S = ds.Synapses(G, G, on_pre="v_post += 0.5*mV", delay=0.5 * ds.ms, name="recurrent")
        S.connect(p=0.05)
        M = ds.SpikeMonitor(G, name="cells_spikes")
        net = ds.Network(G, S, M)
        net.run(30 * ds.ms)
        step_kind = type(G.state_update_code).__name__, G.state_update_code.compiled_step
        results.append((M.i[:], M.t_[:], G.v_[:].copy(), step_kind[1] is not None))
        del net, G, S, M
    (i1, t1, v1, was_fused), (i2, t2, v2, was_separate) = results
    assert was_fused and not was_separate
    assert len(i1) > 50
    assert np.array_equal(i1, i2) and np.array_equal(t1, t2) and np.array_equal(v1, v2)


def _summed_input_network(per_neuron_tau):
    """Exact steps whose b changes at every step (a current summed from
    clock-driven synapses), with one tau or a tau per neuron, refractoriness
    holding v: the generated exact kernel, the synapses' exact update and
    the summed variable as compiled operations."""
    ms = ds.ms
    G = ds.NeuronGroup(60, """dv/dt = (I_syn + I_b - v)/tau : 1 (unless refractory)
                              tau : second (constant)
                              I_b : 1 (constant)
                              I_syn : 1""", threshold="v > 1", reset="v = 0",
                       refractory=2 * ms, method="exact", name="liquid")
    G.tau = "(20 + 10.0*i/N)*ms" if per_neuron_tau else "25*ms"
    G.I_b = "0.98 + 0.3*i/N"
    G.v = "0.9*i/N"
    S = ds.Synapses(G, G, """w : 1
                             dx/dt = -x/(3*ms) : 1 (clock-driven)
                             I_syn_post = w*x : 1 (summed)""", on_pre="x += 1",
                    method="exact", name="liquid_synapses")
    S.connect("(i*7 + j*3) % 10 == 0")
    S.w = "0.02 + 0.03*rand()"
    spikes = ds.SpikeMonitor(G, name="liquid_spikes")
    trace = ds.StateMonitor(G, ["v", "I_syn"], record=[0, 31, 59], name="liquid_trace")
    return ds.Network(G, S, spikes, trace), G, spikes, trace


@pytest.mark.parametrize("per_neuron_tau", [False, True])
def test_exact_steps_with_changing_input_run_compiled_as_the_numpy_target(per_neuron_tau,
                                                                          loops_made):
    results = []
    for target, profile in (("cython", False), ("cython", True), ("numpy", False)):
        ds.prefs.codegen.target = target
        try:
            ds.seed(3)
            net, G, spikes, trace = _summed_input_network(per_neuron_tau)
            net.run(150 * ds.ms, profile=profile)
        finally:
            ds.prefs.codegen.target = "cython"
        results.append({"i": spikes.i[:], "t": spikes.t_[:], "v": trace.v_[:],
                        "I_syn": trace.I_syn_[:], "G_v": G.v_[:]})
        del net, G, spikes, trace
    assert len(results[0]["i"]) > 100, len(results[0]["i"])
    assert np.ptp(results[0]["I_syn"]) > 0.05
    for other in results[1:]:
        _assert_same(results[0], other)
    # The compiled run had no Python operation: the generated exact update
    # (a Bound kernel), the synapses' ExactUpdate and the summed variable.
    assert len(loops_made) == 1
    assert "PythonOp" not in loops_made[0], loops_made[0]
    assert {"ExactUpdate", "FillValues", "Bound"} <= set(loops_made[0]), loops_made[0]


def test_groups_on_slower_clocks_run_compiled_as_in_python(loops_made):
    # network/clocks.py: the slow group's operations wrapped in PeriodicOps.
    results = []
    for profile in (False, True):
        ms = ds.ms
        fast = ds.NeuronGroup(5, "dv/dt = (1.3 + 0.05*i - v)/(7*ms) : 1 (unless refractory)",
                              threshold="v > 1", reset="v = 0", refractory=1 * ms,
                              method="exact", name="fast")
        slow = ds.NeuronGroup(3, """dx/dt = (I - x)/(5*ms) : 1 (unless refractory)
                                    I : 1""", threshold="x > 0.3", reset="x = 0",
                              refractory=2 * ms, method="exact", dt=0.5 * ms, name="slow")
        S = ds.Synapses(fast, slow, on_pre="I_post += 0.08", delay=0.3 * ms, name="fs")
        S.connect()
        spikes = ds.SpikeMonitor(slow, name="slow_spikes")
        trace = ds.StateMonitor(slow, "x", record=True, name="slow_trace")
        net = ds.Network(fast, slow, S, spikes, trace)
        net.run(40 * ms, profile=profile)
        results.append({"i": spikes.i[:], "t": spikes.t_[:], "x": trace.x_[:],
                        "trace_t": trace.t_[:], "v": fast.v_[:]})
        del net, fast, slow, S, spikes, trace
    assert len(results[0]["i"]) > 10
    assert np.allclose(np.diff(results[0]["trace_t"]), 0.5e-3)  # on the slow clock
    assert np.allclose(results[0]["t"] / 0.5e-3, np.round(results[0]["t"] / 0.5e-3))
    _assert_same(*results)
    assert len(loops_made) == 1 and "PythonOp" not in loops_made[0], loops_made
    assert "PeriodicOp" in loops_made[0]
