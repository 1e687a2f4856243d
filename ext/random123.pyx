"""Counter-based random numbers for whole arrays of elements.

Each number is Philox4x32-10 of (key, element id, draw index): the value of
element e does not depend on which rank computes it, nor on what else was
drawn before. distsim.core.random derives the keys.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint64_t, int64_t, uint32_t
from philox cimport philox_uniform, philox_normal, philox4x32_10

cnp.import_array()


def uniform(uint64_t key, const int64_t[::1] elements, uint64_t draw=0):
    """Uniform numbers in [0, 1), one per element id."""
    cdef Py_ssize_t n = elements.shape[0], k
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    with nogil:
        for k in range(n):
            values[k] = philox_uniform(key, <uint64_t>elements[k], draw)
    return out


def normal(uint64_t key, const int64_t[::1] elements, uint64_t draw=0):
    """Standard normal numbers, one per element id."""
    cdef Py_ssize_t n = elements.shape[0], k
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    with nogil:
        for k in range(n):
            values[k] = philox_normal(key, <uint64_t>elements[k], draw)
    return out


def raw_block(uint64_t key, uint64_t counter_lo, uint64_t counter_hi):
    """The four 32-bit words of one Philox block (for tests against the
    published known-answer vectors)."""
    cdef uint32_t out[4]
    philox4x32_10(key, counter_lo, counter_hi, out)
    return [out[0], out[1], out[2], out[3]]


def uniform_pairs(uint64_t key, const int64_t[::1] elements, const int64_t[::1] draws):
    """Uniform numbers in [0, 1) for counters (elements[k], draws[k])."""
    cdef Py_ssize_t n = elements.shape[0], k
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    with nogil:
        for k in range(n):
            values[k] = philox_uniform(key, <uint64_t>elements[k], <uint64_t>draws[k])
    return out


def normal_pairs(uint64_t key, const int64_t[::1] elements, const int64_t[::1] draws):
    """Standard normal numbers for counters (elements[k], draws[k])."""
    cdef Py_ssize_t n = elements.shape[0], k
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    with nogil:
        for k in range(n):
            values[k] = philox_normal(key, <uint64_t>elements[k], <uint64_t>draws[k])
    return out
