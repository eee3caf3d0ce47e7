/*
 * The CPU population step: for every element of [batch][n],
 *   J = bias + gain * input;  out = model step (kernels/math/models.h);
 *   s = filter step of out   (kernels/math/filter.h)
 *   abs_sum += |out|         (rate statistics, when on)
 * and the post-side filter update used by event-driven connections.
 */
#include <omp.h>

#include "cpu.h"
#include "kernels/math/filter.h"
#include "kernels/math/models.h"

/* Elements [begin, end) of [batch][n], inlined once per model of the table
 * below with `model` a constant, so that nf_neuron_step's dispatch folds away. */
static inline __attribute__((always_inline)) void step_span(const nf_pop_step_args *a,
                                                            nf_model_params mp, int model,
                                                            int64_t begin, int64_t end) {
    mp.model = model;
    const nf_filter_params fp = a->filter;
    const int32_t n = a->n;
    int32_t i = (int32_t)(begin % n);
    for (int64_t e = begin; e < end; e++) {
        float J = a->bias[i] + a->gain[i] * a->input[e];
        float zero0 = 0.0f, zero1 = 0.0f, zero2 = 0.0f, aux = 0.0f;
        float *s0 = a->s0 ? &a->s0[e] : &zero0;
        float *s1 = a->s1 ? &a->s1[e] : &zero1;
        float *s2 = a->s2 ? &a->s2[e] : &zero2;
        float out = nf_neuron_step(&mp, J, s0, s1, s2);
        a->out[e] = out;
        if (a->abs_sum)
            a->abs_sum[e] += fabsf(out);
        if (a->f0)
            nf_filter_step(&fp, out, &a->f0[e], a->f1 ? &a->f1[e] : &aux);
        if (++i == n)
            i = 0;
    }
}

/* This thread's share of the elements, inside a parallel region. */
static inline __attribute__((always_inline)) void step_share(const nf_pop_step_args *a,
                                                             nf_model_params mp, int model,
                                                             int64_t total) {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    step_span(a, mp, model, total * t / threads, total * (t + 1) / threads);
}

/* Small populations run on the calling thread (a parallel region costs more
 * than their step); large ones are split evenly over the OpenMP threads. */
#define NF_STEP_MODEL(MODEL)                                                                 \
    if (total < NF_CPU_PARALLEL_MIN || nf_cpu_threads() < 2) {                               \
        step_span(a, mp, MODEL, 0, total);                                                   \
    } else {                                                                                 \
        _Pragma("omp parallel") step_share(a, mp, MODEL, total);                             \
    }

nf_status nf_cpu_population_step(nf_backend_ctx *ctx, const nf_pop_step_args *a) {
    (void)ctx;
    const nf_model_params mp = a->model;
    const int64_t total = (int64_t)a->batch * a->n;
    switch (mp.model) {
#define NF_STEP_CASE(value, prefix, consts)                                                  \
    case value: NF_STEP_MODEL(value) break;
        NF_MODEL_TABLE(NF_STEP_CASE)
#undef NF_STEP_CASE
    default: break;
    }
    return NF_OK;
}

nf_status nf_cpu_filter_step(nf_backend_ctx *ctx, const nf_filter_params *f, const float *u,
                             float *y0, float *y1, size_t count) {
    (void)ctx;
    const nf_filter_params fp = *f;
    const int64_t total = (int64_t)count;
    NF_CPU_PARALLEL(total >= NF_CPU_PARALLEL_MIN, "omp parallel for schedule(static)",
                    for (int64_t e = 0; e < total; e++) {
                        float aux = 0.0f;
                        nf_filter_step(&fp, u[e], &y0[e], y1 ? &y1[e] : &aux);
                    });
    return NF_OK;
}
