/* The ziggurat's first test (Marsaglia & Tsang; ext/random123.pyx builds the
 * layers and handles the rare rest), for a batch of Philox blocks: the
 * definition for one block, and four blocks at a time in AVX2 registers
 * (weights and delays of every synapse are normal numbers: 300 million per
 * rank at the microcircuit's full scale).
 *
 * A block's words: word 0's low 8 bits pick the layer, bit 8 the sign, its
 * top 21 bits and word 1 make a 53-bit uniform u; x = u * layer_x[layer] is
 * the number (with the sign) when x < layer_x[layer + 1], which holds for 99%
 * of blocks. In the lanes every step is exact or the same single rounding as
 * the one-block code (the 53-bit integer is built as hi * 2**21 + lo, both
 * exact in a double), so the numbers are the same to the bit
 * (tests/test_random.py).
 */
#ifndef DISTSIM_ZIGGURAT_LANES_H
#define DISTSIM_ZIGGURAT_LANES_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define ZIGGURAT_HAVE_AVX2_PATH 1
#endif

/* One block: 1 (and the number in *value) if its point lies in its layer's
 * rectangle, else 0. */
static inline int distsim_ziggurat_rectangle(const uint32_t *words, const double *layer_x,
                                             double *value)
{
    int layer = words[0] & 0xFF;
    double sign = 1.0 - 2.0 * ((words[0] >> 8) & 1);  /* arithmetic: a branch would mispredict */
    double u = (double)(((uint64_t)words[1] << 21) | (words[0] >> 11)) * (1.0 / 9007199254740992.0);
    double x = u * layer_x[layer];
    *value = sign * x;
    return x < layer_x[layer + 1];
}

/* values[j] for the n blocks (words[4j .. 4j+3]) one by one; the blocks
 * outside their rectangles are listed in `outside` (their count returned). */
static inline size_t distsim_ziggurat_rectangles_one_by_one(
    const uint32_t *words, size_t n, const double *layer_x, double *values, uint32_t *outside)
{
    size_t j, n_outside = 0;
    for (j = 0; j < n; j++)
        if (!distsim_ziggurat_rectangle(&words[4 * j], layer_x, &values[j]))
            outside[n_outside++] = (uint32_t)j;
    return n_outside;
}

#ifdef ZIGGURAT_HAVE_AVX2_PATH
__attribute__((target("avx2")))
static inline size_t distsim_ziggurat_rectangles_avx2(
    const uint32_t *words, size_t n, const double *layer_x, double *values, uint32_t *outside)
{
    /* word 0 of two blocks, then word 1 of the two, in the low 128 bits */
    const __m256i pick = _mm256_setr_epi32(0, 4, 1, 5, 0, 0, 0, 0);
    const __m128i low_byte = _mm_set1_epi32(0xFF), one = _mm_set1_epi32(1);
    const __m128i top_bit = _mm_set1_epi32((int)0x80000000u);
    const __m256d two_31 = _mm256_set1_pd(2147483648.0), two_21 = _mm256_set1_pd(2097152.0);
    const __m256d two_m53 = _mm256_set1_pd(1.0 / 9007199254740992.0);
    size_t j = 0, n_outside = 0;
    int l, inside;
    for (; j + 4 <= n; j += 4) {
        __m128i a = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
            _mm256_loadu_si256((const __m256i *)&words[4 * j]), pick));
        __m128i b = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
            _mm256_loadu_si256((const __m256i *)&words[4 * j + 8]), pick));
        __m128i w0 = _mm_unpacklo_epi64(a, b), w1 = _mm_unpackhi_epi64(a, b);
        __m128i layer = _mm_and_si128(w0, low_byte);
        __m256d width = _mm256_i32gather_pd(layer_x, layer, 8);
        __m256d next = _mm256_i32gather_pd(layer_x, _mm_add_epi32(layer, one), 8);
        /* 1 - 2 * bit 8, as the one-block code's 1.0 - 2.0 * bit */
        __m256d sign = _mm256_cvtepi32_pd(_mm_sub_epi32(
            one, _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(w0, 8), one), 1)));
        /* word 1 as unsigned (through the signed conversion), times 2**21,
         * plus word 0's top 21 bits: the 53-bit integer, exactly */
        __m256d high = _mm256_add_pd(_mm256_cvtepi32_pd(_mm_xor_si128(w1, top_bit)), two_31);
        __m256d bits53 = _mm256_add_pd(_mm256_mul_pd(high, two_21),
                                       _mm256_cvtepi32_pd(_mm_srli_epi32(w0, 11)));
        __m256d x = _mm256_mul_pd(_mm256_mul_pd(bits53, two_m53), width);
        _mm256_storeu_pd(&values[j], _mm256_mul_pd(sign, x));
        inside = _mm256_movemask_pd(_mm256_cmp_pd(x, next, _CMP_LT_OQ));
        if (inside != 0xF)
            for (l = 0; l < 4; l++)
                if (!(inside & (1 << l)))
                    outside[n_outside++] = (uint32_t)(j + l);
    }
    for (; j < n; j++)
        if (!distsim_ziggurat_rectangle(&words[4 * j], layer_x, &values[j]))
            outside[n_outside++] = (uint32_t)j;
    return n_outside;
}
#endif

/* The same with AVX2 where the processor has it (checked once). */
static inline size_t distsim_ziggurat_rectangles(const uint32_t *words, size_t n,
                                                 const double *layer_x, double *values,
                                                 uint32_t *outside)
{
#ifdef ZIGGURAT_HAVE_AVX2_PATH
    static int avx2 = -1;
    if (avx2 < 0)
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    if (avx2)
        return distsim_ziggurat_rectangles_avx2(words, n, layer_x, values, outside);
#endif
    return distsim_ziggurat_rectangles_one_by_one(words, n, layer_x, values, outside);
}

#endif
