/*
 * The CPU RLS products (kernels/cpu/rls.c, compiled into this test) sum every
 * element in one fixed order: k = P r over the upper triangle computed in one
 * pass (one thread; from n 512 in two parts split at split_row(n)) equals, bit
 * for bit, k computed in blocks of rows and with the two parts on 2-3 threads (1 to
 * RLS_MIN_THREADS real OpenMP threads, and blocks of odd sizes), for float and double
 * P of even and odd n; and k is P r within float rounding of a long-double
 * sum over the whole symmetric P. The rank-1 update leaves the upper triangle
 * at P - c k k^T. Owing the rank-1 update to the next product (nf_rls_args.owed,
 * the library's CPU path) changes no k, weight or settled P bit.
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
        T *scratch = malloc(sizeof(T) * (size_t)n);                                          \
        cr_assert(p && r && k1 && k2 && scratch);                                            \
        for (size_t i = 0; i < (size_t)n * n; i++)                                           \
            p[i] = (T)next_value(&seed);                                                     \
        for (int32_t i = 0; i < n; i++)                                                      \
            r[i] = (T)next_value(&seed);                                                     \
        omp_set_num_threads(1); /* the reference: the one pass on one thread */              \
        symv_pass_##sfx(p, r, k1, scratch, n, NULL, 0);                                      \
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
            symv_##sfx(p, r, k2, scratch, n, NULL, 0);                                      \
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
        free(scratch);                                                                       \
    }

DEFINE_CHECK(float, f32, PRODUCT_RTOL_FLOAT)
DEFINE_CHECK(double, f64, PRODUCT_RTOL_DOUBLE)

Test(rls_order, product_sums_in_one_order_whatever_the_threads) {
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        check_f32(sizes[i]);
        check_f64(sizes[i]);
    }
}

/* The rank-1 part owed to the next product (nf_rls_args.owed) changes no
 * float: `updates` updates through nf_cpu_rls_update with and without owed
 * give the same k (and r widened for double) and the same weights bit for bit
 * each time, and P with what is owed settled on a copy (nf_cpu_rls_settle) is
 * the P updated in full; batch 2 sharing one P (updated element after element)
 * or with one P each; 1 to RLS_MIN_THREADS threads (the blocks after the
 * rank-1 update from 4 threads and n 1449). Dropping what is owed leaves P. */
