"""The compiled step loop: a run's schedule executed step by step in C.

Every code object of the schedule becomes one operation (a `StepOp`: a C
function and its state, see step_op.pxd). Code objects with a compiled form
(a group's exact step, constant resets, the spike window here; ring-buffer
slots in delivery.pyx) give their own; any other runs as `PythonOp`, its
Python ``run(step, t, dt)`` called from here. The loop returns to Python only at the end of a
window where the caller asked it to (progress reports, checkpoints), so the
Python per-step loop of network.py disappears; the order of the work and
every value computed are those of that loop.

The Python side (distsim.network.compiled_loop) decides what each code object
becomes and keeps the arrays alive; the loops here only read raw pointers.
"""
import numpy as np
cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_New, PyCapsule_GetPointer
from cpython.object cimport PyObject_SetAttr
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, realloc, free, qsort
from libc.string cimport memcpy
from step_op cimport (StepOp, SpikeSlot, Spike, Deliverer, EventSink, Exchange,
                      STEP_OP_CAPSULE, SPIKE_SLOT_CAPSULE, DELIVERER_CAPSULE,
                      EVENT_SINK_CAPSULE, EXCHANGE_CAPSULE)

cnp.import_array()


cdef class Operation:
    """Base of the operations defined here: a StepOp pointing at itself."""
    cdef StepOp op

    def step_op(self):
        """This operation for the step loop (a capsule of a StepOp)."""
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)


cdef class Spikes:
    """The spikes a code object found in the current step: local indices in
    ``buffer[:count]`` (room for every local neuron), shared in C through
    `slot` with the operations that read them."""
    cdef SpikeSlot s
    cdef readonly cnp.ndarray buffer

    def __init__(self, Py_ssize_t n_local):
        self.buffer = np.empty(max(1, n_local), dtype=np.int64)
        self.s.ids = <int64_t*>cnp.PyArray_DATA(self.buffer)
        self.s.count = 0

    @property
    def count(self):
        return self.s.count

    @count.setter
    def count(self, Py_ssize_t n):
        if not 0 <= n <= self.buffer.shape[0]:
            raise ValueError("more spikes than neurons")
        self.s.count = n

    def get(self):
        """The current spikes (a copy: the buffer is reused next step)."""
        return self.buffer[:self.s.count].copy()

    def set(self, local):
        """Make ``local`` (int64 local indices) the current spikes."""
        cdef Py_ssize_t n = len(local)
        if n > self.buffer.shape[0]:
            raise ValueError("more spikes than neurons")
        self.buffer[:n] = local
        self.s.count = n

    def slot(self):
        """A capsule of the SpikeSlot, for compiled operations."""
        return PyCapsule_New(&self.s, SPIKE_SLOT_CAPSULE(), NULL)


cdef SpikeSlot* _slot_of(Spikes spikes):
    return &spikes.s


cdef class PythonOp(Operation):
    """A code object without a compiled form: its ``run(step, t, dt)``."""
    cdef object function

    def __init__(self, function):
        self.function = function
        self.op.run = _python_op
        self.op.state = <void*>self


cdef int _python_op(void* state, int64_t step, double t, double dt) except -1:
    (<PythonOp>state).function(step, t, dt)
    return 0


cdef class PeriodicOp(Operation):
    """An operation of an object on a slower clock (network/clocks.py): run
    at the steps that are multiples of ``period``, with its clock's step
    number (``step // period``) and ``dt``. Between them, ``clear`` (a
    threshold's Spikes, or None) reports no spikes."""
    cdef StepOp* inner
    cdef int64_t period
    cdef double own_dt
    cdef SpikeSlot* clear
    cdef tuple keep_alive

    def __init__(self, operation, int64_t period, double own_dt, Spikes clear=None):
        capsule = operation.step_op()
        self.inner = <StepOp*>PyCapsule_GetPointer(capsule, STEP_OP_CAPSULE())
        self.period, self.own_dt = period, own_dt
        self.clear = NULL if clear is None else &clear.s
        self.keep_alive = (operation, capsule, clear)
        self.op.run = _periodic_op
        self.op.state = <void*>self


