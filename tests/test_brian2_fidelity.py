"""Brian2 semantics that Brian2's own examples rely on (issue 15), against
Brian2 2.9's output (tests/reference/brian2_fidelity_models.py, stored by
make_brian2_reference.py), and Brian2's names for devices, preferences,
functions and the magic network."""
import os
import subprocess
import sys

import numpy as np
import pytest

import distsim
from conftest import ROOT, mpirun

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
sys.path.insert(0, HERE)
from brian2_fidelity_models import MODELS  # noqa: E402


def reference_of(name):
    """Brian2 2.9's output for the model ``name`` (make_brian2_reference.py)."""
    return dict(np.load(os.path.join(HERE, f"brian2_{name}.npz")))


def run_both(name):
    reference = reference_of(name)
    reference.pop("brian2_version")
    distsim.start_scope()
    distsim.defaultclock.dt = 0.1 * distsim.ms
    distsim.seed(2024)
    return reference, MODELS[name](distsim)


def run_both_on_target(name, target):
    """`run_both` with prefs.codegen.target set to ``target`` ('cython': the
    compiled kernels where they apply; 'numpy': never)."""
    distsim.prefs.codegen.target = target
    try:
        return run_both(name)
    finally:
        distsim.prefs.codegen.target = "auto"


def test_subexpressions_read_their_own_constants_and_are_recorded_as_in_brian2():
    # COBAHH: VT appears only in subexpressions; alpha_m is recorded and read.
    reference, ours = run_both("hh_subexpressions")
    assert len(reference["spike_t"]) >= 3
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    for key in ("v", "alpha_m", "I_ext", "alpha_m_end", "beta_n_end"):
        assert np.allclose(ours[key], reference[key], rtol=1e-7, atol=1e-12), key


def test_python_functions_in_models_are_called_with_units_as_in_brian2():
    reference, ours = run_both("user_functions")
    assert len(reference["spike_t"]) >= 10
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    assert np.allclose(ours["v"], reference["v"], rtol=1e-9, atol=1e-15)
    assert np.allclose(ours["from_python"], reference["from_python"], rtol=1e-12)


def test_a_sweep_in_a_loop_restarts_time_and_simulates_only_the_new_objects():
    reference, ours = run_both("magic_sweep")
    for key in reference:
        assert np.array_equal(ours[key], reference[key]), key


def test_an_object_without_a_reference_is_not_simulated_and_says_so():
    with pytest.warns(UserWarning, match="PoissonInput 'poissoninput'.*keeps no reference"):
        reference, ours = run_both("dropped_objects")
    # The dropped input (strong enough to make every neuron fire) changed
    # nothing: neurons 10..19 stay at rest, as in Brian2.
    for key in ("v_rest",):
        assert np.array_equal(ours[key], reference[key]), key
    assert np.all(ours["spike_count"][10:] == 0) and np.all(reference["spike_count"][10:] == 0)
    # The kept input's spikes are random: the counts agree in distribution
    # (Poisson-driven, about 4.5 each: totals within 3 standard deviations).
    ours_total, theirs_total = ours["spike_count"][:10].sum(), reference["spike_count"][:10].sum()
    assert abs(int(ours_total) - int(theirs_total)) < 3 * np.sqrt(2 * theirs_total)


def test_queued_construction_keeps_no_dropped_object_alive():
    """connect() and string assignments are queued with the script's names:
    they must not keep an object the script dropped alive (which would make
    it run or not depending on when the queue is built)."""
    def build():
        G = distsim.NeuronGroup(10, "dv/dt = -v/(10*ms) : 1")
        background = distsim.PoissonInput(G, "v", 100, 1 * distsim.kHz, 1.0,  # noqa: F841
                                          name="dropped_input")
        S = distsim.Synapses(G, G, "w : 1", on_pre="v_post += w")
        S.connect(p=0.5)
        S.w = "rand()"
        return G, S
    G, S = build()
    with pytest.warns(UserWarning, match="PoissonInput 'dropped_input'.*keeps no reference"):
        distsim.run(2 * distsim.ms)
    assert np.all(G.v_ == 0)  # the input never ran: nothing else moves v


def test_constants_timestep_and_exprel_have_brian2s_values():
    reference, ours = run_both("constants_and_timestep")
    assert np.array_equal(ours["steps"], reference["steps"])
    assert np.allclose(ours["values"], reference["values"], rtol=1e-15, atol=0)
    assert np.allclose(ours["exprel"], reference["exprel"], rtol=1e-14)


