"""Connection rules, evaluated on each rank for the targets it owns.

Every random number of a rule is keyed by the target (and the pair), so the
synapses made do not depend on the number of ranks. No rank ever enumerates
the pairs of other ranks' targets.
"""
import ast

import numpy as np

from .._ext import connect as connect_kernels
from ..core.random import uniform
from ..parallel import get_comm

# Pairs considered per chunk of targets when a condition must be evaluated.
PAIRS_PER_CHUNK = 1 << 22


def bernoulli_candidates(key, n_sources, targets, p):
    """Pairs (source, target) for ``targets``, each present with probability p."""
    return connect_kernels.bernoulli_by_target(key, int(n_sources),
                                               np.ascontiguousarray(targets, dtype=np.int64),
                                               float(p))


def target_chunks(targets, n_sources, p):
    """Split ``targets`` so that each chunk has a bounded number of candidates."""
    expected_per_target = max(1.0, n_sources * min(1.0, p))
    size = max(1, int(PAIRS_PER_CHUNK // expected_per_target))
    for begin in range(0, len(targets), size):
        yield targets[begin:begin + size]


def index_equality(condition):
    """``(index, other)`` for a condition that names one index as equal to
    an expression, ``'i == k_post'`` or ``'k_pre == j'`` (either side):
    ``index`` is 'i' or 'j', ``other`` the expression's code. None for any
    other condition. Such a condition has one source per target ('i') or
    one target per source ('j'), which the caller can compute directly
    instead of testing every pair (Brian2's examples connect synapses to
    astrocytes this way)."""
    body = condition.tree.body
    if not (isinstance(body, ast.Compare) and len(body.ops) == 1
            and isinstance(body.ops[0], ast.Eq)):
        return None
    left, right = body.left, body.comparators[0]
    for index, other in ((left, right), (right, left)):
        if isinstance(index, ast.Name) and index.id in ("i", "j"):
            return index.id, ast.unparse(other)
    return None


def equal_indices(values, n_indices):
    """Where ``values`` (floats) equal an index in [0, n_indices): the mask
    and those indices (int64), as ``index == value`` is true for them."""
    values = np.asarray(values, dtype=np.float64)
    valid = np.isfinite(values) & (values >= 0) & (values < n_indices) & \
        (values == np.floor(values))
    return valid, values[valid].astype(np.int64)


def pair_uniform(key, sources, targets):
    """One uniform number per (source, target) pair: counter (target, source),
    both int64, so no pair id product can overflow."""
    return uniform(key, targets, sources)


# Targets per leaf of the fixed-total-number splitting tree. Fixed (not
# derived from the rank count), so every rank draws the same numbers.
FIXED_TOTAL_CHUNK = 1024


def _generator(key, *node):
    """A numpy Philox generator for one node of a rule's random tree."""
    node_id = 0
    for part in node:
        node_id = node_id * 1_000_003 + int(part) + 1
    return np.random.Generator(np.random.Philox(key=(int(key) << 64) | (node_id % (1 << 64))))


def fixed_total_number(key, n_sources, n_targets, share, total):
    """``total`` synapses with uniform random source and target (multapses
    allowed: NEST's ``fixed_total_number``), for the targets of ``share``
    (a rank's share of the target group, parallel/partition.py).

    The per-target counts are multinomial. They are drawn by splitting the
    total over a binary tree of fixed target chunks (a binomial draw per
    node, keyed by the node), so a rank visits only the nodes above its own
    chunks: O(log(chunks) + own synapses) work, and the same synapses for
    any number of ranks. Where shares interleave (the ``dealt`` partition)
    every rank draws every chunk and keeps its targets' synapses: the same
    synapses as in blocks, for the cost of drawing them (measured in
    docs/performance.md).

    Returns
    -------
    sources, targets : int64 arrays, ordered by target.
    """
    total = int(total)
    if total < 0:
        raise ValueError(f"fixed_total_number must be non-negative, got {total}")
    n_chunks = -(-int(n_targets) // FIXED_TOTAL_CHUNK)
    found_sources, found_targets = [], []
    if share.n == 0 or total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    start, stop = share.first, share.last + 1
    first, last = start // FIXED_TOTAL_CHUNK, (stop - 1) // FIXED_TOTAL_CHUNK

    def targets_in(lo, hi):
        return min(hi * FIXED_TOTAL_CHUNK, n_targets) - lo * FIXED_TOTAL_CHUNK

    pending = [(0, n_chunks, total)]
    leaves = []
    while pending:
        lo, hi, n = pending.pop()
        if hi <= first or lo > last or n == 0:
            continue
        if hi - lo == 1:
            leaves.append((lo, n))
            continue
        mid = (lo + hi) // 2
        n_left = int(_generator(key, 0, lo, hi).binomial(n, targets_in(lo, mid) / targets_in(lo, hi)))
        pending.append((mid, hi, n - n_left))
        pending.append((lo, mid, n_left))
    for chunk, n in sorted(leaves):
        rng = _generator(key, 1, chunk)
        size = targets_in(chunk, chunk + 1)
        counts = rng.multinomial(n, np.full(size, 1.0 / size))
        sources = rng.integers(0, n_sources, size=n, dtype=np.int64)
        targets = np.repeat(np.arange(chunk * FIXED_TOTAL_CHUNK,
                                      chunk * FIXED_TOTAL_CHUNK + size, dtype=np.int64), counts)
        if targets_in(chunk, chunk + 1) and (chunk * FIXED_TOTAL_CHUNK < start or
                                             chunk * FIXED_TOTAL_CHUNK + size > stop
                                             or share.stride != 1):
            mine = share.owns(targets)  # a chunk shared with other ranks
            sources, targets = sources[mine], targets[mine]
        found_sources.append(sources)
        found_targets.append(targets)
    if len(found_sources) == 1:
        return found_sources[0], found_targets[0]
    return np.concatenate(found_sources), np.concatenate(found_targets)


def positions_in_call(sources, targets, n_targets):
    """Each of this rank's pairs' position among all ranks' pairs of one
    connect call, in Brian2's order (source, then target; repeated pairs,
    all on one rank, in the order given). Collective: each rank's pairs,
    sorted, travel once around a ring of the ranks, so no rank holds more
    than its own and one other rank's pairs at a time.

    For targets whose ranks are not blocks of ids (another Synapses'
    synapses: as_group.py), where counting per source is not enough.
    """
    comm = get_comm()
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if len(sources) and int(sources.max()) >= (np.iinfo(np.int64).max // max(n_targets, 1)):
        raise OverflowError("too many (source, target) pairs to number in one int64")
    keys = sources * np.int64(n_targets) + targets
    order = np.argsort(keys, kind="stable")
    mine_sorted = keys[order]
    positions = np.empty(len(keys), dtype=np.int64)
    positions[order] = np.arange(len(keys), dtype=np.int64)
    rank, size = comm.Get_rank(), comm.Get_size()
    for shift in range(1, size):
        others = comm.sendrecv(mine_sorted, dest=(rank + shift) % size,
                               source=(rank - shift) % size)
        positions += np.searchsorted(others, keys, side="left")
    return positions
