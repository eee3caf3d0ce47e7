/* Launchers of the RLS (FORCE) updates (see rls.cu, rls_masked.cu). */
#ifndef NF_CUDA_RLS_CUH
#define NF_CUDA_RLS_CUH

#include "common.cuh"
#include "kernels/math/rls.h"

nf_status nf_cuda_rls_update(nf_backend_ctx *ctx, const nf_rls_args *a);
nf_status nf_cuda_rls_masked(nf_backend_ctx *ctx, const nf_rls_masked_args *a);

/* True when a learner with this window updates at the device counter's step. */
static __device__ __forceinline__ bool nf_cuda_rls_due(const int64_t *counter, int enabled,
                                                       int64_t every, int64_t start,
                                                       int64_t stop) {
    return nf_rls_due(enabled, every, start, stop, *counter);
}

/* The sum of every thread's v over the block (blockDim.x a power of two, at most
 * 256); every thread gets it. partial: shared memory of blockDim.x values. */
template <typename T> static __device__ T nf_cuda_block_sum(T v, T *partial) {
    partial[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s /= 2) {
        if ((int)threadIdx.x < s)
            partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    return partial[0];
}

#endif