def test_a_mix_of_old_and_new_objects_is_a_magic_error():
    G = distsim.NeuronGroup(2, "v : 1")
    distsim.run(1 * distsim.ms)
    H = distsim.NeuronGroup(2, "v : 1")
    with pytest.raises(distsim.MagicError, match="neurongroup_1.*start_scope"):
        distsim.run(1 * distsim.ms)
    assert {o.name for o in distsim.collect()} == {G.name, H.name}


def test_objects_kept_in_containers_and_other_networks_keep_their_own_time():
    groups = [distsim.NeuronGroup(1, "dv/dt = 1/ms : 1", name=f"g{k}") for k in range(2)]
    distsim.run(2 * distsim.ms)          # simulated although only a list holds them
    assert [float(g.v[0]) for g in groups] == pytest.approx([20 * 0.1, 20 * 0.1])
    distsim.start_scope()
    a, b = distsim.NeuronGroup(1, "x : 1", name="a"), distsim.NeuronGroup(1, "x : 1", name="b")
    net_a, net_b = distsim.Network(a), distsim.Network(b)
    net_a.run(5 * distsim.ms)
    net_b.run(2 * distsim.ms)
    net_a.run(1 * distsim.ms)
    assert float(net_a.t / distsim.ms) == pytest.approx(6)
    assert float(net_b.t / distsim.ms) == pytest.approx(2)
    with pytest.raises(RuntimeError, match="'a' has already been run in the context of "
                                           "another network"):
        distsim.Network(a, b).run(1 * distsim.ms)


def test_devices_preferences_and_functions_have_brian2s_names():
    from distsim.core import devices
    assert distsim.get_device().__class__.__name__ == "RuntimeDevice"
    with pytest.warns(UserWarning, match="cpp_standalone.*distsim runs the model in its own"):
        distsim.set_device("cpp_standalone", build_on_run=False, directory=None)
    assert distsim.device.name == "cpp_standalone"
    distsim.device.build(directory=None)  # nothing left to do
    devices.reset_device()
    assert distsim.get_device().name == "runtime"
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        distsim.set_device("gpu")
    distsim.prefs.reset_to_defaults()
    assert distsim.prefs.codegen.target == "auto" == distsim.prefs["codegen.target"]
    distsim.prefs["codegen.cpp.extra_compile_args_gcc"] = ["-O1"]  # kept, no effect
    with pytest.warns(UserWarning, match="float64"):
        distsim.prefs.core.default_float_dtype = np.float32
    with pytest.raises(KeyError, match="no preference 'codegen.nonsense'"):
        distsim.prefs["codegen.nonsense"] = 1
    with pytest.raises(NotImplementedError, match="legacy.refractory_timing"):
        distsim.prefs.legacy.refractory_timing = True
    distsim.prefs.reset_to_defaults()
    with pytest.raises(ValueError, match="arg_units and return_unit"):
        distsim.Function(lambda x: x)


