"""Counter-based random numbers: correct Philox, independent of who draws."""
import numpy as np

from distsim._ext import random123
from distsim.core.random import normal, stream_key, uniform


def _words(*w):
    return w[0] | (w[1] << 32)


def test_philox4x32_10_known_answers():
    # Known-answer vectors published with Random123 (kat_vectors).
    assert random123.raw_block(0, 0, 0) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    ones = 0xFFFFFFFFFFFFFFFF
    assert random123.raw_block(ones, ones, ones) == [0x408F276D, 0x41C83B0E, 0xA20BC7C6,
                                                     0x6D5451FD]
    key = _words(0xA4093822, 0x299F31D0)
    assert random123.raw_block(key, _words(0x243F6A88, 0x85A308D3),
                               _words(0x13198A2E, 0x03707344)) == \
        [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


def test_blocks_drawn_together_are_the_blocks_drawn_one_at_a_time():
    # ext/philox_lanes.h (vectorized, 16 blocks a round) against philox.pxd's
    # definition, for every count of blocks around the lanes' multiples.
    rng = np.random.default_rng(3)
    for n in list(range(0, 35)) + [64, 1000]:
        lo = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + np.uint64(n & 1)
        hi = rng.integers(0, 2**63, n, dtype=np.uint64)
        key = int(rng.integers(0, 2**63)) * 2 + 1
        words = random123.raw_blocks(key, lo, hi)
        assert words.shape == (n, 4)
        assert all(list(words[j]) == random123.raw_block(key, int(lo[j]), int(hi[j]))
                   for j in range(n))
        assert np.array_equal(random123.raw_blocks(key, lo, hi, vectorized=False), words)


def test_normal_numbers_in_their_rectangles_are_the_ziggurats_formula():
    # ext/ziggurat_lanes.h (four blocks a time, and one by one for the rest)
    # against the formula in numpy on the same Philox words: the number of a
    # block whose point lies in its layer's rectangle is sign * u * x[layer].
    layers = np.array(random123.ziggurat_layers())
    for n in (1, 3, 4, 5, 63, 64, 65, 10_001):
        elements = np.arange(7, 7 + n, dtype=np.int64)
        words = random123.raw_blocks(11, elements.astype(np.uint64),
                                     np.full(n, 5, dtype=np.uint64)).astype(np.uint64)
        layer = (words[:, 0] & 0xFF).astype(np.int64)
        sign = 1.0 - 2.0 * ((words[:, 0] >> np.uint64(8)) & np.uint64(1)).astype(np.float64)
        u = ((words[:, 1] << np.uint64(21)) | (words[:, 0] >> np.uint64(11))).astype(
            np.float64) * (1.0 / 2**53)
        x = u * layers[layer]
        inside = x < layers[layer + 1]
        values = random123.normal(11, elements, 5)
        assert np.array_equal(values[inside], (sign * x)[inside]), n
        assert np.all(np.isfinite(values))
        if n > 1000:
            assert 0 < np.sum(~inside) < 0.03 * n  # the rest: wedges and tail


def test_value_of_an_element_does_not_depend_on_the_others():
    key = stream_key("group", "v")
    everything = uniform(key, np.arange(1000))
    part = uniform(key, np.arange(300, 700))
    assert np.array_equal(everything[300:700], part)
    assert np.array_equal(normal(key, [5, 7]), normal(key, np.arange(10))[[5, 7]])


def test_distributions():
    key = stream_key("test", "distribution")
    u = uniform(key, np.arange(200_000))
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005
    z = normal(key, np.arange(200_000))
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


def test_streams_are_distinct():
    a = uniform(stream_key("S", "w", 0), np.arange(100))
    b = uniform(stream_key("S", "w", 1), np.arange(100))
    assert not np.allclose(a, b)


def test_binomial_counts_follow_the_binomial_distribution():
    from scipy.stats import binom
    from distsim._ext import random123
    elements = np.arange(400_000, dtype=np.int64)
    for n, p in ((1600, 8e-4), (2900, 8e-4), (50, 0.3)):
        counts = random123.binomial(11, elements, 7, n, p)
        observed = np.bincount(counts, minlength=12)[:12] / len(counts)
        expected = binom.pmf(np.arange(12), n, p)
        assert np.all(np.abs(observed - expected) < 5 * np.sqrt(expected / len(counts)) + 1e-4)
    # a function of (key, element, draw): any subset gives the same counts
    assert np.array_equal(random123.binomial(11, elements[1001:2002].copy(), 7, 1600, 8e-4),
                          random123.binomial(11, elements, 7, 1600, 8e-4)[1001:2002])


def test_binomial_add_to_adds_the_counts_of_a_contiguous_range_in_place():
    from distsim._ext import random123
    elements = np.arange(1003, 1003 + 5000, dtype=np.int64)
    # (1000, 0.05): a mean of 50, where a cdf value cuts through many of the
    # inversion table's entries (the searched lanes of binomial_lanes.h)
    for n, p in ((1600, 8e-4), (1000, 0.05), (30, 0.5), (5000, 0.2), (7, 1.0)):
        draws = random123.BinomialDraws(n, p)
        values = np.linspace(-1.0, 1.0, len(elements))
        expected = values + 87.81 * random123.binomial(5, elements, 9, n, p)
        draws.add_to(5, 1003, 9, 87.81, values)
        assert np.array_equal(values, expected)
        # the table made once serves every draw index
        assert np.array_equal(draws.counts(5, elements, 10),
                              random123.binomial(5, elements, 10, n, p))
        # a rank's share of the dealt partition: every R-th element, from any
        # first element (blocks of 4 elements: shares that cut them anywhere)
        for first, stride, count in ((1003, 3, 2000), (1002, 2, 777), (5, 4, 300),
                                     (6, 5, 301), (0, 9, 250), (3, 1, 1), (1, 7, 0)):
            dealt = first + stride * np.arange(count, dtype=np.int64)
            values = np.linspace(-1.0, 1.0, len(dealt))
            expected = values + 87.81 * random123.binomial(5, dealt, 9, n, p)
            draws.add_to(5, first, 9, 87.81, values, stride)
            assert np.array_equal(values, expected), (first, stride, count)
    untouched = np.ones(10)
    random123.BinomialDraws(0, 0.5).add_to(5, 0, 9, 1.0, untouched)
    random123.BinomialDraws(100, 0.0).add_to(5, 0, 9, 1.0, untouched)
    assert np.array_equal(untouched, np.ones(10))


def test_normal_numbers_have_the_normal_tails_and_the_ziggurat_closes():
    from scipy import stats
    from distsim._ext import random123
    edges = random123.ziggurat_layers()
    # The top layer (width x_255, from height f(x_255) to 1) has the same area.
    assert edges[-1] == 0.0 and abs(edges[-2] * (1 - np.exp(-edges[-2] ** 2 / 2))
                                    - 0.00492867323399) < 1e-9
    z = random123.normal(21, np.arange(4_000_000, dtype=np.int64), 5)
    assert stats.kstest(z[:1_000_000], "norm").pvalue > 1e-4
    for cut in (1.0, 3.0, edges[1], 4.0, 4.5):  # edges[1]: where the tail starts
        expected = len(z) * 2 * stats.norm.sf(cut)
        assert abs(np.sum(np.abs(z) > cut) - expected) < 5 * np.sqrt(expected) + 3
    # Both signs in every layer, also in the tail.
    assert np.sum(z > edges[1]) > 300 and np.sum(z < -edges[1]) > 300


def test_stream_keys_are_memoised_without_merging_equal_parts_of_other_types():
    """Per-step code asks for the same stream keys at every step (memoised);
    1, 1.0 and True name different streams, as their texts differ, and a new
    seed gives new keys."""
    from distsim.core.random import seed, stream_key
    seed(3)
    keys = stream_key("x", 1), stream_key("x", 1.0), stream_key("x", True)
    assert len(set(keys)) == 3 and stream_key("x", 1) == keys[0]
    seed(4)
    assert stream_key("x", 1) not in keys
