/*
 * The fused population step on the GPU, one thread per element of [batch][n]
 * (x over neurons, y over the batch; coalesced structure-of-arrays): J = bias + gain * input; the
 * model's step (kernels/math/models.h, the same code the CPU runs); the
 * output filter (kernels/math/filter.h); the rate statistics' |out| sum when
 * on. State is held in registers for the step and written back once.
 */
#include "kernels/math/filter.h"
#include "kernels/math/models.h"
#include "population_step.cuh"

static __global__ void population_step_kernel(nf_model_params mp, nf_filter_params fp,
                                              int32_t batch, int32_t n,
                                              const float *__restrict__ input,
                                              const float *__restrict__ gain,
                                              const float *__restrict__ bias, float *s0,
                                              float *s1, float *s2, float *__restrict__ out,
                                              float *f0,
                                              float *f1, double *abs_sum) {
    for (int32_t b = blockIdx.y; b < batch; b += gridDim.y) {
        for (int32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
             i += gridDim.x * blockDim.x) {
            const long long e = (long long)b * n + i;
            const float J = bias[i] + gain[i] * input[e];
            float a = s0 ? s0[e] : 0.0f, c = s1 ? s1[e] : 0.0f, d = s2 ? s2[e] : 0.0f;
            const float o = nf_neuron_step(&mp, J, &a, &c, &d);
            if (s0)
                s0[e] = a;
            if (s1)
                s1[e] = c;
            if (s2)
                s2[e] = d;
            out[e] = o;
            if (abs_sum)
                abs_sum[e] += fabsf(o);
            if (f0) {
                float y0 = f0[e], y1 = f1 ? f1[e] : 0.0f;
                nf_filter_step(&fp, o, &y0, &y1);
                f0[e] = y0;
                if (f1)
                    f1[e] = y1;
            }
        }
    }
}

static __global__ void filter_step_kernel(nf_filter_params fp, long long count,
                                          const float *__restrict__ u, float *y0, float *y1) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
         e += (long long)gridDim.x * blockDim.x) {
        float a = y0[e], b = y1 ? y1[e] : 0.0f;
        nf_filter_step(&fp, u[e], &a, &b);
        y0[e] = a;
        if (y1)
            y1[e] = b;
    }
}

nf_status nf_cuda_population_step(nf_backend_ctx *ctx, const nf_pop_step_args *a) {
    /* x covers the neurons of an element, y the batch: no division per thread. */
    const dim3 grid((a->n + 255) / 256, a->batch < 65535 ? a->batch : 65535);
    population_step_kernel<<<grid, 256, 0, ctx->stream>>>(a->model, a->filter, a->batch, a->n,
                                                          a->input, a->gain, a->bias, a->s0,
                                                          a->s1, a->s2, a->out, a->f0, a->f1,
                                                          a->abs_sum);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

nf_status nf_cuda_filter_step(nf_backend_ctx *ctx, const nf_filter_params *f, const float *u,
                              float *y0, float *y1, size_t count) {
    filter_step_kernel<<<nf_cuda_blocks(ctx, (long long)count, 256), 256, 0, ctx->stream>>>(
        *f, (long long)count, u, y0, y1);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}
