/*
 * Masked recurrent RLS on the CPU (BioFORCE): every row i of the learning
 * connection has its own P_i over its K_i connected inputs (see
 * nf_rls_masked_args). Per element b (in order; the rows are independent and
 * run in parallel when the work is large), when due:
 *   r_i = r_b[col];  k = P_i r_i;  c = 1/(1 + r_i.k);
 *   W[w_index] -= g k, g = c e_i (Sussillo & Abbott) or e_i (Nicola & Clopath);
 *   P_i -= c (k_x k_y)  (k_x k_y == k_y k_x exactly: P_i stays symmetric).
 * T is float, or double for an F64 P (W stays float).
 */
#include "cpu.h"
#include "kernels/math/rls.h"

#define DEFINE_MASKED_ROW(T, name)                                                           \
    static void name(const nf_rls_masked_args *a, int32_t b, int32_t copy, int32_t i) {      \
        const int32_t s0 = a->row_ptr[i], kk = a->row_ptr[i + 1] - s0;                       \
        if (kk == 0)                                                                         \
            return;                                                                          \
        T *p = (T *)a->p + (size_t)copy * a->p_total + a->p_off[i];                          \
        T *k = (T *)a->k + (size_t)b * (a->nnz + a->rows) + s0;                              \
        const float *r = a->r + (size_t)b * a->n;                                            \
        const int32_t *col = a->col + s0;                                                    \
        T dot = 0;                                                                           \
        for (int32_t x = 0; x < kk; x++) {                                                   \
            const T *row = p + (size_t)x * kk;                                               \
            T sum = 0;                                                                       \
            for (int32_t y = 0; y < kk; y++)                                                 \
                sum += row[y] * (T)r[col[y]];                                                \
            k[x] = sum;                                                                      \
        }                                                                                    \
        for (int32_t x = 0; x < kk; x++)                                                     \
            dot += (T)r[col[x]] * k[x];                                                      \
        const T c = (T)1 / ((T)1 + dot);                                                     \
        const float e = a->e[(size_t)b * a->rows + i];                                       \
        const T g = a->rule == NF_RLS_NICOLA_CLOPATH ? (T)e : c * (T)e;                      \
        float *w = a->w + (size_t)copy * a->w_stride;                                        \
        for (int32_t x = 0; x < kk; x++) {                                                   \
            float *wx = w + a->w_index[s0 + x];                                              \
            *wx = (float)(*wx - g * k[x]);                                                   \
        }                                                                                    \
        for (int32_t x = 0; x < kk; x++) {                                                   \
            T *row = p + (size_t)x * kk;                                                     \
            const T kx = k[x];                                                               \
            for (int32_t y = 0; y < kk; y++)                                                 \
                row[y] -= c * (kx * k[y]);                                                   \
        }                                                                                    \
    }

DEFINE_MASKED_ROW(float, masked_row_f32)
DEFINE_MASKED_ROW(double, masked_row_f64)

nf_status nf_cpu_rls_masked(nf_backend_ctx *ctx, const nf_rls_masked_args *a) {
    if (!nf_rls_due(a->enabled, a->every, a->start, a->stop, ctx->counter))
        return NF_OK;
    const int parallel = a->p_total >= NF_CPU_PARALLEL_MIN / 4 && a->rows > 1;
    for (int32_t b = 0; b < a->batch; b++) {
        const int32_t copy = a->per_batch ? b : 0;
        NF_CPU_PARALLEL(parallel, "omp parallel for schedule(dynamic, 8)",
                        for (int32_t i = 0; i < a->rows; i++) {
                            if (a->f64)
                                masked_row_f64(a, b, copy, i);
                            else
                                masked_row_f32(a, b, copy, i);
                        });
    }
    return NF_OK;
}
