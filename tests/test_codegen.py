"""Generated kernels (distsim/codegen): the translation of every operator and
function against numpy, and compilation shared by ranks that start at once."""
import os

import numpy as np
import pytest

import distsim
from distsim import NeuronGroup, Synapses, ms, run
from distsim.codegen import build

from conftest import mpirun

# Every operator and default function in one model (euler: a generated kernel).
RIGHT_HAND_SIDE = " ".join("""
    clip(y, -0.5, 0.5) + sign(y - 0.1) + int(3.7*y) + abs(y)**1.5 + (i % 3) + (i // 2)
    + exp(-y*y) + log(2 + y) + log10(3 + y) + sqrt(1 + y*y) + sin(y) + cos(y) + tan(y/4)
    + sinh(y/3) + cosh(y/3) + tanh(y) + arcsin(y/2) + arccos(y/2) + arctan(y)
    + floor(5*y) + ceil(5*y) + expm1(y/5) + log1p(y*y) + pi*e + exprel(y - 0.5)
    + (y > 0.2 and y < 0.8) + (y < 0.1 or y > 0.9) + (not y > 0.5)
    + 1*(y >= 0.3) - 1*(y <= 0.7) + 1*(y == 0.5) + 1*(y != 0.5) - 2*x""".split())
EVERY_FORM = f"""dx/dt = ({RIGHT_HAND_SIDE})/(10*ms) : 1
                 dy/dt = (0.8 - y)/(7*ms) + x/(100*ms) : 1"""


def fresh_scope(generated, monkeypatch):
    """A new scope; without ``generated``, the numpy target (prefs.codegen.target)."""
    distsim.start_scope()
    distsim.prefs.codegen.target = "cython" if generated else "numpy"


def run_every_form(generated, monkeypatch):
    fresh_scope(generated, monkeypatch)
    G = NeuronGroup(40, EVERY_FORM, method="euler")
    G.y = "-0.9 + 1.8*i/40"
    run(5 * ms)
    used = G.state_update_code.kernel is not None
    distsim.prefs.codegen.target = "cython"
    return np.asarray(G.x), np.asarray(G.y), used


def test_every_operator_and_function_translates_as_numpy_evaluates_it(monkeypatch):
    x_kernel, y_kernel, used = run_every_form(True, monkeypatch)
    x_numpy, y_numpy, unused = run_every_form(False, monkeypatch)
    assert used and not unused
    assert np.all(np.isfinite(x_kernel)) and np.ptp(x_kernel) > 0
    assert np.allclose(x_kernel, x_numpy, rtol=1e-12, atol=1e-12)
    assert np.allclose(y_kernel, y_numpy, rtol=1e-12, atol=1e-12)


def run_noisy(generated, monkeypatch):
    fresh_scope(generated, monkeypatch)
    # two noise terms, refractoriness, a subexpression using xi
    G = NeuronGroup(200, """dv/dt = (mu - v)/(10*ms) + s*sqrt(2/(10*ms))*xi_1 : 1 (unless refractory)
                            dw/dt = -w/(5*ms) + drive : 1
                            drive = 0.3*xi_2/sqrt(ms) : 1/second""",
                    threshold="v > 1", reset="v = 0", refractory=2 * ms, method="euler",
                    namespace={"mu": 0.8, "s": 0.4})
    H = NeuronGroup(10, "dx/dt = -x/(10*ms) + x*xi/sqrt(ms) : 1", method="heun")
    run(20 * ms)
    used = (G.state_update_code.kernel is not None, H.state_update_code.kernel is not None)
    distsim.prefs.codegen.target = "cython"
    return np.asarray(G.v), np.asarray(G.w), used


def test_additive_noise_runs_in_the_kernel_with_the_numpy_draws(monkeypatch):
    v_kernel, w_kernel, used = run_noisy(True, monkeypatch)
    v_numpy, w_numpy, unused = run_noisy(False, monkeypatch)
    assert used == (True, False)  # heun (multiplicative noise) keeps numpy
    assert unused == (False, False)
    assert np.ptp(v_kernel) > 0.1 and np.ptp(w_kernel) > 0
    assert np.allclose(v_kernel, v_numpy, rtol=1e-12, atol=1e-12)
    assert np.allclose(w_kernel, w_numpy, rtol=1e-12, atol=1e-12)


