"""Explicit connect calls (``connect(i=..., j=...)``) and the slice
assignments that follow them (``S.w[-k:] = '...'`` with constants, or
``S.w[a:b] = values``), made by each rank on its own, without
communication, and added in the construction queue.

Why: the seed thread writes the microcircuit as 55 such calls on one
Synapses, each followed by two ``[-k:]`` assignments. Each call's synapses
are those of one target population, which a partition in blocks puts on
one or two ranks; a collective step per call made the other ranks wait, so
two ranks built no faster than one (the dealt partition now spreads each
population, and the calls still need no communication). Every rank holds the user's i/j arrays,
so each can find its own pairs, group them (the store's `prepare`), count
the call's synapses on all ranks (the arrays' length) and evaluate a slice
assignment on them, all at once and alone. The grouped arrays wait in the
construction queue (the memory the store would hold for them anyway) and
join the store, in call order, when the queue is built by all ranks.

It applies while every step queued for the Synapses is such a call, so that
the global index of each new synapse is known on every rank; otherwise the
calls are made together as before (connecting.py, indexing.py). Input
errors (indices outside the groups, wrong units, unknown names) are raised
at the line that gave them, on every rank (they see the same arrays);
errors only values show (a negative delay drawn by an expression) are
raised on every rank when the queue is built (construction.py).
"""
from __future__ import annotations

import numpy as np

from . import construction


class QueuedCall:
    """One explicit call's synapses on this rank, grouped, waiting in the
    construction queue.

    Attributes
    ----------
    call, segment
        The store's record and arrays of the call (SynapseStore.prepare).
    first : int
        The global index of the call's first synapse (all ranks).
    total : int
        The call's synapses on all ranks.
    error : Exception or None
        An error of a slice assignment evaluated on these synapses, raised
        when the queue is built.
    """

    def __init__(self, call, segment, first: int, total: int):
        self.call, self.segment = call, segment
        self.first, self.total = first, total
        self.error = None


def _queued(synapses) -> list:
    return synapses._queued_calls


def known_total(synapses) -> int | None:
    """The synapses of ``synapses`` on all ranks once its queued steps are
    built, where every queued step is an explicit call (their totals are
    known); None otherwise. Local."""
    queued = _queued(synapses)
    if construction.queued_for(synapses) != len(queued):
        return None
    return synapses._N + sum(q.total for q in queued)


def queue_explicit_call(synapses, i, j, n, skip_if_invalid, run_namespace, owner,
                        description) -> bool:
    """``synapses.connect(i=i, j=j, n=n)`` made by this rank alone and
    queued; False where it must be made by all ranks together (arrays
    not given, ``n`` an expression, Synapses onto Synapses, or other steps
    queued for these synapses)."""
    if i is None or j is None or isinstance(i, str) or isinstance(j, str) or \
            isinstance(n, str) or synapses._onto_synapses:
        return False
    first = known_total(synapses)
    if first is None:
        return False
    sources, targets, positions, total = synapses._explicit_pairs(
        i, j, n, skip_if_invalid, run_namespace, owner)
    call, segment = synapses._store.prepare(sources, targets,
                                            synapses._initial_store_values(), positions)
    call.global_total = total
    queued = QueuedCall(call, segment, first, total)
    _queued(synapses).append(queued)
    construction.defer(description, lambda: _add_to_store(synapses, queued),
                       synapses=synapses, fingerprint=_fingerprint(i, j, n))
    return True


def _fingerprint(i, j, n):
    """A few numbers that differ where the arrays given to a call differ
    (in values or order), cheap to make (a pass over each): ranks given
    different arrays would build a different model silently."""
    numbers = [int(n)]
    for given in (i, j):
        array = np.asarray(given).reshape(-1).astype(np.int64, copy=False)
        numbers += [len(array), int(array.sum()), _weighted_sum(array)]
    return numbers


def _add_to_store(synapses, queued):
    _queued(synapses).remove(queued)
    if queued.error is not None:
        raise queued.error
    synapses._store.append(queued.call, queued.segment)
    synapses._synapses_added()


def _queued_span(synapses, index):
    """(start, stop, step) of a slice of ``synapses`` that reaches only its
    queued calls, or None."""
    queued = _queued(synapses)
    total = known_total(synapses) if queued else None
    if total is None:
        return None
    start, stop, step = index.indices(total)
    if step < 0 or (start < stop and start < queued[0].first):
        return None  # reaches synapses built already: all ranks together
    return start, stop, step


def _reached(synapses, start, stop, step):
    """For each queued call with synapses of this rank in the slice: the
    call, which of its synapses (a mask, store order) and their global
    indices."""
    for q in _queued(synapses):
        if q.first + q.total <= start or q.first >= stop:
            continue
        ids = q.first + q.call.given_positions
        picked = (ids >= start) & (ids < stop)
        if step != 1:
            picked &= (ids - start) % step == 0
        if picked.any():
            yield q, picked, ids[picked]


def assign_to_queued(synapses, name, expr, index, run_namespace, purpose, owner) -> bool:
    """``synapses.name[index] = expr`` (a slice, the expression of constants
    only) where the slice reaches only queued calls: evaluated now on this
    rank's synapses of those calls. False where this does not apply."""
    if any(synapses.resolver.resolve(n).kind != "external" for n in expr.identifiers):
        return False
    span = _queued_span(synapses, index)
    if span is None:
        return False
    constants = synapses.resolver.constants(expr.identifiers, run_namespace, expr.code)
    for q, picked, ids in _reached(synapses, *span):
        try:
            synapses._assign_on_segment(q.segment, picked, ids, name, expr, constants,
                                        purpose, owner)
        except Exception as exc:  # raised by every rank when the queue is built
            exc.add_note(f"(in {owner}.{name}[...] = '{expr.code}')")
            q.error = q.error or exc
    return True


def set_on_queued(synapses, name, index, value, raw, owner) -> bool:
    """``synapses.name[index] = value`` (a slice; a number or one value per
    synapse of the slice, in order) where the slice reaches only queued
    calls: set now on this rank's synapses of those calls. False where this
    does not apply."""
    span = _queued_span(synapses, index)
    if span is None:
        return False
    start, stop, step = span
    values = synapses._float_values(name, value, raw)
    size = len(range(start, stop, step))
    if values.ndim:
        values = values.reshape(-1)
        if len(values) != size:
            raise ValueError(f"{owner}.{name}: {len(values)} values for {size} synapses")
    for q, picked, ids in _reached(synapses, start, stop, step):
        chosen = values[(ids - start) // step] if values.ndim else values
        try:
            synapses._write_on_segment(q.segment, picked, name,
                                       np.broadcast_to(chosen, (len(ids),)), owner)
        except Exception as exc:  # raised by every rank when the queue is built
            exc.add_note(f"(in {owner}.{name}[{start}:{stop}:{step}] = values)")
            q.error = q.error or exc
    return True


_WEIGHTS = np.arange(1, 65, dtype=np.int64)


def _weighted_sum(array):
    """The sum of the elements weighted by (block of 64 + 1) * (place in
    the block + 1): sees the order; no array as large as the input
    (integer arithmetic wraps the same way on every rank)."""
    whole = len(array) // 64 * 64
    blocks = array[:whole].reshape(-1, 64) @ _WEIGHTS
    return int(blocks @ np.arange(1, len(blocks) + 1, dtype=np.int64)) + \
        int(array[whole:] @ _WEIGHTS[:len(array) - whole])
