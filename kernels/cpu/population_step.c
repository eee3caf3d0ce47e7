/*
 * The CPU population step: for every element of [batch][n],
 *   J = bias + gain * input;  out = model step (kernels/math/neuron.h);
 *   s = filter step of out   (kernels/math/filter.h)
 *   abs_sum += |out|         (rate statistics, when on)
 * and the post-side filter update used by event-driven connections.
 */
#include "cpu.h"
#include "kernels/math/filter.h"
#include "kernels/math/neuron.h"

nf_status nf_cpu_population_step(nf_backend_ctx *ctx, const nf_pop_step_args *a) {
    (void)ctx;
    const int64_t total = (int64_t)a->batch * a->n;
    const int32_t batch = a->batch, n = a->n;
    const nf_model_params mp = a->model;
    const nf_filter_params fp = a->filter;
#pragma omp parallel for collapse(2) schedule(static) if (total >= NF_CPU_PARALLEL_MIN)
    for (int32_t b = 0; b < batch; b++) {
        for (int32_t i = 0; i < n; i++) {
            const size_t e = (size_t)b * n + i;
            float J = a->bias[i] + a->gain[i] * a->input[e];
            float zero0 = 0.0f, zero1 = 0.0f, aux = 0.0f;
            float *s0 = a->s0 ? &a->s0[e] : &zero0;
            float *s1 = a->s1 ? &a->s1[e] : &zero1;
            float out = nf_neuron_step(&mp, J, s0, s1);
            a->out[e] = out;
            if (a->abs_sum)
                a->abs_sum[e] += fabsf(out);
            if (a->f0)
                nf_filter_step(&fp, out, &a->f0[e], a->f1 ? &a->f1[e] : &aux);
        }
    }
    return NF_OK;
}

nf_status nf_cpu_filter_step(nf_backend_ctx *ctx, const nf_filter_params *f, const float *u,
                             float *y0, float *y1, size_t count) {
    (void)ctx;
    const nf_filter_params fp = *f;
    const int64_t total = (int64_t)count;
#pragma omp parallel for schedule(static) if (total >= NF_CPU_PARALLEL_MIN)
    for (int64_t e = 0; e < total; e++) {
        float aux = 0.0f;
        nf_filter_step(&fp, u[e], &y0[e], y1 ? &y1[e] : &aux);
    }
    return NF_OK;
}