def test_a_kernel_is_compiled_once_and_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTSIM_CACHE", str(tmp_path))
    monkeypatch.setattr(build, "_loaded", {})
    source = "def run(double x):\n    return 2*x + 0.25  # test\n"
    assert build.load_kernel(source).run(1.0) == 2.25
    built = [f for f in os.listdir(tmp_path / "kernels") if f.endswith(".so")]
    assert len(built) == 1
    calls = []
    monkeypatch.setattr(build, "_compile", lambda *args: calls.append(args))
    monkeypatch.setattr(build, "_loaded", {})
    assert build.load_kernel(source).run(2.0) == 4.25 and not calls  # from the cache


def test_a_kernel_that_does_not_compile_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTSIM_CACHE", str(tmp_path))
    with pytest.raises(build.KernelBuildError, match="undeclared_name"):
        build.load_kernel("def run(double x):\n    cdef double y = undeclared_name\n"
                          "    return y\n")


SCRIPT = """
import numpy as np
import distsim
from distsim import *
from distsim.parallel import rank
seed(1)
G = NeuronGroup(60, "dv/dt = (1.5 - v)/(10*ms) + {salt}*i/second : 1", threshold="v > 1",
                reset="v = 0", method="rk4")
S = Synapses(G, G, '''w : 1
             dA/dt = -A/(20*ms) : 1 (event-driven)''',
             on_pre='''v_post += 0.01*w
                       A += 1
                       w = clip(w + 0.1*A, 0, 3)''')
S.connect(p=0.2)
S.w = "rand()"
run(30*ms)
assert G.state_update_code.kernel is not None and G.threshold_code.kernel is not None
assert S.event_pathways[0].kernel is not None
w = np.asarray(S.w)
if rank() == 0:
    np.save("{out}", w)
"""


@pytest.mark.parametrize("n", [3])
def test_ranks_starting_together_compile_each_kernel_once(tmp_path, n):
    # A fresh cache: three ranks need the same three kernels at the same moment.
    salt = float(np.random.default_rng().integers(1, 10**6)) * 1e-9  # new source text
    outputs = {}
    for ranks in (n, 1):  # the concurrent start first, on the empty cache
        script = tmp_path / f"model{ranks}.py"
        out = tmp_path / f"w{ranks}.npy"
        script.write_text(SCRIPT.format(salt=salt, out=out))
        result = mpirun(ranks, [str(script)], extra_env={"DISTSIM_CACHE": str(tmp_path / "cache")})
        assert result.returncode == 0, result.stdout + result.stderr
        outputs[ranks] = np.load(out)
    built = [f for f in os.listdir(tmp_path / "cache" / "kernels") if f.endswith(".so")]
    assert len(built) == 3  # the neuron update, the threshold and the pathway, once each
    assert np.array_equal(outputs[1], outputs[n])


def run_synaptic_dynamics(generated, monkeypatch):
    fresh_scope(generated, monkeypatch)
    source = NeuronGroup(20, "du/dt = (1.5 - u)/(7*ms) : 1", threshold="u > 1", reset="u = 0",
                         method="exact")
    source.u = "i/20"
    target = NeuronGroup(12, """dv/dt = (g_in - v)/(10*ms) : 1
                                g_in : 1""")
    S = Synapses(source, target[2:10], """dg/dt = -g/(10*ms) + x*(1 - g)/(5*ms) + 0.1*xi/sqrt(ms) : 1 (clock-driven)
                                          dx/dt = -x/(20*ms) + 0.01*u_pre/ms - 0.01*v_post/ms : 1 (clock-driven)
                                          w : 1
                                          g_in_post = w*g + 0.001*j : 1 (summed)""",
                 on_pre="x += 0.5", method="euler")
    S.connect(p=0.6)
    S.w = "0.5 + 0.05*i"
    run(20 * ms)
    used = (S.clock_driven_update.loop is not None, S.summed_updates[0].loop is not None)
    distsim.prefs.codegen.target = "cython"
    return np.asarray(S.g), np.asarray(S.x), np.asarray(target.g_in), np.asarray(target.v), used


