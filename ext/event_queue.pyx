"""The event queue of a synaptic pathway, for the compiled step loop.

A spike queues the store positions of its synapses at their arrival steps
(spike step + the synapse's delay): presynaptic spikes through the rows of
the store (by source), postsynaptic ones through the synapses grouped by
target. At each step the positions that arrive are sorted into store order
(as synapses/pathways.py's ``run`` sorts them) where the order can change a
result (the kernel writes neurons' variables: a sum's rounding, the last
write wins), and handed, in a SpikeSlot, to the pathway's generated kernel
(its ``Bound`` operation). A synapse has at most one event per step and
pathway, so the slot has room for all of the rank's synapses.

The Python side (synapses/pathways.py) decides when a pathway can run here
and moves the events in flight between this queue and its own ``pending``
at the start and end of a compiled run.
"""
import numpy as np
cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_New, PyCapsule_GetPointer
from libc.stdint cimport int64_t, int32_t, uint64_t
from libc.stdlib cimport malloc, realloc, free, qsort
from libc.string cimport memcpy
from row_index cimport find_row
from step_op cimport (StepOp, SpikeSlot, EventSink, STEP_OP_CAPSULE, SPIKE_SLOT_CAPSULE,
                      EVENT_SINK_CAPSULE)

cnp.import_array()


cdef struct Positions:
    int64_t* items
    Py_ssize_t n, capacity


cdef int _reserve(Positions* list_, Py_ssize_t extra) except -1:
    cdef Py_ssize_t capacity = list_.capacity if list_.capacity else 16
    cdef int64_t* grown
    while list_.n + extra > capacity:
        capacity *= 2
    if capacity != list_.capacity:
        grown = <int64_t*>realloc(list_.items, capacity * sizeof(int64_t))
        if grown == NULL:
            raise MemoryError()
        list_.items, list_.capacity = grown, capacity
    return 0


cdef int _ascending(const void* a, const void* b) noexcept nogil:
    cdef int64_t x = (<const int64_t*>a)[0], y = (<const int64_t*>b)[0]
    return (x > y) - (x < y)


cdef class EventQueue:
    """Events of one pathway by arrival step (``n_slots`` steps ahead).

    Parameters
    ----------
    row_start : int64 array
        Store rows by source (presynaptic pathways) or, with ``by_target``,
        rows of ``by_target`` by local target (postsynaptic pathways).
    by_target : int64 array or None
        Store positions grouped by target (postsynaptic pathways).
    delays : int array
        Per synapse, in steps (empty: ``homogeneous_delay`` for all).
    homogeneous_delay : int
    n_synapses : int
        The rank's synapses of this store (room for one step's events).
    n_slots : int
        Longer than the longest delay (and the events already queued).
    first_source : int
        Network-wide id (presynaptic) or local index (postsynaptic, with
        ``target_spikes``) of row 0.
    target_spikes : step_loop.Spikes or None
        For postsynaptic pathways: the target group's spikes, read at each step.
    row_sources, row_bits : int64 and uint64 arrays, or None
        The source of each row and a bit per source, where the store's row
        index is compressed (presynaptic pathways; synapses/row_index.py).
    n_sources : int
        The rows' source group size (with ``row_sources``).
    store_order : bool
        Hand each step's events in store order. Without it, in the order
        queued: for kernels that write only their own synapse's variables,
        where each event's result is the same in any order.
    """
    cdef Positions* slots
    cdef Py_ssize_t n_slots, n_rows, n_sources
    cdef const int64_t* row_start
    cdef const int64_t* row_sources
    cdef const uint64_t* has_row
    cdef const int64_t* by_target
    cdef const int64_t* delays64
    cdef int64_t homogeneous_delay, first_source
    cdef cnp.ndarray delays
    cdef readonly cnp.ndarray arrived      # the current step's positions (a slot's buffer)
    cdef SpikeSlot now
    cdef SpikeSlot* target_spikes
    cdef StepOp op
    cdef EventSink sink
    cdef tuple keep_alive
    cdef bint store_order

    def __init__(self, const int64_t[::1] row_start, by_target, delays, int64_t homogeneous_delay,
                 Py_ssize_t n_synapses, Py_ssize_t n_slots, int64_t first_source,
                 target_spikes=None, row_sources=None, row_bits=None, Py_ssize_t n_sources=-1,
                 bint store_order=True):
        cdef const int64_t[::1] grouped, sources
        cdef const uint64_t[::1] bits
        cdef Py_ssize_t k
        self.n_rows = row_start.shape[0] - 1
        self.row_start = &row_start[0]
        self.row_sources, self.has_row = NULL, NULL
        self.n_sources = self.n_rows
        if row_sources is not None:
            sources, bits = row_sources, row_bits
            if sources.shape[0] != self.n_rows:
                raise ValueError("one source per row")
            if bits.shape[0] * 64 < n_sources:
                raise ValueError("a bit per source")
            self.has_row = &bits[0] if bits.shape[0] else NULL
            # (no rows: no id is in range, so no lookup reads row_sources)
            self.n_sources = n_sources if self.n_rows else 0
            self.row_sources = &sources[0] if self.n_rows else NULL
        self.by_target = NULL
        if by_target is not None:
            grouped = by_target
            self.by_target = &grouped[0] if grouped.shape[0] else NULL
        self.delays = np.ascontiguousarray(delays, dtype=np.int64)
        self.delays64 = <const int64_t*>cnp.PyArray_DATA(self.delays) \
            if self.delays.shape[0] else NULL
        self.homogeneous_delay = homogeneous_delay
        self.store_order = store_order
        self.first_source = first_source
        self.n_slots = max(1, n_slots)
        self.slots = <Positions*>malloc(self.n_slots * sizeof(Positions))
        if self.slots == NULL:
            raise MemoryError()
        for k in range(self.n_slots):
            self.slots[k].items, self.slots[k].n, self.slots[k].capacity = NULL, 0, 0
        self.arrived = np.empty(max(1, n_synapses), dtype=np.int64)
        self.now.ids = <int64_t*>cnp.PyArray_DATA(self.arrived)
        self.now.count = 0
        self.target_spikes = NULL
        if target_spikes is not None:
            self.target_spikes = <SpikeSlot*>_spike_slot(target_spikes)
        self.keep_alive = (row_start, by_target, target_spikes, row_sources, row_bits)
        self.op.run = _take_arrivals
        self.op.state = <void*>self
        self.sink.queue = _queue_spikes
        self.sink.state = <void*>self

    def __dealloc__(self):
        cdef Py_ssize_t k
        if self.slots != NULL:
            for k in range(self.n_slots):
                free(self.slots[k].items)
            free(self.slots)

    def step_op(self):
        """Take the events arriving now (postsynaptic pathways: queue the
        target's spikes of this step first): a StepOp capsule."""
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)

    def arrivals(self):
        """The current step's positions for the kernel: a SpikeSlot capsule."""
        return PyCapsule_New(&self.now, SPIKE_SLOT_CAPSULE(), NULL)

    def event_sink(self):
        """Where exchanged spikes are queued in C: an EventSink capsule."""
        return PyCapsule_New(&self.sink, EVENT_SINK_CAPSULE(), NULL)

    def queue_spikes(self, const int64_t[::1] ids, const int64_t[::1] steps):
        """Queue the synapses of exchanged spikes (network-wide ids)."""
        if ids.shape[0] != steps.shape[0]:
            raise ValueError("one step per spike")
        if ids.shape[0]:
            _queue_spikes(<void*>self, &ids[0], &steps[0], ids.shape[0])

    def put(self, int64_t arrival, const int64_t[::1] positions):
        """Queue store ``positions`` arriving at step ``arrival`` (events in
        flight taken over from Python; ``arrival`` less than ``n_slots``
        steps ahead)."""
        cdef Positions* slot = &self.slots[arrival % self.n_slots]
        cdef Py_ssize_t k
        _reserve(slot, positions.shape[0])
        for k in range(positions.shape[0]):
            slot.items[slot.n + k] = positions[k]
        slot.n += positions.shape[0]

    def take_all(self, int64_t step, bint keep=False):
        """The events in flight from ``step`` on, {arrival step: positions}
        (then forgotten, unless ``keep``)."""
        cdef Py_ssize_t k
        cdef Positions* slot
        pending = {}
        for k in range(self.n_slots):
            slot = &self.slots[(step + k) % self.n_slots]
            if slot.n:
                pending[step + k] = np.array(<int64_t[:slot.n]>slot.items, dtype=np.int64)
                if not keep:
                    slot.n = 0
        return pending


