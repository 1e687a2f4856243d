"""Keys for counter-based random numbers.

A random number is a pure function of (seed, stream, element id, draw). The
stream names what is being drawn: an object, a variable, an assignment count,
a call site. Hence results are the same on any number of ranks, and drawing
one variable again never shifts another (the seed thread's pitfall).
"""
import functools
import hashlib

import numpy as np

from .._ext import random123

_seed = None


def seed(value=None):
    """Set the seed of all random numbers (Brian2's ``seed``).

    Parameters
    ----------
    value : int, optional
        The seed. Without one, rank 0 picks one at random and every rank uses
        it (a collective call then).
    """
    global _seed
    if value is None:
        from ..parallel import get_comm
        value = int(np.random.SeedSequence().entropy % (2**63)) if get_comm().Get_rank() == 0 else None
        value = get_comm().bcast(value, root=0)
    if not isinstance(value, (int, np.integer)) or value < 0:
        raise TypeError(f"seed must be a non-negative integer, got {value!r}")
    _seed = int(value)
    np.random.seed(_seed % (2**32))


def current_seed():
    """The seed in force; chosen (and agreed on by all ranks) at first use."""
    if _seed is None:
        seed()
    return _seed


def stream_key(*parts):
    """A 64-bit Philox key for the stream named by ``parts`` under the seed."""
    # The types are part of the memo's key: 1, 1.0 and True are equal as
    # keys but make different texts.
    try:
        return _hashed_key(current_seed(), parts, tuple(map(type, parts)))
    except TypeError:  # an unhashable part: no memo
        return _hashed_key.__wrapped__(current_seed(), parts, ())


@functools.lru_cache(maxsize=1 << 14)
def _hashed_key(seed_value, parts, types):
    # Memoised: per-step code asks for the same streams at every step (the
    # step is the counter, not part of the key), and hashing costs microseconds.
    text = "\x1f".join(str(p) for p in (seed_value,) + parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _counters(element_ids, draw):
    elements = np.ascontiguousarray(element_ids, dtype=np.int64)
    if np.ndim(draw) == 0:
        return elements, None
    return elements, np.ascontiguousarray(np.broadcast_to(draw, elements.shape), dtype=np.int64)


def uniform(key, element_ids, draw=0):
    """Uniform [0, 1) numbers for the given global element ids.

    ``draw`` is one draw index for all, or one per element: the counter of
    element k is (element_ids[k], draw[k]).
    """
    elements, draws = _counters(element_ids, draw)
    if draws is None:
        return random123.uniform(key, elements, int(draw))
    return random123.uniform_pairs(key, elements, draws)


def normal(key, element_ids, draw=0):
    """Standard normal numbers; counters as in `uniform`."""
    elements, draws = _counters(element_ids, draw)
    if draws is None:
        return random123.normal(key, elements, int(draw))
    return random123.normal_pairs(key, elements, draws)
