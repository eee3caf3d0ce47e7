/*
 * Products on the GPU:
 *   dense   y[b] = beta y[b] + W_b x[b]: one cuBLAS GEMM over the batch (row-major
 *           W [rows][cols] is column-major W^T), strided-batched when each
 *           element has its own matrix or is computed on its own (per_element:
 *           shared W at stride 0);
 *   sparse  CSR, one thread per (element, row), each row summed in the lane
 *           order of kernels/math/csr_row.h (the CPU's order);
 *   event   per element, a block lists the pre neurons with x != 0 in index
 *           order (block scan), then y[b] = +0 + x[b][j] W[:, j] + ... over
 *           that list:
 *           dense columns by one thread per post neuron, CSC columns one
 *           after the other by a block per element (rows of a column are
 *           distinct, so no atomics and the same sum order every run);
 *   axpy    y += alpha x.
 */
#include <cub/block/block_scan.cuh>

#include "kernels/math/csr_row.h"
#include "products.cuh"

nf_status nf_cuda_dense(nf_backend_ctx *ctx, const nf_dense_args *a) {
    const float one = 1.0f, beta = a->beta;
    if (!a->per_batch && !a->per_element)
        NF_CUBLAS_CHECK(ctx, cublasSgemm(ctx->cublas, CUBLAS_OP_T, CUBLAS_OP_N, a->rows, a->batch,
                                         a->cols, &one, a->w, a->cols, a->x, a->cols, &beta,
                                         a->y, a->rows));
    else
        NF_CUBLAS_CHECK(ctx, cublasSgemmStridedBatched(
                                 ctx->cublas, CUBLAS_OP_T, CUBLAS_OP_N, a->rows, 1, a->cols, &one,
                                 a->w, a->cols, a->per_batch ? (long long)a->rows * a->cols : 0,
                                 a->x, a->cols,
                                 a->cols, &beta, a->y, a->rows, a->rows, a->batch));
    return NF_OK;
}

static __global__ void csr_kernel(int32_t rows, int32_t cols, long long nnz, int per_batch,
                                  long long total, const int32_t *__restrict__ row_ptr,
                                  const int32_t *__restrict__ col, const float *__restrict__ val,
                                  const float *__restrict__ x, float *__restrict__ y) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const long long b = e / rows;
        const int32_t i = (int32_t)(e % rows);
        const float *v = per_batch ? val + b * nnz : val;
        const float *xb = x + b * cols;
        y[e] += nf_csr_row_sum(col, v, xb, row_ptr[i], row_ptr[i + 1]);
    }
}

nf_status nf_cuda_sparse(nf_backend_ctx *ctx, const nf_sparse_args *a) {
    const long long total = (long long)a->batch * a->rows;
    csr_kernel<<<nf_cuda_blocks(ctx, total, 256), 256, 0, ctx->stream>>>(
        a->rows, a->cols, a->nnz, a->per_batch, total, a->row_ptr, a->col, a->val, a->x, a->y);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

// --- event-driven propagation

#define NF_LIST_THREADS 512

/* Block b writes the indices j with x[b][j] != 0, increasing, and their count
 * (at spikes[b][pre]). */
static __global__ void list_spikes_kernel(int32_t pre, const float *__restrict__ x,
                                          int32_t *__restrict__ spikes) {
    typedef cub::BlockScan<int, NF_LIST_THREADS> scan_t;
    __shared__ typename scan_t::TempStorage temp;
    __shared__ int base;
    const long long b = blockIdx.x;
    const float *xb = x + b * pre;
    int32_t *list = spikes + b * (long long)(pre + 1);
    if (threadIdx.x == 0)
        base = 0;
    __syncthreads();
    for (int32_t start = 0; start < pre; start += NF_LIST_THREADS) {
        const int32_t j = start + (int32_t)threadIdx.x;
        const int flag = (j < pre && xb[j] != 0.0f) ? 1 : 0;
        int pos, total;
        scan_t(temp).ExclusiveSum(flag, pos, total);
        if (flag)
            list[base + pos] = j;
        __syncthreads();
        if (threadIdx.x == 0)
            base += total;
        __syncthreads();
    }
    if (threadIdx.x == 0)
        list[pre] = base;
}

static __global__ void event_dense_kernel(int32_t batch, int32_t pre, int32_t post,
                                          int per_batch, const int32_t *__restrict__ spikes,
                                          const float *__restrict__ wt,
                                          const float *__restrict__ x, float *__restrict__ y) {
    const int32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= post)
        return;
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
    const int32_t *list = spikes + b * (long long)(pre + 1);
    const int32_t count = list[pre];
    const float *w = per_batch ? wt + b * (long long)pre * post : wt;
    const float *xb = x + b * pre;
    float sum = 0.0f; /* y is not read */
    for (int32_t k = 0; k < count; k++) {
        const int32_t j = list[k];
        sum += xb[j] * w[(long long)j * post + i];
    }
    y[b * post + i] = sum;
    }
}

static __global__ void event_csc_kernel(int32_t pre, int32_t post, long long nnz, int per_batch,
                                        const int32_t *__restrict__ spikes,
                                        const int32_t *__restrict__ col_ptr,
                                        const int32_t *__restrict__ row,
                                        const float *__restrict__ val,
                                        const float *__restrict__ x, float *__restrict__ y) {
    const long long b = blockIdx.x;
    const int32_t *list = spikes + b * (long long)(pre + 1);
    const int32_t count = list[pre];
    const float *v = per_batch ? val + b * nnz : val;
    const float *xb = x + b * pre;
    float *yb = y + b * post;
    for (int32_t i = threadIdx.x; i < post; i += blockDim.x)
        yb[i] = 0.0f;
    __syncthreads();
    for (int32_t k = 0; k < count; k++) {
        const int32_t j = list[k];
        const float xj = xb[j];
        for (int32_t p = col_ptr[j] + threadIdx.x; p < col_ptr[j + 1]; p += blockDim.x)
            yb[row[p]] += xj * v[p];
        __syncthreads();
    }
}

nf_status nf_cuda_event(nf_backend_ctx *ctx, const nf_event_args *a) {
    list_spikes_kernel<<<a->batch, NF_LIST_THREADS, 0, ctx->stream>>>(a->pre, a->x, a->spikes);
    NF_CUDA_LAUNCHED(ctx);
    if (!a->col_ptr) {
        dim3 grid((unsigned)((a->post + 255) / 256), (unsigned)(a->batch < 65535 ? a->batch : 65535));
        event_dense_kernel<<<grid, 256, 0, ctx->stream>>>(a->batch, a->pre, a->post,
                                                          a->per_batch, a->spikes, a->wt, a->x,
                                                          a->y);
    } else {
        event_csc_kernel<<<a->batch, 256, 0, ctx->stream>>>(a->pre, a->post, a->nnz,
                                                            a->per_batch, a->spikes, a->col_ptr,
                                                            a->row, a->wt, a->x, a->y);
    }
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

static __global__ void axpy_kernel(long long count, float alpha, const float *__restrict__ x,
                                   float *__restrict__ y) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
         e += (long long)gridDim.x * blockDim.x)
        y[e] += alpha * x[e];
}

nf_status nf_cuda_axpy(nf_backend_ctx *ctx, float *y, const float *x, float alpha, size_t count) {
    axpy_kernel<<<nf_cuda_blocks(ctx, (long long)count, 256), 256, 0, ctx->stream>>>(
        (long long)count, alpha, x, y);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}
