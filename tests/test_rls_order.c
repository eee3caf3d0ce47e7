/*
 * The CPU RLS products (kernels/cpu/rls.c, compiled into this test) sum every
 * element in one fixed order: k = P r over the upper triangle computed in one
 * pass (one thread) equals, bit for bit, k computed in blocks of rows (1 to
 * RLS_MIN_THREADS real OpenMP threads, and blocks of odd sizes), for float and double
 * P of even and odd n; and k is P r within float rounding of a long-double
 * sum over the whole symmetric P. The rank-1 update leaves the upper triangle
 * at P - c k k^T.
 */
#include <omp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/cpu/rls.c"
#include "common.h"

TestSuite(rls_order, .timeout = 60);

/* The library's setting, read as backend_cpu.c does (that file is not in this test). */
int nf_cpu_threads(void) { return omp_get_max_threads(); }

/* |k_i - (P r)_i| <= PRODUCT_RTOL * sum_j |P_ij r_j| for float; double: the same with DOUBLE. */
#define PRODUCT_RTOL_FLOAT 1e-5
#define PRODUCT_RTOL_DOUBLE 1e-13

static const int32_t sizes[] = {1, 2, 3, 17, 34, 35, 100, 1001, 1500};

/* Fills P (whole, then used as its upper triangle) and r from a fixed LCG. */
static double next_value(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

#define DEFINE_CHECK(T, sfx, rtol)                                                           \
    static void check_##sfx(int32_t n) {                                                     \
        uint64_t seed = 2009u + (uint64_t)n;                                                 \
        T *p = malloc(sizeof(T) * (size_t)n * n), *r = malloc(sizeof(T) * (size_t)n);        \
        T *k1 = malloc(sizeof(T) * (size_t)n), *k2 = malloc(sizeof(T) * (size_t)n);          \
        cr_assert(p && r && k1 && k2);                                                       \
        for (size_t i = 0; i < (size_t)n * n; i++)                                           \
            p[i] = (T)next_value(&seed);                                                     \
        for (int32_t i = 0; i < n; i++)                                                      \
            r[i] = (T)next_value(&seed);                                                     \
        symv_pass_##sfx(p, r, k1, n);                                                        \
        for (int32_t i = 0; i < n; i++) {                                                    \
            long double sum = 0, size = 0;                                                   \
            for (int32_t j = 0; j < n; j++) {                                                \
                const long double term = (long double)(j >= i ? p[(size_t)i * n + j]         \
                                                             : p[(size_t)j * n + i]) * r[j]; \
                sum += term;                                                                 \
                size += fabsl(term);                                                         \
            }                                                                                \
            cr_assert(fabsl(k1[i] - sum) <= (rtol) * size,                                   \
                      #T " n %d: k[%d] = %a, P r = %La", n, i, (double)k1[i], sum);          \
        }                                                                                    \
        const int32_t blocks[] = {1, 7, RLS_BLOCK};                                          \
        for (size_t q = 0; q < sizeof blocks / sizeof *blocks; q++) {                        \
            memset(k2, 0xff, sizeof(T) * (size_t)n);                                         \
            for (int32_t a = 0; a < n; a += blocks[q])                                       \
                symv_block_##sfx(p, r, k2, n, a, a + blocks[q] < n ? a + blocks[q] : n);     \
            cr_assert(memcmp(k1, k2, sizeof(T) * (size_t)n) == 0,                            \
                      #T " n %d: blocks of %d rows differ from the pass", n, blocks[q]);     \
        }                                                                                    \
        for (int threads = 1; threads <= RLS_MIN_THREADS; threads++) {                       \
            omp_set_num_threads(threads);                                                    \
            memset(k2, 0xff, sizeof(T) * (size_t)n);                                         \
            symv_##sfx(p, r, k2, n);                                                         \
            cr_assert(memcmp(k1, k2, sizeof(T) * (size_t)n) == 0,                            \
                      #T " n %d, %d threads: differs from the pass", n, threads);            \
        }                                                                                    \
        const T c = (T)0.25;                                                                 \
        T *before = malloc(sizeof(T) * (size_t)n * n);                                       \
        cr_assert(before);                                                                   \
        memcpy(before, p, sizeof(T) * (size_t)n * n);                                        \
        rank1_##sfx(p, k1, c, n);                                                            \
        for (int32_t i = 0; i < n; i++)                                                      \
            for (int32_t j = 0; j < n; j++) {                                                \
                const size_t at = (size_t)i * n + j;                                         \
                const T want = j >= i ? before[at] - c * (k1[i] * k1[j]) : before[at];       \
                cr_assert(memcmp(&p[at], &want, sizeof want) == 0,                           \
                          #T " n %d: P[%d][%d] after the rank-1 update", n, i, j);           \
            }                                                                                \
        free(before);                                                                        \
        free(p);                                                                             \
        free(r);                                                                             \
        free(k1);                                                                            \
        free(k2);                                                                            \
    }

DEFINE_CHECK(float, f32, PRODUCT_RTOL_FLOAT)
DEFINE_CHECK(double, f64, PRODUCT_RTOL_DOUBLE)

Test(rls_order, product_sums_in_one_order_whatever_the_threads) {
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        check_f32(sizes[i]);
        check_f64(sizes[i]);
    }
}
