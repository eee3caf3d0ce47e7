/*
 * Masked recurrent RLS on the GPU (BioFORCE): one block per row i of the
 * learning connection (and per element b when each element has its own
 * weights; shared weights take the elements in order inside the block), over
 * that row's K_i synapses and its own P_i (see nf_rls_masked_args):
 *   k_x = sum_y P_i[y][x] r[col_y]   (P_i symmetric: column reads, coalesced)
 *   c = 1/(1 + r_i.k)                 (block reduction)
 *   W[w_index_x] -= g k_x, g = c e_i or e_i;   P_i[x][y] -= c (k_x k_y).
 * Every block reads the device step counter and returns when not due, so the
 * update sits inside a replayed graph. T is float, or double for an F64 P.
 */
#include "rls.cuh"

#define MASKED_THREADS 128

template <typename T>
static __device__ void masked_row(const nf_rls_masked_args &a, int32_t b, int32_t i) {
    __shared__ T partial[MASKED_THREADS];
    const int32_t s0 = a.row_ptr[i], kk = a.row_ptr[i + 1] - s0;
    const int32_t copy = a.per_batch ? b : 0;
    T *p = (T *)a.p + (size_t)copy * a.p_total + a.p_off[i];
    T *k = (T *)a.k + (size_t)b * (a.nnz + a.rows) + s0;
    const float *r = a.r + (size_t)b * a.n;
    const int32_t *col = a.col + s0;
    T dot = 0;
    for (int32_t x = threadIdx.x; x < kk; x += blockDim.x) {
        T sum = 0;
        for (int32_t y = 0; y < kk; y++)
            sum += p[(size_t)y * kk + x] * (T)r[col[y]];
        k[x] = sum;
        dot += (T)r[col[x]] * sum;
    }
    const T c = (T)1 / ((T)1 + nf_cuda_block_sum(dot, partial));
    const float e = a.e[(size_t)b * a.rows + i];
    const T g = a.rule == NF_RLS_NICOLA_CLOPATH ? (T)e : c * (T)e;
    float *w = a.w + (size_t)copy * a.w_stride;
    for (int32_t x = threadIdx.x; x < kk; x += blockDim.x) {
        float *wx = w + a.w_index[s0 + x];
        *wx = (float)(*wx - g * k[x]);
    }
    const int64_t square = (int64_t)kk * kk;
    for (int64_t idx = threadIdx.x; idx < square; idx += blockDim.x) {
        const int32_t x = (int32_t)(idx / kk), y = (int32_t)(idx - (int64_t)x * kk);
        p[idx] -= c * (k[x] * k[y]);
    }
    __syncthreads(); /* partial and k are reused by the next element */
}

/* grid.x = row; grid.y = element b0 + blockIdx.y (per batch), else all in order. */
template <typename T>
static __global__ void masked_kernel(const int64_t *counter, nf_rls_masked_args a, int32_t b0) {
    if (!nf_cuda_rls_due(counter, a.enabled, a.every, a.start, a.stop))
        return;
    const int32_t i = blockIdx.x;
    if (a.row_ptr[i + 1] == a.row_ptr[i])
        return;
    if (a.per_batch) {
        masked_row<T>(a, b0 + blockIdx.y, i);
        return;
    }
    for (int32_t b = 0; b < a.batch; b++)
        masked_row<T>(a, b, i);
}

template <typename T> static nf_status masked(nf_backend_ctx *ctx, const nf_rls_masked_args *a) {
    const int32_t chunk = a->per_batch ? 65535 : a->batch;
    for (int32_t b0 = 0; b0 < a->batch; b0 += chunk) {
        const int32_t left = a->batch - b0, count = left < chunk ? left : chunk;
        const dim3 grid((unsigned)a->rows, a->per_batch ? (unsigned)count : 1u);
        masked_kernel<T><<<grid, MASKED_THREADS, 0, ctx->stream>>>(ctx->counter, *a, b0);
        NF_CUDA_LAUNCHED(ctx);
    }
    return NF_OK;
}

nf_status nf_cuda_rls_masked(nf_backend_ctx *ctx, const nf_rls_masked_args *a) {
    if (!a->enabled || a->rows == 0 || a->nnz == 0)
        return NF_OK;
    return a->f64 ? masked<double>(ctx, a) : masked<float>(ctx, a);
}
