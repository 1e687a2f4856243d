/* Philox4x32-10 of many counters at once: ext/philox.h's block (the
 * definition) computed for 2 x PHILOX_LANES independent counters side by
 * side, with the same words to the bit (tests/test_random.py compares them).
 * Only ext/random123.pyx includes it (immintrin.h is slow to compile; the
 * generated kernels include philox.h alone).
 *
 * Why C and not Cython: one block is a chain of ten dependent rounds, so a
 * scalar loop waits on its multiplications; eight blocks in the lanes of AVX2
 * registers (32x32->64-bit multiplies: `vpmuludq`) do eight rounds at once.
 * Written with intrinsics (GCC did not vectorize the plain loop) and chosen
 * at run time, so one build runs on any x86-64 node (without AVX2: one block
 * at a time).
 */
#ifndef DISTSIM_PHILOX_LANES_H
#define DISTSIM_PHILOX_LANES_H

#include <stddef.h>
#include <stdint.h>

#include "philox.h"

#define PHILOX_LANES 8

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define PHILOX_HAVE_AVX2_PATH 1
#endif

#ifdef PHILOX_HAVE_AVX2_PATH
/* The 32-bit lanes' products (uint64) a * m: low and high words, lane by lane. */
__attribute__((target("avx2")))
static inline void philox_multiply_lanes(__m256i a, __m256i m, __m256i *low, __m256i *high)
{
    __m256i even = _mm256_mul_epu32(a, m);                          /* lanes 0, 2, 4, 6 */
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);    /* lanes 1, 3, 5, 7 */
    *low = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    *high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

/* Eight 64-bit counters as their low and high 32-bit words, lane by lane. */
__attribute__((target("avx2")))
static inline void philox_split_counters(const uint64_t *counters, __m256i *low, __m256i *high)
{
    __m256 a = _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)counters));
    __m256 b = _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)(counters + 4)));
    /* per 128-bit half: [a0 a1 b0 b1] (and [a2 a3 b2 b3]); then halves in order */
    *low = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(a, b, 0x88)), 0xD8);
    *high = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8);
}

/* The blocks of eight lanes (word k of block l in c[k], lane l) stored block
 * after block: words[4 * l + k] (a 4 x 8 transpose). */
__attribute__((target("avx2")))
static inline void philox_store_blocks(const __m256i c[4], uint32_t *words)
{
    __m256i t0 = _mm256_unpacklo_epi32(c[0], c[1]), t1 = _mm256_unpackhi_epi32(c[0], c[1]);
    __m256i t2 = _mm256_unpacklo_epi32(c[2], c[3]), t3 = _mm256_unpackhi_epi32(c[2], c[3]);
    __m256i b04 = _mm256_unpacklo_epi64(t0, t2), b15 = _mm256_unpackhi_epi64(t0, t2);
    __m256i b26 = _mm256_unpacklo_epi64(t1, t3), b37 = _mm256_unpackhi_epi64(t1, t3);
    _mm256_storeu_si256((__m256i *)words, _mm256_permute2x128_si256(b04, b15, 0x20));
    _mm256_storeu_si256((__m256i *)(words + 8), _mm256_permute2x128_si256(b26, b37, 0x20));
    _mm256_storeu_si256((__m256i *)(words + 16), _mm256_permute2x128_si256(b04, b15, 0x31));
    _mm256_storeu_si256((__m256i *)(words + 24), _mm256_permute2x128_si256(b26, b37, 0x31));
}

/* Blocks in the lanes of AVX2 registers: two registers of eight side by side
 * (their multiplications overlap; one register's rounds wait on each other). */
