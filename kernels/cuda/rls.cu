/*
 * Recursive least squares on the GPU, without host round trips: every kernel
 * reads the device step counter and returns at once when the learner is not
 * due, so the update can sit inside a replayed graph; the errors e come from
 * the engine's own products before. For the elements b
 * (all at once when each has its own P, else one after another):
 *   k       k_i = sum_j P_ji r_j (P symmetric: column reads, coalesced)
 *   scalar  c = 1 / (1 + r.k) (block reduction, kept at k[n])
 *   weights each target's row i: W[i] -= g_i k, g_i = c e[i] or e[i]
 *   rank-1  P_ij -= c (k_i k_j): k_i k_j == k_j k_i exactly, so P stays symmetric.
 * T (P, k, c) is float, or double for an F64 P; the weights stay float.
 */
#include "rls.cuh"

#define RLS_DUE(a) nf_cuda_rls_due(counter, (a).enabled, (a).every, (a).start, (a).stop)

/* grid.y = element (b0 + blockIdx.y). */
template <typename T>
static __global__ void k_kernel(const int64_t *counter, nf_rls_args a, int32_t b0) {
    if (!RLS_DUE(a))
        return;
    const int32_t b = b0 + blockIdx.y, n = a.n;
    const T *p = (const T *)a.p + (size_t)(a.per_batch ? b : 0) * n * n;
    const float *r = a.r + (size_t)b * n;
    T *k = (T *)a.k + (size_t)b * (n + 1);
    for (int32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        T sum = 0;
        for (int32_t j = 0; j < n; j++)
            sum += p[(size_t)j * n + i] * (T)r[j];
        k[i] = sum;
    }
}

/* One block per element: c = 1 / (1 + r.k), kept at k[n]. */
template <typename T>
static __global__ void scalar_kernel(const int64_t *counter, nf_rls_args a, int32_t b0) {
    if (!RLS_DUE(a))
        return;
    __shared__ T partial[256];
    const int32_t b = b0 + blockIdx.x, n = a.n;
    const float *r = a.r + (size_t)b * n;
    T *k = (T *)a.k + (size_t)b * (n + 1);
    T sum = 0;
    for (int32_t j = threadIdx.x; j < n; j += blockDim.x)
        sum += (T)r[j] * k[j];
    const T c = (T)1 / ((T)1 + nf_cuda_block_sum(sum, partial));
    if (threadIdx.x == 0)
        k[n] = c;
}

/* Target t's rows for elements b0 + blockIdx.z: x over columns, y over rows. */
template <typename T>
static __global__ void weights_kernel(const int64_t *counter, nf_rls_args a, int32_t t,
                                      int32_t b0) {
    if (!RLS_DUE(a))
        return;
    const int32_t b = b0 + blockIdx.z, n = a.n;
    const int32_t j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n)
        return;
    const nf_rls_target tg = a.target[t];
    const T *k = (const T *)a.k + (size_t)b * (n + 1);
    const T c = k[n], kj = k[j];
    float *w = tg.w + (size_t)(a.per_batch ? b : 0) * tg.rows * n;
    const float *e = tg.e + (size_t)b * tg.rows;
    for (int32_t i = blockIdx.y; i < tg.rows; i += gridDim.y) {
        const T g = a.rule == NF_RLS_NICOLA_CLOPATH ? (T)e[i] : c * (T)e[i];
        float *wij = w + (size_t)i * n + j;
        *wij = (float)(*wij - g * kj);
    }
}

/* grid.z = element (b0 + blockIdx.z); x over columns, y over rows. */
template <typename T>
static __global__ void rank1_kernel(const int64_t *counter, nf_rls_args a, int32_t b0) {
    if (!RLS_DUE(a))
        return;
    const int32_t b = b0 + blockIdx.z, n = a.n;
    T *p = (T *)a.p + (size_t)(a.per_batch ? b : 0) * n * n;
    const T *k = (const T *)a.k + (size_t)b * (n + 1);
    const T c = k[n];
    const int32_t j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n)
        return;
    const T kj = k[j];
    for (int32_t i = blockIdx.y; i < n; i += gridDim.y)
        p[(size_t)i * n + j] -= c * (k[i] * kj);
}

/* The update kernels for elements [b0, b0 + count): the weights move before P. */
template <typename T>
static nf_status launch_update(nf_backend_ctx *ctx, const nf_rls_args *a, int32_t b0,
                               int32_t count) {
    const unsigned col_blocks = (unsigned)((a->n + 255) / 256);
    k_kernel<T><<<dim3(col_blocks, (unsigned)count), 256, 0, ctx->stream>>>(ctx->counter, *a,
                                                                            b0);
    NF_CUDA_LAUNCHED(ctx);
    scalar_kernel<T><<<(unsigned)count, 256, 0, ctx->stream>>>(ctx->counter, *a, b0);
    NF_CUDA_LAUNCHED(ctx);
    for (int32_t t = 0; t < a->targets; t++) {
        const int32_t rows = a->target[t].rows;
        const dim3 grid(col_blocks, (unsigned)(rows < 1024 ? rows : 1024), (unsigned)count);
        weights_kernel<T><<<grid, 256, 0, ctx->stream>>>(ctx->counter, *a, t, b0);
        NF_CUDA_LAUNCHED(ctx);
    }
    const unsigned row_blocks = (unsigned)(a->n < 1024 ? a->n : 1024);
    rank1_kernel<T><<<dim3(col_blocks, row_blocks, (unsigned)count), 256, 0, ctx->stream>>>(
        ctx->counter, *a, b0);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

template <typename T> static nf_status update(nf_backend_ctx *ctx, const nf_rls_args *a) {
    if (a->per_batch) {
        for (int32_t b0 = 0; b0 < a->batch; b0 += 65535) {
            const int32_t left = a->batch - b0;
            nf_status st = launch_update<T>(ctx, a, b0, left < 65535 ? left : 65535);
            if (st != NF_OK)
                return st;
        }
        return NF_OK;
    }
    for (int32_t b = 0; b < a->batch; b++) {
        nf_status st = launch_update<T>(ctx, a, b, 1);
        if (st != NF_OK)
            return st;
    }
    return NF_OK;
}

nf_status nf_cuda_rls_update(nf_backend_ctx *ctx, const nf_rls_args *a) {
    if (!a->enabled)
        return NF_OK;
    return a->f64 ? update<double>(ctx, a) : update<float>(ctx, a);
}
