/* Philox4x32-10 (Salmon et al., SC'11): one block, the definition of every
 * random number distsim draws. Kept free of vector intrinsics: the generated
 * kernels include it (through ext/philox.pxd), and each compiles it.
 * ext/philox_lanes.h draws many blocks at once with the same words. */
#ifndef DISTSIM_PHILOX_H
#define DISTSIM_PHILOX_H

#include <stdint.h>

/* The generator's constants. */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* One block: the definition (ext/philox.pxd's philox4x32_10 calls it). */
static inline void distsim_philox_one(uint32_t k0, uint32_t k1, uint64_t lo, uint64_t hi,
                                      uint32_t *out)
{
    uint32_t c0 = (uint32_t)lo, c1 = (uint32_t)(lo >> 32);
    uint32_t c2 = (uint32_t)hi, c3 = (uint32_t)(hi >> 32);
    int r;
    for (r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0, p1 = (uint64_t)PHILOX_M1 * c2;
        c0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        c1 = (uint32_t)p1;
        c2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c3 = (uint32_t)p0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

#endif