cdef void* _spike_slot(object spikes) except NULL:
    return PyCapsule_GetPointer(spikes.slot(), SPIKE_SLOT_CAPSULE())


cdef inline int _queue_row(EventQueue self, int64_t row, int64_t spike_step) except -1:
    cdef int64_t first = self.row_start[row], end = self.row_start[row + 1], k, position, arrival
    cdef Positions* slot
    if first == end:
        return 0
    if self.delays64 == NULL:
        slot = &self.slots[(spike_step + self.homogeneous_delay) % self.n_slots]
        _reserve(slot, end - first)
        for k in range(first, end):
            slot.items[slot.n] = self.by_target[k] if self.by_target != NULL else k
            slot.n += 1
        return 0
    for k in range(first, end):
        position = self.by_target[k] if self.by_target != NULL else k
        arrival = spike_step + self.delays64[position]
        slot = &self.slots[arrival % self.n_slots]
        _reserve(slot, 1)
        slot.items[slot.n] = position
        slot.n += 1
    return 0


cdef int _queue_spikes(void* state, const int64_t* ids, const int64_t* steps,
                       Py_ssize_t n) except -1:
    cdef EventQueue self = <EventQueue>state
    cdef Py_ssize_t k
    cdef int64_t row
    for k in range(n):
        row = ids[k] - self.first_source
        if 0 <= row < self.n_sources:
            row = find_row(self.row_sources, self.has_row, self.n_rows, row)
            if row >= 0:
                _queue_row(self, row, steps[k])
    return 0


cdef int _take_arrivals(void* state, int64_t step, double t, double dt) except -1:
    cdef EventQueue self = <EventQueue>state
    cdef Positions* slot
    cdef Py_ssize_t k, n
    cdef int64_t row
    cdef bint ordered = True
    if self.target_spikes != NULL:  # this step's postsynaptic spikes
        for k in range(self.target_spikes.count):
            row = self.target_spikes.ids[k] - self.first_source
            if 0 <= row < self.n_rows:
                _queue_row(self, row, step)
    slot = &self.slots[step % self.n_slots]
    n = slot.n
    if n > self.arrived.shape[0]:
        raise RuntimeError("a synapse has two events in one step")
    if self.store_order:
        for k in range(n):
            self.now.ids[k] = slot.items[k]
            if k and slot.items[k] < slot.items[k - 1]:
                ordered = False
        if not ordered:  # store order, as the Python path sorts them
            qsort(self.now.ids, n, sizeof(int64_t), _ascending)
    else:
        memcpy(self.now.ids, slot.items, n * sizeof(int64_t))
    self.now.count = n
    slot.n = 0
    return 0
