"""Delivery of exchanged spikes into ring buffers, for all pathways in one call.

One call per exchange window visits every (pathway, spike) pair in C: a
Python call per pathway and window (55 pathways x 10,000 windows per
biological second for the microcircuit) cost more than the events themselves.
The Python side (distsim.synapses.delivery) checks shapes and keeps the
arrays alive; this loop only reads raw pointers.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint16_t, uint64_t, uint8_t
from libc.stdlib cimport malloc, free
from cpython.pycapsule cimport PyCapsule_New
from step_op cimport Deliverer, DELIVERER_CAPSULE, StepOp, STEP_OP_CAPSULE
from row_index cimport find_row

cnp.import_array()

cdef extern from *:
    void __builtin_prefetch(const void* address, int for_writing, int locality) nogil

cdef enum:
    # Synapses ahead whose ring entry is prefetched: the ring (slots x local
    # neurons) outgrows the caches, and each event is a random access.
    PREFETCH_AHEAD = 64
    # Rows (spikes reaching a pathway) gathered before their events are added.
    ROWS_AT_ONCE = 256
    # Synapses at a row's start whose arrays are prefetched when it is found.
    ROW_START_SYNAPSES = 32


cdef struct Pathway:
    const int64_t* row_start      # CSR rows (n_rows + 1)
    const int64_t* row_sources    # source of each row; NULL: row r is source r
    const uint64_t* has_row       # with row_sources: a bit per source
    int64_t n_rows
    const int32_t* local_targets  # per synapse
    const uint16_t* delays        # per synapse, in steps (< n_slots)
    const double* weights         # per synapse
    int64_t first_source          # network-wide id of source index 0
    int64_t n_sources
    double* ring                  # n_slots x row_length, C order
    int64_t n_slots
    int64_t row_length
    int64_t column_offset         # ring column of the store's local target 0


cdef struct Pathways:
    Pathway* pathways
    Py_ssize_t n_pathways


cdef class DeliveryPlan:
    """The pathways of a run, as raw pointers into their arrays.

    Parameters
    ----------
    pathways : list of tuples
        ``(row_start, (row_sources, row_bits), n_sources, local_targets,
        delays, weights, first_source, ring, column_offset)`` per pathway, in
        delivery order (``row_sources`` and ``row_bits`` None for a dense row
        index: synapses/row_index.py). The arrays must stay
        alive and unmoved while the plan is used (the caller keeps them).
    """
    cdef Pathway* pathways
    cdef Py_ssize_t n_pathways
    cdef list keep_alive
    cdef Pathways all_pathways     # what the compiled step loop's delivery reads
    cdef Deliverer deliverer_struct

    def __cinit__(self, list pathways):
        cdef Py_ssize_t k
        cdef const int64_t[::1] row_start, row_sources
        cdef const uint64_t[::1] row_bits
        cdef const int32_t[::1] local_targets
        cdef const uint16_t[::1] delays
        cdef const double[::1] weights
        cdef double[:, ::1] ring
        self.n_pathways = len(pathways)
        self.keep_alive = list(pathways)
        self.pathways = <Pathway*>malloc(max(1, self.n_pathways) * sizeof(Pathway))
        if self.pathways == NULL:
            raise MemoryError()
        for k in range(self.n_pathways):
            (row_start, (sources, bits), n_sources, local_targets, delays, weights, first_source, ring,
             column_offset) = pathways[k]
            if local_targets.shape[0] != delays.shape[0] or \
                    local_targets.shape[0] != weights.shape[0]:
                raise ValueError("targets, delays and weights must have one length")
            if row_start[row_start.shape[0] - 1] != local_targets.shape[0]:
                raise ValueError("row_start does not end at the number of synapses")
            self.pathways[k].row_start = &row_start[0]
            self.pathways[k].n_rows = row_start.shape[0] - 1
            if sources is None:
                if self.pathways[k].n_rows != n_sources:
                    raise ValueError("a dense row index has a row per source")
                self.pathways[k].row_sources = NULL
            else:
                row_sources, row_bits = sources, bits
                if row_sources.shape[0] != self.pathways[k].n_rows:
                    raise ValueError("one source per row")
                if row_bits.shape[0] * 64 < n_sources:
                    raise ValueError("a bit per source")
                self.pathways[k].row_sources = &row_sources[0] if row_sources.shape[0] else NULL
                self.pathways[k].has_row = &row_bits[0] if row_bits.shape[0] else NULL
                if not row_sources.shape[0]:
                    n_sources = 0  # no rows: no spike reaches a synapse here
            self.pathways[k].local_targets = &local_targets[0] if local_targets.shape[0] else NULL
            self.pathways[k].delays = &delays[0] if delays.shape[0] else NULL
            self.pathways[k].weights = &weights[0] if weights.shape[0] else NULL
            self.pathways[k].first_source = first_source
            self.pathways[k].n_sources = n_sources
            self.pathways[k].ring = &ring[0, 0] if ring.shape[0] and ring.shape[1] else NULL
            self.pathways[k].n_slots = ring.shape[0]
            self.pathways[k].row_length = ring.shape[1]
            self.pathways[k].column_offset = column_offset
        self.deliverer_struct.deliver = _deliver
        self.all_pathways.pathways = self.pathways
        self.all_pathways.n_pathways = self.n_pathways
        self.deliverer_struct.plan = <void*>&self.all_pathways

    def __dealloc__(self):
        free(self.pathways)

    def deliver(self, const int64_t[::1] spike_ids, const int64_t[::1] spike_steps):
        """Add each spike's synaptic weights to ``ring[(step + delay) % n_slots,
        column_offset + target]`` of every pathway it reaches.

        Pathways in plan order, spikes in the given order (sorted by step,
        then id, the same on every rank): the floating-point sums are the
        same for any number of ranks.
        """
        cdef Py_ssize_t n_spikes = spike_ids.shape[0]
        if spike_steps.shape[0] != n_spikes:
            raise ValueError("one step per spike")
        if n_spikes:
            with nogil:
                _deliver(<void*>&self.all_pathways, &spike_ids[0], &spike_steps[0], n_spikes)

    def deliverer(self):
        """`deliver` for the compiled step loop (a capsule of a Deliverer;
        valid while this plan lives)."""
        return PyCapsule_New(&self.deliverer_struct, DELIVERER_CAPSULE(), NULL)


cdef struct Row:
    # One spike's row in a pathway: its synapses and the spike's ring slot.
    int64_t begin
    int64_t end
    int64_t base_slot


cdef void _deliver(void* plan_pointer, const int64_t* spike_ids, const int64_t* spike_steps,
                   Py_ssize_t n_spikes) noexcept nogil:
    cdef Pathways* plan = <Pathways*>plan_pointer
    cdef Row rows[ROWS_AT_ONCE]
    cdef Py_ssize_t k, p, n_rows
    cdef int64_t source, row
    cdef Pathway* pw
    for p in range(plan.n_pathways):
        pw = &plan.pathways[p]
        if pw.ring == NULL:
            continue
        k = 0
        while k < n_spikes:
            # The rows of the next spikes that reach this rank, in spike order.
            n_rows = 0
            while k < n_spikes and n_rows < ROWS_AT_ONCE:
                source = spike_ids[k] - pw.first_source
                if 0 <= source < pw.n_sources:
                    row = find_row(pw.row_sources, pw.has_row, pw.n_rows, source)
                    if row >= 0 and pw.row_start[row + 1] > pw.row_start[row]:
                        rows[n_rows].begin = pw.row_start[row]
                        rows[n_rows].end = pw.row_start[row + 1]
                        rows[n_rows].base_slot = spike_steps[k] % pw.n_slots
                        _prefetch_row_start(pw, rows[n_rows].begin, rows[n_rows].end)
                        n_rows += 1
                k += 1
            _add_rows(pw, rows, n_rows)


cdef inline void _prefetch_row_start(Pathway* pw, int64_t begin, int64_t end) noexcept nogil:
    """Ask for the first synapses of a row (read when the look-ahead of
    `_add_rows` reaches them; the processor's own prefetcher follows the rest)."""
    cdef int64_t syn
    for syn in range(begin, min(end, begin + ROW_START_SYNAPSES), 8):
        __builtin_prefetch(&pw.delays[syn], 0, 3)
        __builtin_prefetch(&pw.local_targets[syn], 0, 3)
        __builtin_prefetch(&pw.weights[syn], 0, 3)


cdef struct LookAhead:
    # The event whose ring entry is asked for next: synapse `syn` of row `row`.
    Py_ssize_t row
    int64_t syn


cdef inline void _ask_ahead(Pathway* pw, const Row* rows, Py_ssize_t n_rows,
                            LookAhead* ahead) noexcept nogil:
    """Prefetch the look-ahead event's ring entry and move it to the next event."""
    if ahead.row == n_rows:
        return
    __builtin_prefetch(_entry(pw, rows[ahead.row].base_slot, ahead.syn), 1, 3)
    ahead.syn += 1
    if ahead.syn == rows[ahead.row].end:
        ahead.row += 1
        if ahead.row < n_rows:
            ahead.syn = rows[ahead.row].begin


cdef inline void _add_rows(Pathway* pw, const Row* rows, Py_ssize_t n_rows) noexcept nogil:
    """The rows' events in order, the ring entry of the event PREFETCH_AHEAD
    events later asked for ahead, across rows (most rows are shorter than
    that when a rank holds a share of every population)."""
    cdef Py_ssize_t r
    cdef int64_t syn
    cdef int k
    cdef LookAhead ahead
    ahead.row = 0
    ahead.syn = rows[0].begin if n_rows else 0
    for k in range(PREFETCH_AHEAD):  # start PREFETCH_AHEAD events in
        _ask_ahead(pw, rows, n_rows, &ahead)
    for r in range(n_rows):
        for syn in range(rows[r].begin, rows[r].end):
            _ask_ahead(pw, rows, n_rows, &ahead)
            _entry(pw, rows[r].base_slot, syn)[0] += pw.weights[syn]


cdef inline double* _entry(Pathway* pw, int64_t base_slot, int64_t syn) noexcept nogil:
    """Where synapse ``syn`` of a spike whose step falls on ``base_slot`` adds."""
    # delay < n_slots: a conditional subtraction, no division per event
    cdef int64_t slot = base_slot + pw.delays[syn]
    if slot >= pw.n_slots:
        slot -= pw.n_slots
    return &pw.ring[slot * pw.row_length + pw.column_offset + pw.local_targets[syn]]


cdef class RingSlot:
    """A ring buffer's slot of the step applied to its variable:
    ``values += ring[step % n_slots]`` (only where ``mask``, if given: the
    neurons not refractory for an '(unless refractory)' variable), then the
    slot emptied. `apply` for the Python step loop, `step_op` for the
    compiled one: the same loop."""
    cdef StepOp op
    cdef double* values
    cdef double* ring
    cdef const uint8_t* mask
    cdef Py_ssize_t n, n_slots
    cdef tuple keep_alive

    def __init__(self, double[::1] values, double[:, ::1] ring, mask=None):
        cdef const uint8_t[::1] flags
        if ring.shape[1] != values.shape[0]:
            raise ValueError("one ring column per value")
        self.n, self.n_slots = values.shape[0], ring.shape[0]
        self.values = &values[0] if self.n else NULL
        self.ring = &ring[0, 0] if self.n and self.n_slots else NULL
        self.mask = NULL
        if mask is not None:
            flags = mask.view(np.uint8)
            if flags.shape[0] != self.n:
                raise ValueError("one flag per value")
            self.mask = &flags[0] if self.n else NULL
        self.keep_alive = (values, ring, mask)
        self.op.run = _ring_slot
        self.op.state = <void*>self

    def apply(self, int64_t step):
        """Apply the slot of ``step``."""
        _ring_slot(<void*>self, step, 0.0, 0.0)

    def step_op(self):
        """This operation for the compiled step loop (a capsule of a StepOp)."""
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)


cdef int _ring_slot(void* state, int64_t step, double t, double dt) except -1:
    cdef RingSlot self = <RingSlot>state
    if self.ring == NULL:
        return 0
    with nogil:
        _add_slot(self.values, self.ring + (step % self.n_slots) * self.n, self.mask, self.n)
    return 0


cdef inline void _add_slot(double* values, double* row, const uint8_t* mask,
                           Py_ssize_t n) noexcept nogil:
    # Locals, not the object's fields: extensions build without strict
    # aliasing, so each store would reload every field (and not vectorize).
    cdef Py_ssize_t i
    if mask == NULL:
        for i in range(n):
            values[i] += row[i]
            row[i] = 0.0
    else:
        for i in range(n):
            if mask[i]:
                values[i] += row[i]
            row[i] = 0.0
