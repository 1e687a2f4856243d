"""distsim.pynn against analytic solutions: membrane relaxation, regular
firing, postsynaptic potentials and conductances, Tsodyks-Markram
depression, pair-based STDP; and PyNN's parameter round trips."""
import numpy as np
import pytest

import distsim.pynn as sim

DT = 0.1


@pytest.fixture(autouse=True)
def session():
    sim.setup(timestep=DT)
    yield
    sim.end()


def trace(population, name):
    """The recorded signal ``name`` (samples x cells, PyNN units)."""
    return np.asarray(population.get_data().segments[0].filter(name=name)[0])


def spike_times(population):
    return [np.asarray(st) for st in population.get_data().segments[0].spiketrains]


def test_membrane_relaxes_as_the_exact_solution():
    # dv/dt = (v_rest - v)/tau_m + I/cm  ->  v = v_rest + R*I*(1 - exp(-t/tau_m))
    cell = dict(tau_m=20.0, cm=0.5, v_rest=-65.0, v_thresh=-40.0, i_offset=0.3)
    p = sim.Population(1, sim.IF_curr_exp(**cell), initial_values={"v": -65.0})
    p.record("v")
    sim.run(100.0)
    v = trace(p, "v")[:, 0]
    t = np.arange(len(v)) * DT
    expected = -65.0 + 0.3 * 20.0 / 0.5 * (1 - np.exp(-t / 20.0))
    assert len(v) == 1001
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-9)


def test_regular_firing_has_the_analytic_interval():
    # From v_reset, v reaches v_thresh after tau_m*ln(RI/(RI - (v_thresh - v_reset)))
    cell = dict(tau_m=10.0, cm=1.0, v_rest=-70.0, v_reset=-70.0, v_thresh=-55.0,
                tau_refrac=2.0, i_offset=2.0)
    p = sim.Population(1, sim.IF_curr_exp(**cell), initial_values={"v": -70.0})
    p.record("spikes")
    sim.run(500.0)
    times = spike_times(p)[0]
    drive = 2.0 * 10.0 / 1.0  # R*I in mV
    to_threshold = 10.0 * np.log(drive / (drive - 15.0))
    intervals = np.diff(times)
    assert len(times) > 20
    # On the time grid: each interval is the analytic one rounded up to a step.
    assert np.all(np.abs(intervals - (2.0 + to_threshold)) <= DT + 1e-9)
    assert abs(times[0] - to_threshold) <= DT + 1e-9


@pytest.mark.parametrize("delay", [0.5, 1.7])
def test_a_single_spike_gives_the_exact_exponential_psp(delay):
    tau_m, tau_s, cm, w = 20.0, 3.0, 0.25, 0.4
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
    p = sim.Population(1, sim.IF_curr_exp(tau_m=tau_m, tau_syn_E=tau_s, cm=cm,
                                          v_rest=-65.0, v_thresh=0.0),
                       initial_values={"v": -65.0})
    sim.Projection(source, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=w, delay=delay),
                   receptor_type="excitatory")
    p.record("v")
    sim.run(80.0)
    v = trace(p, "v")[:, 0] + 65.0
    t = np.arange(len(v)) * DT
    # The current jumps at the end of the arrival step (spike at 10 ms,
    # delivered after `delay`): the solution starts one step later.
    s = t - (10.0 + delay + DT)
    expected = np.where(s > 0, w * tau_s * tau_m / (cm * (tau_m - tau_s))
                        * (np.exp(-np.maximum(s, 0) / tau_m) - np.exp(-np.maximum(s, 0) / tau_s)),
                        0.0)
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-9)
    assert v.max() > 1.0


def test_alpha_conductance_peaks_at_the_weight_after_tau():
    tau = 2.0
    w = 0.01
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[5.0]))
    p = sim.Population(1, sim.IF_cond_alpha(tau_syn_E=tau, v_thresh=0.0))
    sim.Projection(source, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=w, delay=1.0),
                   receptor_type="excitatory")
    p.record("gsyn_exc")
    sim.run(30.0)
    g = trace(p, "gsyn_exc")[:, 0]
    t = np.arange(len(g)) * DT
    onset = 5.0 + 1.0 + DT
    s = np.maximum(t - onset, 0)
    expected = w * s / tau * np.exp(1 - s / tau)
    assert abs(t[np.argmax(g)] - (onset + tau)) <= DT + 1e-9
    # rk4 (Euler would be 2.5% high at the peak)
    np.testing.assert_allclose(g.max(), w, rtol=1e-4)
    np.testing.assert_allclose(g, expected, rtol=0, atol=1e-4 * w)


