/*
 * Recursive least squares on the CPU (FORCE learning), per element b in
 * order, with P symmetric n x n and the errors e of this step; when due:
 *   k = P r over the upper triangle; c = 1 / (1 + r.k);
 *   P_ij -= c (k_i k_j) for j >= i only: the upper triangle is the CPU's P
 *   (nothing reads the rest), which saves a third of the memory traffic of
 *   an update; nf_learner_get_p mirrors it into the lower half;
 *   each target's row i: W[i] -= g_i k, g_i = c e[i] (Sussillo & Abbott) or e[i]
 *   (Nicola & Clopath).
 * P, k and c are float, or double (nf_precision F64: r is widened first); W stays float.
 *
 * The products are the library's own loops, each result summed in one fixed
 * order, so that the floats depend neither on the thread count nor on the
 * vector width of the clone that runs (a BLAS symv or dot sums in an order
 * that changes with its threads):
 *   k_j = (sum over i <= j of P_ij r_i, in order of i) + dot(P_j,j+1.., r_j+1..);
 *   dot(x, y) keeps NF_LANES partial sums (column j in lane j % NF_LANES),
 *   added pairwise at the end (kernels/cpu/lane_dot.h, shared with the small
 *   dense products).
 * One thread computes k in one pass over the upper triangle (RLS_ROWS rows
 * at a time add their terms to the later k_j and finish their own k).
 * Four or more threads (large n) each compute whole blocks of k, reading
 * the block's column strip above the diagonal and its rows: the same
 * operations in the same order per element, twice the reads.
 */
#include "cpu.h"
#include "kernels/math/rls.h"
#include "lane_dot.h"

#define RLS_LANES NF_LANES
/* Rows of P read together by the one-pass product (each k_j loaded once for them). */
#define RLS_ROWS 4

/* Inlined into each clone of its caller (then compiled for that clone's vectors). */
#if defined(__GNUC__)
#define RLS_INLINE static inline __attribute__((always_inline))
#else
#define RLS_INLINE static inline
#endif

/* Elements of k per block when several threads compute the product, and the
 * fewest threads that run the product or the rank-1 update: one thread
 * computed the blocks of n 2000 (double) in 3x the time of the one pass, so
 * two threads would not pay, and the rank-1 update of n 2000 on 2 threads
 * took 10.7-30 ms against 2.5-7.5 ms on one (2 shared cores, load 10). */
#define RLS_BLOCK 64
#define RLS_MIN_THREADS 4

