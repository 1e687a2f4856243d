/* The fused exact step of 1 to 3 state variables (ext/neuron_kernels.pyx's
 * `_small_pass`), written so that the compiler vectorizes it.
 *
 * Why C and not Cython: the loop needs `restrict` pointers (otherwise every
 * store may alias every array and nothing vectorizes) and one specialisation
 * per variable count, and it is compiled twice (AVX2 and the baseline, chosen
 * when the module loads: `target_clones`), so that one build runs on any
 * x86-64 node of a cluster. AVX2 without FMA: a fused multiply-add rounds once
 * where the numpy path rounds twice, so the values would differ.
 *
 * The neurons go in blocks; in each, one vector pass per step of the scalar
 * loop, in the scalar loop's order for each neuron, so every value is the
 * scalar loop's (and the numpy path's) to the bit:
 *   1. who is free (not refractory): the step count since the last spike,
 *      compared as a double (for an integer period p >= 0, floor(x) >= p
 *      exactly when x >= p);
 *   2. the free update and the held one (the '(unless refractory)' rows
 *      frozen) for every neuron, the right one stored;
 *   3. the threshold, after the update; spikes appended in index order.
 */
#ifndef DISTSIM_EXACT_PASS_H
#define DISTSIM_EXACT_PASS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXACT_PASS_BLOCK 256

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define EXACT_PASS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EXACT_PASS_CLONES
#endif

/* Values as IEEE arithmetic gives them; only the assumption that an FP
 * operation may trap is dropped (so computed-then-selected code vectorizes). */
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")

/* x <- M x + m for one neuron with the K x (K + 1) matrix m_ (row-major),
 * the sums in the numpy path's order: m[k, K] + m[k, 0] x0 + m[k, 1] x1 ... */
#define EXACT_PASS_ROW(m_, k, K, o0, o1, o2)                                  \
    ((K) == 1 ? (m_)[(k) * 2 + 1] + (m_)[(k) * 2] * (o0)                      \
     : (K) == 2 ? ((m_)[(k) * 3 + 2] + (m_)[(k) * 3] * (o0)) + (m_)[(k) * 3 + 1] * (o1) \
     : (((m_)[(k) * 4 + 3] + (m_)[(k) * 4] * (o0)) + (m_)[(k) * 4 + 1] * (o1)) +          \
       (m_)[(k) * 4 + 2] * (o2))

