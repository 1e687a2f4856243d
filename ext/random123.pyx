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


cdef inline long long _binomial_one(uint64_t key, uint64_t element, uint64_t draw,
                                    long long n, double p, double mean, double sd,
                                    double q_to_n, double s, double a) noexcept nogil:
    cdef double r, u
    cdef long long x
    if mean > 400.0:
        # Normal approximation where (1-p)**n would underflow.
        x = <long long>floor(mean + sd * philox_normal(key, element, draw) + 0.5)
        return 0 if x < 0 else (n if x > n else x)
    # Inversion (BINV): walk the cumulative distribution from 0.
    r = q_to_n
    u = philox_uniform(key, element, draw)
    x = 0
    while u > r and x < n:
        u -= r
        x += 1
        r *= a / x - s
        if r <= 0.0:
            break
    return x


def binomial(uint64_t key, const int64_t[::1] elements, uint64_t draw, long long n, double p):
    """Binomial(n, p) counts, one per element id (counter-based)."""
    cdef Py_ssize_t count = elements.shape[0], k
    out = np.zeros(count, dtype=np.int64)
    cdef int64_t[::1] values = out
    cdef double mean = n * p, sd = sqrt(n * p * (1.0 - p))
    if n <= 0 or p <= 0.0:
        return out
    if p >= 1.0:
        out[:] = n
        return out
    # Shared by all draws: (1-p)**n, p/(1-p), (n+1) p/(1-p).
    cdef double q = 1.0 - p, s = p / q, a = (n + 1) * s, q_to_n = q ** n
    with nogil:
        for k in range(count):
            values[k] = _binomial_one(key, <uint64_t>elements[k], draw, n, p, mean, sd,
                                      q_to_n, s, a)
    return out
