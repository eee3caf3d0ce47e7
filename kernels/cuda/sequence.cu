/*
 * The sequence pass on the GPU: one kernel for the whole sequence and every
 * stage of a chain, one thread per (batch, unit) (x over units, so each
 * step's loads and stores are coalesced; y over the batch). A thread loads
 * its stages' state and per-unit filter constants once, keeps them in
 * registers through all the steps (kernels/math/sequence.h, the code the CPU
 * runs), and stores them back once. Inputs are read a few steps ahead so that
 * several loads are in flight per thread. Compiled per stage count.
 */
#include "kernels/math/sequence.h"
#include "sequence.cuh"

#define SEQ_THREADS 128
#define SEQ_AHEAD 4

/* A stage's constants, copied out of the kernel parameters into registers. */
typedef struct stage_consts {
    int32_t filter, pass_through;
    nf_model_params mp;
    nf_filter_params fp;
} stage_consts;

template <int S>
static __device__ __forceinline__ float run_stages(const stage_consts *c, float *s0, float *s1,
                                                   double *acc, bool stats, float x) {
#pragma unroll
    for (int k = 0; k < S; k++) {
        x = nf_seq_stage_step(c[k].filter, c[k].pass_through, &c[k].mp, &c[k].fp, x, &s0[k],
                              &s1[k]);
        if (stats)
            acc[k] += fabsf(x);
    }
    return x;
}

template <int S>
static __global__ void __launch_bounds__(SEQ_THREADS)
    sequence_kernel(const nf_seq_args a, const float *__restrict__ in, float *__restrict__ out) {
    const int32_t u = blockIdx.x * blockDim.x + threadIdx.x;
    if (u >= a.units)
        return;
    bool stats = false;
#pragma unroll
    for (int k = 0; k < S; k++)
        stats = stats || a.stage[k].abs_sum != NULL;
    const long long T = a.time;
    const long long stride = a.time_major ? (long long)a.batch * a.units : a.units;
    for (int32_t b = blockIdx.y; b < a.batch; b += gridDim.y) {
        const long long e = (long long)b * a.units + u;
        float s0[S], s1[S];
        double acc[S];
        stage_consts c[S];
#pragma unroll
        for (int k = 0; k < S; k++) {
            const nf_seq_stage &st = a.stage[k];
            s0[k] = st.s0 ? st.s0[e] : 0.0f;
            s1[k] = st.s1 ? st.s1[e] : 0.0f;
            acc[k] = 0.0;
            c[k].filter = st.filter;
            c[k].pass_through = st.pass_through;
            c[k].mp = st.model;
            if (st.fp)
                c[k].fp = st.fp[u];
            else
                memset(&c[k].fp, 0, sizeof c[k].fp);
        }
        const long long first = a.time_major ? e : (long long)b * T * a.units + u;
        const float *src = in + first;
        float *dst = a.return_sequences ? out + first : out;
        float x = 0.0f;
        long long t = 0;
        for (; t + SEQ_AHEAD <= T; t += SEQ_AHEAD) {
            float xs[SEQ_AHEAD];
#pragma unroll
            for (int i = 0; i < SEQ_AHEAD; i++)
                xs[i] = __ldg(src + (t + i) * stride);
#pragma unroll
            for (int i = 0; i < SEQ_AHEAD; i++) {
                x = run_stages<S>(c, s0, s1, acc, stats, xs[i]);
                if (a.return_sequences)
                    dst[(t + i) * stride] = x;
            }
        }
        for (; t < T; t++) {
            x = run_stages<S>(c, s0, s1, acc, stats, __ldg(src + t * stride));
            if (a.return_sequences)
                dst[t * stride] = x;
        }
        if (!a.return_sequences)
            out[e] = x;
#pragma unroll
        for (int k = 0; k < S; k++) {
            const nf_seq_stage &st = a.stage[k];
            if (st.s0)
                st.s0[e] = s0[k];
            if (st.s1)
                st.s1[e] = s1[k];
            if (st.abs_sum)
                st.abs_sum[e] += acc[k];
        }
    }
}

template <int S>
static void launch(nf_backend_ctx *ctx, const nf_seq_args *a) {
    const dim3 grid((a->units + SEQ_THREADS - 1) / SEQ_THREADS,
                    a->batch < 65535 ? a->batch : 65535);
    sequence_kernel<S><<<grid, SEQ_THREADS, 0, ctx->stream>>>(*a, a->in, a->out);
}

nf_status nf_cuda_sequence_apply(nf_backend_ctx *ctx, const nf_seq_args *a) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    switch (a->stages) {
    case 1: launch<1>(ctx, a); break;
    case 2: launch<2>(ctx, a); break;
    case 3: launch<3>(ctx, a); break;
    case 4: launch<4>(ctx, a); break;
    case 5: launch<5>(ctx, a); break;
    case 6: launch<6>(ctx, a); break;
    case 7: launch<7>(ctx, a); break;
    case 8: launch<8>(ctx, a); break;
    default:
        return nf_cuda_fail(ctx, NF_ERR_BACKEND, __FILE__, __LINE__, "nf_cuda_sequence_apply",
                            "stage count out of range");
    }
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}