static inline __attribute__((always_inline)) ptrdiff_t
exact_pass_body(const int K, ptrdiff_t n, double *const *values,
                const double *free_m, const double *held_m,
                int refractoriness, int shared_period, const int64_t *periods,
                double *restrict lastspike, uint8_t *restrict not_refractory,
                const double *threshold_variable, int op, double level,
                double t, double margin, double per_step, int64_t *restrict spikes)
{
    double fm[12], hm[12];
    uint8_t free_[EXACT_PASS_BLOCK], crossed[EXACT_PASS_BLOCK];
    double *restrict x0 = values[0];
    double *restrict x1 = K > 1 ? values[1] : NULL;
    double *restrict x2 = K > 2 ? values[2] : NULL;
    ptrdiff_t start, i, len, n_spikes = 0;
    int k;
    /* Locals: the compiler keeps them in registers (no store can alias them). */
    for (k = 0; k < K * (K + 1); k++) {
        fm[k] = free_m[k];
        hm[k] = held_m[k];
    }
    for (start = 0; start < n; start += EXACT_PASS_BLOCK) {
        double *restrict a = x0 + start;
        double *restrict b = K > 1 ? x1 + start : NULL;
        double *restrict c = K > 2 ? x2 + start : NULL;
        double *restrict last = lastspike + start;
        const double *v;
        len = n - start < EXACT_PASS_BLOCK ? n - start : EXACT_PASS_BLOCK;
        /* 1 */
        if (!refractoriness) {
            for (i = 0; i < len; i++)
                free_[i] = 1;
        } else if (shared_period) {
            const double period = (double)periods[0];
            for (i = 0; i < len; i++)
                free_[i] = ((t - last[i]) + margin) * per_step >= period;
        } else {
            const int64_t *p = periods + start;
            for (i = 0; i < len; i++)
                free_[i] = ((t - last[i]) + margin) * per_step >= (double)p[i];
        }
        /* 2 */
        for (i = 0; i < len; i++) {
            const double o0 = a[i];
            const double o1 = K > 1 ? b[i] : 0.0;
            const double o2 = K > 2 ? c[i] : 0.0;
            /* Both updates for every neuron, then selected: branches would
             * not vectorize, and would be mispredicted at each refractory
             * neuron */
            const int f = free_[i];
            const double f0 = EXACT_PASS_ROW(fm, 0, K, o0, o1, o2);
            const double h0 = EXACT_PASS_ROW(hm, 0, K, o0, o1, o2);
            a[i] = f ? f0 : h0;
            if (K > 1) {
                const double f1 = EXACT_PASS_ROW(fm, 1, K, o0, o1, o2);
                const double h1 = EXACT_PASS_ROW(hm, 1, K, o0, o1, o2);
                b[i] = f ? f1 : h1;
            }
            if (K > 2) {
                const double f2 = EXACT_PASS_ROW(fm, 2, K, o0, o1, o2);
                const double h2 = EXACT_PASS_ROW(hm, 2, K, o0, o1, o2);
                c[i] = f ? f2 : h2;
            }
        }
        /* 3 (the threshold variable is usually an updated one: read through its
         * restrict pointer, after the update) */
        if (threshold_variable == x0)
            v = a;
        else if (K > 1 && threshold_variable == x1)
            v = b;
        else if (K > 2 && threshold_variable == x2)
            v = c;
        else
            v = threshold_variable + start;
        switch (op) {
        case 0: for (i = 0; i < len; i++) crossed[i] = (v[i] > level) & free_[i]; break;
        case 1: for (i = 0; i < len; i++) crossed[i] = (v[i] >= level) & free_[i]; break;
        case 2: for (i = 0; i < len; i++) crossed[i] = (v[i] < level) & free_[i]; break;
        default: for (i = 0; i < len; i++) crossed[i] = (v[i] <= level) & free_[i]; break;
        }
        /* Spikes are rare: skip 8 neurons without one at a time */
        for (i = 0; i < len; i++) {
            uint64_t eight;
            if (i + 8 <= len) {
                memcpy(&eight, crossed + i, 8);
                if (!eight) {
                    i += 7;
                    continue;
                }
            }
            if (crossed[i]) {
                spikes[n_spikes++] = start + i;
                last[i] = t;
            }
        }
        if (refractoriness) {
            uint8_t *restrict flags = not_refractory + start;
            for (i = 0; i < len; i++)
                flags[i] = free_[i] & !crossed[i];
        }
    }
    return n_spikes;
}

#define EXACT_PASS_SIGNATURE                                                   \
    (ptrdiff_t n, double *const *values, const double *free_m,                \
     const double *held_m, int refractoriness, int shared_period,             \
     const int64_t *periods, double *lastspike, uint8_t *not_refractory,      \
     const double *threshold_variable, int op, double level, double t,        \
     double margin, double per_step, int64_t *spikes)

typedef ptrdiff_t (*exact_pass_function) EXACT_PASS_SIGNATURE;

EXACT_PASS_CLONES ptrdiff_t distsim_exact_pass_1 EXACT_PASS_SIGNATURE
{
    return exact_pass_body(1, n, values, free_m, held_m, refractoriness, shared_period,
                           periods, lastspike, not_refractory, threshold_variable, op,
                           level, t, margin, per_step, spikes);
}

EXACT_PASS_CLONES ptrdiff_t distsim_exact_pass_2 EXACT_PASS_SIGNATURE
{
    return exact_pass_body(2, n, values, free_m, held_m, refractoriness, shared_period,
                           periods, lastspike, not_refractory, threshold_variable, op,
                           level, t, margin, per_step, spikes);
}

EXACT_PASS_CLONES ptrdiff_t distsim_exact_pass_3 EXACT_PASS_SIGNATURE
{
    return exact_pass_body(3, n, values, free_m, held_m, refractoriness, shared_period,
                           periods, lastspike, not_refractory, threshold_variable, op,
                           level, t, margin, per_step, spikes);
}

#pragma GCC pop_options

#endif