#define DEFINE_OWED(T, sfx)                                                                  \
    static void owed_##sfx(int32_t n, int32_t per_batch, int threads) {                     \
        enum { BATCH = 2, ROWS = 2, UPDATES = 5 };                                            \
        const int32_t copies = per_batch ? BATCH : 1;                                        \
        const size_t pn = (size_t)copies * n * n;                                            \
        const size_t kn = (size_t)BATCH * (sizeof(T) == 8 ? 3 * n + 1 : 2 * n + 1);          \
        const size_t wn = (size_t)copies * ROWS * n, on = (size_t)copies * (n + 2);          \
        T *p[2] = {calloc(pn, sizeof(T)), calloc(pn, sizeof(T))};                            \
        T *k[2] = {calloc(kn, sizeof(T)), calloc(kn, sizeof(T))};                            \
        float *w[2] = {calloc(wn, sizeof(float)), calloc(wn, sizeof(float))};                \
        T *owed = calloc(on, sizeof(T)), *settled = malloc(pn * sizeof(T));                  \
        T *owed_copy = malloc(on * sizeof(T));                                               \
        float *r = malloc(sizeof(float) * BATCH * n), e[BATCH * ROWS];                       \
        cr_assert(p[0] && p[1] && k[0] && k[1] && w[0] && w[1] && owed && settled);          \
        cr_assert(owed_copy && r);                                                           \
        for (int32_t c = 0; c < copies; c++)                                                 \
            for (int32_t i = 0; i < n; i++)                                                  \
                p[0][(size_t)c * n * n + (size_t)i * n + i] =                                \
                    p[1][(size_t)c * n * n + (size_t)i * n + i] = (T)2;                      \
        uint64_t seed = 77u + (uint64_t)n;                                                   \
        nf_backend_ctx ctx = {.counter = 0};                                                 \
        omp_set_num_threads(threads);                                                        \
        for (int u = 0; u < UPDATES; u++) {                                                  \
            for (int32_t i = 0; i < BATCH * n; i++)                                          \
                r[i] = (float)next_value(&seed);                                             \
            for (int32_t i = 0; i < BATCH * ROWS; i++)                                       \
                e[i] = (float)next_value(&seed);                                             \
            for (int v = 0; v < 2; v++) {                                                    \
                nf_rls_args a = {.batch = BATCH, .n = n, .per_batch = per_batch,             \
                                 .rule = u % 2 ? NF_RLS_NICOLA_CLOPATH : NF_RLS_SUSSILLO_ABBOTT, \
                                 .enabled = 1, .f64 = sizeof(T) == 8, .every = 1,            \
                                 .p = p[v], .r = r, .k = k[v], .owed = v ? owed : NULL,      \
                                 .targets = 1};                                              \
                a.target[0] = (nf_rls_target){.w = w[v], .e = e, .rows = ROWS};              \
                cr_assert(nf_cpu_rls_update(&ctx, &a) == NF_OK);                             \
            }                                                                                \
            cr_assert(memcmp(k[0], k[1], kn * sizeof(T)) == 0,                               \
                      #T " n %d, %d threads, update %d: k differs with the update owed", n,  \
                      threads, u);                                                           \
            cr_assert(memcmp(w[0], w[1], wn * sizeof(float)) == 0,                           \
                      #T " n %d, %d threads, update %d: W differs", n, threads, u);          \
            memcpy(settled, p[1], pn * sizeof(T));                                           \
            memcpy(owed_copy, owed, on * sizeof(T));                                         \
            cr_assert(nf_cpu_rls_settle(&ctx, settled, owed_copy, n, copies,                 \
                                        sizeof(T) == 8, 1) == NF_OK);                        \
            cr_assert(memcmp(settled, p[0], pn * sizeof(T)) == 0,                            \
                      #T " n %d, %d threads, update %d: settled P differs", n, threads, u);  \
            for (int32_t c = 0; c < copies; c++)                                             \
                cr_assert(owed_copy[(size_t)c * (n + 2) + n + 1] == 0 &&                      \
                          owed[(size_t)c * (n + 2) + n + 1] == 1);                           \
        }                                                                                    \
        memcpy(settled, p[1], pn * sizeof(T));                                               \
        cr_assert(nf_cpu_rls_settle(&ctx, p[1], owed, n, copies, sizeof(T) == 8, 0) == NF_OK); \
        cr_assert(memcmp(settled, p[1], pn * sizeof(T)) == 0 && owed[n + 1] == 0);           \
        for (int v = 0; v < 2; v++) {                                                        \
            free(p[v]);                                                                      \
            free(k[v]);                                                                      \
            free(w[v]);                                                                      \
        }                                                                                    \
        free(owed);                                                                          \
        free(settled);                                                                       \
        free(owed_copy);                                                                     \
        free(r);                                                                             \
    }

DEFINE_OWED(float, f32)
DEFINE_OWED(double, f64)

Test(rls_order, the_owed_update_changes_no_float) {
    static const int32_t owed_sizes[] = {1, 2, 3, 17, 35, 100, 1450};
    for (size_t i = 0; i < sizeof owed_sizes / sizeof *owed_sizes; i++)
        for (int threads = 1; threads <= RLS_MIN_THREADS; threads *= 2)
            for (int32_t per_batch = 0; per_batch < 2; per_batch++) {
                owed_f32(owed_sizes[i], per_batch, threads);
                owed_f64(owed_sizes[i], per_batch, threads);
            }
}
