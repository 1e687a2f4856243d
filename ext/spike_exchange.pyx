"""Every rank's spikes of one window, gathered onto every rank, in C.

Each spike is a pair (network-wide neuron id, time step). The result is
sorted by (step, id): the same on every rank and for any number of ranks,
which fixes the order of synaptic delivery.

One Allgather of a fixed-size block per window, ``[count, steps...,
ids...]``, carries the spikes when every rank's fit (almost always: a window
is usually one step). When some rank has more, the counts that came with the
block size an Allgatherv of the full lists, and the block grows for the next
windows. Every rank sees the same counts, so all take the same branch.

distsim.parallel.exchange.SpikeExchange is the Python face of `Exchanger`;
the compiled step loop calls it through a capsule (step_op.pxd), so both
loops exchange with this one implementation. The MPI calls run without the
GIL (distsim's collective watchdog thread keeps running).
"""
import numpy as np
cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_New
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, realloc, free, qsort
from step_op cimport Spike, Exchange, EXCHANGE_CAPSULE

cnp.import_array()

cdef extern from "mpi.h" nogil:
    ctypedef void* MPI_Comm
    ctypedef void* MPI_Datatype
    MPI_Datatype MPI_INT64_T
    int MPI_SUCCESS
    int MPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                      int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
    int MPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                       void* recvbuf, const int* recvcounts, const int* displs,
                       MPI_Datatype recvtype, MPI_Comm comm)
    double MPI_Wtime()

# Spikes per rank and window that fit the fixed-size block at first; it grows
# (by powers of two, up to MAX_CAPACITY) when a window needs more.
INITIAL_CAPACITY = 64
MAX_CAPACITY = 1 << 16


cdef int _by_step_then_id(const void* a, const void* b) noexcept nogil:
    cdef const Spike* x = <const Spike*>a
    cdef const Spike* y = <const Spike*>b
    if x.step != y.step:
        return -1 if x.step < y.step else 1
    return (x.id > y.id) - (x.id < y.id)


cdef class Exchanger:
    """The exchange of one communicator (``handle``: its MPI handle, from
    ``mpi4py.MPI._handleof``; unused with one rank)."""
    cdef MPI_Comm comm
    cdef readonly int n_ranks
    cdef readonly Py_ssize_t capacity
    cdef int64_t* send        # 1 + 2 * capacity
    cdef int64_t* received    # n_ranks rows of 1 + 2 * capacity
    cdef Spike* gathered
    cdef Py_ssize_t n_gathered, gathered_capacity
    cdef readonly int64_t windows, spikes_exchanged
    # Seconds in the collective calls: mostly waiting for the other ranks.
    cdef readonly double wait_seconds
    cdef Exchange face

    def __init__(self, size_t handle, int n_ranks):
        self.comm = <MPI_Comm>handle
        self.n_ranks = max(1, n_ranks)
        self.send = self.received = NULL
        self.gathered_capacity = 256
        self.gathered = <Spike*>malloc(self.gathered_capacity * sizeof(Spike))
        if self.gathered == NULL:
            raise MemoryError()
        self._resize(INITIAL_CAPACITY)
        self.face.exchange = _exchange
        self.face.state = <void*>self

    def __dealloc__(self):
        free(self.send)
        free(self.received)
        free(self.gathered)

    cdef int _resize(self, Py_ssize_t capacity) except -1:
        cdef int64_t* send = <int64_t*>realloc(self.send, (1 + 2 * capacity) * sizeof(int64_t))
        if send == NULL:
            raise MemoryError()
        self.send = send
        cdef int64_t* received = <int64_t*>realloc(
            self.received, self.n_ranks * (1 + 2 * capacity) * sizeof(int64_t))
        if received == NULL:
            raise MemoryError()
        self.received, self.capacity = received, capacity
        return 0

    cdef int _reserve(self, Py_ssize_t n) except -1:
        cdef Spike* grown
        cdef Py_ssize_t capacity = self.gathered_capacity
        while n > capacity:
            capacity *= 2
        if capacity != self.gathered_capacity:
            grown = <Spike*>realloc(self.gathered, capacity * sizeof(Spike))
            if grown == NULL:
                raise MemoryError()
            self.gathered, self.gathered_capacity = grown, capacity
        return 0

    def exchange(self, ids, steps):
        """All ranks' (ids, steps), sorted by step then id (int64 arrays).
        Collective."""
        cdef const int64_t[::1] id_view = np.ascontiguousarray(ids, dtype=np.int64)
        cdef const int64_t[::1] step_view = np.ascontiguousarray(steps, dtype=np.int64)
        cdef Py_ssize_t n = id_view.shape[0], k
        cdef Spike* local
        cdef Spike* gathered
        cdef Py_ssize_t n_gathered
        if step_view.shape[0] != n:
            raise ValueError("one step per spike")
        local = <Spike*>malloc(max(1, n) * sizeof(Spike))
        if local == NULL:
            raise MemoryError()
        try:
            for k in range(n):
                local[k].step, local[k].id = step_view[k], id_view[k]
            _exchange(<void*>self, local, n, &gathered, &n_gathered)
        finally:
            free(local)
        out_ids = np.empty(n_gathered, dtype=np.int64)
        out_steps = np.empty(n_gathered, dtype=np.int64)
        cdef int64_t[::1] ids_out = out_ids
        cdef int64_t[::1] steps_out = out_steps
        for k in range(n_gathered):
            ids_out[k], steps_out[k] = gathered[k].id, gathered[k].step
        return out_ids, out_steps

    def capsule(self):
        """This exchange for the compiled step loop (an Exchange capsule)."""
        return PyCapsule_New(&self.face, EXCHANGE_CAPSULE(), NULL)


