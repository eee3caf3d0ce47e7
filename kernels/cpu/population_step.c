/*
 * The CPU population step: for every element of [batch][n],
 *   J = bias + gain * input;  out = model step (kernels/math/models.h);
 *   s = filter step of out   (kernels/math/filter.h)
 *   abs_sum += |out|         (rate statistics, when on)
 * in pieces of up to NF_CPU_STEP_CHUNK elements of one row, each through the
 * model and then through the statistics and the filter while it is in cache;
 * and the post-side filter update used by event-driven connections.
 */
#include <omp.h>

#include "cpu.h"
#include "kernels/math/filter.h"
#include "kernels/math/models.h"

/* One model's step over elements [e0, e0 + len) of one row (i0 = e0 mod n),
 * inlined once per model of the table below with `model` a constant, so that
 * nf_neuron_step's dispatch folds away; the nengo LIF takes its vectorised
 * two-pass form (lif_step.c), the leaky rate unit its vectorised tanh
 * (leaky_rate_step.c). */
/* Whether the population takes the nengo LIF's vectorised step. */
static inline int lif_nengo_form(const nf_pop_step_args *a, const nf_model_params *mp) {
    return mp->model == NF_MODEL_LIF && mp->c.variant == NF_LIF_NENGO && !mp->c.rate_mode &&
           a->s0 && a->s1;
}

static inline __attribute__((always_inline)) void model_run(const nf_pop_step_args *a,
                                                            nf_model_params mp, int model,
                                                            int64_t e0, int32_t i0,
                                                            int32_t len) {
    mp.model = model;
    if (model == NF_MODEL_LIF && lif_nengo_form(a, &mp)) {
        nf_cpu_lif_nengo_run(&mp, a->input + e0, a->gain + i0, a->bias + i0, a->s0 + e0,
                             a->s1 + e0, a->out + e0, len);
        return;
    }
    if (model == NF_MODEL_LIF && mp.c.variant == NF_LIF_NICOLA_CLOPATH && a->s0 && a->s1) {
        nf_cpu_lif_nc_run(&mp, a->input + e0, a->gain + i0, a->bias + i0, a->s0 + e0,
                          a->s1 + e0, a->out + e0, len);
        return;
    }
    if (model == NF_MODEL_LEAKY_RATE && !(mp.c.convert && !mp.c.rate_mode) && a->s0) {
        nf_cpu_leaky_rate_run(&mp, a->input + e0, a->gain + i0, a->bias + i0, a->s0 + e0,
                              a->out + e0, len);
        return;
    }
    for (int32_t j = 0; j < len; j++) {
        const int64_t e = e0 + j;
        float J = a->bias[i0 + j] + a->gain[i0 + j] * a->input[e];
        float zero0 = 0.0f, zero1 = 0.0f, zero2 = 0.0f;
        float *s0 = a->s0 ? &a->s0[e] : &zero0;
        float *s1 = a->s1 ? &a->s1[e] : &zero1;
        float *s2 = a->s2 ? &a->s2[e] : &zero2;
        a->out[e] = nf_neuron_step(&mp, J, s0, s1, s2);
    }
}

/* The rate statistics and the output filter of elements [e0, e0 + len), fused
 * behind the model's step while they are in cache. */
static inline void step_tail(const nf_pop_step_args *a, int64_t e0, int32_t len) {
    const float *restrict out = a->out + e0;
    if (a->abs_sum) {
        double *restrict sum = a->abs_sum + e0;
        for (int32_t j = 0; j < len; j++)
            sum[j] += fabsf(out[j]);
    }
    if (a->f0)
        nf_cpu_filter_run(&a->filter, out, a->f0 + e0, a->f1 ? a->f1 + e0 : NULL, len);
}

/* Elements [begin, end) of [batch][n], in pieces of at most NF_CPU_STEP_CHUNK
 * within one row: the model, then the statistics and the filter. */
static inline __attribute__((always_inline)) void step_span(const nf_pop_step_args *a,
                                                            nf_model_params mp, int model,
                                                            int64_t begin, int64_t end) {
    const int32_t n = a->n;
    for (int64_t e0 = begin; e0 < end;) {
        const int32_t i0 = (int32_t)(e0 % n);
        int64_t len = end - e0;
        if (len > n - i0)
            len = n - i0;
        if (len > NF_CPU_STEP_CHUNK)
            len = NF_CPU_STEP_CHUNK;
        model_run(a, mp, model, e0, i0, (int32_t)len);
        step_tail(a, e0, (int32_t)len);
        e0 += len;
    }
}

/* This thread's share of the elements, inside a parallel region. */
static inline __attribute__((always_inline)) void step_share(const nf_pop_step_args *a,
                                                             nf_model_params mp, int model,
                                                             int64_t total) {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    step_span(a, mp, model, total * t / threads, total * (t + 1) / threads);
}

/* The nengo LIF's step (lif_step.c) splits from far fewer elements than the
 * memory-bound loops of NF_CPU_PARALLEL_MIN: it costs about 0.85 ns per element
 * on one core. Measured on the 2-core AMD EPYC (bench_peer_nengo, best of 21
 * runs with the threshold at 2^10, 1 / 2 threads, us per step): 1024 0.85 /
 * 1.1, 2048 1.67 / 1.54, 4096 3.5 / 2.7, 8192 6.9 / 4.7, 16384 13.6 / 8.9,
 * 32768 27 / 17, 100000 90 / 50. The region costs ~0.5 us on a quiet machine,
 * but far more (a thread spinning on a partner that is not running) when other
 * work holds the second core; from 2^14 the saving (~5 us and up) is ~10 times
 * the quiet cost. */
#define NF_CPU_LIF_PARALLEL_MIN (1 << 14)

/* Small populations run on the calling thread (a parallel region costs more
 * than their step); large ones are split evenly over the OpenMP threads. */
#define NF_STEP_MODEL(MODEL)                                                                 \
    if (total < parallel_min || nf_cpu_threads() < 2) {                                      \
        step_span(a, mp, MODEL, 0, total);                                                   \
    } else {                                                                                 \
        _Pragma("omp parallel") step_share(a, mp, MODEL, total);                             \
    }

nf_status nf_cpu_population_step(nf_backend_ctx *ctx, const nf_pop_step_args *a) {
    (void)ctx;
    const nf_model_params mp = a->model;
    const int64_t total = (int64_t)a->batch * a->n;
    const int64_t parallel_min =
        lif_nengo_form(a, &mp) ? NF_CPU_LIF_PARALLEL_MIN : NF_CPU_PARALLEL_MIN;
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
    const int64_t total = (int64_t)count;
    if (total < NF_CPU_PARALLEL_MIN || nf_cpu_threads() < 2) {
        nf_cpu_filter_run(f, u, y0, y1, total);
        return NF_OK;
    }
#pragma omp parallel
    {
        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
        const int64_t begin = total * t / threads, end = total * (t + 1) / threads;
        nf_cpu_filter_run(f, u + begin, y0 + begin, y1 ? y1 + begin : NULL, end - begin);
    }
    return NF_OK;
}