#define DEFINE_RLS(T, sfx)                                                                   \
    /* sum x[j] y[j] over j in [j0, n) in the fixed lane order (lane_dot.h). */               \
    NF_CPU_CLONES static T dot_##sfx(const T *restrict x, const T *restrict y, int32_t j0,   \
                                     int32_t n) {                                            \
        return nf_lane_dot_##sfx(x, y, j0, n);                                               \
    }                                                                                        \
                                                                                             \
    /* Column j (lane l) of R rows q[t] of the one-pass product: k_j += P_tj r_t in row */   \
    /* order, lane l of row t += P_tj r_j. */                                                \
    RLS_INLINE void symv_column_##sfx(const T *restrict const *q, const T *rt, const T *r,   \
                                      T *restrict k, T (*a)[RLS_LANES], int32_t R, int32_t j, \
                                      int32_t l) {                                           \
        T sum = k[j];                                                                        \
        for (int32_t t = 0; t < R; t++) {                                                    \
            const T x = q[t][j];                                                             \
            sum += x * rt[t];                                                                \
            a[t][l] += x * r[j];                                                             \
        }                                                                                    \
        k[j] = sum;                                                                          \
    }                                                                                        \
                                                                                             \
    /* Rows i .. i + R - 1 of the one-pass product (R at most RLS_ROWS), each element */     \
    /* in the order of dot_ and of symv_block_: row t adds P_tj r_t to k_j (j >= t, */        \
    /* rows in order) and P_tj r_j (j > t) to its lane j % RLS_LANES; then k_t += the */      \
    /* lanes. Up to a multiple of RLS_LANES row by row, then all R rows per vector. */        \
    RLS_INLINE void symv_rows_##sfx(const T *restrict p, const T *restrict r, T *restrict k, \
                                    int32_t n, int32_t i, int32_t R) {                       \
        T a[RLS_ROWS][RLS_LANES] = {{0}}, rt[RLS_ROWS];                                      \
        const T *restrict q[RLS_ROWS];                                                       \
        int32_t s = (i + R + RLS_LANES - 1) / RLS_LANES * RLS_LANES;                         \
        s = s < n ? s : n;                                                                   \
        for (int32_t t = 0; t < R; t++) {                                                    \
            q[t] = p + (size_t)(i + t) * n;                                                  \
            rt[t] = r[i + t];                                                                \
            k[i + t] += q[t][i + t] * rt[t];                                                 \
            for (int32_t j = i + t + 1; j < s; j++) {                                        \
                k[j] += q[t][j] * rt[t];                                                     \
                a[t][j % RLS_LANES] += q[t][j] * r[j];                                       \
            }                                                                                \
        }                                                                                    \
        int32_t j = s;                                                                       \
        for (; j + RLS_LANES <= n; j += RLS_LANES)                                           \
            for (int32_t l = 0; l < RLS_LANES; l++)                                          \
                symv_column_##sfx(q, rt, r, k, a, R, j + l, l);                              \
        for (int32_t l = 0; j + l < n; l++)                                                  \
            symv_column_##sfx(q, rt, r, k, a, R, j + l, l);                                  \
        for (int32_t t = 0; t < R; t++)                                                      \
            k[i + t] += nf_lanes_sum_##sfx(a[t]);                                            \
    }                                                                                        \
                                                                                             \
    /* k = P r in one pass over the upper triangle, RLS_ROWS rows at a time. */              \
    NF_CPU_CLONES static void symv_pass_##sfx(const T *restrict p, const T *restrict r,      \
                                              T *restrict k, int32_t n) {                    \
        for (int32_t j = 0; j < n; j++)                                                      \
            k[j] = 0;                                                                        \
        int32_t i = 0;                                                                       \
        for (; i + RLS_ROWS <= n; i += RLS_ROWS)                                             \
            symv_rows_##sfx(p, r, k, n, i, RLS_ROWS);                                        \
        for (; i < n; i++)                                                                   \
            symv_rows_##sfx(p, r, k, n, i, 1);                                               \
    }                                                                                        \
                                                                                             \
    /* k[a, b) of P r, the same operations per element as symv_pass_. */                     \
    NF_CPU_CLONES static void symv_block_##sfx(const T *restrict p, const T *restrict r,     \
                                               T *restrict k, int32_t n, int32_t a,          \
                                               int32_t b) {                                  \
        for (int32_t j = a; j < b; j++)                                                      \
            k[j] = 0;                                                                        \
        for (int32_t i = 0; i < b; i++) {                                                    \
            const T *restrict row = p + (size_t)i * n;                                       \
            const T ri = r[i];                                                               \
            for (int32_t j = i > a ? i : a; j < b; j++)                                      \
                k[j] += row[j] * ri;                                                         \
        }                                                                                    \
        for (int32_t i = a; i < b; i++)                                                      \
            k[i] += dot_##sfx(p + (size_t)i * n, r, i + 1, n);                               \
    }                                                                                        \
                                                                                             \
    static void symv_##sfx(const T *p, const T *r, T *k, int32_t n) {                        \
        if ((int64_t)n * n < 8 * NF_CPU_PARALLEL_MIN || nf_cpu_threads() < RLS_MIN_THREADS) { \
            symv_pass_##sfx(p, r, k, n);                                                     \
            return;                                                                          \
        }                                                                                    \
        const int32_t blocks = (n + RLS_BLOCK - 1) / RLS_BLOCK;                              \
        _Pragma("omp parallel for schedule(dynamic, 1)")                                     \
        for (int32_t q = 0; q < blocks; q++)                                                 \
            symv_block_##sfx(p, r, k, n, q * RLS_BLOCK,                                      \
                             q * RLS_BLOCK + RLS_BLOCK < n ? q * RLS_BLOCK + RLS_BLOCK : n); \
    }                                                                                        \
                                                                                             \
    /* Rows i and i + 1 (if any) of P's upper triangle -= c (k k^T), each k_j read once. */ \
    RLS_INLINE void rank1_rows_##sfx(T *restrict p, const T *restrict k, T c, int32_t n,   \
                                        int32_t i) {                                         \
        T *restrict row0 = p + (size_t)i * n;                                                \
        const T k0 = k[i];                                                                   \
        row0[i] -= c * (k0 * k[i]);                                                          \
        if (i + 1 == n)                                                                      \
            return;                                                                          \
        T *restrict row1 = row0 + n;                                                         \
        const T k1 = k[i + 1];                                                               \
        for (int32_t j = i + 1; j < n; j++) {                                                \
            const T kj = k[j];                                                               \
            row0[j] -= c * (k0 * kj);                                                        \
            row1[j] -= c * (k1 * kj);                                                        \
        }                                                                                    \
    }                                                                                        \
                                                                                             \
    /* The upper triangle of P -= c (k k^T), by pairs of rows (rows shorten, so the */       \
    /* threads, RLS_MIN_THREADS or more, take them round-robin in small chunks). */          \
    NF_CPU_CLONES static void rank1_##sfx(T *p, const T *k, T c, int32_t n) {                \
        const int32_t pairs = (n + 1) / 2;                                                   \
        NF_CPU_PARALLEL((int64_t)n * n >= 8 * NF_CPU_PARALLEL_MIN &&                         \
                            nf_cpu_threads() >= RLS_MIN_THREADS,                             \
                        "omp parallel for schedule(static, 8)",                              \
                        for (int32_t q = 0; q < pairs; q++)                                  \
                            rank1_rows_##sfx(p, k, c, n, 2 * q););                           \
    }                                                                                        \
                                                                                             \
    /* w[j] -= g k[j] (float weights). */                                                    \
    NF_CPU_CLONES static void move_row_##sfx(float *restrict w, const T *restrict k, T g,    \
                                             int32_t n) {                                    \
        for (int32_t j = 0; j < n; j++)                                                      \
            w[j] = (float)(w[j] - g * k[j]);                                                 \
    }                                                                                        \
                                                                                             \
    /* The targets' rows of element b move by -g_i k. */                                     \
    static void move_targets_##sfx(const nf_rls_args *a, int32_t b, int32_t copy,            \
                                   const T *k, T c) {                                        \
        for (int32_t t = 0; t < a->targets; t++) {                                           \
            const nf_rls_target *tg = &a->target[t];                                         \
            float *w = tg->w + (size_t)copy * tg->rows * a->n;                               \
            const float *e = tg->e + (size_t)b * tg->rows;                                   \
            for (int32_t i = 0; i < tg->rows; i++) {                                         \
                const T g = a->rule == NF_RLS_NICOLA_CLOPATH ? (T)e[i] : c * (T)e[i];        \
                move_row_##sfx(w + (size_t)i * a->n, k, g, a->n);                            \
            }                                                                                \
        }                                                                                    \
    }

