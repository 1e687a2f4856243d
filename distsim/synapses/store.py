"""A rank's synapses: the incoming synapses of the neurons it owns.

Grouped by source (CSR): the synapses of row r are
``row_start[r]:row_start[r + 1]``, so the source costs nothing per synapse.
Row r holds the synapses of source-group neuron r (the dense row index) or
of neuron ``row_sources[r]`` (the compressed one, for the sources the rank
has synapses from: row_index.py).
Per synapse: the local target index (int32), the delay in steps (uint16) and
the model's variables (float64 each): 14 bytes for a weighted synapse.
"""
import numpy as np

from .._ext import synapse_store
from . import row_index

MAX_DELAY_STEPS = np.iinfo(np.uint16).max


class ConnectCall:
    """What a rank remembers of one connect call to number its synapses in
    Brian2's creation order without storing a number per synapse.

    Attributes
    ----------
    given_positions : int64 array or None
        For explicit i/j calls: the position in the given arrays of each
        local synapse of the call, in store order.
    n_local : int
        The call's synapses on this rank.
    """

    def __init__(self, row_sources, row_start, n_sources, given_positions=None):
        self.n_sources = int(n_sources)
        # Kept as a row index of the call (row_index.py): O(the sources the
        # call gave this rank synapses from) where those are few.
        self._sources, self._starts = row_sources, row_start
        self.n_local = int(row_start[-1])
        self.given_positions = given_positions
        #: The call's synapses on all ranks (None until a collective asks).
        self.global_total = None

    @property
    def counts_by_source(self):
        """Local synapses of the call per source (one per source-group
        neuron: made when asked, for the collectives that number synapses)."""
        return np.diff(row_index.expand(self._sources, self._starts, self.n_sources))

    def rows(self):
        """The sources the call gave this rank synapses from (all sources,
        for a dense index) and the number from each."""
        sources = np.arange(self.n_sources, dtype=np.int64) if self._sources is None \
            else self._sources
        return sources, np.diff(self._starts)

    @property
    def nbytes(self):
        return self._starts.nbytes + (0 if self._sources is None else self._sources.nbytes) + \
            (0 if self.given_positions is None else self.given_positions.nbytes)


