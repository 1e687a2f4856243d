"""The partition of neurons over ranks (parallel/partition.py) and the runs
a rank's synapses take in a checkpoint (io/checkpoint_file.Pieces), checked
against brute force for many group sizes and rank counts."""
import numpy as np
import pytest

from distsim.io.checkpoint_file import Pieces
from distsim.parallel.partition import Share, positions_in_order, share_of


@pytest.mark.parametrize("partition", ["dealt", "blocks"])
def test_the_shares_of_all_ranks_are_every_neuron_once_in_order(partition):
    for n in (0, 1, 2, 7, 100, 1001):
        for size in (1, 2, 3, 5):
            shares = [share_of(n, rank, size, partition) for rank in range(size)]
            together = np.concatenate([s.indices() for s in shares])
            assert np.array_equal(np.sort(together), np.arange(n))
            assert max(s.n for s in shares) - min(s.n for s in shares) <= 1
            for share in shares:
                assert np.all(np.diff(share.indices()) > 0)  # storage follows the order
            order = positions_in_order(shares)
            values = np.empty(n)
            values[order] = together  # a gather puts every value at its index
            assert np.array_equal(values, np.arange(n))
            if partition == "dealt" and size > 1:
                assert all(np.all(s.indices() % size == r) for r, s in enumerate(shares))


def test_owns_positions_and_the_part_within_a_range_agree_with_brute_force():
    rng = np.random.RandomState(1)
    for share in (Share(0, 1, 10), Share(3, 1, 5), Share(1, 3, 34), Share(2, 4, 0),
                  Share(0, 2, 1)):
        owned = share.indices()
        everything = np.arange(-3, share.end + 5)
        assert np.array_equal(share.owns(everything), np.isin(everything, owned))
        assert np.array_equal(share.positions(owned), np.arange(share.n))
        for _ in range(40):
            lo = int(rng.randint(-2, share.end + 3))
            hi = int(rng.randint(lo, share.end + 6))
            part, position = share.within(lo, hi)
            inside = owned[(owned >= lo) & (owned < hi)]
            assert np.array_equal(part.indices() + lo, inside)  # counted from lo
            if len(inside):  # a contiguous part of the rank's storage
                assert position == share.positions(inside[:1])[0]
                assert share.local_range(lo, hi) == slice(position, position + len(inside))


def test_runs_of_a_ranks_rows_in_the_target_major_order():
    rng = np.random.RandomState(2)
    rows_per_target = rng.randint(0, 4, size=50)
    starts = np.cumsum(rows_per_target) - rows_per_target
    for local in (np.arange(10, 30), np.arange(1, 50, 3), np.array([], dtype=np.int64)):
        pieces = Pieces.of_rows(rows_per_target, local)
        rows = np.concatenate([np.arange(starts[t], starts[t] + rows_per_target[t])
                               for t in local] or [np.zeros(0, np.int64)]).astype(np.int64)
        assert len(pieces) == len(rows)
        assert np.array_equal(pieces.to_global(np.arange(len(rows))), rows)
        everything = np.arange(rows_per_target.sum())
        assert np.array_equal(pieces.holds(everything), np.isin(everything, rows))
        assert np.array_equal(pieces.to_local(rows), np.arange(len(rows)))
        # adjacent runs are joined: a block of targets is one run
        assert np.all(pieces.starts[1:] > pieces.starts[:-1] + pieces.lengths[:-1])
    assert len(Pieces.of_rows(rows_per_target, np.arange(10, 30)).starts) == 1
