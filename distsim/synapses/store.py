"""A rank's synapses: the incoming synapses of the neurons it owns.

Grouped by source (CSR): the synapses of source-group neuron s are
``row_start[s]:row_start[s + 1]``, so the source costs nothing per synapse.
Per synapse: the local target index (int32), the delay in steps (uint16) and
the model's variables (float64 each): 14 bytes for a weighted synapse.
"""
import numpy as np

from .._ext import synapse_store

MAX_DELAY_STEPS = np.iinfo(np.uint16).max


class ConnectCall:
    """What a rank remembers of one connect call to number its synapses in
    Brian2's creation order without storing a number per synapse.

    Attributes
    ----------
    counts_by_source : int64 array (n_sources)
        Local synapses of the call per source.
    given_positions : int64 array or None
        For explicit i/j calls: the position in the given arrays of each
        local synapse of the call, in store order.
    """

    def __init__(self, counts_by_source, given_positions=None):
        self.counts_by_source = counts_by_source
        self.given_positions = given_positions
        #: The call's synapses on all ranks (None until a collective asks).
        self.global_total = None


class SynapseStore:
    """The CSR arrays of one Synapses object on one rank.

    Parameters
    ----------
    n_sources : int
        Size of the source group (rows).
    target_start : int
        Global index of the first target neuron this rank owns.
    variables : dict
        name -> numpy dtype of each per-synapse variable.
    """

    def __init__(self, n_sources, target_start, variables):
        self.n_sources = int(n_sources)
        self.target_start = int(target_start)
        self.row_start = np.zeros(self.n_sources + 1, dtype=np.int64)
        self.local_targets = np.empty(0, dtype=np.int32)
        self.delay_steps = np.empty(0, dtype=np.uint16)
        self.variables = {name: np.empty(0, dtype=dtype) for name, dtype in variables.items()}
        self.calls = []

    def __len__(self):
        return len(self.local_targets)

    # -- target-major order (checkpoints) --------------------------------------
    def target_row_starts(self, n_targets: int) -> np.ndarray:
        """Where each local target's synapses start in target-major order."""
        return synapse_store.counts_by_target(self.local_targets, n_targets)

    def to_target_major(self, values: np.ndarray, row_starts: np.ndarray,
                        out: np.ndarray | None = None) -> np.ndarray:
        """``values`` (store order) grouped by target, store order kept
        within a target: one pass, no permutation array. Into ``out`` (an
        array like ``values``) if given."""
        _check_movable(values)
        if out is None:
            out = np.empty_like(values)
        elif out.shape != values.shape or out.dtype != values.dtype:
            raise ValueError(f"out has {out.dtype} {out.shape}, values {values.dtype} "
                             f"{values.shape}")
        synapse_store.scatter_by_target(self.local_targets, row_starts, _raw(values), _raw(out))
        return out

    def target_major_positions(self, indices: np.ndarray, row_starts: np.ndarray) -> np.ndarray:
        """Where the synapses at store positions ``indices`` (any order,
        repeats allowed) are in target-major order (`to_target_major`)."""
        indices = np.asarray(indices, dtype=np.int64)
        order = np.argsort(indices, kind="stable")
        positions = np.empty(len(indices), dtype=np.int64)
        positions[order] = synapse_store.target_major_positions(
            self.local_targets, row_starts, np.ascontiguousarray(indices[order]))
        return positions

    def from_target_major(self, grouped: np.ndarray, values: np.ndarray,
                          row_starts: np.ndarray) -> None:
        """Set ``values`` (store order) from ``grouped`` (target-major)."""
        _check_movable(values)
        grouped = np.ascontiguousarray(grouped, dtype=values.dtype)
        synapse_store.gather_by_target(self.local_targets, row_starts, _raw(grouped),
                                       _raw(values))

    def bytes_per_synapse(self) -> int:
        """Resident bytes of one synapse: target, delay and variables."""
        return (self.local_targets.itemsize + self.delay_steps.itemsize
                + sum(v.itemsize for v in self.variables.values()))

    @property
    def sources(self):
        """Source index of each synapse (computed, not stored)."""
        return self.sources_in()

    @property
    def targets(self):
        """Global target index of each synapse."""
        return self.local_targets.astype(np.int64) + self.target_start

    def add(self, sources, targets, initial_values, given_positions=None):
        """Add the synapses of one connect call (global source and target
        indices, int64), ordered by target.

        Existing synapses keep their place before the new ones within each
        source's row; new ones keep their given order. With ``given_order``
        the call's synapses are numbered in the order given (explicit i/j
        arrays, as Brian2 keeps them); otherwise source-major, then target.

        Parameters
        ----------
        given_positions : int64 array, optional
            For explicit i/j calls, each new synapse's position in the
            (expanded) arrays the user gave.
        """
        sources = np.ascontiguousarray(sources, dtype=np.int64)
        n_new = len(sources)
        n_old = len(self)
        positions = None
        if given_positions is not None:
            # The call's synapses in store order, each with its given position.
            _, call_order = synapse_store.group_by_source(sources, self.n_sources)
            positions = np.asarray(given_positions, dtype=np.int64)[call_order]
        if n_old == 0:
            # The first synapses: sorted by moving the targets themselves.
            self.row_start, self.local_targets = synapse_store.group_targets_by_source(
                sources, np.ascontiguousarray(targets, dtype=np.int64), self.target_start,
                self.n_sources)
            self.calls.append(ConnectCall(np.diff(self.row_start), positions))
            self.delay_steps = np.full(n_new, initial_values.get("delay_steps", 0),
                                       dtype=np.uint16)
            for name, values in self.variables.items():
                self.variables[name] = np.full(n_new, initial_values.get(name, 0),
                                               dtype=values.dtype)
            return
        self.calls.append(ConnectCall(np.bincount(sources, minlength=self.n_sources)
                                      .astype(np.int64), positions))
        if n_new == 0:
            return
        # Later calls: the new synapses grouped by source, then each row's
        # old synapses followed by its new ones (one pass, rows copied whole).
        new_row_start, order = synapse_store.group_by_source(sources, self.n_sources)
        new_targets = (np.asarray(targets, dtype=np.int64)[order] -
                       self.target_start).astype(np.int32)
        del order
        old_row_start = self.row_start
        self.local_targets = _merged(old_row_start, new_row_start, self.local_targets,
                                     new_targets)
        del new_targets
        # (the new synapses' initial values are the same for all: no order)
        self.delay_steps = _merged(old_row_start, new_row_start, self.delay_steps, np.full(
            n_new, initial_values.get("delay_steps", 0), dtype=np.uint16))
        for name, values in self.variables.items():
            self.variables[name] = _merged(old_row_start, new_row_start, values, np.full(
                n_new, initial_values.get(name, 0), dtype=values.dtype))
        self.row_start = old_row_start + new_row_start

    def call_segments(self, only=None):
        """For each connect call (those numbered in ``only``, if given): the
        store positions of its local synapses (in store order) and their
        source indices.

        Within a source's row the calls follow each other in order, so a
        call's synapses are found from its per-source counts alone.
        """
        row_position = self.row_start[:-1].copy()
        for number, call in enumerate(self.calls):
            counts = call.counts_by_source
            if only is not None and number not in only:
                row_position += counts
                continue
            n = int(counts.sum())
            sources = np.repeat(np.arange(self.n_sources, dtype=np.int64), counts)
            first_of_source = np.repeat(np.cumsum(counts) - counts, counts)
            within_source = np.arange(n, dtype=np.int64) - first_of_source
            yield call, np.repeat(row_position, counts) + within_source, sources, within_source
            row_position += counts

    def sources_in(self, chunk=slice(None)):
        """Source index of the synapses at store positions ``chunk`` (a
        slice; computed from the row pointers, not stored)."""
        begin, end, _ = chunk.indices(len(self))
        if end <= begin:
            return np.empty(0, dtype=np.int64)
        first = int(np.searchsorted(self.row_start, begin, side="right")) - 1
        last = int(np.searchsorted(self.row_start, end - 1, side="right")) - 1
        counts = np.diff(np.clip(self.row_start[first:last + 2], begin, end))
        return np.repeat(np.arange(first, last + 1, dtype=np.int64), counts)

    def index_within_target(self, chunk=slice(None), seen_per_target=None):
        """For each synapse (at store positions ``chunk``), its rank among the
        synapses of its target (in store order). With the target id, it names
        a synapse the same way on any number of ranks: the counter of its
        random numbers.

        For consecutive chunks, pass the same ``seen_per_target`` (zeros, one
        per local target): it carries the counts from chunk to chunk.
        """
        # Not cached: it would cost 8 bytes per synapse for the whole run.
        targets = self.local_targets[chunk]
        if seen_per_target is None:
            seen_per_target = np.zeros(int(targets.max()) + 1 if len(targets) else 1,
                                       dtype=np.int64)
        return synapse_store.rank_within_group(targets, seen_per_target)

    @property
    def nbytes(self):
        return (self.row_start.nbytes + self.local_targets.nbytes + self.delay_steps.nbytes
                + sum(v.nbytes for v in self.variables.values()))


def _check_movable(values):
    """The typed loops move 1-d arrays of 1, 2, 4 or 8-byte elements: every
    per-synapse variable is one (float64, integers, booleans)."""
    if values.ndim != 1 or not values.flags.c_contiguous or \
            values.dtype.itemsize not in (1, 2, 4, 8):
        raise TypeError(f"a per-synapse array of {values.dtype} and shape {values.shape} "
                        "cannot be reordered by target")


def _merged(old_row_start, new_row_start, old, new):
    """Rows of ``old`` each followed by the same row of ``new``."""
    out = np.empty(len(old) + len(new), dtype=old.dtype)
    _check_movable(old)
    synapse_store.merge_rows(old_row_start, new_row_start, _raw(old),
                             _raw(np.ascontiguousarray(new, dtype=old.dtype)), _raw(out))
    return out


def _raw(values):
    return values.view(f"u{values.dtype.itemsize}")
