"""Counter-based random numbers for whole arrays of elements.

Each number is Philox4x32-10 of (key, element id, draw index): the value of
element e does not depend on which rank computes it, nor on what else was
drawn before. distsim.core.random derives the keys.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint64_t, int64_t, uint32_t
from philox cimport philox_uniform, philox_normal, philox4x32_10
from libc.math cimport floor, sqrt

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


def binomial(uint64_t key, const int64_t[::1] elements, uint64_t draw, long long n, double p):
    """Binomial(n, p) counts, one per element id (counter-based).

    Inversion against the cumulative distribution, tabulated once per call
    (all elements share n and p); above a mean of 400 a rounded normal.
    """
    cdef Py_ssize_t count = elements.shape[0], k, x, table_size
    out = np.zeros(count, dtype=np.int64)
    cdef int64_t[::1] values = out
    cdef double mean = n * p, sd = sqrt(n * p * (1.0 - p))
    if n <= 0 or p <= 0.0:
        return out
    if p >= 1.0:
        out[:] = n
        return out
    cdef double q = 1.0 - p, s = p / q, a = (n + 1) * s, term, total
    cdef double[::1] cdf
    cdef uint32_t words[4]
    cdef uint64_t element, block, last_block = 0xFFFFFFFFFFFFFFFF
    cdef double u
    cdef long long normal_x
    if mean > 400.0:
        with nogil:
            for k in range(count):
                normal_x = <long long>floor(mean + sd * philox_normal(
                    key, <uint64_t>elements[k], draw) + 0.5)
                values[k] = 0 if normal_x < 0 else (n if normal_x > n else normal_x)
        return out
    # P(X <= x) for x = 0 .. until the rest is below double resolution.
    table_size = min(n, <long long>(mean + 40.0 * sd + 40.0)) + 1
    cdf_array = np.empty(table_size, dtype=np.float64)
    cdf = cdf_array
    term = q ** n
    total = term
    cdf[0] = total
    for x in range(1, table_size):
        term *= a / x - s
        total += term
        cdf[x] = total
    with nogil:
        for k in range(count):
            # One Philox block serves 4 consecutive element ids (a 32-bit
            # uniform each; ample for inversion), still a pure function of
            # (key, element, draw).
            element = <uint64_t>elements[k]
            block = element >> 2
            if block != last_block:
                philox4x32_10(key, block, draw, words)
                last_block = block
            u = (words[element & 3] + 0.5) * (1.0 / 4294967296.0)
            if table_size > 8 and u <= cdf[7]:
                # Branch-free for the common small counts (random branches
                # would mispredict on almost every draw).
                x = ((u > cdf[0]) + (u > cdf[1]) + (u > cdf[2]) + (u > cdf[3]) +
                     (u > cdf[4]) + (u > cdf[5]) + (u > cdf[6]))
            else:
                x = 0
                while x < table_size - 1 and u > cdf[x]:
                    x += 1
            values[k] = x
    return out
