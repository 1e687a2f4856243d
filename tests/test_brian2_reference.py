"""distsim against Brian2 2.9: the same model text (tests/reference/
brian2_models.py), Brian2's traces stored by make_brian2_reference.py."""
import os
import sys

import numpy as np
import pytest

import distsim

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
sys.path.insert(0, HERE)
from brian2_models import MODELS  # noqa: E402


def run_both(name):
    reference = dict(np.load(os.path.join(HERE, f"brian2_{name}.npz")))
    distsim.start_scope()
    distsim.defaultclock.dt = 0.1 * distsim.ms
    distsim.seed(2024)
    return reference, MODELS[name](distsim)


@pytest.mark.parametrize("name", ["cuba_neuron", "iaf_psc_exp_step"])
def test_exact_integration_matches_brian2(name):
    reference, ours = run_both(name)
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    assert len(reference["spike_t"]) >= 3
    for key in reference:
        if key not in ("spike_i", "spike_t", "brian2_version"):
            assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-15), key


@pytest.mark.parametrize("name", ["hh_rk4", "hh_exponential_euler"])
def test_hodgkin_huxley_matches_brian2(name):
    reference, ours = run_both(name)
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    for key in ("v", "m", "h", "n"):
        assert np.allclose(ours[key], reference[key], rtol=1e-6, atol=1e-9), key


def test_adex_matches_brian2():
    reference, ours = run_both("adex")
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    assert np.allclose(ours["vm"], reference["vm"], rtol=1e-7, atol=1e-12)
    assert np.allclose(ours["w"], reference["w"], rtol=1e-7, atol=1e-18)


def test_noisy_neurons_have_brian2s_and_the_analytic_statistics():
    reference, ours = run_both("noisy")
    t, tau, sigma, n = 0.05, 0.01, 2e-3, 4000
    ou_var = sigma ** 2 * (1 - np.exp(-2 * t / tau))
    se = ou_var * np.sqrt(2 / n)
    for stats in (ours, reference):
        assert abs(stats["ou_var"][0] - ou_var) < 4 * se
        assert abs(stats["ou_mean"][0]) < 4 * np.sqrt(ou_var / n)
    # Geometric Brownian motion, Stratonovich (heun): E[x] = exp((mu + s^2/2) t)
    mu, s = -2.0, 0.5
    mean = np.exp((mu + s ** 2 / 2) * t)
    var = mean ** 2 * (np.exp(s ** 2 * t) - 1)
    for stats in (ours, reference):
        assert abs(stats["gbm_mean"][0] - mean) < 4 * np.sqrt(var / n)
        assert abs(stats["gbm_var"][0] / var - 1) < 4 * np.sqrt(2 / n) + 0.05


@pytest.mark.parametrize("name", ["stdp", "summed_nmda", "pathways"])
def test_synapse_models_match_brian2(name):
    """The synapse guide's models: STDP with event-driven traces and on_post,
    clock-driven synaptic equations with a summed variable, two named
    pathways with their own delays, modulation by u_pre, a shared value."""
    reference, ours = run_both(name)
    assert set(ours) == set(reference) - {"brian2_version"}
    for key in ours:
        assert ours[key].shape == reference[key].shape, key
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-15), key
    if name == "stdp":
        assert len(reference["spike_t"]) > 20
        # the weights moved, both up and down
        assert np.any(np.diff(reference["w"], axis=1) > 0)
        assert np.any(np.diff(reference["w"], axis=1) < 0)


def test_refractory_neurons_ignore_writes_to_held_variables_as_in_brian2():
    """Brian2's conditional write: v (unless refractory) of a refractory
    neuron is not changed by synapses (additive and general path) nor by
    run_regularly; the reset still sets it."""
    reference, ours = run_both("refractory_writes")
    assert len(reference["spike_t"]) >= 10  # neurons are refractory while input arrives
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-12)
    assert np.allclose(ours["v"], reference["v"], rtol=1e-12, atol=1e-15)
    assert np.allclose(ours["w"], reference["w"], rtol=1e-12, atol=0)


def test_the_conditional_write_holds_also_for_poisson_input():
    # A refractory neuron's v stays at the reset value, whatever the input.
    ms, mV, Hz = distsim.ms, distsim.mV, distsim.Hz
    distsim.start_scope()
    G = distsim.NeuronGroup(50, "dv/dt = -(v + 65*mV)/(10*ms) : volt (unless refractory)",
                            threshold="v > -50*mV", reset="v = -70*mV", refractory=3 * ms,
                            method="exact")
    G.v = -65 * mV
    noise = distsim.PoissonInput(G, "v", 50, 200 * Hz, 2 * mV)
    trace = distsim.StateMonitor(G, ["v", "not_refractory"], record=True)
    distsim.run(50 * ms)
    v, free = np.asarray(trace.v_), np.asarray(trace.not_refractory).astype(bool)
    held = ~free[:, 1:] & ~free[:, :-1]  # refractory at two recordings in a row
    assert held.sum() > 100
    assert np.all(v[:, 1:][held] == -0.07)
