# The C interface between the compiled step loop (step_loop.pyx) and the
# modules whose code objects it runs: plain structs and function pointers,
# handed over in PyCapsules, so that no module needs another's classes.
from libc.stdint cimport int64_t

# One code object's work for one step; returns -1 with a Python exception set.
ctypedef int (*step_function)(void* state, int64_t step, double t, double dt) except -1

ctypedef struct StepOp:
    step_function run
    void* state           # owned by the Python object that made the capsule

# The local indices of the neurons that spiked in the current step.
ctypedef struct SpikeSlot:
    int64_t* ids          # room for all local neurons
    Py_ssize_t count

# Delivery of exchanged spikes (ids sorted by step, then id) into ring buffers.
ctypedef void (*deliver_function)(void* plan, const int64_t* ids, const int64_t* steps,
                                  Py_ssize_t n) noexcept nogil

ctypedef struct Deliverer:
    deliver_function deliver
    void* plan

# Where exchanged spikes (network-wide ids, their steps) are queued: a
# pathway's event queue.
ctypedef int (*queue_function)(void* state, const int64_t* ids, const int64_t* steps,
                               Py_ssize_t n) except -1

ctypedef struct EventSink:
    queue_function queue
    void* state

# A spike: when, and which neuron (network-wide id).
ctypedef struct Spike:
    int64_t step
    int64_t id

# The spike exchange of a window (spike_exchange.pyx): every rank's spikes,
# sorted by (step, id), in ``gathered`` (valid until the next call).
ctypedef int (*exchange_function)(void* state, const Spike* local, Py_ssize_t n,
                                  Spike** gathered, Py_ssize_t* n_gathered) except -1

ctypedef struct Exchange:
    exchange_function exchange
    void* state

# Capsule names: a capsule of another kind is refused.
cdef inline const char* STEP_OP_CAPSULE() noexcept:
    return "distsim.step_op"

cdef inline const char* SPIKE_SLOT_CAPSULE() noexcept:
    return "distsim.spike_slot"

cdef inline const char* DELIVERER_CAPSULE() noexcept:
    return "distsim.deliverer"

cdef inline const char* EVENT_SINK_CAPSULE() noexcept:
    return "distsim.event_sink"

cdef inline const char* EXCHANGE_CAPSULE() noexcept:
    return "distsim.exchange"
