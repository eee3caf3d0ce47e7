/*
 * The run state the engine sets aside and checks, on the GPU: one kernel over
 * a table of buffers (nf_state_ref, in device memory) for each operation, so
 * a numeric check costs two launches however many buffers there are.
 *   copy   store[offset..] <-> buffer, 4 bytes at a time (sizes are multiples of 4)
 *   check  flags[i] = 1 when buffer i holds a value that is not finite
 * grid.y = buffer (chunks of 65535), grid.x strides over its elements.
 */
#include "run_state.cuh"

static __global__ void copy_kernel(const nf_state_ref *table, int32_t i0, char *store,
                                   int32_t restore) {
    const nf_state_ref s = table[i0 + blockIdx.y];
    const long long words = s.count * (s.f64 ? 2 : 1);
    uint32_t *saved = (uint32_t *)(store + s.offset), *live = (uint32_t *)s.ptr;
    for (long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x; j < words;
         j += (long long)gridDim.x * blockDim.x) {
        if (restore)
            live[j] = saved[j];
        else
            saved[j] = live[j];
    }
}

static __global__ void check_kernel(const nf_state_ref *table, int32_t i0, int32_t *flags) {
    const nf_state_ref s = table[i0 + blockIdx.y];
    if (!s.check)
        return;
    bool bad = false;
    for (long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x; j < s.count;
         j += (long long)gridDim.x * blockDim.x)
        bad |= s.f64 ? !isfinite(((const double *)s.ptr)[j]) : !isfinite(((const float *)s.ptr)[j]);
    if (__syncthreads_or(bad) && threadIdx.x == 0)
        flags[i0 + blockIdx.y] = 1;
}

/* Blocks along x: enough for the largest buffers, capped by the device size. */
static unsigned x_blocks(const nf_backend_ctx *ctx) { return (unsigned)ctx->sm_count * 4u; }

nf_status nf_cuda_state_copy(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                             void *store, int32_t restore) {
    for (int32_t i0 = 0; i0 < count; i0 += 65535) {
        const int32_t n = count - i0 < 65535 ? count - i0 : 65535;
        copy_kernel<<<dim3(x_blocks(ctx), (unsigned)n), 256, 0, ctx->stream>>>(
            table, i0, (char *)store, restore);
        NF_CUDA_LAUNCHED(ctx);
    }
    return NF_OK;
}

nf_status nf_cuda_state_check(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                              int32_t *flags) {
    NF_CUDA_CHECK(ctx, cudaMemsetAsync(flags, 0, (size_t)count * sizeof(int32_t), ctx->stream));
    for (int32_t i0 = 0; i0 < count; i0 += 65535) {
        const int32_t n = count - i0 < 65535 ? count - i0 : 65535;
        check_kernel<<<dim3(x_blocks(ctx), (unsigned)n), 256, 0, ctx->stream>>>(table, i0,
                                                                                  flags);
        NF_CUDA_LAUNCHED(ctx);
    }
    return NF_OK;
}
