/*
 * The CPU products that assemble currents:
 *   dense   y[b] = beta y[b] + W_b x[b]          (CBLAS sgemm / sgemv)
 *   sparse  y[b][i] += sum_k val[k] x[b][col[k]] (CSR rows)
 *   event   y[b] += x[b][j] W[:, j] for j with x[b][j] != 0 (rows of W^T)
 *   axpy    y += alpha x
 */
#include "cblas_select.h"

#include "cpu.h"

nf_status nf_cpu_dense(nf_backend_ctx *ctx, const nf_dense_args *a) {
    (void)ctx;
    if (!a->per_batch && !a->per_element) {
        if (a->batch == 1)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, a->rows, a->cols, 1.0f, a->w, a->cols,
                        a->x, 1, a->beta, a->y, 1);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, a->batch, a->rows, a->cols,
                        1.0f, a->x, a->cols, a->w, a->cols, a->beta, a->y, a->rows);
        return NF_OK;
    }
    const size_t wsize = a->per_batch ? (size_t)a->rows * a->cols : 0;
    for (int32_t b = 0; b < a->batch; b++)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, a->rows, a->cols, 1.0f, a->w + b * wsize,
                    a->cols, a->x + (size_t)b * a->cols, 1, a->beta,
                    a->y + (size_t)b * a->rows, 1);
    return NF_OK;
}

nf_status nf_cpu_sparse(nf_backend_ctx *ctx, const nf_sparse_args *a) {
    (void)ctx;
    const int64_t total = (int64_t)a->batch * a->rows;
    NF_CPU_PARALLEL(a->nnz * (int64_t)a->batch >= 4 * NF_CPU_PARALLEL_MIN,
                    "omp parallel for schedule(static)",
                    for (int64_t e = 0; e < total; e++) {
                        int64_t b = e / a->rows;
                        int32_t i = (int32_t)(e % a->rows);
                        const float *val = a->per_batch ? a->val + b * a->nnz : a->val;
                        const float *x = a->x + b * a->cols;
                        float sum = 0.0f;
                        for (int32_t k = a->row_ptr[i]; k < a->row_ptr[i + 1]; k++)
                            sum += val[k] * x[a->col[k]];
                        a->y[e] += sum;
                    });
    return NF_OK;
}

/* Pre neurons taken together when looking for spikes: a block without one
 * costs a few vector instructions. */
#define SPIKE_BLOCK 32

/* One batch element of the event-driven propagation. */
NF_CPU_CLONES static void event_element(const nf_event_args *a, int32_t b) {
    const float *x = a->x + (size_t)b * a->pre;
    const uint32_t *bits = (const void *)x;
    float *y = a->y + (size_t)b * a->post;
    const float *wt = a->per_batch ? a->wt + (size_t)b * (a->col_ptr ? (size_t)a->nnz
                                                                      : (size_t)a->pre * a->post)
                                   : a->wt;
    for (int32_t j0 = 0; j0 < a->pre; j0 += SPIKE_BLOCK) {
        const int32_t j1 = a->pre - j0 < SPIKE_BLOCK ? a->pre : j0 + SPIKE_BLOCK;
        uint32_t some = 0; /* the bits of the block but signs: 0 when all are +-0 */
        for (int32_t j = j0; j < j1; j++)
            some |= bits[j] << 1;
        for (int32_t j = j0; some && j < j1; j++) {
            const float xj = x[j];
            if (xj == 0.0f)
                continue;
            if (!a->col_ptr) {
                cblas_saxpy(a->post, xj, wt + (size_t)j * a->post, 1, y, 1);
                continue;
            }
            for (int32_t k = a->col_ptr[j]; k < a->col_ptr[j + 1]; k++)
                y[a->row[k]] += xj * wt[k];
        }
    }
}

nf_status nf_cpu_event(nf_backend_ctx *ctx, const nf_event_args *a) {
    (void)ctx;
    NF_CPU_PARALLEL(a->batch > 1 && (int64_t)a->batch * a->post >= NF_CPU_PARALLEL_MIN,
                    "omp parallel for schedule(static)",
                    for (int32_t b = 0; b < a->batch; b++) event_element(a, b););
    return NF_OK;
}

NF_CPU_CLONES static void axpy(float *restrict y, const float *restrict x, float alpha,
                               size_t count) {
    for (size_t i = 0; i < count; i++)
        y[i] += alpha * x[i];
}

nf_status nf_cpu_axpy(nf_backend_ctx *ctx, float *y, const float *x, float alpha, size_t count) {
    (void)ctx;
    axpy(y, x, alpha, count);
    return NF_OK;
}
