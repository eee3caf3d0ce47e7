/*
 * The CUDA backend's context and its error handling: every CUDA and cuBLAS
 * call goes through a check that writes file:line, the call and the
 * library's error text into the context and returns a status (never exits).
 */
#ifndef NF_CUDA_COMMON_CUH
#define NF_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stdio.h>

#include "engine/backend.h"

struct nf_backend_ctx {
    int device;
    int sm_count;
    cudaStream_t stream;
    cublasHandle_t cublas;
    void *cublas_workspace;
    int64_t *counter;       /* device step counter */
    int capturing;          /* inside cudaStreamBeginCapture .. EndCapture */
    char error[512];
};

/* Records a failure and returns its status. */
nf_status nf_cuda_fail(nf_backend_ctx *ctx, nf_status st, const char *file, int line,
                       const char *call, const char *text);

#define NF_CUDA_CHECK(ctx, call)                                                              \
    do {                                                                                      \
        cudaError_t nf_e_ = (call);                                                           \
        if (nf_e_ != cudaSuccess) {                                                           \
            cudaGetLastError(); /* clear it, or the next launch check reports it */           \
            return nf_cuda_fail((ctx),                                                        \
                                nf_e_ == cudaErrorMemoryAllocation ? NF_ERR_OUT_OF_MEMORY     \
                                                                   : NF_ERR_BACKEND,          \
                                __FILE__, __LINE__, #call, cudaGetErrorString(nf_e_));         \
        }                                                                                     \
    } while (0)

#define NF_CUBLAS_CHECK(ctx, call)                                                            \
    do {                                                                                      \
        cublasStatus_t nf_s_ = (call);                                                        \
        if (nf_s_ != CUBLAS_STATUS_SUCCESS)                                                   \
            return nf_cuda_fail((ctx),                                                        \
                                nf_s_ == CUBLAS_STATUS_ALLOC_FAILED ? NF_ERR_OUT_OF_MEMORY    \
                                                                    : NF_ERR_BACKEND,         \
                                __FILE__, __LINE__, #call, cublasGetStatusString(nf_s_));      \
    } while (0)

/* Checks the launch just made. */
#define NF_CUDA_LAUNCHED(ctx) NF_CUDA_CHECK(ctx, cudaGetLastError())

/* Blocks of `threads` for a grid-stride loop over `count` elements. */
static inline unsigned nf_cuda_blocks(const nf_backend_ctx *ctx, long long count,
                                      unsigned threads) {
    long long blocks = (count + threads - 1) / threads;
    long long cap = (long long)ctx->sm_count * 32;
    if (blocks > cap)
        blocks = cap;
    return blocks < 1 ? 1u : (unsigned)blocks;
}

#endif /* NF_CUDA_COMMON_CUH */
