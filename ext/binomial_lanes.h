/* Binomial counts by inversion, for a whole batch of 32-bit uniforms: the
 * definition of the count (`distsim_binomial_search`) and the same counts
 * eight at a time in AVX2 registers (PoissonInput's step: one count per
 * neuron and step, tens of thousands per rank).
 *
 * The count of a uniform u = (bits + 0.5) / 2**32 is the smallest x with
 * u <= cdf[x] (at most size - 1). A table by the top DISTSIM_INVERSION_TOP_BITS
 * bits answers almost every draw with one load; -1 where a cdf value cuts
 * through the table's interval, and then the search decides.
 *
 * Why C: GCC does not vectorize the table look-up (a gather) nor the rare
 * search beside it. Chosen at run time as in philox_lanes.h (the plain loop
 * without AVX2); `weight * count` then `+`, never fused (no FMA target), so
 * the sums are those of the plain loop to the bit (tests/test_random.py).
 */
#ifndef DISTSIM_BINOMIAL_LANES_H
#define DISTSIM_BINOMIAL_LANES_H

#include <stddef.h>
#include <stdint.h>

/* 2048 entries (8 KiB, in L1): about 13 cdf values cut through them for a
 * mean of 1.6, so 0.6% of draws search (256 entries: 5%). */
#define DISTSIM_INVERSION_TOP_BITS 11
#define DISTSIM_INVERSION_TABLE_SIZE (1 << DISTSIM_INVERSION_TOP_BITS)
#define DISTSIM_INVERSION_SHIFT (32 - DISTSIM_INVERSION_TOP_BITS)

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define BINOMIAL_HAVE_AVX2_PATH 1
#endif

/* The count whose cdf interval holds the uniform (bits + 0.5) / 2**32. */
static inline int64_t distsim_binomial_search(uint32_t bits, const double *cdf, int64_t size)
{
    double u = (bits + 0.5) * (1.0 / 4294967296.0);
    int64_t x = 0;
    while (x < size - 1 && u > cdf[x])
        x++;
    return x;
}

/* The same count, by the table where it knows it. */
static inline int64_t distsim_binomial_inversion(uint32_t bits, const int32_t *by_top_bits,
                                                 const double *cdf, int64_t size)
{
    int32_t count = by_top_bits[bits >> DISTSIM_INVERSION_SHIFT];
    return count >= 0 ? count : distsim_binomial_search(bits, cdf, size);
}

/* values[j] += weight * count(words[first + stride * j]) for j < n, one by one. */
static inline void distsim_add_inversions_one_by_one(
    const uint32_t *words, size_t first, size_t stride, size_t n, const int32_t *by_top_bits,
    const double *cdf, int64_t size, double weight, double *values)
{
    size_t j;
    for (j = 0; j < n; j++)
        values[j] += weight * (double)distsim_binomial_inversion(words[first + stride * j],
                                                                 by_top_bits, cdf, size);
}

#ifdef BINOMIAL_HAVE_AVX2_PATH
__attribute__((target("avx2")))
static inline void distsim_add_inversions_avx2(
    const uint32_t *words, size_t first, size_t stride, size_t n, const int32_t *by_top_bits,
    const double *cdf, int64_t size, double weight, double *values)
{
    const __m256d w = _mm256_set1_pd(weight);
    const __m256i word_offsets = _mm256_mullo_epi32(_mm256_set1_epi32((int)stride),
                                                    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    int32_t lanes[8] __attribute__((aligned(32)));
    uint32_t lane_bits[8] __attribute__((aligned(32)));
    size_t j = 0;
    int l, searched;
    for (; j + 8 <= n; j += 8) {
        const uint32_t *at = words + first + stride * j;
        __m256i bits = stride == 1 ? _mm256_loadu_si256((const __m256i *)at)
                                   : _mm256_i32gather_epi32((const int *)at, word_offsets, 4);
        __m256i counts = _mm256_i32gather_epi32(
            (const int *)by_top_bits, _mm256_srli_epi32(bits, DISTSIM_INVERSION_SHIFT), 4);
        searched = _mm256_movemask_ps(_mm256_castsi256_ps(counts));  /* lanes with -1 */
        if (searched) {
            _mm256_store_si256((__m256i *)lanes, counts);
            _mm256_store_si256((__m256i *)lane_bits, bits);
            for (l = 0; l < 8; l++)
                if (searched & (1 << l))  /* < size <= ~1,300: an int32 (mean <= 400) */
                    lanes[l] = (int32_t)distsim_binomial_search(lane_bits[l], cdf, size);
            counts = _mm256_load_si256((const __m256i *)lanes);
        }
        __m256d low = _mm256_cvtepi32_pd(_mm256_castsi256_si128(counts));
        __m256d high = _mm256_cvtepi32_pd(_mm256_extracti128_si256(counts, 1));
        _mm256_storeu_pd(values + j, _mm256_add_pd(_mm256_loadu_pd(values + j),
                                                   _mm256_mul_pd(w, low)));
        _mm256_storeu_pd(values + j + 4, _mm256_add_pd(_mm256_loadu_pd(values + j + 4),
                                                       _mm256_mul_pd(w, high)));
    }
    distsim_add_inversions_one_by_one(words, first + stride * j, stride, n - j, by_top_bits,
                                      cdf, size, weight, values + j);
}
#endif

/* values[j] += weight * count(words[first + stride * j]) for j < n (stride
 * below 2**28): with AVX2 where the processor has it (checked once). */
static inline void distsim_add_inversions(
    const uint32_t *words, size_t first, size_t stride, size_t n, const int32_t *by_top_bits,
    const double *cdf, int64_t size, double weight, double *values)
{
#ifdef BINOMIAL_HAVE_AVX2_PATH
    static int avx2 = -1;
    if (avx2 < 0)
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    if (avx2) {
        distsim_add_inversions_avx2(words, first, stride, n, by_top_bits, cdf, size, weight,
                                    values);
        return;
    }
#endif
    distsim_add_inversions_one_by_one(words, first, stride, n, by_top_bits, cdf, size, weight,
                                      values);
}

#endif