def test_clock_driven_synapses_and_summed_variables_run_as_the_numpy_path(monkeypatch):
    # pre and post reads, noise, a summed variable onto a subgroup
    compiled = run_synaptic_dynamics(True, monkeypatch)
    numpy_path = run_synaptic_dynamics(False, monkeypatch)
    assert compiled[-1] == (True, True) and numpy_path[-1] == (False, False)
    g_in = compiled[2]
    assert np.all(g_in[[0, 1, 10, 11]] == 0) and np.all(g_in[2:10] != 0)
    for ours, reference in zip(compiled[:-1], numpy_path[:-1]):
        assert np.allclose(ours, reference, rtol=1e-12, atol=1e-12)


def run_thresholds(generated, monkeypatch):
    fresh_scope(generated, monkeypatch)
    from distsim import Hz, PoissonGroup, SpikeMonitor
    P = PoissonGroup(300, "(20 + 10*i/300)*Hz")
    G = NeuronGroup(50, """dv/dt = (1.2 + 0.01*i - v)/(10*ms) : 1 (unless refractory)
                           level = 0.9 + 0.002*i : 1""",
                    threshold="v > level", reset="v = 0", refractory=3 * ms, method="euler")
    monitors = SpikeMonitor(P), SpikeMonitor(G)
    run(50 * ms)
    used = (P.threshold_code.kernel is not None, G.threshold_code.kernel is not None)
    distsim.prefs.codegen.target = "cython"
    return [(np.asarray(m.i), np.asarray(m.t_)) for m in monitors], np.asarray(G.v), used


def test_thresholds_in_kernels_spike_as_the_numpy_path(monkeypatch):
    # PoissonGroup (rand() in the threshold) and a refractory group whose
    # threshold uses a subexpression.
    compiled, v_compiled, used = run_thresholds(True, monkeypatch)
    numpy_path, v_numpy, unused = run_thresholds(False, monkeypatch)
    assert used == (True, True) and unused == (False, False)
    for (i, t), (i_ref, t_ref) in zip(compiled, numpy_path):
        assert len(i) > 20 and np.array_equal(i, i_ref) and np.array_equal(t, t_ref)
    assert np.array_equal(v_compiled, v_numpy)


def test_an_unwritable_kernel_cache_says_what_to_do(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("DISTSIM_CACHE", str(blocked))
    monkeypatch.setattr(build, "_loaded", {})
    with pytest.raises(build.KernelBuildError, match="set DISTSIM_CACHE"):
        build.load_kernel("def run():\n    return 1  # unwritable cache\n")


def test_exact_update_with_a_matrix_per_neuron_matches_numpy():
    # Coefficients that differ between neurons (a tau per cell, as SONATA
    # node types and PyNN's heterogeneous parameters give) run in one
    # compiled loop, with the numpy path's results bit for bit.
    import distsim
    from distsim import NeuronGroup, StateMonitor, ms, mV, run, start_scope
    results = {}
    for target in ("cython", "numpy"):
        start_scope()
        distsim.prefs.codegen.target = target
        G = NeuronGroup(50, """dv/dt = (-(v - E) + R*I_s)/tau : volt (unless refractory)
                               dI_s/dt = -I_s/tau_s : amp
                               tau : second
                               tau_s : second
                               E : volt
                               R : ohm""",
                        threshold="v > -50*mV", reset="v = -70*mV", refractory=2 * ms,
                        method="exact")
        G.tau = "(5 + i)*ms"
        G.tau_s = "(1 + 0.1*i)*ms"
        G.E = "-60*mV + 0.3*i*mV"
        G.R = "100*Mohm"
        G.I_s = "0.2*nA*(i % 7)"
        G.v = -70 * mV
        trace = StateMonitor(G, ["v", "I_s"], record=True)
        run(30 * ms)
        results[target] = (np.asarray(trace.v_), np.asarray(trace.I_s_))
    assert np.ptp(results["numpy"][0]) > 0.005
    assert np.array_equal(results["cython"][0], results["numpy"][0])
    assert np.array_equal(results["cython"][1], results["numpy"][1])
