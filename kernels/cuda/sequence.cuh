/* Launcher of the sequence pass (see nf_seq_args). */
#ifndef NF_CUDA_SEQUENCE_CUH
#define NF_CUDA_SEQUENCE_CUH

#include "common.cuh"

nf_status nf_cuda_sequence_apply(nf_backend_ctx *ctx, const nf_seq_args *a);

#endif
