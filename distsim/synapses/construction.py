"""Deferred construction: the rank-local work of ``connect()`` and of
``S.var = '...'`` is queued, then run by every rank in one collective step
when the synapses are next needed (``run()``, ``S.N``, reading values, ...).

Why: a projection's targets usually live on one or two ranks, and a
collective step per call made the other ranks wait; the microcircuit's 55
projections were built nearly one rank at a time. Queued, each rank builds
its own share of all projections back to back and the ranks meet once.

Only work that needs no communication and no neuron state is queued; its
checks (syntax, units, names, value ranges) are made when the call is made,
so bad input still fails at the line that gave it. Explicit ``connect(i=,
j=)`` calls and the ``[-k:]`` assignments after them are made by each rank at
once, on its own, and wait here to join the store (queued_calls.py).
Errors that only the values can show (e.g. a negative delay drawn from an
expression) are raised by the collective step, on every rank, naming the
object and the expression.
The random numbers are keyed by the call, not by when it runs: the synapses
are the same as if built at once. Before anything is built, the memory the
queued calls will need on each rank is estimated (calls by ``p=`` and
``fixed_total_number=``) and compared with the rank's share of its node's
memory (parallel/memory.py): a model that cannot fit is refused at once.
"""
import os
import time

import numpy as np

from ..core import registry
from ..parallel import collective, get_comm
from ..parallel.memory import CONSTRUCTION_PEAK, check_room
from ..utils.log import get_logger

_log = get_logger("construction")

_pending = []
_fingerprints = []  # (description, fingerprint) of queued work made from the script's arrays


def defer(description, task, synapses=None, expected_synapses=None, fingerprint=None):
    """Queue ``task()`` (rank-local work) described as ``description``.

    ``synapses``: the Synapses object it adds synapses to or sets values of
    (each rank then learns its new total when the queue is built);
    ``expected_synapses``:
    how many it will add on this rank, about (None: unknown before drawing),
    for the memory check made before anything is built. ``fingerprint``: a
    few numbers summing up the script's arrays the task was made from, which
    every rank must have been given alike (compared when the queue is built).
    """
    _pending.append((description, task, synapses, expected_synapses))
    if fingerprint is not None:
        _fingerprints.append((description, tuple(int(x) for x in fingerprint)))


def has_pending():
    return bool(_pending)


def queued_for(synapses) -> int:
    """How many queued steps add synapses to, or set values of, ``synapses``."""
    return sum(1 for _, _, s, _ in _pending if s is synapses)


def build_pending():
    """Run the queued work on every rank (collective: all ranks call this at
    the same point of the script); an error on any rank is raised on all of
    them."""
    if not _pending:
        return
    tasks, fingerprints = list(_pending), list(_fingerprints)
    _pending.clear()
    _fingerprints.clear()
    check_room(pending_bytes(tasks) * CONSTRUCTION_PEAK,
               f"Building the synapses of {_names(tasks)}")
    progress = _Progress(tasks)
    try:
        with collective(f"Building synapses ({len(tasks)} queued step(s))"):
            _check_alike(fingerprints)
            for description, task, _, _ in tasks:
                try:
                    task()
                except Exception as exc:
                    exc.add_note(f"(while building: {description})")
                    raise
                progress.step_done(description)
    except Exception as exc:
        # Some ranks stopped part way, the queue is gone: a script that
        # catches the error must not run a model missing those steps. The
        # same objects are marked on every rank (the error is raised on all).
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        for synapses in {id(s): s for _, _, s, _ in tasks if s is not None}.values():
            synapses._construction_failed = reason
        raise
    # Every rank learns the new totals: one reduction for all the objects
    # (the same objects in the same order on every rank).
    grown = list({id(s): s for _, _, s, _ in tasks if s is not None}.values())
    if grown:
        totals = get_comm().allreduce(np.array([len(s._store) for s in grown], dtype=np.int64))
        for synapses, total in zip(grown, totals):
            synapses._N = int(total)


def _check_alike(fingerprints):
    """Every rank was given the same arrays for the queued work made from
    them (one allgather for the whole queue). Collective."""
    everyone = get_comm().allgather(fingerprints)
    for rank, theirs in enumerate(everyone):
        for (description, mine), (_, other) in zip(fingerprints, theirs):
            if mine != other:
                raise ValueError(
                    f"{description}: rank {rank} was given other arrays than rank "
                    f"{get_comm().Get_rank()}; every rank must give the same i and j (draw them "
                    "with the same seed on every rank, or use connect_local for each rank's "
                    "own pairs)")
        if len(theirs) != len(fingerprints):
            raise ValueError(f"the ranks made different connect calls ({len(fingerprints)} "
                             f"here, {len(theirs)} on rank {rank}); every rank must make the "
                             "same calls")


class _Progress:
    """Progress of a long construction, on the log (rank 0 speaks): the
    step, the synapses built so far on this rank, the time and an estimate
    of the time left (by the expected synapse counts where known). Silent
    for constructions shorter than ``DISTSIM_PROGRESS_AFTER`` seconds
    (default 5); then a line at most every 5 seconds, and one at the end."""

    INTERVAL = 5.0

    def __init__(self, tasks):
        self.tasks = tasks
        self.weights = [float(expected) if expected else 0.0 for _, _, _, expected in tasks]
        self.total_weight = sum(self.weights)
        self.started = self.last = time.perf_counter()
        self.after = float(os.environ.get("DISTSIM_PROGRESS_AFTER", "5"))
        self.done = 0

    def step_done(self, description):
        self.done += 1
        now = time.perf_counter()
        elapsed = now - self.started
        final = self.done == len(self.tasks)
        if elapsed < self.after or (not final and now - self.last < min(self.INTERVAL,
                                                                          self.after)):
            return
        self.last = now
        fraction = (sum(self.weights[:self.done]) / self.total_weight if self.total_weight
                    else self.done / len(self.tasks))
        left = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        built = sum(len(s._store) for s in {id(s): s for _, _, s, _ in self.tasks[:self.done]
                                            if s is not None}.values())
        _log.info(f"building synapses: step {self.done}/{len(self.tasks)} done ({description}); "
                  f"{built:,} synapses on this rank; {elapsed:.1f} s"
                  + ("" if final else f", about {left:.0f} s left"))


def pending_bytes(tasks=None) -> int:
    """About how many bytes the queued calls' synapses will take on this rank
    (calls whose count only drawing can tell are not counted)."""
    tasks = _pending if tasks is None else tasks
    return int(sum(s._store.bytes_per_synapse() * expected for _, _, s, expected in tasks
                   if s is not None and expected))


def _names(tasks):
    names = list(dict.fromkeys(f"'{s.name}'" for _, _, s, _ in tasks if s is not None))
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def forget_pending():
    """Drop queued work (``start_scope()``: its objects are gone)."""
    _pending.clear()
    _fingerprints.clear()


registry.on_start_scope(forget_pending)
registry.on_release(build_pending)
