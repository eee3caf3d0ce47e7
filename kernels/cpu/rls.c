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
 * P is read and written once per update: the rank-1 part is owed (k and c
 * kept in nf_rls_args.owed, one record per copy of P) and applied by the
 * next update's product to each element as it reads it, P_ij - c (k_i k_j),
 * the expression of the rank-1 loop, written back and then used: the same
 * floats as updating in full (n 1000 float: 4.0 MB per update instead of
 * 6.0; n 2000 double: 32 MB instead of 48). nf_cpu_rls_settle applies what
 * is owed (the engine calls it before anything else reads P: get_p,
 * checkpoints, the run's checks) or drops it (P replaced).
 *
 * The products are the library's own loops, each result summed in one fixed
 * order, so that the floats depend neither on the thread count nor on the
 * vector width of the clone that runs (a BLAS symv or dot sums in an order
 * that changes with its threads):
 *   k_j = (sum over i <= j of P_ij r_i, in order of i) + dot(P_j,j+1.., r_j+1..);
 *   dot(x, y) keeps NF_LANES partial sums (column j in lane j % NF_LANES),
 *   added pairwise at the end (kernels/cpu/lane_dot.h, shared with the small
 *   dense products).
 * From n 512 the column sums are split at row h = split_row(n) (about
 * 0.29 n: half of the triangle's elements on each side), for every thread
 * count: k_j = (sum over i <= j of P_ij r_i) + dot for j < h, and for j >= h
 *   k_j = (sum over i < h of P_ij r_i) + ((sum over h <= i <= j) + dot).
 * One thread computes k in one pass over the upper triangle (RLS_ROWS rows
 * at a time add their terms to the later k_j and finish their own k),
 * settling each element it reads: rows below h into k, the others into a
 * second array (k's scratch), added at the end. Two or more threads read
 * the two parts at once, except that from RLS_MIN_THREADS threads and n^2 of
 * 8 NF_CPU_PARALLEL_MIN (n 1449) each thread computes whole blocks of k,
 * reading the block's column strip above the diagonal and its rows: the
 * same operations in the same order per element, twice the reads; there the
 * owed update runs first as its own pass (blocks read other blocks' rows).
 */
#include <omp.h>
#include <string.h>

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

/* Elements of k per block when threads compute the product in blocks, and the
 * fewest threads that do so or run a rank-1 update on its own in parallel:
 * one thread computed the blocks of n 2000 (double) in 3x the time of the
 * one pass, so fewer threads would not pay, and the rank-1 update of n 2000
 * on 2 threads took 10.7-30 ms against 2.5-7.5 ms on one (2 shared cores,
 * load 10). Below it, two threads run the one pass's two parts. */
#define RLS_BLOCK 64
#define RLS_MIN_THREADS 4

/* P's size (n^2) from which the product's column sums are split in two
 * (n 1000 float: ~45 -> ~34 us per update on 2 threads of an idle machine). */
#define RLS_SPLIT_MIN NF_CPU_PARALLEL_MIN

/* The first row of the product's second part: n (one part) below
 * RLS_SPLIT_MIN, else n - floor(n / sqrt(2)) rounded down to a multiple of
 * RLS_ROWS: the rows below it hold about half of the upper triangle. */
static int32_t split_row(int32_t n) {
    if ((int64_t)n * n < RLS_SPLIT_MIN)
        return n;
    return (n - (int32_t)(n * 0.70710678118654752)) / RLS_ROWS * RLS_ROWS;
}

#define DEFINE_RLS(T, sfx)                                                                   \
    /* sum x[j] y[j] over j in [j0, n) in the fixed lane order (lane_dot.h). */              \
    NF_CPU_CLONES static T dot_##sfx(const T *restrict x, const T *restrict y, int32_t j0,   \
                                     int32_t n) {                                            \
        return nf_lane_dot_##sfx(x, y, j0, n);                                               \
    }                                                                                        \
                                                                                             \
    /* Rows i and i + 1 (if any) of P's upper triangle -= c (k k^T), each k_j read once. */  \
    RLS_INLINE void rank1_rows_##sfx(T *restrict p, const T *restrict k, T c, int32_t n,     \
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
    /* P_tj as the product reads it: with `owe`, first P_tj -= oc (kt ok_j), the */          \
    /* expression of rank1_rows_, written back. */                                           \
    RLS_INLINE T settled_##sfx(T *restrict x, const T *restrict ok, T oc, T kt, int32_t j,   \
                               int owe) {                                                    \
        if (!owe)                                                                            \
            return *x;                                                                       \
        const T v = *x - oc * (kt * ok[j]);                                                  \
        *x = v;                                                                              \
        return v;                                                                            \
    }                                                                                        \
                                                                                             \
    /* Column j (lane l) of R rows q[t] of the one-pass product: k_j += P_tj r_t in row */   \
    /* order, lane l of row t += P_tj r_j (P_tj settled first). */                           \
    RLS_INLINE void symv_column_##sfx(T *restrict const *q, const T *rt, const T *r,         \
                                      T *restrict k, T (*a)[RLS_LANES], int32_t R, int32_t j, \
                                      int32_t l, const T *restrict ok, const T *okt, T oc,   \
                                      int owe) {                                             \
        T sum = k[j];                                                                        \
        for (int32_t t = 0; t < R; t++) {                                                    \
            const T x = settled_##sfx(&q[t][j], ok, oc, okt[t], j, owe);                     \
            sum += x * rt[t];                                                                \
            a[t][l] += x * r[j];                                                             \
        }                                                                                    \
        k[j] = sum;                                                                          \
    }                                                                                        \
                                                                                             \
    /* Rows i .. i + R - 1 of the one-pass product (R at most RLS_ROWS), each element */     \
    /* in the order of dot_ and of symv_block_: row t adds P_tj r_t to k_j (j >= t, */       \
    /* rows in order) and P_tj r_j (j > t) to its lane j % RLS_LANES; then k_t += the */     \
    /* lanes. Up to a multiple of RLS_LANES row by row, then all R rows per vector. */       \
    /* With `owe`, each P_tj read is settled first (settled_). */                            \
    RLS_INLINE void symv_rows_##sfx(T *restrict p, const T *restrict r, T *restrict k,       \
                                    int32_t n, int32_t i, int32_t R, const T *restrict ok,   \
                                    T oc, int owe) {                                         \
        T a[RLS_ROWS][RLS_LANES] = {{0}}, rt[RLS_ROWS], okt[RLS_ROWS];                       \
        T *restrict q[RLS_ROWS];                                                             \
        int32_t s = (i + R + RLS_LANES - 1) / RLS_LANES * RLS_LANES;                         \
        s = s < n ? s : n;                                                                   \
        for (int32_t t = 0; t < R; t++) {                                                    \
            q[t] = p + (size_t)(i + t) * n;                                                  \
            rt[t] = r[i + t];                                                                \
            okt[t] = owe ? ok[i + t] : 0;                                                    \
            k[i + t] += settled_##sfx(&q[t][i + t], ok, oc, okt[t], i + t, owe) * rt[t];     \
            for (int32_t j = i + t + 1; j < s; j++) {                                        \
                const T x = settled_##sfx(&q[t][j], ok, oc, okt[t], j, owe);                 \
                k[j] += x * rt[t];                                                           \
                a[t][j % RLS_LANES] += x * r[j];                                             \
            }                                                                                \
        }                                                                                    \
        int32_t j = s;                                                                       \
        for (; j + RLS_LANES <= n; j += RLS_LANES)                                           \
            NF_IVDEP /* the rows q[t] are disjoint */                                        \
            for (int32_t l = 0; l < RLS_LANES; l++)                                          \
                symv_column_##sfx(q, rt, r, k, a, R, j + l, l, ok, okt, oc, owe);            \
        for (int32_t l = 0; j + l < n; l++)                                                  \
            symv_column_##sfx(q, rt, r, k, a, R, j + l, l, ok, okt, oc, owe);                \
        for (int32_t t = 0; t < R; t++)                                                      \
            k[i + t] += nf_lanes_sum_##sfx(a[t]);                                            \
    }                                                                                        \
                                                                                             \
    /* Rows [i0, i1) of the one pass, RLS_ROWS at a time (owe constant: compiled twice). */  \
    RLS_INLINE void symv_range_##sfx(T *restrict p, const T *restrict r, T *restrict k,      \
                                     int32_t n, int32_t i0, int32_t i1, const T *restrict ok, \
                                     T oc, int owe) {                                        \
        int32_t i = i0;                                                                      \
        for (; i + RLS_ROWS <= i1; i += RLS_ROWS)                                            \
            symv_rows_##sfx(p, r, k, n, i, RLS_ROWS, ok, oc, owe);                           \
        for (; i < i1; i++)                                                                  \
            symv_rows_##sfx(p, r, k, n, i, 1, ok, oc, owe);                                  \
    }                                                                                        \
                                                                                             \
    /* One part of the product: rows [i0, i1) add their terms to k[i0, n), zeroed first; */  \
    /* with ok (not NULL), the owed update P -= oc (ok ok^T) applied to each element as */   \
    /* it is read, so that P is read and written once for both (the same floats as */        \
    /* rank1_ then the product). */                                                          \
    NF_CPU_CLONES static void symv_part_##sfx(T *restrict p, const T *restrict r,            \
                                              T *restrict k, int32_t n, int32_t i0,          \
                                              int32_t i1, const T *restrict ok, T oc) {      \
        for (int32_t j = i0; j < n; j++)                                                     \
            k[j] = 0;                                                                        \
        if (ok)                                                                              \
            symv_range_##sfx(p, r, k, n, i0, i1, ok, oc, 1);                                 \
        else                                                                                 \
            symv_range_##sfx(p, r, k, n, i0, i1, NULL, 0, 0);                                \
    }                                                                                        \
                                                                                             \
    /* k = P r in one pass over the upper triangle in its parts (k2: n scratch), on */       \
    /* two threads when more than one is allowed (the parts' rows and outputs are */         \
    /* disjoint). */                                                                         \
    static void symv_pass_##sfx(T *p, const T *r, T *k, T *k2, int32_t n, const T *ok,      \
                                T oc) {                                                      \
        const int32_t h = split_row(n);                                                      \
        NF_CPU_PARALLEL(h < n, "omp parallel", {                                             \
            const int t = omp_get_thread_num(), threads = omp_get_num_threads();             \
            if (t == 0)                                                                      \
                symv_part_##sfx(p, r, k, n, 0, h, ok, oc);                                   \
            if (h < n && (t == 1 || threads == 1))                                           \
                symv_part_##sfx(p, r, k2, n, h, n, ok, oc);                                  \
        });                                                                                  \
        for (int32_t j = h; j < n; j++)                                                      \
            k[j] += k2[j];                                                                   \
    }                                                                                        \
                                                                                             \
    /* k[a, b) of P r (b - a at most RLS_BLOCK), the same operations per element as */       \
    /* symv_pass_: rows from h = split_row(n) sum apart, in k2. */                           \
    NF_CPU_CLONES static void symv_block_##sfx(const T *restrict p, const T *restrict r,     \
                                               T *restrict k, int32_t n, int32_t a,          \
                                               int32_t b) {                                  \
        const int32_t h = split_row(n);                                                      \
        T k2[RLS_BLOCK];                                                                     \
        for (int32_t j = a; j < b; j++)                                                      \
            k[j] = k2[j - a] = 0;                                                            \
        for (int32_t i = 0; i < b; i++) {                                                    \
            const T *restrict row = p + (size_t)i * n;                                       \
            const T ri = r[i];                                                               \
            T *restrict sum = i < h ? k + a : k2;                                            \
            for (int32_t j = i > a ? i : a; j < b; j++)                                      \
                sum[j - a] += row[j] * ri;                                                   \
        }                                                                                    \
        for (int32_t i = a; i < b; i++)                                                      \
            (i < h ? k + a : k2)[i - a] += dot_##sfx(p + (size_t)i * n, r, i + 1, n);        \
        for (int32_t j = a > h ? a : h; j < b; j++)                                          \
            k[j] += k2[j - a];                                                               \
    }                                                                                        \
                                                                                             \
    /* k = P r after P -= oc (ok ok^T) when ok is not NULL: in one pass (its two */          \
    /* parts at once from 2 threads), or from RLS_MIN_THREADS threads and n 1449 the */      \
    /* rank-1 update then the blocks (a block reads elements that other blocks' rows */      \
    /* hold, so the update must be complete first). */                                       \
    static void symv_##sfx(T *p, const T *r, T *k, T *k2, int32_t n, const T *ok, T oc) {    \
        if ((int64_t)n * n < 8 * NF_CPU_PARALLEL_MIN || nf_cpu_threads() < RLS_MIN_THREADS) { \
            symv_pass_##sfx(p, r, k, k2, n, ok, oc);                                         \
            return;                                                                          \
        }                                                                                    \
        if (ok)                                                                              \
            rank1_##sfx(p, ok, oc, n);                                                       \
        const int32_t blocks = (n + RLS_BLOCK - 1) / RLS_BLOCK;                              \
        _Pragma("omp parallel for schedule(dynamic, 1)")                                     \
        for (int32_t q = 0; q < blocks; q++)                                                 \
            symv_block_##sfx(p, r, k, n, q * RLS_BLOCK,                                      \
                             q * RLS_BLOCK + RLS_BLOCK < n ? q * RLS_BLOCK + RLS_BLOCK : n); \
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
    }                                                                                        \
                                                                                             \
    /* One element's update of P (copy `copy`), r of P's type: k = P r (settling what */     \
    /* is owed), c, and P -= c (k k^T) now, or owed to the next product when a->owed. */     \
    static void update_##sfx(const nf_rls_args *a, int32_t b, int32_t copy, const T *r,      \
                             T *k, T *k2) {                                                  \
        const int32_t n = a->n;                                                              \
        T *p = (T *)a->p + (size_t)copy * n * n;                                             \
        T *owed = a->owed ? (T *)a->owed + (size_t)copy * (n + 2) : NULL;                    \
        const int owes = owed && owed[n + 1] != 0;                                           \
        symv_##sfx(p, r, k, k2, n, owes ? owed : NULL, owes ? owed[n] : 0);                  \
        const T c = 1 / (1 + dot_##sfx(r, k, 0, n));                                         \
        if (owed) {                                                                          \
            memcpy(owed, k, sizeof(T) * (size_t)n);                                          \
            owed[n] = c;                                                                     \
            owed[n + 1] = 1;                                                                 \
        } else {                                                                             \
            rank1_##sfx(p, k, c, n);                                                         \
        }                                                                                    \
        move_targets_##sfx(a, b, copy, k, c);                                                \
    }                                                                                        \
                                                                                             \
    /* What copy's owed record holds applied to P (apply) or dropped. */                     \
    static void settle_##sfx(T *p, T *owed, int32_t n, int32_t apply) {                      \
        if (apply && owed[n + 1] != 0)                                                       \
            rank1_##sfx(p, owed, owed[n], n);                                                \
        owed[n + 1] = 0;                                                                     \
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
            float *k = (float *)a->k + (size_t)b * (2 * n + 1);
            update_f32(a, b, copy, r, k, k + n + 1);
            continue;
        }
        double *k = (double *)a->k + (size_t)b * (3 * n + 1), *rd = k + n + 1;
        for (int32_t j = 0; j < n; j++)
            rd[j] = r[j];
        update_f64(a, b, copy, rd, k, rd + n);
    }
    return NF_OK;
}

nf_status nf_cpu_rls_settle(nf_backend_ctx *ctx, void *p, void *owed, int32_t n, int32_t copies,
                            int32_t f64, int32_t apply) {
    (void)ctx;
    for (int32_t c = 0; c < copies; c++) {
        if (f64)
            settle_f64((double *)p + (size_t)c * n * n, (double *)owed + (size_t)c * (n + 2), n,
                       apply);
        else
            settle_f32((float *)p + (size_t)c * n * n, (float *)owed + (size_t)c * (n + 2), n,
                       apply);
    }
    return NF_OK;
}
