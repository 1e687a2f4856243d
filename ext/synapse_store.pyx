"""The synapse store's loops: grouping by source (delivery: ext/delivery.pyx).

Synapses live on the rank of their target, grouped by (global) source id in a
CSR layout: the synapses of source s are rows ``row_start[s]:row_start[s+1]``.
The Python side (distsim.synapses.store) owns the arrays and checks inputs.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

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


def group_targets_by_source(const int64_t[::1] sources, const int64_t[::1] targets,
                            int64_t target_start, int64_t n_sources,
                            const int64_t[::1] positions=None, int64_t target_stride=1):
    """The CSR arrays of a connect call's synapses, in one stable counting
    sort that moves the targets (and ``positions``, if given) themselves: no
    permutation array, no gather (random reads cost more than the sort).

    Returns
    -------
    row_start : int64 array of n_sources + 1
    local_targets : int32 array
        ``(targets - target_start) / target_stride`` grouped by source, in the
        input order within a source (targets a rank owns: its share).
    grouped_positions : int64 array or None
        ``positions`` in the same order.
    """
    cdef Py_ssize_t n = sources.shape[0], k
    cdef bint moving = positions is not None
    if targets.shape[0] != n or (moving and positions.shape[0] != n):
        raise ValueError("one target (and position) per source")
    grouped_arr = np.empty(n if moving else 0, dtype=np.int64)
    cdef int64_t[::1] grouped = grouped_arr
    row_start_arr = np.zeros(n_sources + 1, dtype=np.int64)
    local_arr = np.empty(n, dtype=np.int32)
    cdef int64_t[::1] row_start = row_start_arr
    cdef int32_t[::1] local_targets = local_arr
    cdef int64_t[::1] fill = np.empty(max(n_sources, 1), dtype=np.int64)
    cdef int64_t s, local, bad = -1
    with nogil:
        for k in range(n):
            s = sources[k]
            local = targets[k] - target_start
            if target_stride != 1 and local > 0:
                local = local // target_stride
            if s < 0 or s >= n_sources or local < 0 or local > 2147483647:
                bad = k
                break
            row_start[s + 1] += 1
    if bad >= 0:
        raise IndexError(f"synapse ({sources[bad]}, {targets[bad]}) is outside the store")
    with nogil:
        for s in range(n_sources):
            row_start[s + 1] += row_start[s]
            fill[s] = row_start[s]
        for k in range(n):
            s = sources[k]
            local_targets[fill[s]] = <int32_t>((targets[k] - target_start) // target_stride)
            if moving:
                grouped[fill[s]] = positions[k]
            fill[s] += 1
    return row_start_arr, local_arr, (grouped_arr if moving else None)


def rank_within_group(const int32_t[::1] groups, int64_t[::1] seen):
    """For each element, how many elements of its group came before it:
    ``seen[g]`` before the call (counts carried over from earlier elements),
    updated in place."""
    cdef Py_ssize_t n = groups.shape[0], k
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] rank = out
    for k in range(n):
        if groups[k] < 0 or groups[k] >= seen.shape[0]:
            raise IndexError(f"group {groups[k]} outside 0..{seen.shape[0] - 1}")
    with nogil:
        for k in range(n):
            rank[k] = seen[groups[k]]
            seen[groups[k]] += 1
    return out


ctypedef fused element_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t


def counts_by_target(const int32_t[::1] local_targets, int64_t n_targets):
    """Row starts of the synapses grouped by local target (int64, n + 1)."""
    cdef Py_ssize_t n = local_targets.shape[0], k
    out = np.zeros(n_targets + 1, dtype=np.int64)
    cdef int64_t[::1] row_start = out
    with nogil:
        for k in range(n):
            row_start[local_targets[k] + 1] += 1
        for k in range(n_targets):
            row_start[k + 1] += row_start[k]
    return out


def scatter_by_target(const int32_t[::1] local_targets, const int64_t[::1] row_start,
                      const element_t[::1] values, element_t[::1] out):
    """``out``: ``values`` grouped by target, store order kept within a
    target (what gathering with the counting sort's order gives, in one
    pass and without the order array). Elements are moved as raw bytes."""
    cdef Py_ssize_t n = local_targets.shape[0], k
    cdef int64_t[::1] fill = np.array(row_start[:row_start.shape[0] - 1], dtype=np.int64)
    cdef int32_t t
    with nogil:
        for k in range(n):
            t = local_targets[k]
            out[fill[t]] = values[k]
            fill[t] += 1


def target_major_positions(const int32_t[::1] local_targets, const int64_t[::1] row_start,
                           const int64_t[::1] indices):
    """Where the synapses at store positions ``indices`` (ascending, repeats
    allowed) are in target-major order (the order of `scatter_by_target`):
    one pass, without the whole permutation."""
    cdef Py_ssize_t n = local_targets.shape[0], m = indices.shape[0], k, j = 0
    out = np.empty(m, dtype=np.int64)
    cdef int64_t[::1] positions = out
    cdef int64_t[::1] fill = np.array(row_start[:row_start.shape[0] - 1], dtype=np.int64)
    cdef int32_t t
    if m and (indices[0] < 0 or indices[m - 1] >= n):
        raise IndexError(f"store positions outside 0..{n - 1}")
    with nogil:
        for k in range(n):
            if j == m:
                break
            t = local_targets[k]
            while j < m and indices[j] == k:
                positions[j] = fill[t]
                j += 1
            fill[t] += 1
    return out


def gather_by_target(const int32_t[::1] local_targets, const int64_t[::1] row_start,
                     const element_t[::1] grouped, element_t[::1] values):
    """The inverse of `scatter_by_target`: ``values`` in store order from
    ``grouped`` (grouped by target)."""
    cdef Py_ssize_t n = local_targets.shape[0], k
    cdef int64_t[::1] fill = np.array(row_start[:row_start.shape[0] - 1], dtype=np.int64)
    cdef int32_t t
    with nogil:
        for k in range(n):
            t = local_targets[k]
            values[k] = grouped[fill[t]]
            fill[t] += 1


def merge_segments(const int64_t[:, ::1] row_starts, const element_t[::1] data,
                   const int64_t[::1] offsets, element_t[::1] out):
    """``out`` row by row: each source's synapses of segment 0, then of
    segment 1, ... (the store's arrays and the connect calls not merged yet,
    each grouped by source; segment g's data start at ``offsets[g]`` in
    ``data``). Rows are copied whole: one pass, no permutation. Elements are
    moved as raw bytes."""
    cdef Py_ssize_t n_segments = row_starts.shape[0], n_rows = row_starts.shape[1] - 1
    cdef Py_ssize_t s, g, k = 0, a, b, total = 0
    if offsets.shape[0] != n_segments:
        raise ValueError("merge_segments: one offset per segment")
    for g in range(n_segments):
        total += row_starts[g, n_rows]
        if offsets[g] + row_starts[g, n_rows] > data.shape[0]:
            raise ValueError("merge_segments: the row starts do not fit the data")
    if out.shape[0] != total:
        raise ValueError("merge_segments: out has the wrong length")
    with nogil:
        for s in range(n_rows):
            for g in range(n_segments):
                a = offsets[g] + row_starts[g, s]
                b = offsets[g] + row_starts[g, s + 1]
                if b > a:
                    memcpy(&out[k], &data[a], (b - a) * sizeof(element_t))
                    k += b - a
