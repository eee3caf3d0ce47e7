/* Launchers of the products that assemble currents (see products.cu). */
#ifndef NF_CUDA_PRODUCTS_CUH
#define NF_CUDA_PRODUCTS_CUH

#include "common.cuh"

nf_status nf_cuda_dense(nf_backend_ctx *ctx, const nf_dense_args *a);
nf_status nf_cuda_sparse(nf_backend_ctx *ctx, const nf_sparse_args *a);
nf_status nf_cuda_event(nf_backend_ctx *ctx, const nf_event_args *a);
nf_status nf_cuda_axpy(nf_backend_ctx *ctx, float *y, const float *x, float alpha, size_t count);

#endif