cdef int _periodic_op(void* state, int64_t step, double t, double dt) except -1:
    cdef PeriodicOp self = <PeriodicOp>state
    if step % self.period == 0:
        return self.inner.run(self.inner.state, step // self.period, t, self.own_dt)
    if self.clear != NULL:
        self.clear.count = 0
    return 0


cdef class ClockOp(Operation):
    """Sets ``clock.timestep`` to the current step, as network.py's loop
    keeps it, for Python code that reads the clock during a step."""
    cdef object clock

    def __init__(self, clock):
        self.clock = clock
        self.op.run = _clock_op
        self.op.state = <void*>self


cdef int _clock_op(void* state, int64_t step, double t, double dt) except -1:
    PyObject_SetAttr((<ClockOp>state).clock, "timestep", step)
    return 0


cdef class CopySpikes(Operation):
    """A threshold whose crossings the group's compiled step found: the
    spikes are handed on from one slot to the other."""
    cdef SpikeSlot* source
    cdef SpikeSlot* target
    cdef tuple keep_alive

    def __init__(self, Spikes source, Spikes target):
        self.source, self.target = &source.s, &target.s
        self.keep_alive = (source, target)
        self.op.run = _copy_spikes
        self.op.state = <void*>self


cdef int _copy_spikes(void* state, int64_t step, double t, double dt) except -1:
    cdef CopySpikes self = <CopySpikes>state
    if self.source.count:
        memcpy(self.target.ids, self.source.ids, self.source.count * sizeof(int64_t))
    self.target.count = self.source.count
    return 0


cdef class ConstantReset(Operation):
    """A reset that assigns constants (``v = v_r``): for each neuron that
    spiked, ``arrays[k][i] = values[k]``."""
    cdef SpikeSlot* spikes
    cdef double** arrays
    cdef double* values
    cdef Py_ssize_t n_arrays, n_local
    cdef tuple keep_alive

    def __init__(self, Spikes spikes, list arrays, values):
        cdef Py_ssize_t k
        cdef double[::1] view
        self.n_arrays = len(arrays)
        self.arrays = <double**>malloc(max(1, self.n_arrays) * sizeof(double*))
        self.values = <double*>malloc(max(1, self.n_arrays) * sizeof(double))
        if self.arrays == NULL or self.values == NULL:
            raise MemoryError()
        self.n_local = spikes.buffer.shape[0]
        for k in range(self.n_arrays):
            view = arrays[k]
            self.n_local = min(self.n_local, view.shape[0])  # (a rank may hold none)
            self.arrays[k] = &view[0] if view.shape[0] else NULL
            self.values[k] = values[k]
        self.spikes = &spikes.s
        self.keep_alive = (spikes, list(arrays))
        self.op.run = _constant_reset
        self.op.state = <void*>self

    def __dealloc__(self):
        free(self.arrays)
        free(self.values)


cdef int _constant_reset(void* state, int64_t step, double t, double dt) except -1:
    cdef ConstantReset self = <ConstantReset>state
    cdef Py_ssize_t k, s
    cdef int64_t i
    for s in range(self.spikes.count):
        i = self.spikes.ids[s]
        if i < 0 or i >= self.n_local:
            raise IndexError("a spike outside the group")
        for k in range(self.n_arrays):
            self.arrays[k][i] = self.values[k]
    return 0


cdef class FillValues(Operation):
    """``values[:] = value`` at every step (a summed variable's neurons set
    to 0 before their synapses add to them)."""
    cdef double* values
    cdef Py_ssize_t n
    cdef double value
    cdef object keep_alive

    def __init__(self, double[::1] values, double value):
        self.n = values.shape[0]
        self.values = &values[0] if self.n else NULL
        self.value = value
        self.keep_alive = values
        self.op.run = _fill_values
        self.op.state = <void*>self


cdef int _fill_values(void* state, int64_t step, double t, double dt) except -1:
    cdef FillValues self = <FillValues>state
    cdef Py_ssize_t i
    cdef double* values = self.values
    cdef double value = self.value
    for i in range(self.n):
        values[i] = value
    return 0


cdef class SpikeList:
    """A growing list of (step, id) pairs in C memory."""
    cdef Spike* items
    cdef Py_ssize_t n, capacity

    def __cinit__(self):
        self.capacity = 256
        self.items = <Spike*>malloc(self.capacity * sizeof(Spike))
        if self.items == NULL:
            raise MemoryError()
        self.n = 0

    def __dealloc__(self):
        free(self.items)

    cdef int reserve(self, Py_ssize_t extra) except -1:
        cdef Spike* grown
        cdef Py_ssize_t capacity = self.capacity
        while self.n + extra > capacity:
            capacity *= 2
        if capacity != self.capacity:
            grown = <Spike*>realloc(self.items, capacity * sizeof(Spike))
            if grown == NULL:
                raise MemoryError()
            self.items, self.capacity = grown, capacity
        return 0

    cdef int extend(self, const Spike* items, Py_ssize_t n) except -1:
        self.reserve(n)
        memcpy(self.items + self.n, items, n * sizeof(Spike))
        self.n += n
        return 0

    cdef tuple arrays(self):
        """(ids, steps) as new int64 arrays."""
        cdef cnp.ndarray ids = np.empty(self.n, dtype=np.int64)
        cdef cnp.ndarray steps = np.empty(self.n, dtype=np.int64)
        cdef int64_t* id_data = <int64_t*>cnp.PyArray_DATA(ids)
        cdef int64_t* step_data = <int64_t*>cnp.PyArray_DATA(steps)
        cdef Py_ssize_t k
        for k in range(self.n):
            id_data[k] = self.items[k].id
            step_data[k] = self.items[k].step
        return ids, steps


cdef class SpikeWindowOp(Operation):
    """The spike exchange of network/window.py, compiled: each step it
    collects the spikes of the groups' slots (network-wide ids); at the end
    of each window (``window_steps``, a flush, or the run's last step) it
    either exchanges them here (``exchanger``), delivers them into the ring
    buffers and queues them for the presynaptic pathways, or calls
    ``exchange(ids, steps)`` (Python pathways need them); the spikes go to
    ``record(stop)`` every ``batch_steps`` steps, before each ``flush(stop)``
    and at the end, as SpikeWindow does.

    Parameters
    ----------
    slots : list of Spikes
    offsets : list of int
        Network-wide id of each slot's local index 0.
    strides : list of int
        How far apart the network-wide ids of a slot's consecutive local
        indices are (the group's share: 1 in blocks, the rank count dealt).
    exchanger : capsule or None
        The spike exchange (spike_exchange.Exchanger's); None: ``exchange``
        does all.
    deliverer : capsule
        The DeliveryPlan's.
    sinks : list of capsules
        The event queues of the presynaptic pathways.
    """
    cdef SpikeSlot** slots
    cdef int64_t* offsets
    cdef int64_t* strides
    cdef Py_ssize_t n_slots
    cdef Exchange* exchanger
    cdef Deliverer* deliverer
    cdef EventSink** sinks
    cdef Py_ssize_t n_sinks
    cdef SpikeList collected, exchanged
    cdef object exchange, record, flush
    cdef tuple keep_alive
    cdef public int64_t window_steps, stop, window_start, next_flush, flush_steps
    cdef public int64_t batch_steps, unrecorded_first, pause_at
    cdef public bint paused

    def __init__(self, list slots, list offsets, list strides, exchanger, deliverer,
                 list sinks, exchange, record, flush):
        cdef Py_ssize_t k
        self.n_slots = len(slots)
        self.slots = <SpikeSlot**>malloc(max(1, self.n_slots) * sizeof(SpikeSlot*))
        self.offsets = <int64_t*>malloc(max(1, self.n_slots) * sizeof(int64_t))
        self.strides = <int64_t*>malloc(max(1, self.n_slots) * sizeof(int64_t))
        if self.slots == NULL or self.offsets == NULL or self.strides == NULL:
            raise MemoryError()
        for k in range(self.n_slots):
            self.slots[k] = _slot_of(<Spikes?>slots[k])
            self.offsets[k] = offsets[k]
            self.strides[k] = strides[k]
        self.exchanger = NULL if exchanger is None else \
            <Exchange*>PyCapsule_GetPointer(exchanger, EXCHANGE_CAPSULE())
        self.deliverer = <Deliverer*>PyCapsule_GetPointer(deliverer, DELIVERER_CAPSULE())
        self.n_sinks = len(sinks)
        self.sinks = <EventSink**>malloc(max(1, self.n_sinks) * sizeof(EventSink*))
        if self.sinks == NULL:
            raise MemoryError()
        for k in range(self.n_sinks):
            self.sinks[k] = <EventSink*>PyCapsule_GetPointer(sinks[k], EVENT_SINK_CAPSULE())
        self.collected, self.exchanged = SpikeList(), SpikeList()
        self.exchange, self.record, self.flush = exchange, record, flush
        self.keep_alive = (slots, exchanger, deliverer, sinks)
        self.paused = False
        self.op.run = _spike_window
        self.op.state = <void*>self

    def __dealloc__(self):
        free(self.slots)
        free(self.offsets)
        free(self.strides)
        free(self.sinks)

    def begin(self, int64_t first, int64_t stop, int64_t window_steps, next_flush,
              flush_steps, int64_t batch_steps, int64_t unrecorded_first):
        """Prepare a run of steps [first, stop) (``next_flush`` None: never)."""
        self.window_start, self.stop, self.window_steps = first, stop, window_steps
        self.next_flush = -1 if next_flush is None else next_flush
        self.flush_steps = 0 if flush_steps is None else flush_steps
        self.batch_steps, self.unrecorded_first = batch_steps, unrecorded_first
        self.pause_at = stop
        self.collected.n = 0

    def take_exchanged(self):
        """The spikes exchanged here and not yet recorded, as (ids, steps)
        arrays (then forgotten)."""
        ids, steps = self.exchanged.arrays()
        self.exchanged.n = 0
        return ids, steps


cdef int _spike_window(void* state, int64_t step, double t, double dt) except -1:
    cdef SpikeWindowOp self = <SpikeWindowOp>state
    cdef Py_ssize_t k, s, count
    cdef SpikeList collected = self.collected
    cdef Spike* item
    cdef bint last, flushing
    cdef const int64_t* ids
    cdef const int64_t* steps
    cdef Spike* gathered
    cdef Py_ssize_t n_gathered
    for k in range(self.n_slots):
        count = self.slots[k].count
        if count:
            collected.reserve(count)
            item = collected.items + collected.n
            for s in range(count):
                item[s].step = step
                item[s].id = self.slots[k].ids[s] * self.strides[k] + self.offsets[k]
            collected.n += count
    last = step == self.stop - 1
    # A flush ends a window early, as in SpikeWindow.run.
    flushing = self.next_flush >= 0 and step + 1 >= self.next_flush
    if step - self.window_start + 1 < self.window_steps and not last and not flushing:
        return 0
    if self.exchanger != NULL:
        self.exchanger.exchange(self.exchanger.state, collected.items, collected.n, &gathered,
                                &n_gathered)
        if n_gathered:
            # the pairs as two arrays, as the plan and the queues read them
            ids, steps = _split(gathered, n_gathered)
            self.deliverer.deliver(self.deliverer.plan, ids, steps, n_gathered)
            try:
                for k in range(self.n_sinks):
                    self.sinks[k].queue(self.sinks[k].state, ids, steps, n_gathered)
            finally:
                free(<void*>ids)
            self.exchanged.extend(gathered, n_gathered)
    else:
        self.exchange(*collected.arrays())
    collected.n = 0
    self.window_start = step + 1
    if flushing or step + 1 - self.unrecorded_first >= self.batch_steps or last:
        self.record(step + 1)
        self.unrecorded_first = step + 1
    if flushing:
        self.flush(step + 1)
        self.next_flush += self.flush_steps
    if step + 1 >= self.pause_at:
        self.paused = True
    return 0


cdef (const int64_t*, const int64_t*) _split(const Spike* spikes, Py_ssize_t n) except *:
    """ids then steps of the spikes, in one new block (free the ids pointer)."""
    cdef int64_t* block = <int64_t*>malloc(2 * n * sizeof(int64_t))
    cdef Py_ssize_t k
    if block == NULL:
        raise MemoryError()
    for k in range(n):
        block[k] = spikes[k].id
        block[n + k] = spikes[k].step
    return block, block + n


cdef class StepLoop:
    """The operations of a schedule, run in order at every step.

    Parameters
    ----------
    operations : list
        Objects with ``step_op()`` (a StepOp capsule), in schedule order.
    window : SpikeWindowOp
        The run's spike window, which tells when a window ended at or
        after its ``pause_at``: `run` returns then.
    """
    cdef StepOp** ops
    cdef Py_ssize_t n_ops
    cdef list keep_alive
    cdef SpikeWindowOp window

    def __init__(self, list operations, SpikeWindowOp window):
        cdef Py_ssize_t k
        self.n_ops = len(operations)
        self.ops = <StepOp**>malloc(max(1, self.n_ops) * sizeof(StepOp*))
        if self.ops == NULL:
            raise MemoryError()
        capsules = [operation.step_op() for operation in operations]
        for k in range(self.n_ops):
            self.ops[k] = <StepOp*>PyCapsule_GetPointer(capsules[k], STEP_OP_CAPSULE())
        self.keep_alive = [operations, capsules]
        self.window = window

    def __dealloc__(self):
        free(self.ops)

    def operations(self):
        """The operations, in the order they run."""
        return list(self.keep_alive[0])

    def run(self, int64_t first, int64_t stop, double dt, int64_t pause_at):
        """Run steps from ``first`` until ``stop``, or until the end of the
        first window that ends at or after ``pause_at``. Returns the next step."""
        cdef int64_t step
        cdef Py_ssize_t k
        cdef double t
        cdef StepOp* op
        self.window.pause_at = pause_at
        self.window.paused = False
        for step in range(first, stop):
            t = step * dt
            for k in range(self.n_ops):
                op = self.ops[k]
                op.run(op.state, step, t, dt)
            if self.window.paused:
                return step + 1
        return stop


cdef class RecordState(Operation):
    """A StateMonitor's recording: every ``every`` steps, the values of
    ``arrays`` (float64, one per recorded variable) at the indices
    ``local``, kept here until `take`."""
    cdef double** arrays
    cdef int64_t* local
    cdef Py_ssize_t n_vars, n_local, n_records, capacity
    cdef int64_t every
    cdef int64_t* steps
    cdef double* values
    cdef tuple keep_alive

    def __init__(self, list arrays, const int64_t[::1] local, int64_t every):
        cdef Py_ssize_t k, i
        cdef double[::1] view
        self.n_vars, self.n_local, self.every = len(arrays), local.shape[0], max(1, every)
        self.arrays = <double**>malloc(max(1, self.n_vars) * sizeof(double*))
        self.local = <int64_t*>malloc(max(1, self.n_local) * sizeof(int64_t))
        self.capacity = 64
        self.steps = <int64_t*>malloc(self.capacity * sizeof(int64_t))
        self.values = <double*>malloc(max(1, self.capacity * self.n_vars * self.n_local)
                                      * sizeof(double))
        if self.arrays == NULL or self.local == NULL or self.steps == NULL or \
                self.values == NULL:
            raise MemoryError()
        for k in range(self.n_local):
            self.local[k] = local[k]
        for k in range(self.n_vars):
            view = arrays[k]
            for i in range(self.n_local):
                if not 0 <= local[i] < view.shape[0]:
                    raise IndexError("a recorded index outside the array")
            self.arrays[k] = &view[0] if view.shape[0] else NULL
        self.n_records = 0
        self.keep_alive = tuple(arrays)
        self.op.run = _record_state
        self.op.state = <void*>self

    def __dealloc__(self):
        free(self.arrays)
        free(self.local)
        free(self.steps)
        free(self.values)

    def take(self):
        """(steps, values): the records since the last call, values shaped
        (records, variables, recorded elements)."""
        cdef Py_ssize_t n = self.n_records, width = self.n_vars * self.n_local
        steps = np.empty(n, dtype=np.int64)
        values = np.empty((n, self.n_vars, self.n_local), dtype=np.float64)
        if n:
            memcpy(cnp.PyArray_DATA(steps), self.steps, n * sizeof(int64_t))
            if width:
                memcpy(cnp.PyArray_DATA(values), self.values, n * width * sizeof(double))
        self.n_records = 0
        return steps, values


cdef int _record_state(void* state, int64_t step, double t, double dt) except -1:
    cdef RecordState self = <RecordState>state
    cdef Py_ssize_t k, i, width = self.n_vars * self.n_local, capacity
    cdef double* row
    cdef int64_t* grown_steps
    cdef double* grown_values
    if step % self.every:
        return 0
    if self.n_records == self.capacity:
        capacity = 2 * self.capacity
        grown_steps = <int64_t*>realloc(self.steps, capacity * sizeof(int64_t))
        if grown_steps == NULL:
            raise MemoryError()
        self.steps = grown_steps
        grown_values = <double*>realloc(self.values, max(1, capacity * width) * sizeof(double))
        if grown_values == NULL:
            raise MemoryError()
        self.values, self.capacity = grown_values, capacity
    self.steps[self.n_records] = step
    row = self.values + self.n_records * width
    for k in range(self.n_vars):
        for i in range(self.n_local):
            row[k * self.n_local + i] = self.arrays[k][self.local[i]]
    self.n_records += 1
    return 0
