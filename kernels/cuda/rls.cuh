/* Launcher of the RLS (FORCE) update (see rls.cu). */
#ifndef NF_CUDA_RLS_CUH
#define NF_CUDA_RLS_CUH

#include "common.cuh"

nf_status nf_cuda_rls_update(nf_backend_ctx *ctx, const nf_rls_args *a);

#endif
