/* Launchers of the fused population step and the post-side filter step. */
#ifndef NF_CUDA_POPULATION_STEP_CUH
#define NF_CUDA_POPULATION_STEP_CUH

#include "common.cuh"

nf_status nf_cuda_population_step(nf_backend_ctx *ctx, const nf_pop_step_args *a);
nf_status nf_cuda_filter_step(nf_backend_ctx *ctx, const nf_filter_params *f, const float *u,
                              float *y0, float *y1, size_t count);

#endif
