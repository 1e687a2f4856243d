"""Connecting, per-synapse state and delivery (one rank)."""
import numpy as np
import pytest

from distsim import NeuronGroup, SpikeMonitor, Synapses, ms, mV, nS, run, start_scope
from distsim.units import DimensionMismatchError


def groups(n_pre=20, n_post=30):
    return (NeuronGroup(n_pre, "v : volt", name="pre"),
            NeuronGroup(n_post, "v : volt\nge : siemens", name="post"))


def test_all_to_all_in_brian2_order():
    pre, post = groups(4, 3)
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
    S.connect()
    assert len(S) == 12
    assert list(S.i) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert list(S.j) == [0, 1, 2] * 4


def test_condition_generator_free_forms():
    pre, post = groups()
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
    S.connect("i < 5 and j >= 5 and j < 10")
    assert len(S) == 25
    assert set(zip(S.i, S.j)) == {(i, j) for i in range(5) for j in range(5, 10)}
    S.w = 5 * nS
    assert np.allclose(np.asarray(S.w), 5e-9)


def test_one_to_one_and_explicit_pairs_and_multiplicity():
    pre, post = groups(10, 10)
    S1 = Synapses(pre, post, on_pre="v += 1*mV")
    S1.connect(j="i")
    assert list(S1.i) == list(range(10)) and list(S1.j) == list(range(10))
    S2 = Synapses(pre, post, on_pre="v += 1*mV")
    S2.connect(i=[3, 4], j=[5, 7], n=3)
    assert list(S2.i) == [3, 3, 3, 4, 4, 4] and list(S2.j) == [5, 5, 5, 7, 7, 7]
    S3 = Synapses(pre, post, on_pre="v += 1*mV")
    with pytest.raises(IndexError, match="outside the groups"):
        S3.connect(i=[3], j=[10])


def test_connection_probability():
    pre, post = groups(400, 500)
    S = Synapses(pre, post, on_pre="v += 1*mV")
    S.connect(p=0.05)
    expected, sd = 400 * 500 * 0.05, np.sqrt(400 * 500 * 0.05 * 0.95)
    assert abs(len(S) - expected) < 5 * sd
    S2 = Synapses(pre, post, on_pre="v += 1*mV")
    S2.connect(p="exp(-abs(i - j)*.1)")
    i, j = np.asarray(S2.i), np.asarray(S2.j)
    expected = np.exp(-np.abs(np.arange(400)[:, None] - np.arange(500)[None, :]) * 0.1).sum()
    assert abs(len(S2) - expected) < 5 * np.sqrt(expected)
    assert np.abs(i - j).mean() < 15


def test_string_assignment_with_i_j_and_rand():
    pre, post = groups()
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
    S.connect()
    S.w = "(1 + cos(i - j))*2*nS"
    i, j = np.asarray(S.i), np.asarray(S.j)
    assert np.allclose(np.asarray(S.w), (1 + np.cos(i - j)) * 2e-9)
    S.w = "rand()*nS"
    w = np.asarray(S.w)
    assert 0 <= w.min() and w.max() < 1e-9 and len(np.unique(w)) == len(w)
    with pytest.raises(DimensionMismatchError):
        S.w = "rand()*mV"


def test_delays_per_synapse_are_rounded_to_steps():
    pre, post = groups()
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
    S.connect()
    S.delay = "rand()*5*ms"  # the seed guide's example; rounded to dt as in Brian2
    delays = np.asarray(S.delay)
    assert 0 <= delays.min() and delays.max() <= 5e-3 and len(np.unique(delays)) == 51
    assert np.allclose(delays / 1e-4, np.round(delays / 1e-4))
    with pytest.raises(ValueError, match="non-negative"):
        S.delay = -1 * ms


@pytest.mark.parametrize("delay_ms", [0, 2])
def test_delivery_arrives_after_the_delay(delay_ms):
    # Neuron 0 of the source spikes once, at step 10 (t = 1 ms).
    source = NeuronGroup(2, "x : 1", threshold="i == 0 and t > 0.95*ms and t < 1.05*ms",
                         name="src")
    target = NeuronGroup(3, "v : volt", name="tgt")
    S = Synapses(source, target, "w : volt", on_pre="v_post += w", delay=delay_ms * ms)
    S.connect(i=[0, 0, 1], j=[1, 2, 2])
    S.w = "j*mV"
    mon = SpikeMonitor(source)
    run((1 + delay_ms) * ms)  # steps 0 .. 10 + delay - 1
    assert np.allclose(np.asarray(target.v_), 0)
    run(0.1 * ms)  # the step of arrival
    assert np.allclose(np.asarray(target.v_), [0, 1e-3, 2e-3])
    assert list(mon.i) == [0] and np.isclose(float(mon.t_[0]), 1e-3)


def test_on_pre_units_are_checked():
    pre, post = groups()
    S = Synapses(pre, post, "w : siemens", on_pre="v += w")
    S.connect()
    with pytest.raises(DimensionMismatchError, match="does not have the units of v"):
        run(0.1 * ms)


