/*
 * Recursive least squares on the CPU (FORCE learning), per element b in
 * order, with P symmetric n x n and the errors e of this step; when due:
 *   k = P r (CBLAS symv, upper triangle); c = 1 / (1 + r.k);
 *   P_ij -= c (k_i k_j) for j >= i only: the upper triangle is the CPU's P
 *   (symv reads nothing else), which saves a third of the memory traffic of
 *   an update; nf_learner_get_p mirrors it into the lower half;
 *   each target's row i: W[i] -= g_i k, g_i = c e[i] (Sussillo & Abbott) or e[i]
 *   (Nicola & Clopath).
 * P, k and c are float, or double (nf_precision F64: r is widened first); W stays float.
 */
#include "cblas_select.h"

#include "cpu.h"
#include "kernels/math/rls.h"

/* The upper triangle of P -= c (k k^T), row by row (rows shorten, so the
 * threads take them round-robin in small chunks). */
#define DEFINE_RANK1(T, name)                                                                \
    NF_CPU_CLONES static void name(T *p, const T *k, T c, int32_t n) {                       \
        NF_CPU_PARALLEL((int64_t)n * n >= 8 * NF_CPU_PARALLEL_MIN,                           \
                        "omp parallel for schedule(static, 16)",                             \
                        for (int32_t i = 0; i < n; i++) {                                    \
                            const T ki = k[i];                                               \
                            T *row = p + (size_t)i * n;                                      \
                            for (int32_t j = i; j < n; j++)                                  \
                                row[j] -= c * (ki * k[j]);                                   \
                        });                                                                  \
    }

DEFINE_RANK1(float, rank1_f32)
DEFINE_RANK1(double, rank1_f64)

/* The targets' rows of element b move by -g_i k. */
static void move_targets(const nf_rls_args *a, int32_t b, int32_t copy, const float *k32,
                         const double *k64, double c) {
    const int32_t n = a->n;
    for (int32_t t = 0; t < a->targets; t++) {
        const nf_rls_target *tg = &a->target[t];
        float *w = tg->w + (size_t)copy * tg->rows * n;
        const float *e = tg->e + (size_t)b * tg->rows;
        for (int32_t i = 0; i < tg->rows; i++) {
            float *wi = w + (size_t)i * n;
            if (k32) {
                const float g = a->rule == NF_RLS_NICOLA_CLOPATH ? e[i] : (float)c * e[i];
                cblas_saxpy(n, -g, k32, 1, wi, 1);
            } else {
                const double g = a->rule == NF_RLS_NICOLA_CLOPATH ? e[i] : c * e[i];
                for (int32_t j = 0; j < n; j++)
                    wi[j] = (float)(wi[j] - g * k64[j]);
            }
        }
    }
}

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
            cblas_ssymv(CblasRowMajor, CblasUpper, n, 1.0f, p, n, r, 1, 0.0f, k, 1);
            const float c = 1.0f / (1.0f + cblas_sdot(n, r, 1, k, 1));
            rank1_f32(p, k, c, n);
            move_targets(a, b, copy, k, NULL, c);
            continue;
        }
        double *p = (double *)a->p + (size_t)copy * n * n;
        double *k = (double *)a->k + (size_t)b * (2 * n + 1), *rd = k + n + 1;
        for (int32_t j = 0; j < n; j++)
            rd[j] = r[j];
        cblas_dsymv(CblasRowMajor, CblasUpper, n, 1.0, p, n, rd, 1, 0.0, k, 1);
        const double c = 1.0 / (1.0 + cblas_ddot(n, rd, 1, k, 1));
        rank1_f64(p, k, c, n);
        move_targets(a, b, copy, NULL, k, c);
    }
    return NF_OK;
}
