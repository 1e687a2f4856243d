# Philox4x32-10 (Salmon et al., SC'11, "Parallel random numbers: as easy as
# 1, 2, 3"): a counter-based generator. A draw is a pure function of
# (key, counter), so any rank can compute the number of any element without
# communication: the foundation of rank-count independent results.
from libc.stdint cimport uint32_t, uint64_t

cdef extern from "philox.h":
    # One block, in C (ext/philox_lanes.h draws many at once, the same words).
    void distsim_philox_one(uint32_t k0, uint32_t k1, uint64_t lo, uint64_t hi,
                            uint32_t* out) noexcept nogil


cdef inline void philox4x32_10(uint64_t key, uint64_t counter_lo, uint64_t counter_hi,
                               uint32_t* out) noexcept nogil:
    distsim_philox_one(<uint32_t>key, <uint32_t>(key >> 32), counter_lo, counter_hi, out)


cdef inline double bits_to_unit(uint32_t hi, uint32_t lo) noexcept nogil:
    # 53 random bits -> a double in [0, 1).
    return (((<uint64_t>hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0)


cdef inline double philox_uniform(uint64_t key, uint64_t element, uint64_t draw) noexcept nogil:
    cdef uint32_t out[4]
    philox4x32_10(key, element, draw, out)
    return bits_to_unit(out[0], out[1])
