"""The synapse store's loops: grouping by source and delivery into ring buffers.

Synapses live on the rank of their target, grouped by (global) source id in a
CSR layout: the synapses of source s are rows ``row_start[s]:row_start[s+1]``.
The Python side (distsim.synapses.store) owns the arrays and checks inputs.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint16_t

cnp.import_array()


def group_by_source(const int64_t[::1] sources, int64_t n_sources):
    """Stable counting sort of synapses by source id.

    Returns
    -------
    row_start : int64 array of n_sources + 1
        Where each source's synapses begin in the grouped order.
    order : int64 array
        ``order[k]`` is the input position of the k-th grouped synapse; the
        input order is kept within a source.
    """
    cdef Py_ssize_t n = sources.shape[0], k
    row_start_arr = np.zeros(n_sources + 1, dtype=np.int64)
    order_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] row_start = row_start_arr, order = order_arr
    cdef int64_t[::1] fill = np.empty(n_sources, dtype=np.int64)
    cdef int64_t s
    with nogil:
        for k in range(n):
            row_start[sources[k] + 1] += 1
        for s in range(n_sources):
            row_start[s + 1] += row_start[s]
            fill[s] = row_start[s]
        for k in range(n):
            s = sources[k]
            order[fill[s]] = k
            fill[s] += 1
    return row_start_arr, order_arr


def deliver_spikes(const int64_t[::1] row_start, const int32_t[::1] local_targets,
                   const uint16_t[::1] delays, const double[::1] weights,
                   const int64_t[::1] spike_sources, const int64_t[::1] spike_steps,
                   double[:, ::1] ring, Py_ssize_t column_offset=0):
    """Add each spiking source's weights into the ring buffer.

    ``ring[(step + delay) % n_slots, column_offset + target]`` collects what
    arrives at ``target`` at ``step + delay``. Spikes are processed in the given order
    (sorted by step, then source), which makes the floating-point sums the same
    on any number of ranks.
    """
    cdef Py_ssize_t n_spikes = spike_sources.shape[0], k
    cdef int64_t syn, source, n_slots = ring.shape[0], n_rows = row_start.shape[0] - 1
    cdef int64_t base, slot
    cdef double* ring_data = &ring[0, 0] if ring.shape[0] and ring.shape[1] else NULL
    cdef Py_ssize_t row_length = ring.shape[1]
    with nogil:
        for k in range(n_spikes):
            source = spike_sources[k]
            if source < 0 or source >= n_rows:
                continue
            base = spike_steps[k] % n_slots
            for syn in range(row_start[source], row_start[source + 1]):
                # delay < n_slots: one conditional subtraction, no division per event
                slot = base + delays[syn]
                if slot >= n_slots:
                    slot -= n_slots
                ring_data[slot * row_length + column_offset + local_targets[syn]] += weights[syn]


def rank_within_group(const int32_t[::1] groups, int64_t n_groups):
    """For each element, how many earlier elements share its group."""
    cdef Py_ssize_t n = groups.shape[0], k
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] rank = out
    cdef int64_t[::1] seen = np.zeros(max(n_groups, 1), dtype=np.int64)
    with nogil:
        for k in range(n):
            rank[k] = seen[groups[k]]
            seen[groups[k]] += 1
    return out
