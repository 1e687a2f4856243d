"""Per-synapse state and indexing, as the Brian2 guide and the seed thread use them."""
import numpy as np
import pytest

from distsim import NeuronGroup, Synapses, mV, ms, nS


def test_flattened_weight_matrix_in_creation_order():  # conn6
    source = NeuronGroup(20, "v : volt")
    target = NeuronGroup(30, "ge : siemens")
    S = Synapses(source, target, "w : siemens", on_pre="ge += w")
    S.connect()
    W = np.random.rand(20, 30) * nS
    S.w = W.flatten()
    assert np.allclose(np.asarray(S.w), np.asarray(W).flatten())
    assert np.isclose(float(S.w[3, 7][0] / nS), float(W[3, 7] / nS))


def test_weights_of_a_sub_block():  # conn7
    source = NeuronGroup(20, "v : volt")
    target = NeuronGroup(30, "ge : siemens")
    S = Synapses(source, target, "w : siemens", on_pre="ge += w")
    S.connect("i < 5 and j >= 5 and j < 10")
    S.w[source[:5], target[5:10]] = 5 * nS
    assert np.allclose(np.asarray(S.w), 5e-9)
    S.w[source[:2], target[5:7]] = 1 * nS
    w = np.asarray(S.w).reshape(5, 5)
    assert np.allclose(w[:2, :2], 1e-9) and np.allclose(w[2:, :], 5e-9)


def test_condition_slices_and_negative_indices():
    G = NeuronGroup(10, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v += w")
    S.connect()
    S.w = "i*10 + j"
    assert np.array_equal(np.asarray(S.w["i > j"]),
                          [i * 10 + j for i in range(10) for j in range(10) if i > j])
    assert np.array_equal(np.asarray(S.w[-3:]), [97, 98, 99])
    assert np.array_equal(np.asarray(S.w[[5, 1, 5]]), [5, 1, 5])
    S.w[-3:] = [1, 2, 3]
    assert np.array_equal(np.asarray(S.w[-4:]), [96, 1, 2, 3])
    S.w["i == 0"] = "-j"
    assert np.array_equal(np.asarray(S.w[:10]), -np.arange(10))


def test_seed_thread_pattern_sets_only_the_new_synapses():
    # syn.delay[-nsyn:] = ... after each connect call (the thread's fix)
    G = NeuronGroup(40, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += 0.2")
    sizes = [3, 5, 7, 9]
    for k, nsyn in enumerate(sizes):
        S.connect(i=np.arange(nsyn), j=np.arange(nsyn) + 10 * k)
        S.delay[-nsyn:] = f"{k + 1}*ms"
        S.w[-nsyn:] = "rand()"
    delays = np.asarray(S.delay)
    assert np.allclose(delays, np.repeat(np.arange(1, 5) * 1e-3, sizes))


def test_newest_synapses_are_set_before_they_are_merged_and_as_after():
    # S.w[-k:] = 'expr' right after connect() writes into that call's own
    # arrays (no merge of the whole store per call); the values are those of
    # the same assignment made after a merge: synapse i/j, w and delay match.
    from distsim import start_scope
    results = []
    for merge_first in (False, True):
        start_scope()
        G = NeuronGroup(50, "v : 1")
        S = Synapses(G, G, "w : 1", on_pre="v_post += w")
        pairs = np.random.RandomState(3)
        for nsyn in (60, 80, 70):
            S.connect(i=pairs.randint(0, 50, nsyn), j=pairs.randint(0, 50, nsyn))
            if merge_first:
                S.store.local_targets  # noqa: B018 - reading the arrays merges
            assert bool(S.store._pending) != merge_first or nsyn == 60
            S.delay[-nsyn:] = "clip(2*ms + 0.5*ms*randn(), 0.1*ms, inf*ms)"
            S.w[-nsyn:] = "rand()"
        S.w[50:100:7] = "10 + rand()"   # a stride over two calls
        results.append([np.asarray(getattr(S, v)) for v in ("i", "j", "w", "delay")])
    for unmerged, merged in zip(*results):
        assert np.array_equal(unmerged, merged)
    w = results[0][2]
    assert len(np.unique(w)) == len(w) and np.all(w[50:100:7] >= 10)


def test_counts_in_and_out():
    G = NeuronGroup(6, "v : 1")
    S = Synapses(G, G, on_pre="v += 1")
    S.connect(i=[0, 0, 0, 1, 2, 2], j=[1, 2, 2, 2, 0, 1])
    assert list(np.asarray(S.N_outgoing)) == [3, 3, 3, 1, 2, 2]
    assert list(np.asarray(S.N_incoming)) == [2, 3, 3, 3, 1, 2]


def test_redrawing_one_variable_never_shifts_another():
    def build(draw_w_first):
        G = NeuronGroup(50, "v : 1", name="g")
        S = Synapses(G, G, "w : 1", on_pre="v += w", name="s")
        S.connect(p=0.3)
        if draw_w_first:
            S.w = "rand()"
            S.w = "rand()"
        S.delay = "rand()*5*ms"
        return np.asarray(S.i), np.asarray(S.delay)
    from distsim import start_scope, seed
    seed(3)
    i1, d1 = build(False)
    start_scope()
    seed(3)
    i2, d2 = build(True)
    assert np.array_equal(i1, i2) and np.array_equal(d1, d2)


def test_distsim_draws_do_not_consume_numpys_global_stream():
    # The seed thread's second pitfall: randn() in delays shifted the
    # connections made with np.random.randint. In distsim they cannot.
    np.random.seed(100)
    G = NeuronGroup(40, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v += w")
    S.connect(i=np.random.randint(40, size=10), j=np.random.randint(40, size=10))
    S.delay = "clip(1.5*ms + 0.75*randn()*ms, 0.1*ms, inf*ms)"
    S.w = "1 + 0.1*randn()"
    after = np.random.randint(40, size=5)
    np.random.seed(100)
    np.random.randint(40, size=10)
    np.random.randint(40, size=10)
    assert np.array_equal(after, np.random.randint(40, size=5))


def test_bad_indices_are_errors():
    G = NeuronGroup(5, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v += w")
    S.connect()
    with pytest.raises(IndexError):
        S.w[[25]]
    with pytest.raises(ValueError, match="3 values for 25 synapses"):
        S.w = [1, 2, 3]


def test_expressions_with_pre_and_post_variables():
    source = NeuronGroup(4, "x : 1")
    target = NeuronGroup(3, "y : volt")
    source.x = "i + 1"
    target.y = "i*mV"
    S = Synapses(source, target, "w : volt", on_pre="y += w")
    S.connect("x_pre > 2")  # sources 2 and 3
    S.w = "x_pre*y_post"
    i, j = np.asarray(S.i), np.asarray(S.j)
    assert set(i) == {2, 3}
    assert np.allclose(np.asarray(S.w), (i + 1) * j * 1e-3)
    with pytest.raises(KeyError, match="nothing_pre"):
        S.w = "nothing_pre*mV"
