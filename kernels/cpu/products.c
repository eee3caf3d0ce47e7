/*
 * The CPU products that assemble currents (the sparse one: sparse.c):
 *   dense   y[b] = beta y[b] + W_b x[b]          (CBLAS sgemm / sgemv; small ones a loop)
 *   event   y[b] += x[b][j] W[:, j] for j with x[b][j] != 0 (rows of W^T)
 *   axpy    y += alpha x
 */
#include "cblas_select.h"

#include "cpu.h"
#include "lane_dot.h"

/* Up to this many multiply-adds per batch element, a product computed one
 * element at a time (batch 1, or W per element) runs as a loop of ours: a BLAS
 * call costs hundreds of instructions before its first multiply-add (a 1 x 1000
 * readout: ~1.7k instructions per call in OpenBLAS), and OpenBLAS starts
 * threads for a matrix-vector product only above about 9k. */
#define SMALL_PRODUCT (1 << 13)

/* Rows taken together by short_gemv. */
#define SHORT_ROWS 16

/* m <= SHORT_ROWS rows of short_gemv (inlined: a constant m for whole blocks). A lane
 * past cols stays +0 in nf_lane_dot_f32, and adding +0 changes no lane (a lane is
 * never -0: it starts at +0, and x + y is -0 only when both are), so those additions
 * are left out. */
static inline __attribute__((always_inline)) void
short_rows(int32_t m, int32_t cols, const float *restrict w, const float *restrict x, float beta,
           float *restrict y) {
    float a[NF_LANES][SHORT_ROWS];
    for (int32_t l = 0; l < cols; l++)
        for (int32_t t = 0; t < m; t++)
            a[l][t] = 0.0f + w[(size_t)t * cols + l] * x[l];
    for (int32_t v = NF_LANES / 2; v > 0; v /= 2)
        for (int32_t l = 0; l < v && l + v < cols; l++)
            for (int32_t t = 0; t < m; t++)
                a[l][t] += a[l + v][t];
    for (int32_t t = 0; t < m; t++)
        y[t] = beta == 0.0f ? a[0][t] : beta * y[t] + a[0][t];
}

/* small_gemv for cols < NF_LANES (a feedback matrix W of one column times a
 * readout z, say): the same operations as nf_lane_dot_f32 per row (lane l
 * starts at +0 and adds W_il x_l; the lanes added pairwise), done for
 * SHORT_ROWS rows at once, so that each step is one vector operation over
 * rows instead of a 16-lane reduction per row (which cost ~40 cycles a row). */
NF_CPU_CLONES static void short_gemv(int32_t rows, int32_t cols, const float *restrict w,
                                     const float *restrict x, float beta, float *restrict y) {
    if (cols == 1) { /* the commonest: one lane, no additions between lanes */
        const float x0 = x[0];
        if (beta == 0.0f)
            for (int32_t t = 0; t < rows; t++)
                y[t] = 0.0f + w[t] * x0;
        else
            for (int32_t t = 0; t < rows; t++)
                y[t] = beta * y[t] + (0.0f + w[t] * x0);
        return;
    }
    int32_t i = 0;
    for (; i + SHORT_ROWS <= rows; i += SHORT_ROWS)
        short_rows(SHORT_ROWS, cols, w + (size_t)i * cols, x, beta, y + i);
    if (i < rows)
        short_rows(rows - i, cols, w + (size_t)i * cols, x, beta, y + i);
}

/* y = beta y + W x for one batch element, rows x cols row-major (beta 0: y
 * is not read, as in BLAS); each row's dot in the fixed lane order of
 * lane_dot.h, so the floats do not depend on which clone runs. */
NF_CPU_CLONES static void small_gemv(int32_t rows, int32_t cols, const float *restrict w,
                                     const float *restrict x, float beta, float *restrict y) {
    if (cols < NF_LANES) {
        short_gemv(rows, cols, w, x, beta, y);
        return;
    }
    for (int32_t i = 0; i < rows; i++) {
        const float sum = nf_lane_dot_f32(w + (size_t)i * cols, x, 0, cols);
        y[i] = beta == 0.0f ? sum : beta * y[i] + sum;
    }
}

nf_status nf_cpu_dense(nf_backend_ctx *ctx, const nf_dense_args *a) {
    (void)ctx;
    const size_t wsize = a->per_batch ? (size_t)a->rows * a->cols : 0;
    const int one_by_one = a->batch == 1 || a->per_batch || a->per_element;
    if (one_by_one && (int64_t)a->rows * a->cols <= SMALL_PRODUCT) {
        for (int32_t b = 0; b < a->batch; b++)
            small_gemv(a->rows, a->cols, a->w + b * wsize, a->x + (size_t)b * a->cols, a->beta,
                       a->y + (size_t)b * a->rows);
        return NF_OK;
    }
    if (!a->per_batch && !a->per_element) {
        if (a->batch == 1)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, a->rows, a->cols, 1.0f, a->w, a->cols,
                        a->x, 1, a->beta, a->y, 1);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, a->batch, a->rows, a->cols,
                        1.0f, a->x, a->cols, a->w, a->cols, a->beta, a->y, a->rows);
        return NF_OK;
    }
    for (int32_t b = 0; b < a->batch; b++)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, a->rows, a->cols, 1.0f, a->w + b * wsize,
                    a->cols, a->x + (size_t)b * a->cols, 1, a->beta,
                    a->y + (size_t)b * a->rows, 1);
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
        if (j1 - j0 == SPIKE_BLOCK) /* a constant count: a few vector instructions */
            for (int32_t j = 0; j < SPIKE_BLOCK; j++)
                some |= bits[j0 + j] << 1;
        else
            for (int32_t j = j0; j < j1; j++)
                some |= bits[j] << 1;
        for (int32_t j = j0; some && j < j1; j++) {
            const float xj = x[j];
            if (xj == 0.0f)
                continue;
            if (!a->col_ptr) { /* a loop of ours: no BLAS call per spike */
                const float *restrict wj = wt + (size_t)j * a->post;
                float *restrict yy = y;
                for (int32_t i = 0; i < a->post; i++)
                    yy[i] += xj * wj[i];
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
