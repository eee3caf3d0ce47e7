/*
 * The CPU products that assemble currents (the sparse one: sparse.c):
 *   dense   y[b] = beta y[b] + W_b x[b]          (CBLAS sgemm / sgemv; small ones a loop)
 *   event   y[b] = sum of x[b][j] W[:, j] for j with x[b][j] != 0 (rows of W^T, from +0)
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
 * costs a few vector instructions (x's bits ORed); a block with one is read
 * again as two words of 32 "x != 0" bits. */
#define SPIKE_BLOCK 64

/* Bit j: x[j] != 0 (x's bits but the sign not all 0), for 32 x given as bits. */
static inline __attribute__((always_inline)) uint32_t nonzero_bits(const uint32_t *x) {
    uint32_t m = 0;
    for (int32_t j = 0; j < 32; j++)
        m |= (x[j] << 1) != 0 ? 1u << j : 0u;
    return m;
}

/* Appends j0 + the positions of m's set bits, increasing, to list[count...];
 * returns the new count. */
static inline __attribute__((always_inline)) int32_t list_bits(int32_t *list, int32_t count,
                                                               int32_t j0, uint32_t m) {
    for (; m; m &= m - 1)
        list[count++] = j0 + __builtin_ctz(m);
    return count;
}

/* y[i] = y0[i] + x[j0] W[j0][i] + x[j1] W[j1][i] + ..., added left to right,
 * for the `cols` (1 to 4) listed pre neurons j; y0 is y or, with `zero`, +0
 * (y not read). The same float operations as adding the columns one pass
 * each, with one load and store of y for up to four of them. */
static inline __attribute__((always_inline)) void add_columns(float *restrict y, int zero,
                                                              int cols, const float *wt,
                                                              const float *x,
                                                              const int32_t *j, int32_t post) {
    const float *restrict w0 = wt + (size_t)j[0] * post;
    const float *restrict w1 = cols > 1 ? wt + (size_t)j[1] * post : w0;
    const float *restrict w2 = cols > 2 ? wt + (size_t)j[2] * post : w0;
    const float *restrict w3 = cols > 3 ? wt + (size_t)j[3] * post : w0;
    const float x0 = x[j[0]], x1 = cols > 1 ? x[j[1]] : 0.0f, x2 = cols > 2 ? x[j[2]] : 0.0f,
                x3 = cols > 3 ? x[j[3]] : 0.0f;
    for (int32_t i = 0; i < post; i++) {
        float sum = zero ? 0.0f : y[i];
        sum += x0 * w0[i];
        if (cols > 1)
            sum += x1 * w1[i];
        if (cols > 2)
            sum += x2 * w2[i];
        if (cols > 3)
            sum += x3 * w3[i];
        y[i] = sum;
    }
}

/* One batch element of the event-driven propagation: the nonzero x listed in
 * increasing j (in the element's scratch row), then their rows of W^T added
 * to +0 in that order. */
NF_CPU_CLONES static void event_element(const nf_event_args *a, int32_t b) {
    const float *x = a->x + (size_t)b * a->pre;
    const uint32_t *bits = (const void *)x;
    float *y = a->y + (size_t)b * a->post;
    const float *wt = a->per_batch ? a->wt + (size_t)b * (a->col_ptr ? (size_t)a->nnz
                                                                      : (size_t)a->pre * a->post)
                                   : a->wt;
    int32_t *list = a->spikes + (size_t)b * (a->pre + 1);
    int32_t count = 0, j0 = 0;
    for (; j0 + SPIKE_BLOCK <= a->pre; j0 += SPIKE_BLOCK) {
        uint32_t some = 0;
        for (int32_t j = 0; j < SPIKE_BLOCK; j++)
            some |= bits[j0 + j];
        if (some << 1) /* not all +-0 */
            for (int32_t h = 0; h < SPIKE_BLOCK; h += 32)
                count = list_bits(list, count, j0 + h, nonzero_bits(bits + j0 + h));
    }
    for (; j0 + 32 <= a->pre; j0 += 32)
        count = list_bits(list, count, j0, nonzero_bits(bits + j0));
    for (; j0 < a->pre; j0++) { /* appended always, counted if x != 0 */
        list[count] = j0;
        count += (bits[j0] << 1) != 0;
    }
    int zero = 1; /* y is not read: the first pass adds to +0 */
    if (a->col_ptr) {
        for (int32_t i = 0; i < a->post; i++)
            y[i] = 0.0f;
        for (int32_t k = 0; k < count; k++) {
            const int32_t j = list[k];
            const float xj = x[j];
            for (int32_t p = a->col_ptr[j]; p < a->col_ptr[j + 1]; p++)
                y[a->row[p]] += xj * wt[p];
        }
        return;
    }
    /* a loop of ours, up to four rows a pass: no BLAS call per spike */
    for (int32_t k = 0; k < count; k += 4, zero = 0) {
        const int cols = count - k < 4 ? count - k : 4;
        if (zero) {
            if (cols == 4) add_columns(y, 1, 4, wt, x, list + k, a->post);
            else if (cols == 3) add_columns(y, 1, 3, wt, x, list + k, a->post);
            else if (cols == 2) add_columns(y, 1, 2, wt, x, list + k, a->post);
            else add_columns(y, 1, 1, wt, x, list + k, a->post);
        } else {
            if (cols == 4) add_columns(y, 0, 4, wt, x, list + k, a->post);
            else if (cols == 3) add_columns(y, 0, 3, wt, x, list + k, a->post);
            else if (cols == 2) add_columns(y, 0, 2, wt, x, list + k, a->post);
            else add_columns(y, 0, 1, wt, x, list + k, a->post);
        }
    }
    if (zero) /* no spike */
        for (int32_t i = 0; i < a->post; i++)
            y[i] = 0.0f;
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