class SynapseStore:
    """The CSR arrays of one Synapses object on one rank.

    Parameters
    ----------
    n_sources : int
        Size of the source group (rows).
    target_start : int
        Global index of the first target neuron this rank owns.
    target_stride : int
        How far apart the indices of consecutive local targets are (the
        target's share, parallel/partition.py): local target k is target
        ``target_start + target_stride*k``.
    variables : dict
        name -> numpy dtype of each per-synapse variable.
    target_ids : int64 array, optional
        Where the targets are another Synapses' synapses (as_group.py): the
        id of each local target (a local target is a store position there).
    """

    def __init__(self, n_sources, target_start, variables, target_ids=None, target_stride=1):
        self.n_sources = int(n_sources)
        self.target_start = int(target_start)
        self.target_stride = int(target_stride)
        self.target_ids = target_ids
        self.row_form = row_index.chosen_form()  # fixed for the store's life
        self._main = _Segment(*row_index.in_form(np.empty(0, dtype=np.int64),
                                                 np.zeros(1, dtype=np.int64), self.n_sources,
                                                 self.row_form),
                              np.empty(0, dtype=np.int32), np.empty(0, dtype=np.uint16),
                              {name: np.empty(0, dtype=dtype)
                               for name, dtype in variables.items()}, self.n_sources)
        # Later connect calls' synapses, each grouped by source, merged into
        # the main arrays all at once when those are next read: a script of
        # many connect calls (the seed thread's) costs one merge, not one
        # per call. Slice assignments to them (S.w[-k:]) write here.
        self._pending = {}  # connect call number -> _Segment
        self.calls = []

    def __len__(self):
        return len(self._main.local_targets) + sum(len(p.local_targets)
                                                   for p in self._pending.values())

    # -- the merged arrays (reading one merges the pending calls) ---------------
    @property
    def row_start(self):
        """Where each row starts (and the synapse count after the last)."""
        return self._merge_pending().row_start

    @property
    def row_sources(self):
        """The source index of each row, or None where row r is source r
        (row_index.py)."""
        return self._merge_pending().row_sources

    @property
    def row_bits(self):
        """One bit per source, set where it has a row (a compressed index:
        row_index.presence_bits), or None."""
        return self._merge_pending().row_bits

    @property
    def n_rows(self):
        return len(self.row_start) - 1

    def rows_of(self, sources):
        """The row of each source index (in the source group's range), -1
        where this rank has no synapses from it."""
        return row_index.rows_of(self.row_sources, sources)

    @property
    def local_targets(self):
        return self._merge_pending().local_targets

    @property
    def delay_steps(self):
        return self._merge_pending().delay_steps

    @property
    def variables(self):
        return self._merge_pending().variables

    def pending_segment(self, call_number):
        """The arrays of a connect call not merged yet (its synapses grouped
        by source, in store order), or None."""
        return self._pending.get(call_number)

    def _segments_on_common_rows(self):
        """The main and pending segments, and their row starts on the rows
        of their union (row_index.on_common_rows)."""
        segments = [self._main] + [self._pending[c] for c in sorted(self._pending)]
        union, row_starts = row_index.on_common_rows(
            [(segment.row_sources, segment.row_start) for segment in segments], self.n_sources)
        return segments, union, row_starts

    def merged_index(self):
        """The row index the merged store has, without merging: (row_sources
        or None, row_start) as `row_sources` and `row_start` will be, but
        possibly with rows of no synapses."""
        if not self._pending:
            return self._main.row_sources, self._main.row_start
        _, union, row_starts = self._segments_on_common_rows()
        return union, row_starts.sum(axis=0)

    def merged_row_start(self):
        """The row starts by source the merged store has (without merging;
        one per source-group neuron, whatever the form of the index)."""
        return row_index.expand(*self.merged_index(), self.n_sources)

    def _merge_pending(self):
        if self._pending:
            segments, union, row_starts = self._segments_on_common_rows()
            self._main = _Segment(
                *row_index.in_form(union, row_starts.sum(axis=0), self.n_sources,
                                   self.row_form),
                _merged(row_starts, [segment.local_targets for segment in segments]),
                _merged(row_starts, [segment.delay_steps for segment in segments]),
                {name: _merged(row_starts, [segment.variables[name] for segment in segments])
                 for name in self._main.variables}, self.n_sources)
            self._pending = {}
        return self._main

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
        return self.targets_in()

    def targets_in(self, chunk=slice(None)):
        """Global target index of the synapses at store positions ``chunk``."""
        local = self.local_targets[chunk]
        if self.target_ids is not None:
            return self.target_ids[local]
        return local.astype(np.int64) * self.target_stride + self.target_start

    def add(self, sources, targets, initial_values, given_positions=None):
        """Add the synapses of one connect call (global source and target
        indices, int64): rule-based calls give them ordered by target (a
        source's synapses are then by target, Brian2's numbering), explicit
        i/j calls in the order given.

        Existing synapses keep their place before the new ones within each
        source's row; new ones keep their given order. With
        ``given_positions`` the call's synapses are numbered in the order
        given (explicit i/j arrays, as Brian2 keeps them); otherwise
        source-major, then target.

        Parameters
        ----------
        given_positions : int64 array, optional
            For explicit i/j calls, each new synapse's position in the
            (expanded) arrays the user gave.
        """
        self.append(*self.prepare(sources, targets, initial_values, given_positions))

    def prepare(self, sources, targets, initial_values, given_positions=None):
        """The record and the arrays of one connect call's synapses (as
        `add` takes them), without adding them: (ConnectCall, segment) for
        `append`. The store is not changed."""
        sources = np.ascontiguousarray(sources, dtype=np.int64)
        targets = np.ascontiguousarray(targets, dtype=np.int64)
        if given_positions is not None:
            given_positions = np.ascontiguousarray(given_positions, dtype=np.int64)
        n_new = len(sources)
        if self.row_form == "compressed" or (self.row_form == "auto"
                                             and 4 * n_new <= self.n_sources):
            # Few synapses for the source group (a rank of many, or a large
            # source group): grouped by a sort, at O(synapses) memory.
            row_sources, row_start, local_targets, positions = _grouped_by_sorting(
                sources, targets, self.target_start, self.target_stride, self.n_sources,
                given_positions)
        else:
            # One counting sort by source that moves the targets and the
            # given positions (each call's synapses in store order).
            row_start, local_targets, positions = synapse_store.group_targets_by_source(
                sources, targets, self.target_start, self.n_sources, given_positions,
                self.target_stride)
            row_sources = None
        row_sources, row_start = row_index.in_form(row_sources, row_start, self.n_sources,
                                                   self.row_form)
        # (the new synapses' initial values are the same for all: no order)
        segment = _Segment(row_sources, row_start, local_targets,
                           np.full(n_new, initial_values.get("delay_steps", 0), dtype=np.uint16),
                           {name: np.full(n_new, initial_values.get(name, 0), dtype=values.dtype)
                            for name, values in self._main.variables.items()}, self.n_sources)
        return ConnectCall(row_sources, row_start, self.n_sources, positions), segment

    def append(self, call, segment):
        """Add a connect call's synapses made by `prepare` (after those of
        the calls added before it)."""
        n_old = len(self)
        self.calls.append(call)
        if call.n_local == 0 and n_old:
            return
        if n_old == 0:
            self._main = segment
        else:
            # Merged later: after the earlier calls' synapses within each row.
            self._pending[len(self.calls) - 1] = segment

    def call_segments(self, only=None):
        """For each connect call (those numbered in ``only``, if given): the
        store positions of its local synapses (in store order) and their
        source indices.

        Within a source's row the calls follow each other in order, so a
        call's synapses are found from its per-source counts alone.
        """
        merged_sources, merged_start = self.merged_index()
        row_position = merged_start[:-1].copy()  # next free place in each merged row
        for number, call in enumerate(self.calls):
            call_sources, counts = call.rows()
            if merged_sources is not None:
                rows = np.searchsorted(merged_sources, call_sources)
            elif len(call_sources) == self.n_sources:
                rows = slice(None)  # dense call, dense store: no gather
            else:
                rows = call_sources
            if only is not None and number not in only:
                row_position[rows] += counts
                continue
            n = int(counts.sum())
            sources = np.repeat(call_sources, counts)
            first_of_source = np.repeat(np.cumsum(counts) - counts, counts)
            within_source = np.arange(n, dtype=np.int64) - first_of_source
            yield (call, np.repeat(row_position[rows], counts) + within_source, sources,
                   within_source)
            row_position[rows] += counts

    def sources_in(self, chunk=slice(None)):
        """Source index of the synapses at store positions ``chunk`` (a
        slice or an index array; computed from the row pointers, not stored)."""
        row_start, row_sources = self.row_start, self.row_sources
        if not isinstance(chunk, slice):
            rows = np.searchsorted(row_start, chunk, side="right") - 1
            return row_index.sources_of(row_sources, rows)
        begin, end, _ = chunk.indices(len(self))
        if end <= begin:
            return np.empty(0, dtype=np.int64)
        first = int(np.searchsorted(row_start, begin, side="right")) - 1
        last = int(np.searchsorted(row_start, end - 1, side="right")) - 1
        counts = np.diff(np.clip(row_start[first:last + 2], begin, end))
        rows = np.arange(first, last + 1, dtype=np.int64)
        return np.repeat(row_index.sources_of(row_sources, rows), counts)

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
    def index_nbytes(self):
        """Bytes of the row index and of the connect calls' records: what
        does not grow with the synapses (row_index.py)."""
        row_sources = self.row_sources
        return (self.row_start.nbytes
                + (0 if row_sources is None else row_sources.nbytes + self.row_bits.nbytes)
                + sum(call.nbytes for call in self.calls))

    @property
    def nbytes(self):
        return (self.index_nbytes + self.local_targets.nbytes + self.delay_steps.nbytes
                + sum(v.nbytes for v in self.variables.values()))


