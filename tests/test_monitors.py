"""Monitors in the script: values, units, shapes, and bounded memory."""
import numpy as np
import pytest

from distsim import (NeuronGroup, PopulationRateMonitor, SpikeMonitor, StateMonitor, Synapses,
                     ms, mV, run, save, second)


def leaky(n=10):
    G = NeuronGroup(n, "dv/dt = (I - v)/(10*ms) : volt\nI : volt", threshold="v > 10*mV",
                    reset="v = 0*mV", method="exact")
    G.I = "(8 + i)*mV"
    return G


def test_state_monitor_follows_the_analytic_trace():
    G = leaky()
    mon = StateMonitor(G, "v", record=[0, 1, 2])  # never reach threshold (I <= 10 mV)
    run(20 * ms)
    assert mon.v.shape == (3, 200)
    t = np.asarray(mon.t)
    expected = (8 + np.arange(3))[:, None] * 1e-3 * (1 - np.exp(-t / 10e-3))[None, :]
    assert np.allclose(np.asarray(mon.v), expected, rtol=1e-12, atol=1e-15)
    assert np.array_equal(np.asarray(mon[2].v), np.asarray(mon.v)[2])
    with pytest.raises(IndexError):
        mon[7]


def test_state_monitor_dt_and_record_true():
    G = leaky(4)
    mon = StateMonitor(G, True, record=True, dt=1 * ms)
    run(10 * ms)
    assert mon.v.shape == (4, 10) and mon.I.shape == (4, 10)
    assert np.allclose(np.asarray(mon.t), np.arange(10) * 1e-3)


def test_state_monitor_of_synapses():
    G = leaky(5)
    S = Synapses(G, G, "w : volt", on_pre="v_post += w")
    S.connect()
    S.w = "(i*10 + j)*mV"
    mon = StateMonitor(S, "w", record=S[:, 3])
    run(1 * ms)
    assert np.allclose(np.asarray(mon.w_)[:, 0], (np.arange(5) * 10 + 3) * 1e-3)


def test_spike_monitor_variables_and_rate_monitor():
    G = leaky(10)
    spikes = SpikeMonitor(G, variables="v")
    rates = PopulationRateMonitor(G)
    run(200 * ms)
    assert spikes.num_spikes > 50
    assert np.all(np.asarray(spikes.v) > 10e-3)  # recorded before the reset
    assert len(spikes.v) == spikes.num_spikes
    total = np.sum(np.asarray(rates.rate)) * 1e-4 * 10
    assert total == pytest.approx(spikes.num_spikes)
    smooth = rates.smooth_rate(window="flat", width=5 * ms)
    assert float(np.mean(np.asarray(smooth))) == pytest.approx(float(np.mean(np.asarray(rates.rate))), rel=0.05)
    trains = spikes.spike_trains()
    assert sum(len(v) for v in trains.values()) == spikes.num_spikes
    assert np.array_equal(spikes.count, [len(trains[k]) for k in range(10)])


def test_streaming_keeps_memory_bounded_and_data_complete(tmp_path):
    G = leaky(10)
    spikes = SpikeMonitor(G, variables="v")
    trace = StateMonitor(G, "v", record=[3])
    run(100 * ms, output=str(tmp_path / "s.h5"), flush_interval=10 * ms)
    # After the run's last flush nothing is buffered in memory...
    assert spikes._i_chunks == [] and trace._steps == []
    # ...and reading still gives the whole run.
    reference = (spikes.i.copy(), spikes.t_.copy(), np.asarray(spikes.v).copy(),
                 np.asarray(trace.v).copy())
    assert reference[3].shape == (1, 1000)
    run(50 * ms, output=str(tmp_path / "s.h5"))
    assert len(trace.t) == 1500
    save(str(tmp_path / "s.h5"))
    assert np.array_equal(spikes.i[:len(reference[0])], reference[0])
    assert np.allclose(np.asarray(spikes.v)[:len(reference[2])], reference[2])
    assert np.allclose(np.asarray(trace.v)[:, :1000], reference[3])


def test_reading_an_unchanged_monitor_again_gathers_nothing_and_a_change_is_seen():
    """Analysis loops read monitors thousands of times (Brian2's
    Platkiewicz_Brette_2011 example): a read of an unchanged monitor must not
    rebuild its arrays, and every recording, flush or restore is seen."""
    from distsim import restore, store
    G = leaky(12)
    states, spikes = StateMonitor(G, "v", record=True), SpikeMonitor(G)
    run(30 * ms)
    gathered = []
    for monitor in (states, spikes):
        for method in ("_gathered_values", "_read_all"):
            if hasattr(monitor, method):
                original = getattr(monitor, method)
                setattr(monitor, method,
                        lambda *a, original=original: gathered.append(1) or original(*a))
    v, t, i = states.v_, states.t_, spikes.i
    reads = len(gathered)
    for _ in range(50):
        assert states.v_ is v and states.t_ is t and spikes.i is i
    assert len(gathered) == reads
    store()
    v_at_store, i_at_store = v.copy(), i.copy()
    run(20 * ms)
    assert states.v_.shape == (12, 500) and np.array_equal(states.v_[:, :300], v_at_store)
    assert len(spikes.i) > len(i_at_store)
    restore()
    assert np.array_equal(states.v_, v_at_store) and np.array_equal(spikes.i, i_at_store)


def test_resize_zero_clears_what_was_recorded():
    # Brian2's resize(0) (PyNN's get_data(clear=True)): the records go, the
    # spike counts stay, recording goes on.
    G = leaky(5)
    spikes, trace = SpikeMonitor(G), StateMonitor(G, "v", record=True)
    run(30 * ms)
    counts = np.asarray(spikes.count).copy()
    assert len(spikes.i) > 0
    spikes.resize(0)
    trace.resize(0)
    assert len(np.asarray(spikes.i)) == 0 and len(np.asarray(trace.t_)) == 0
    assert np.array_equal(np.asarray(spikes.count), counts)
    run(5 * ms)
    assert len(np.asarray(trace.t_)) == 50
    assert np.all(np.asarray(spikes.t_) >= 0.030)
    with pytest.raises(NotImplementedError, match="resize"):
        trace.resize(10)
