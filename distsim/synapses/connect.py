"""Connection rules, evaluated on each rank for the targets it owns.

Every random number of a rule is keyed by the target (and the pair), so the
synapses made do not depend on the number of ranks. No rank ever enumerates
the pairs of other ranks' targets.
"""
import numpy as np

from .._ext import connect as connect_kernels
from ..core.random import uniform

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


def pair_uniform(key, sources, targets):
    """One uniform number per (source, target) pair: counter (target, source),
    both int64, so no pair id product can overflow."""
    return uniform(key, targets, sources)