cdef int _exchange(void* state, const Spike* local, Py_ssize_t n, Spike** gathered,
                   Py_ssize_t* n_gathered) except -1:
    """Gather every rank's ``local`` spikes; ``gathered`` points at them,
    sorted by (step, id), valid until the next exchange. Collective."""
    cdef Exchanger self = <Exchanger>state
    cdef Py_ssize_t k, r, total = 0, largest = 0, width, count, at
    cdef int64_t* row
    cdef int rc
    cdef double waited
    if self.n_ranks == 1:
        self._reserve(n)
        for k in range(n):
            self.gathered[k] = local[k]
        total = n
    else:
        width = 1 + 2 * self.capacity
        self.send[0] = n
        if n <= self.capacity:
            for k in range(n):
                self.send[1 + k] = local[k].step
                self.send[1 + self.capacity + k] = local[k].id
        waited = MPI_Wtime()
        with nogil:
            rc = MPI_Allgather(self.send, <int>width, MPI_INT64_T, self.received, <int>width,
                               MPI_INT64_T, self.comm)
        self.wait_seconds += MPI_Wtime() - waited
        if rc != MPI_SUCCESS:
            raise RuntimeError(f"MPI_Allgather of the spikes failed (error {rc})")
        for r in range(self.n_ranks):
            count = self.received[r * width]
            total += count
            largest = max(largest, count)
        self._reserve(total)
        if largest > self.capacity:
            _gather_lists(self, local, n, total)
            width = 1  # the next power of two from the largest count
            while width < largest:
                width <<= 1
            self._resize(min(MAX_CAPACITY, width))
        else:
            at = 0
            for r in range(self.n_ranks):
                row = self.received + r * width
                for k in range(row[0]):
                    self.gathered[at].step = row[1 + k]
                    self.gathered[at].id = row[1 + self.capacity + k]
                    at += 1
    for k in range(1, total):  # sorted unless (rarely) not
        if _by_step_then_id(&self.gathered[k - 1], &self.gathered[k]) > 0:
            qsort(self.gathered, total, sizeof(Spike), _by_step_then_id)
            break
    self.n_gathered = total
    self.windows += 1
    self.spikes_exchanged += total
    gathered[0], n_gathered[0] = self.gathered, total
    return 0


cdef int _gather_lists(Exchanger self, const Spike* local, Py_ssize_t n,
                       Py_ssize_t total) except -1:
    """Every rank's full lists, sized by the counts of the block just
    gathered (``[steps..., ids...]`` per rank)."""
    cdef Py_ssize_t width = 1 + 2 * self.capacity, r, k, at = 0, count
    cdef int* sizes = <int*>malloc(self.n_ranks * sizeof(int))
    cdef int* offsets = <int*>malloc(self.n_ranks * sizeof(int))
    cdef int64_t* mine = <int64_t*>malloc(max(1, 2 * n) * sizeof(int64_t))
    cdef int64_t* all_ = <int64_t*>malloc(max(1, 2 * total) * sizeof(int64_t))
    cdef int rc
    try:
        if sizes == NULL or offsets == NULL or mine == NULL or all_ == NULL:
            raise MemoryError()
        for r in range(self.n_ranks):
            sizes[r] = <int>(2 * self.received[r * width])
            offsets[r] = <int>at
            at += sizes[r]
        for k in range(n):
            mine[k], mine[n + k] = local[k].step, local[k].id
        with nogil:
            rc = MPI_Allgatherv(mine, <int>(2 * n), MPI_INT64_T, all_, sizes, offsets,
                                MPI_INT64_T, self.comm)
        if rc != MPI_SUCCESS:
            raise RuntimeError(f"MPI_Allgatherv of the spikes failed (error {rc})")
        at = 0
        for r in range(self.n_ranks):
            count = sizes[r] // 2
            for k in range(count):
                self.gathered[at].step = all_[offsets[r] + k]
                self.gathered[at].id = all_[offsets[r] + count + k]
                at += 1
    finally:
        free(sizes)
        free(offsets)
        free(mine)
        free(all_)
    return 0