def test_a_brian2_script_runs_unchanged_with_distsim_as_brian2(tmp_path):
    script = tmp_path / "brian2_script.py"
    script.write_text(
        "from brian2 import *\n"
        "from brian2.core.functions import timestep\n"
        "from brian2.units.constants import zero_celsius\n"
        "from brian2.devices.device import reset_device, reinit_devices\n"
        "import brian2\n"
        "prefs.codegen.target = 'numpy'\n"
        "G = NeuronGroup(3, 'dv/dt = (1.2 - v)/(10*ms) : 1', threshold='v > 1', "
        "reset='v = 0', method='exact')\n"
        "M = SpikeMonitor(G)\n"
        "run(50*ms)\n"
        "print(brian2.__name__, len(M.i), timestep(1*ms, defaultclock.dt), "
        "float(zero_celsius/kelvin), linspace(0, 1, 3)[1])\n")
    done = subprocess.run([sys.executable, "-m", "distsim.as_brian2", str(script)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["brian2", "6", "10", "273.15", "0.5"]
    unknown = tmp_path / "unknown.py"
    unknown.write_text("import brian2.spatialneuron.morphology\n")
    done = subprocess.run([sys.executable, "-m", "distsim.as_brian2", str(unknown)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode != 0
    assert "no counterpart of Brian2's module 'brian2.spatialneuron'" in done.stderr


FIDELITY_MODEL = "tests/models/fidelity_model.py"


def run_on_ranks(name, ranks, tmp_path):
    """The model ``name`` run by ``ranks`` ranks (tests/models/fidelity_model.py)."""
    out = tmp_path / f"{name}_{ranks}.npz"
    done = mpirun(ranks, [FIDELITY_MODEL, name, str(out)], timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(np.load(out))


@pytest.mark.parametrize("ranks", [2, 3])
def test_the_sweep_is_the_same_on_every_rank_count(tmp_path, ranks):
    one, many = run_on_ranks("magic_sweep", 1, tmp_path), run_on_ranks("magic_sweep", ranks,
                                                                        tmp_path)
    reference = reference_of("magic_sweep")
    for key in one:
        assert np.array_equal(one[key], many[key]), key
        assert np.array_equal(one[key], reference[key]), key


def test_network_operations_read_write_and_stop_as_in_brian2():
    reference, ours = run_both("network_operations")
    assert len(reference["spike_t"]) == 25
    for key in ("spike_i", "seen", "last_t", "end"):
        assert np.array_equal(ours[key], reference[key]), key
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    assert np.allclose(ours["I"], reference["I"], rtol=1e-12)


@pytest.mark.parametrize("ranks", [2, 3])
def test_network_operations_give_the_same_run_on_every_rank_count(tmp_path, ranks):
    ours = run_on_ranks("network_operations", ranks, tmp_path)
    reference = reference_of("network_operations")
    for key in ("spike_i", "seen", "last_t", "end"):
        assert np.array_equal(ours[key], reference[key]), key
    assert np.allclose(ours["I"], reference["I"], rtol=1e-12)


def test_monitors_record_in_the_slot_they_are_given_as_in_brian2():
    reference, ours = run_both("monitor_slots")
    assert len(reference["spike_i"]) >= 5
    for key in reference:
        assert np.allclose(ours[key], reference[key], rtol=1e-12, atol=0), key
    with pytest.raises(NotImplementedError, match="before the thresholds"):
        distsim.SpikeMonitor(distsim.NeuronGroup(1, "v : 1"), when="start")


def test_temporaries_and_shared_statements_as_in_brian2():
    reference, ours = run_both("temporaries_and_shared_statements")
    assert len(reference["spike_i"]) >= 5
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    for key in ("v", "drive", "w", "phase"):
        assert np.allclose(ours[key], reference[key], rtol=1e-12, atol=1e-18), key


def test_a_shared_variable_gets_one_random_value_for_the_whole_group():
    G = distsim.NeuronGroup(50, "x : 1 (shared)\ny : 1")
    G.run_regularly("x = rand()\ny = x + i", dt=1 * distsim.ms)
    distsim.run(1 * distsim.ms)
    y, x = np.asarray(G.y[:]), float(np.asarray(G.x[:]))
    assert np.allclose(y - np.arange(50), x) and 0 < x < 1
    H = distsim.NeuronGroup(3, "x : 1 (shared)\ny : 1")
    H.run_regularly("y = i\nx = y")
    with pytest.raises(Exception, match="shared variable 'x' can only be assigned from shared"):
        distsim.Network(H).run(1 * distsim.ms)


def test_profiling_times_every_code_object_of_the_schedule():
    G = distsim.NeuronGroup(20, "dv/dt = (1.1 - v)/(10*ms) : 1", threshold="v > 1",
                            reset="v = 0", method="euler")
    M = distsim.SpikeMonitor(G)
    distsim.run(5 * distsim.ms, profile=True)
    info = distsim.magic_network.profiling_info
    names = {name for _, _, name in distsim.magic_network.scheduling_summary()}
    assert {name for name, _ in info} == names
    times = [float(t / distsim.second) for _, t in info]
    assert times == sorted(times, reverse=True) and times[0] > 0
    # Brian2's profiling_summary() (Wang_2002.py prints it): a row per code
    # object, longest first; show= keeps the longest.
    rows = str(distsim.profiling_summary()).splitlines()[2:]
    assert [row.split()[0] for row in rows] == [name for name, _ in info]
    shown = str(distsim.profiling_summary(show=2)).splitlines()[2:]
    assert [row.split()[0] for row in shown] == [name for name, _ in info[:2]]
    total = sum(times)
    assert abs(float(rows[0].split()[-2]) - 100 * times[0] / total) < 0.01


def test_synapse_indices_select_synapses_to_assign_as_in_brian2():
    reference, ours = run_both("synapse_indices")
    for key in reference:
        assert np.array_equal(ours[key], reference[key]), key


@pytest.mark.parametrize("ranks", [1, 2])
def test_a_group_with_its_own_dt_runs_on_its_clock_as_in_brian2(tmp_path, ranks):
    ours = run_on_ranks("group_clock", ranks, tmp_path)
    reference = reference_of("group_clock")
    assert len(reference["spike_i"]) >= 3 and reference["t"][1] == 0.25e-3
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    for key in ("v", "t", "spike_t", "net_t", "default_t"):
        assert ours[key].shape == reference[key].shape, key
        assert np.allclose(ours[key], reference[key], rtol=1e-12, atol=1e-15), key


def test_a_group_faster_than_the_default_clock_sets_the_run_step():
    distsim.start_scope()
    G = distsim.NeuronGroup(2, "dv/dt = 1/ms : 1", dt=distsim.defaultclock.dt)
    H = distsim.NeuronGroup(2, "dv/dt = 1/ms : 1", dt=0.05 * distsim.ms, name="fast")
    net = distsim.Network(G, H)
    net.run(1 * distsim.ms)  # (one clock per run before: NotImplementedError)
    assert float(net.t / distsim.ms) == pytest.approx(1.0)
    assert distsim.defaultclock.timestep == 10  # G ran on it (Brian2's defaultclock.t)
    assert np.allclose(G.v[:], 1.0) and np.allclose(H.v[:], 1.0)
    with pytest.raises(distsim.DimensionMismatchError, match="dt must be a time"):
        distsim.NeuronGroup(2, "v : 1", dt=0.05)


def test_a_poisson_input_weight_may_depend_on_time_as_in_brian2():
    reference, ours = run_both("poisson_input_weight_of_time")
    assert reference["v"].max() > 1e-3
    assert np.allclose(ours["v"], reference["v"], rtol=1e-12, atol=1e-18)


def test_custom_events_run_on_event_event_monitors_and_pathways_as_in_brian2():
    reference, ours = run_both("custom_events")
    assert len(reference["event_i"]) >= 10 and len(reference["spike_i"]) >= 5
    for key in ("event_i", "spike_i"):
        assert np.array_equal(ours[key], reference[key]), key
    for key in ("event_t", "spike_t", "event_g", "x", "y"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


@pytest.mark.parametrize("ranks", [2, 3])
def test_custom_events_are_the_same_on_every_rank_count(tmp_path, ranks):
    ours = run_on_ranks("custom_events", ranks, tmp_path)
    reference = reference_of("custom_events")
    for key in ("event_i", "spike_i"):
        assert np.array_equal(ours[key], reference[key]), key
    for key in ("event_t", "spike_t", "event_g", "x", "y"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


def test_run_regularly_on_a_subgroup_as_in_brian2():
    reference, ours = run_both("subgroup_run_regularly")
    assert np.array_equal(ours["kicks"], reference["kicks"]) and reference["kicks"].max() > 0
    assert np.allclose(ours["v"], reference["v"], rtol=1e-12, atol=0)


def test_network_indexing_monitor_elements_neighbour_values_and_set_spikes_as_in_brian2():
    reference, ours = run_both("script_conveniences")
    assert len(reference["spike_i"]) >= 3
    for key in reference:
        assert np.allclose(ours[key], reference[key], rtol=1e-12, atol=0), key
    assert len(ours["spike_i"]) == len(reference["spike_i"])
    distsim.BrianLogger.log_level_info()  # accepted, as in Brian2's examples


def test_exact_synaptic_dynamics_inline_subexpressions_as_in_brian2():
    reference, ours = run_both("exact_synapses_with_subexpression")
    assert reference["v"].max() > 1e-4
    for key in reference:
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-15), key


def test_stacking_quantities_of_different_units_gives_values_as_brian2():
    # Brian2 2.9: vstack((q, zeros(2))) -> values without units (Rossant et al.'s plot)
    q = np.array([1.0, 2.0]) * distsim.mV
    stacked = np.vstack((q, np.zeros(2)))
    assert distsim.get_dimensions(stacked) is distsim.DIMENSIONLESS
    assert np.array_equal(np.asarray(stacked), [[0.001, 0.002], [0.0, 0.0]])
    same = np.concatenate([q, [1, 2] * distsim.mV])
    assert distsim.get_dimensions(same) is distsim.mV.dim


def test_exponential_euler_takes_conditionally_linear_equations_as_brian2():
    reference, ours = run_both("conditionally_linear")
    assert np.ptp(reference["V"]) > 0.01
    assert np.allclose(ours["V"], reference["V"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_timed_arrays_are_looked_up_as_in_brian2_compiled_or_not(target):
    """A TimedArray read by rk4's midpoints, by a subexpression and by the
    threshold: Brian2's rounding of t to the values' grid, in the compiled
    kernels (Jansen_Rit ran on the numpy path, 3.5x slower than Brian2) and
    on the numpy target alike."""
    from distsim.codegen import kernels
    distsim.prefs.codegen.target = target
    made = []
    original = kernels.FixedArray.__init__
    kernels.FixedArray.__init__ = lambda self, values: made.append(1) or original(self, values)
    try:
        reference, ours = run_both("timed_array_in_equations")
    finally:
        kernels.FixedArray.__init__ = original
    assert bool(made) == (target == "cython")  # the kernels read the values themselves
    assert len(reference["spike_t"]) >= 20
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    for key in ("v", "w", "drive"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


def test_linked_variables_read_one_neuron_or_an_index_as_in_brian2():
    # reliability.py and Brette & Guigon (2003): all neurons linked to a group
    # of one neuron (and a shared subexpression of it); linked_var(index=...).
    reference, ours = run_both("linked_variables")
    assert len(reference["spike_i"]) >= 50 and np.ptp(reference["I"]) > 1
    for key in ("spike_i",):
        assert np.array_equal(ours[key], reference[key]), key
    for key in ("spike_t", "v", "I", "y_in", "B", "I_between", "y_end", "x_end"):
        assert ours[key].shape == reference[key].shape, key
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


@pytest.mark.parametrize("ranks", [2, 3])
def test_linked_variables_are_the_same_on_every_rank_count(tmp_path, ranks):
    # The sources (1 and 4 neurons) live on some ranks only: their values
    # reach the linked neurons on every rank.
    ours = run_on_ranks("linked_variables", ranks, tmp_path)
    reference = reference_of("linked_variables")
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    for key in ("spike_t", "v", "I", "y_in", "B", "I_between", "y_end"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


def test_timed_array_takes_an_array_of_times_as_in_brian2():
    # Brian2 2.9: TimedArray([1, 2, 3]*Hz, dt=1*ms)(array([0.5, 1.5, 2.5, 9])*ms)
    # is [1, 2, 3, 3] Hz (Stimberg et al. 2018's example 4 plots rate_in(mon.t)).
    ta = distsim.TimedArray([1, 2, 3] * distsim.Hz, dt=1 * distsim.ms)
    values = ta(np.array([0.5, 1.5, 2.5, 9]) * distsim.ms)
    assert np.array_equal(np.asarray(values / distsim.Hz), [1, 2, 3, 3])
    assert float(ta(1.5 * distsim.ms) / distsim.Hz) == 2


@pytest.mark.parametrize("model", ["per_neuron_exact_with_input", "shared_exact_with_input"])
@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_exact_steps_with_a_changing_input_as_in_brian2(target, model):
    # The propagators are kept while only the input changes (coefficients
    # per neuron, or shared by all); the input enters each step.
    reference, ours = run_both_on_target(model, target)
    assert len(reference["spike_t"]) >= 10
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    for key in ("v", "w", "I"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


def _assert_clocks_match(ours, reference):
    for key in ("slow_i", "slow_spike_t", "fast_i", "fast_spike_t", "slow_t", "fast_t"):
        assert np.array_equal(ours[key], reference[key]) if key.endswith("_i") else \
            np.allclose(ours[key], reference[key], rtol=0, atol=1e-12), key
    for key in ("x", "I_sum", "I_in", "y", "v", "I_back"):
        assert np.ptp(reference[key]) > 0.04, key  # the model does something
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_groups_on_different_clocks_as_in_brian2(target):
    # Before: NotImplementedError (one clock per run).
    reference, ours = run_both_on_target("groups_on_different_clocks", target)
    assert len(reference["slow_i"]) > 20 and len(reference["fast_i"]) > 10
    _assert_clocks_match(ours, reference)


@pytest.mark.parametrize("ranks", [2, 3])
def test_groups_on_different_clocks_are_the_same_on_every_rank_count(tmp_path, ranks):
    ours = run_on_ranks("groups_on_different_clocks", ranks, tmp_path)
    reference = reference_of("groups_on_different_clocks")
    _assert_clocks_match(ours, reference)


def test_what_distsim_does_not_run_on_a_slower_clock_is_a_clear_error():
    ms = distsim.ms
    for case in ("pathway", "poisson", "rate", "not a multiple", "synapses slower"):
        distsim.start_scope()
        fast = distsim.NeuronGroup(2, "dv/dt = (2 - v)/(5*ms) : 1", threshold="v > 1",
                                   reset="v = 0", method="exact", name="fast",
                                   dt=(0.05 if case == "synapses slower" else 0.1) * ms)
        slow = distsim.NeuronGroup(2, "dv/dt = (2 - v)/(5*ms) : 1", threshold="v > 1",
                                   reset="v = 0", method="euler",
                                   dt=(0.25 if case == "not a multiple" else 1) * ms,
                                   name="slow")
        if case == "synapses slower":
            S = distsim.Synapses(fast, slow, "dc/dt = -c/(5*ms) : 1 (clock-driven)",
                                 method="exact")
            S.connect()
            match = "default clock"
        elif case == "pathway":  # (delays of whole slow steps are fine)
            S = distsim.Synapses(slow, fast, on_pre="v_post += 0.1", delay=1.5 * ms)
            S.connect()
            match = "pathway whose spikes come from 'slow'"
        elif case == "poisson":
            P = distsim.PoissonInput(slow, "v", 10, 5 * distsim.Hz, weight=0.1)
            match = "PoissonInput"
        elif case == "rate":
            R = distsim.PopulationRateMonitor(slow)
            match = "PopulationRateMonitor"
        else:
            match = "not a whole multiple"
        with pytest.raises(NotImplementedError, match=match):
            distsim.run(2 * ms)


@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_coefficients_written_by_other_synapses_are_read_at_every_step(target):
    # Before: the exact update kept the propagators of the run's start
    # (G_A = 0 then), although another Synapses sums into G_A at every step.
    reference, ours = run_both_on_target("coefficients_written_by_other_synapses", target)
    assert reference["G_A"].max() > 0.5 and np.ptp(reference["Gam"]) > 0.2
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    for key in ("Gam", "G_A", "spike_t"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


def test_spike_generator_times_between_steps_fall_in_brian2s_bins():
    # Before: rounded to the nearest step (0.06 ms went to step 1, 1.26 ms
    # to 13); Brian2 truncates after a shift of dt/1000.
    reference, ours = run_both("spike_generator_off_the_grid")
    assert len(reference["spike_i"]) == 21 and reference["spike_t"][0] == 0.0
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-12)
    assert np.allclose(ours["v"], reference["v"], rtol=1e-12, atol=1e-15)


def test_spike_generator_nearest_bins_for_the_front_ends():
    # SONATA and PyNN inputs keep the nearest step (closest to NEURON's and
    # NEST's exact event times); anything else is refused.
    distsim.start_scope()
    times = [0.06, 0.149, 1.26] * distsim.ms
    near = distsim.SpikeGeneratorGroup(3, [0, 1, 2], times, time_bins="nearest")
    binned = distsim.SpikeGeneratorGroup(3, [0, 1, 2], times)
    spikes = [distsim.SpikeMonitor(near), distsim.SpikeMonitor(binned)]
    distsim.run(2 * distsim.ms)
    assert np.allclose(spikes[0].t_, [0.1e-3, 0.1e-3, 1.3e-3])
    assert np.allclose(spikes[1].t_, [0.0, 0.1e-3, 1.2e-3])
    with pytest.raises(ValueError, match="time_bins"):
        distsim.SpikeGeneratorGroup(1, [0], [1] * distsim.ms, time_bins="up")


@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_synapses_keep_the_default_clock_beside_a_group_with_its_own_dt(target):
    # Before: the run took the group's dt for everything, and the synapses'
    # trace was integrated every 0.5 ms instead of Brian2's 0.1 ms.
    reference, ours = run_both_on_target("synapses_on_the_default_clock", target)
    assert len(reference["spike_i"]) >= 8 and np.ptp(reference["tr"]) > 0.5
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    for key in ("v", "I_syn", "tr", "t", "tr_t", "spike_t"):
        assert ours[key].shape == reference[key].shape, key
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key


@pytest.mark.parametrize("ranks", [2, 3])
def test_synapses_on_the_default_clock_are_the_same_on_every_rank_count(tmp_path, ranks):
    ours = run_on_ranks("synapses_on_the_default_clock", ranks, tmp_path)
    reference = reference_of("synapses_on_the_default_clock")
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    for key in ("v", "I_syn", "tr", "spike_t"):
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12), key
