/*
 * Recursive least squares on the CPU (FORCE learning), per element b in
 * order, with P symmetric n x n and the errors e of this step; when due:
 *   k = P r (CBLAS ssymv); c = 1 / (1 + r.k);
 *   P -= c (k_i k_j), the same expression on both backends, symmetric by itself;
 *   each target's row i: W[i] -= g_i k, g_i = c e[i] (Sussillo & Abbott) or e[i] (Nicola & Clopath).
 */
#include <cblas.h>

#include "cpu.h"

/* True when the learner updates at step counter t. */
static int rls_due(const nf_rls_args *a, int64_t t) {
    if (!a->enabled || t < a->start || (a->stop > 0 && t >= a->stop))
        return 0;
    return (t - a->start + 1) % a->every == 0;
}

/* P -= c (k k^T), row by row; k_i k_j == k_j k_i exactly, so a symmetric P
 * stays symmetric without mirroring. */
static void rank1_symmetric(float *p, const float *k, float c, int32_t n) {
#pragma omp parallel for schedule(static) if ((int64_t)n * n >= 4 * NF_CPU_PARALLEL_MIN)
    for (int32_t i = 0; i < n; i++) {
        const float ki = k[i];
        float *row = p + (size_t)i * n;
        for (int32_t j = 0; j < n; j++)
            row[j] -= c * (ki * k[j]);
    }
}

nf_status nf_cpu_rls_update(nf_backend_ctx *ctx, const nf_rls_args *a) {
    const int32_t n = a->n;
    if (!rls_due(a, ctx->counter))
        return NF_OK;
    for (int32_t b = 0; b < a->batch; b++) {
        const int32_t copy = a->per_batch ? b : 0;
        float *p = a->p + (size_t)copy * n * n;
        const float *r = a->r + (size_t)b * n;
        float *k = a->k + (size_t)b * (n + 1);
        cblas_ssymv(CblasRowMajor, CblasUpper, n, 1.0f, p, n, r, 1, 0.0f, k, 1);
        const float c = 1.0f / (1.0f + cblas_sdot(n, r, 1, k, 1));
        rank1_symmetric(p, k, c, n);
        for (int32_t t = 0; t < a->targets; t++) {
            const nf_rls_target *tg = &a->target[t];
            float *w = tg->w + (size_t)copy * tg->rows * n;
            const float *e = tg->e + (size_t)b * tg->rows;
            for (int32_t i = 0; i < tg->rows; i++) {
                const float g = a->rule == NF_RLS_NICOLA_CLOPATH ? e[i] : c * e[i];
                cblas_saxpy(n, -g, k, 1, w + (size_t)i * n, 1);
            }
        }
    }
    return NF_OK;
}
