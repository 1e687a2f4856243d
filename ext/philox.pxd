# Philox4x32-10 (Salmon et al., SC'11, "Parallel random numbers: as easy as
# 1, 2, 3"): a counter-based generator. A draw is a pure function of
# (key, counter), so any rank can compute the number of any element without
# communication: the foundation of rank-count independent results.
from libc.stdint cimport uint32_t, uint64_t

cdef enum:
    PHILOX_M0 = 0xD2511F53
    PHILOX_M1 = 0xCD9E8D57
    PHILOX_W0 = 0x9E3779B9
    PHILOX_W1 = 0xBB67AE85


cdef inline void philox4x32_10(uint64_t key, uint64_t counter_lo, uint64_t counter_hi,
                               uint32_t* out) noexcept nogil:
    cdef uint32_t k0 = <uint32_t>key, k1 = <uint32_t>(key >> 32)
    cdef uint32_t c0 = <uint32_t>counter_lo, c1 = <uint32_t>(counter_lo >> 32)
    cdef uint32_t c2 = <uint32_t>counter_hi, c3 = <uint32_t>(counter_hi >> 32)
    cdef uint64_t p0, p1
    cdef int r
    for r in range(10):
        p0 = <uint64_t>PHILOX_M0 * c0
        p1 = <uint64_t>PHILOX_M1 * c2
        c0 = <uint32_t>(p1 >> 32) ^ c1 ^ k0
        c1 = <uint32_t>p1
        c2 = <uint32_t>(p0 >> 32) ^ c3 ^ k1
        c3 = <uint32_t>p0
        k0 = k0 + <uint32_t>PHILOX_W0
        k1 = k1 + <uint32_t>PHILOX_W1
    out[0] = c0
    out[1] = c1
    out[2] = c2
    out[3] = c3


cdef inline double bits_to_unit(uint32_t hi, uint32_t lo) noexcept nogil:
    # 53 random bits -> a double in [0, 1).
    return (((<uint64_t>hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0)


cdef inline double philox_uniform(uint64_t key, uint64_t element, uint64_t draw) noexcept nogil:
    cdef uint32_t out[4]
    philox4x32_10(key, element, draw, out)
    return bits_to_unit(out[0], out[1])
