"""Every connect form of the Brian2 guide (seeds/001) and the microcircuit's
fixed-total-number rule, checked against what the form means."""
import numpy as np
import pytest

from distsim import NeuronGroup, Synapses, mV, nS


def make(n_pre=20, n_post=30):
    source = NeuronGroup(n_pre, "v : volt")
    target = NeuronGroup(n_post, "v : volt\nge : siemens")
    return source, target, Synapses(source, target, "w : siemens", on_pre="ge += w")


def pairs(S):
    return list(zip(np.asarray(S.i).tolist(), np.asarray(S.j).tolist()))


def test_single_synapse_and_weight_by_pair():  # conn1
    source, target, S = make()
    S.connect(i=3, j=5)
    S.w[3, 5] = 3 * nS
    assert pairs(S) == [(3, 5)] and np.allclose(np.asarray(S.w), 3e-9)


def test_generator_with_range_and_condition():  # conn7's efficient alternative
    source, target, S = make()
    S.connect(j="k for k in range(5, 10) if i < 5")
    assert pairs(S) == [(i, j) for i in range(5) for j in range(5, 10)]


def test_generator_range_with_expressions_and_skip_if_invalid():
    source, target, S = make(30, 30)
    S.connect(j="k for k in range(i - 2, i + 3) if k != i", skip_if_invalid=True)
    expected = [(i, k) for i in range(30) for k in range(i - 2, i + 3) if k != i and 0 <= k < 30]
    assert pairs(S) == expected
    _, _, S2 = make(30, 30)
    with pytest.raises(IndexError, match="skip_if_invalid"):
        S2.connect(j="k for k in range(i - 2, i + 3)")


def test_generator_condition_reads_j_as_the_element_as_brian2_does():
    # Brian2 2.9 gives these 11 pairs for this call (its numpy target; the
    # condition's j is the generator's element k+1, not k)
    source, target, S = make(10, 10)
    S.connect(j="k+1 for k in range(i, i+3) if (j % 2) == 0", skip_if_invalid=True)
    assert pairs(S) == [(0, 2), (1, 2), (1, 4), (2, 4), (3, 4), (3, 6), (4, 6), (5, 6),
                        (5, 8), (6, 8), (7, 8)]


def test_generator_with_rand_in_a_parenthesised_condition():
    # Brian2's efficient_gaussian_connectivity example: each candidate kept
    # with probability exp(-0.1 (i-j)^2); the count is a sum of Bernoullis
    # with a known mean and variance (a 5-sigma band).
    source, target, S = make(2000, 2000)
    w, width = 9, 9  # (w is the synapses' weight: the example's w is width here)
    S.connect(j="k for k in range(i-width, i+width) if rand()<exp(-0.1*(i-j)**2)",
              skip_if_invalid=True)
    i = np.arange(2000)[:, None]
    k = i + np.arange(-w, w)[None, :]
    p = np.where((k >= 0) & (k < 2000), np.exp(-0.1 * (i - k) ** 2.0), 0.0)
    mean, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
    assert abs(len(S) - mean) < 5 * sd
    lags = np.asarray(S.j) - np.asarray(S.i)
    assert lags.min() >= -w and lags.max() < w
    # the lag distribution follows exp(-0.1 lag^2): lag 0 kept always, lag 3 in 41%
    assert np.count_nonzero(lags == 0) == 2000
    assert abs(np.count_nonzero(lags == 3) / 1997 - np.exp(-0.9)) < 0.05


def test_all_to_one_and_one_to_one():
    source, target, S = make()
    S.connect(j="1")
    assert pairs(S) == [(i, 1) for i in range(20)]
    _, _, S2 = make(10, 10)
    S2.connect(j="i")
    assert pairs(S2) == [(i, i) for i in range(10)]


def test_sample_with_size_gives_distinct_targets():
    source, target, S = make(50, 40)
    S.connect(j="k for k in sample(N_post, size=7)")
    i, j = np.asarray(S.i), np.asarray(S.j)
    assert np.all(np.bincount(i, minlength=50) == 7)
    assert all(len(set(j[i == s])) == 7 for s in range(50))
    assert len(np.unique(j)) > 30


def test_sample_with_probability():
    source, target, S = make(200, 300)
    S.connect(j="k for k in sample(N_post, p=0.1)")
    assert abs(len(S) - 6000) < 5 * np.sqrt(6000 * 0.9)


