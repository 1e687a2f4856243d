# The row of a source in a synapse store's row index
# (distsim/synapses/row_index.py): the source itself in the dense form
# (row_sources == NULL); else, where the source's bit in ``has_row`` is set,
# found among the sorted row_sources.
from libc.stdint cimport int64_t, uint64_t


cdef inline int64_t find_row(const int64_t* row_sources, const uint64_t* has_row,
                             int64_t n_rows, int64_t source) noexcept nogil:
    """The row of ``source`` (0 <= source < the source group's size), or -1
    where the rank has no synapses from it."""
    cdef int64_t low = 0, high = n_rows, middle
    if row_sources == NULL:
        return source
    if not (has_row[source >> 6] >> (source & 63)) & 1:
        return -1
    while low < high:  # the first row whose source is >= source
        middle = low + (high - low) // 2
        if row_sources[middle] < source:
            low = middle + 1
        else:
            high = middle
    return low