__attribute__((target("avx2")))
static inline void philox_blocks_avx2(uint64_t key, const uint64_t *lo, const uint64_t *hi,
                               size_t n, uint32_t *words)
{
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
    uint32_t lanes[2][4][PHILOX_LANES] __attribute__((aligned(32)));
    size_t first, l, count;
    int r, g;
    for (first = 0; first < n; first += 2 * PHILOX_LANES) {
        __m256i c[2][4], low0, high0, low1, high1, key0, key1;
        uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
        count = n - first < 2 * PHILOX_LANES ? n - first : 2 * PHILOX_LANES;
        if (count == 2 * PHILOX_LANES) {
            for (g = 0; g < 2; g++) {
                philox_split_counters(lo + first + g * PHILOX_LANES, &c[g][0], &c[g][1]);
                philox_split_counters(hi + first + g * PHILOX_LANES, &c[g][2], &c[g][3]);
            }
        } else {
            for (l = 0; l < 2 * PHILOX_LANES; l++) {   /* unused lanes: counter 0, not stored */
                uint64_t a = l < count ? lo[first + l] : 0, b = l < count ? hi[first + l] : 0;
                lanes[l / PHILOX_LANES][0][l % PHILOX_LANES] = (uint32_t)a;
                lanes[l / PHILOX_LANES][1][l % PHILOX_LANES] = (uint32_t)(a >> 32);
                lanes[l / PHILOX_LANES][2][l % PHILOX_LANES] = (uint32_t)b;
                lanes[l / PHILOX_LANES][3][l % PHILOX_LANES] = (uint32_t)(b >> 32);
            }
            for (g = 0; g < 2; g++)
                for (l = 0; l < 4; l++)
                    c[g][l] = _mm256_load_si256((const __m256i *)lanes[g][l]);
        }
        for (r = 0; r < 10; r++) {
            key0 = _mm256_set1_epi32((int)k0);
            key1 = _mm256_set1_epi32((int)k1);
            for (g = 0; g < 2; g++) {
                philox_multiply_lanes(c[g][0], m0, &low0, &high0);
                philox_multiply_lanes(c[g][2], m1, &low1, &high1);
                c[g][0] = _mm256_xor_si256(_mm256_xor_si256(high1, c[g][1]), key0);
                c[g][1] = low1;
                c[g][2] = _mm256_xor_si256(_mm256_xor_si256(high0, c[g][3]), key1);
                c[g][3] = low0;
            }
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        if (count == 2 * PHILOX_LANES) {
            for (g = 0; g < 2; g++)
                philox_store_blocks(c[g], words + 4 * (first + g * PHILOX_LANES));
            continue;
        }
        for (g = 0; g < 2; g++)
            for (l = 0; l < 4; l++)
                _mm256_store_si256((__m256i *)lanes[g][l], c[g][l]);
        for (l = 0; l < count; l++) {
            words[4 * (first + l)] = lanes[l / PHILOX_LANES][0][l % PHILOX_LANES];
            words[4 * (first + l) + 1] = lanes[l / PHILOX_LANES][1][l % PHILOX_LANES];
            words[4 * (first + l) + 2] = lanes[l / PHILOX_LANES][2][l % PHILOX_LANES];
            words[4 * (first + l) + 3] = lanes[l / PHILOX_LANES][3][l % PHILOX_LANES];
        }
    }
}
#endif

/* words[4*j .. 4*j + 3] <- Philox4x32-10(key, counter (lo[j], hi[j])) for
 * j < n: the four 32-bit words of each block, in block order. */
static inline void distsim_philox_blocks_one_by_one(uint64_t key, const uint64_t *lo,
                                                    const uint64_t *hi, size_t n, uint32_t *words)
{
    size_t j;
    for (j = 0; j < n; j++)
        distsim_philox_one((uint32_t)key, (uint32_t)(key >> 32), lo[j], hi[j], &words[4 * j]);
}

/* The same words: with AVX2 where the processor has it (checked once). */
static inline void distsim_philox_blocks(uint64_t key, const uint64_t *lo, const uint64_t *hi,
                                         size_t n, uint32_t *words)
{
#ifdef PHILOX_HAVE_AVX2_PATH
    static int avx2 = -1;
    if (avx2 < 0)
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    if (avx2) {
        philox_blocks_avx2(key, lo, hi, n, words);
        return;
    }
#endif
    distsim_philox_blocks_one_by_one(key, lo, hi, n, words);
}

#endif