def _check_movable(values):
    """The typed loops move 1-d arrays of 1, 2, 4 or 8-byte elements: every
    per-synapse variable is one (float64, integers, booleans)."""
    if values.ndim != 1 or not values.flags.c_contiguous or \
            values.dtype.itemsize not in (1, 2, 4, 8):
        raise TypeError(f"a per-synapse array of {values.dtype} and shape {values.shape} "
                        "cannot be reordered by target")


class _Segment:
    """CSR arrays of synapses grouped by source: the store's main arrays, or
    one connect call's not merged yet; rows dense or compressed (row_index.py)."""

    def __init__(self, row_sources, row_start, local_targets, delay_steps, variables,
                 n_sources):
        self.row_sources = row_sources
        self.row_start = row_start
        self.row_bits = row_index.presence_bits(row_sources, n_sources)
        self.local_targets = local_targets
        self.delay_steps = delay_steps
        self.variables = variables


def _grouped_by_sorting(sources, targets, target_start, target_stride, n_sources,
                        given_positions):
    """A connect call's synapses grouped by source (stable: in the given
    order within a source) by sorting them: the compressed row index, the
    local targets and the given positions in that order. Checks the ranges
    as synapse_store.group_targets_by_source does."""
    local = targets - target_start
    if target_stride != 1:
        local //= target_stride  # (a negative stays negative: caught below)
    bad = (sources < 0) | (sources >= n_sources) | (local < 0) | (local > np.iinfo(np.int32).max)
    if bad.any():
        k = int(np.argmax(bad))
        raise IndexError(f"synapse ({sources[k]}, {targets[k]}) is outside the store")
    order = np.argsort(sources, kind="stable")
    row_sources, row_start = row_index.of_grouped_sources(sources[order])
    return (row_sources, row_start, local[order].astype(np.int32),
            None if given_positions is None else given_positions[order])


def _merged(row_starts, arrays):
    """The rows of several segments, row by row, segments in order."""
    lengths = [len(a) for a in arrays]
    out = np.empty(sum(lengths), dtype=arrays[0].dtype)
    for a in arrays:
        _check_movable(a)
    data = np.concatenate(arrays)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    synapse_store.merge_segments(np.ascontiguousarray(row_starts, dtype=np.int64), _raw(data),
                                 offsets, _raw(out))
    return out


def _raw(values):
    return values.view(f"u{values.dtype.itemsize}")