def test_tsodyks_markram_depression_follows_the_recursion():
    U, tau_rec, w, interval = 0.5, 100.0, 1.0, 20.0
    times = 10.0 + interval * np.arange(8)
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=times))
    p = sim.Population(1, sim.IF_curr_exp(tau_syn_E=2.0, v_thresh=100.0))
    sim.Projection(source, p, sim.AllToAllConnector(),
                   sim.TsodyksMarkramSynapse(U=U, tau_rec=tau_rec, tau_facil=0.0, weight=w,
                                             delay=1.0),
                   receptor_type="excitatory")
    from distsim import StateMonitor
    current = StateMonitor(p.group, "isyn_exc", record=0)
    sim.simulator.state.add(current)
    sim.run(200.0)
    i_nA = np.asarray(current.isyn_exc_)[0] * 1e9
    decay = np.exp(-DT / 2.0)
    jumps = i_nA[1:] - i_nA[:-1] * decay
    measured = jumps[jumps > 1e-6]
    x, expected = 1.0, []
    for _ in times:
        expected.append(w * U * x)
        x = 1 + (x - U * x - 1) * np.exp(-interval / tau_rec)
    np.testing.assert_allclose(measured, expected, rtol=1e-9)


@pytest.mark.parametrize("order", ["pre_then_post", "post_then_pre"])
@pytest.mark.parametrize("dendritic", [0, 1])
def test_stdp_pair_changes_the_weight_as_the_additive_rule(order, dendritic):
    t_pre, t_kick, delay = (10.0, 20.0, 1.0) if order == "pre_then_post" else (30.0, 12.0, 1.0)
    w0, w_max, a_plus, a_minus, tau_plus, tau_minus = 0.5, 1.0, 0.01, 0.012, 16.0, 33.0
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[t_pre]))
    kick = sim.Population(1, sim.SpikeSourceArray(spike_times=[t_kick]))
    post = sim.Population(1, sim.IF_curr_exp(tau_refrac=10.0, tau_syn_E=1.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=tau_plus, tau_minus=tau_minus,
                                            A_plus=a_plus, A_minus=a_minus),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=w_max),
        weight=w0, delay=delay, dendritic_delay_fraction=dendritic)
    plastic = sim.Projection(pre, post, sim.AllToAllConnector(), stdp,
                             receptor_type="excitatory")
    sim.Projection(kick, post, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=20.0, delay=0.1), receptor_type="excitatory")
    post.record("spikes")
    sim.run(60.0)
    t_post = spike_times(post)[0]
    assert len(t_post) == 1
    # They meet at the synapse: the presynaptic spike after the axonal part
    # of the delay, the postsynaptic one after the dendritic part (NEST's).
    lag = (t_post[0] + dendritic * delay) - (t_pre + (1 - dendritic) * delay)
    expected = w0 + a_plus * w_max * np.exp(-lag / tau_plus) if lag > 0 else \
        w0 - a_minus * w_max * np.exp(lag / tau_minus)
    weight = plastic.get("weight", format="list", with_address=False)[0]
    assert weight == pytest.approx(expected, abs=1e-12)
    assert weight != pytest.approx(w0, abs=1e-4)


def test_parameters_round_trip_in_pynn_units():
    p = sim.Population(5, sim.IF_cond_exp(tau_m=12.5, cm=0.3))
    p[1:3].set(tau_m=30.0, e_rev_I=-75.0)
    assert list(p.get("tau_m")) == pytest.approx([12.5, 30.0, 30.0, 12.5, 12.5])
    assert p.get("cm") == pytest.approx(0.3)
    # distsim keeps them in SI units
    assert np.asarray(p.group.tau_m[:])[1] == pytest.approx(0.030)
    assert np.asarray(p.group.e_rev_I[:])[2] == pytest.approx(-0.075)


def test_projection_set_and_get_weights_and_delays():
    a = sim.Population(3, sim.SpikeSourcePoisson(rate=10.0))
    b = sim.Population(4, sim.IF_curr_exp())
    prj = sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=2.0))
    weights = np.arange(12, dtype=float).reshape(3, 4) / 100
    prj.set(weight=weights, delay=1.5)
    np.testing.assert_allclose(prj.get("weight", format="array"), weights)
    assert set(np.round(prj.get("delay", format="list", with_address=False), 9)) == {1.5}
    assert len(prj) == 12


def test_a_receptor_the_cell_lacks_is_an_error():
    a = sim.Population(2, sim.SpikeSourcePoisson())
    b = sim.Population(2, sim.IF_curr_exp())
    with pytest.raises(Exception, match="receptor"):
        sim.Projection(a, b, sim.AllToAllConnector(), receptor_type="NMDA")
