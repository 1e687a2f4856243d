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