def test_unsupported_synapse_features_say_so():
    # A pathway that writes a presynaptic variable (it lives on another rank)
    pre, post = groups()
    S = Synapses(pre, post, on_pre="v_pre += 1*mV")
    S.connect()
    with pytest.raises(NotImplementedError, match="presynaptic variable"):
        run(0.1 * ms)
    # A summed variable onto the presynaptic group
    start_scope()
    pre, post = groups()
    pre2 = NeuronGroup(2, "v : volt\ns : 1", name="pre2")
    S = Synapses(pre2, post, "s_pre = 1 : 1 (summed)")
    S.connect()
    with pytest.raises(NotImplementedError, match="presynaptic group"):
        run(0.1 * ms)


def test_pair_count_beyond_2_to_the_32():
    # 100,000 x 100,000 = 1e10 pairs: enumeration must be int64 throughout.
    pre = NeuronGroup(100_000, "v : 1", name="big_pre")
    post = NeuronGroup(100_000, "v : 1", name="big_post")
    S = Synapses(pre, post, on_pre="v += 1")
    S.connect(p=1e-6)
    n = len(S)
    assert abs(n - 1e4) < 5 * 100
    i, j = np.asarray(S.i), np.asarray(S.j)
    assert i.dtype == np.int64 and i.max() > 90_000 and j.max() > 90_000


def test_queued_construction_keeps_the_order_of_the_calls():
    # connect() and S.w = '...' queue their work; it runs in call order.
    from distsim.synapses import construction
    pre, post = groups(4, 3)
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
    S.connect("i < 2")
    S.w = "(i + 10*j)*nS"
    S.connect("i >= 2")
    S.delay = "j*ms"
    assert construction.has_pending()
    assert list(S.i) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert not construction.has_pending()
    assert np.allclose(np.asarray(S.w) / 1e-9, [0, 10, 20, 1, 11, 21] + [0] * 6)
    assert np.allclose(np.asarray(S.delay) / 1e-3, [0, 1, 2] * 4)


def test_queued_construction_checks_its_input_at_the_call():
    pre, post = groups()
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
    with pytest.raises(ValueError, match="p must be between"):
        S.connect(p=2)
    with pytest.raises(ValueError, match="fixed_total_number must be a non-negative"):
        S.connect(fixed_total_number=-3)
    with pytest.raises(TypeError, match="n must be an integer"):  # as Brian2
        S.connect(n=1.5)
    S.connect(p=0.5)
    with pytest.raises(Exception, match="undefined_constant"):
        S.w = "undefined_constant * nS"
    with pytest.raises(DimensionMismatchError, match="wrong units"):
        S.w = "3*ms"


def test_an_error_in_queued_work_names_the_object_and_expression_at_the_run():
    pre, post = groups()
    S = Synapses(pre, post, "w : siemens", on_pre="ge += w", name="wiring")
    S.connect(p=0.5)
    S.delay = "(5 - j)*ms"  # negative for j > 5: only the values can tell
    with pytest.raises(ValueError) as info:
        run(1 * ms)
    assert "wiring" in str(info.value) and "non-negative" in str(info.value)
    assert any("(5 - j)*ms" in note for note in info.value.__notes__)


def test_assignment_in_chunks_gives_the_values_of_one_evaluation(monkeypatch):
    import distsim
    from distsim.synapses import indexing as synapses_module

    def build(chunk):
        monkeypatch.setattr(synapses_module, "SYNAPSES_PER_CHUNK", chunk)
        distsim.start_scope()
        pre, post = groups(40, 30)
        S = Synapses(pre, post, "w : siemens", on_pre="ge += w")
        S.connect(p=0.3)
        S.connect(j="i % 30")  # a second call: rows hold synapses of both
        S.w = "(1 + 0.1*randn() + rand())*nS + j*i*0.01*nS"
        S.delay = "clip(1*ms + 0.5*ms*randn(), 0.1*ms, inf*ms)"
        return np.asarray(S.w), np.asarray(S.delay)

    whole, chunked = build(1 << 20), build(7)
    assert len(whole[0]) > 300 and len(np.unique(whole[0])) == len(whole[0])
    assert np.array_equal(whole[0], chunked[0]) and np.array_equal(whole[1], chunked[1])


def test_target_major_positions_agree_with_the_reorder_of_the_checkpoints():
    """Events in flight are written by their synapse's target-major position
    (one pass); it must be where the reorder of the values puts that synapse."""
    from distsim.synapses.store import SynapseStore
    rng = np.random.default_rng(5)
    store = SynapseStore(50, 0, {"w": np.float64})
    sources = np.sort(rng.integers(0, 50, 2000))
    store.add(sources, rng.integers(0, 30, 2000), {})
    row_starts = store.target_row_starts(30)
    where = store.to_target_major(np.arange(len(store), dtype=np.int64), row_starts)
    inverse = np.empty(len(store), np.int64)
    inverse[where] = np.arange(len(store))
    wanted = rng.integers(0, len(store), 300)  # unsorted, with repeats
    assert np.array_equal(store.target_major_positions(wanted, row_starts), inverse[wanted])
    assert len(store.target_major_positions(np.empty(0, np.int64), row_starts)) == 0