def test_n_synapses_per_pair():  # syn[4, 7] = 3
    source, target, S = make()
    S.connect(i=4, j=7, n=3)
    assert pairs(S) == [(4, 7)] * 3
    _, _, S2 = make()
    S2.connect(j="i", n="i % 3")
    assert pairs(S2) == [(i, i) for i in range(20) for _ in range(i % 3)]


def test_repeated_calls_number_synapses_in_creation_order():
    source, target, S = make()
    S.connect(i=[9, 2], j=[1, 1])
    S.connect("i == 0 and j < 3")
    S.connect(i=[5], j=[4])
    assert pairs(S) == [(9, 1), (2, 1), (0, 0), (0, 1), (0, 2), (5, 4)]


def test_subgroups_as_source_and_target():
    G = NeuronGroup(40, "v : 1")
    S = Synapses(G[10:20], G[30:40], on_pre="v += 1")
    S.connect(j="i")
    assert pairs(S) == [(k, k) for k in range(10)]
    assert list(np.asarray(S._synaptic_pre)) == list(range(10, 20))
    assert list(np.asarray(S._synaptic_post)) == list(range(30, 40))
    # the seed thread's names for the same indices
    assert list(np.asarray(S._source_i)) == list(range(10, 20))
    assert list(np.asarray(S._target_j)) == list(range(30, 40))


def test_fixed_total_number_is_multinomial_with_uniform_sources():
    source, target, S = make(400, 1000)
    S.connect(fixed_total_number=200_000)
    assert len(S) == 200_000
    i, j = np.asarray(S.i), np.asarray(S.j)
    per_target = np.bincount(j, minlength=1000)
    # Multinomial(K, 1/N): mean K/N = 200, variance K/N (1 - 1/N) ~ 200
    assert per_target.mean() == 200
    assert 150 < per_target.var() < 260
    per_source = np.bincount(i, minlength=400)
    assert 400 < per_source.var() < 600  # uniform sources: variance ~ 500
    # multapses exist, as in NEST's rule with multapses allowed
    assert len(set(zip(i.tolist(), j.tolist()))) < len(S)


def test_connect_errors_name_the_object():
    source, target, S = make()
    with pytest.raises(ValueError, match=f"Synapses '{S.name}'.connect: p must be between"):
        S.connect(p=1.5)
    with pytest.raises(Exception, match="unknown_name"):
        S.connect("i < unknown_name")


def _pairs_tested(call):
    """How many candidate pairs ``call()`` tested one by one."""
    from distsim.synapses import connect as rules
    original, tested = rules.bernoulli_candidates, [0]

    def counting(key, n_sources, targets, p):
        tested[0] += int(n_sources) * len(targets)
        return original(key, n_sources, targets, p)
    rules.bernoulli_candidates = counting
    try:
        call()
    finally:
        rules.bernoulli_candidates = original
    return tested[0]


def index_equality_pairs():
    """Conditions that set one index equal to an expression of the other
    side, connected directly (connect.index_equality) and pair by pair (the
    same condition wrapped in 'or False'), and what they mean: every pair
    for which the condition holds. Values include fractions, negatives and
    indices past the group (no synapse for those), and n=2."""
    results = []
    source = NeuronGroup(23, "k : 1")
    target = NeuronGroup(31, "k : 1")
    source.k = "(i*7) % 37 - 2"            # some past N_post = 31, some negative
    target.k = "(i*5) % 26 + 0.5*(i % 3 == 0)"  # fractions for every third
    k_pre, k_post = np.asarray(source.k[:]), np.asarray(target.k[:])
    for condition, n, meaning in (
            ("i == k_post", 1, lambda i, j: i == k_post[j]),
            ("k_post == i", 2, lambda i, j: i == k_post[j]),
            ("k_pre == j", 1, lambda i, j: k_pre[i] == j),
            ("j == k_pre + 1", 2, lambda i, j: k_pre[i] + 1 == j)):
        made, tested = [], []
        for code in (condition, f"({condition}) or False"):
            S = Synapses(source, target, "w : 1")
            tested.append(_pairs_tested(lambda: S.connect(code, n=n)))
            made.append(pairs(S))
        assert tested[0] == 0 and tested[1] > 0, (condition, tested)  # solved, not tested
        expected = [(i, j) for i in range(23) for j in range(31) if meaning(i, j)
                    for _ in range(n)]
        results.append((condition, made[0], made[1], expected))
    return results


def test_index_equalities_connect_what_the_condition_means():
    for condition, direct, pair_by_pair, expected in index_equality_pairs():
        assert len(expected) > 10, condition
        assert direct == pair_by_pair, condition  # the same synapses, numbered the same
        assert sorted(direct) == sorted(expected), condition