DEFINE_RLS(float, f32)
DEFINE_RLS(double, f64)

nf_status nf_cpu_rls_update(nf_backend_ctx *ctx, const nf_rls_args *a) {
    const int32_t n = a->n;
    if (!nf_rls_due(a->enabled, a->every, a->start, a->stop, ctx->counter))
        return NF_OK;
    for (int32_t b = 0; b < a->batch; b++) {
        const int32_t copy = a->per_batch ? b : 0;
        const float *r = a->r + (size_t)b * n;
        if (!a->f64) {
            float *p = (float *)a->p + (size_t)copy * n * n;
            float *k = (float *)a->k + (size_t)b * (n + 1);
            symv_f32(p, r, k, n);
            const float c = 1.0f / (1.0f + dot_f32(r, k, 0, n));
            rank1_f32(p, k, c, n);
            move_targets_f32(a, b, copy, k, c);
            continue;
        }
        double *p = (double *)a->p + (size_t)copy * n * n;
        double *k = (double *)a->k + (size_t)b * (2 * n + 1), *rd = k + n + 1;
        for (int32_t j = 0; j < n; j++)
            rd[j] = r[j];
        symv_f64(p, rd, k, n);
        const double c = 1.0 / (1.0 + dot_f64(rd, k, 0, n));
        rank1_f64(p, k, c, n);
        move_targets_f64(a, b, copy, k, c);
    }
    return NF_OK;
}
