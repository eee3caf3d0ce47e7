/* Launchers of the run-state copy and finiteness check (see run_state.cu). */
#ifndef NF_CUDA_RUN_STATE_CUH
#define NF_CUDA_RUN_STATE_CUH

#include "common.cuh"

nf_status nf_cuda_state_copy(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                             void *store, int32_t restore);
nf_status nf_cuda_state_check(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                              int32_t *flags);

#endif
