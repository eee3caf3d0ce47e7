/*
 * The CPU backend's context and the helpers its files share. Elementwise
 * work over [batch][n] is spread over the cores with OpenMP once it is large
 * enough to pay for the threads.
 */
#ifndef NF_CPU_H
#define NF_CPU_H

#include "engine/backend.h"

/* Below this much work (elements, or multiply-adds) a loop runs on one thread: a
 * parallel region costs microseconds, and far more when the cores are shared. */
#define NF_CPU_PARALLEL_MIN (1 << 18)

/* Runs a loop (the variadic argument) in an OpenMP region with `directive`
 * only when `cond` holds and more than one thread is allowed; otherwise runs
 * it plainly without entering the OpenMP runtime. A region that ends up with
 * one thread (an `if` clause that fails, or one thread allowed) makes libgomp
 * allocate a team each time, and libgomp exits the process when that
 * allocation fails; regions of the full thread count reuse one team, made by
 * the warm-up region of cpu_init. */
#define NF_CPU_PARALLEL(cond, directive, ...)                                                \
    do {                                                                                     \
        if ((cond) && nf_cpu_threads() > 1) {                                                \
            _Pragma(directive) __VA_ARGS__                                                   \
        } else {                                                                             \
            __VA_ARGS__                                                                      \
        }                                                                                    \
    } while (0)

/* Before a loop whose iterations write disjoint memory the compiler cannot
 * prove disjoint: each compiler's own spelling (an unknown pragma is an error
 * under -Werror). */
#if defined(__clang__)
#define NF_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define NF_IVDEP _Pragma("GCC ivdep")
#else
#define NF_IVDEP
#endif

/* Whether hand-written x86-64 vector paths compile here (a file that has one
 * includes immintrin.h when NF_CPU_X86 and puts it in functions with
 * __attribute__((target("avx2"))) or "avx512f", chosen at run time with
 * __builtin_cpu_supports): GCC or clang on Linux. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define NF_CPU_X86 1
#else
#define NF_CPU_X86 0
#endif

/* A hot elementwise loop compiled three times on x86-64 with GCC, for AVX-512,
 * AVX2 and the baseline, the widest the CPU runs chosen when the library loads
 * (ifunc). The same float operations in each: ISO C mode contracts nothing into
 * FMA, so the results do not depend on the clone. For static functions only:
 * the ifunc of a global one would be exported. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define NF_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NF_CPU_CLONES
#endif

/* The population step's piece: elements done together by the model, then by
 * the rate statistics and the filter (a few KiB, kept in L1). */
#define NF_CPU_STEP_CHUNK 512

/* The threads an OpenMP region may use (reads a setting; allocates nothing). */
int nf_cpu_threads(void);

struct nf_backend_ctx {
    int64_t counter; /* the step counter (see nf_backend_i.counter_set) */
    char error[256];
};

nf_status nf_cpu_population_step(nf_backend_ctx *ctx, const nf_pop_step_args *a);
/* The nengo LIF (spiking, not rate mode) over len elements of one row:
 * input, v, ref and out at the run's first element, gain and bias at its
 * neuron (lif_step.c). */
void nf_cpu_lif_nengo_run(const nf_model_params *mp, const float *restrict input,
                          const float *restrict gain, const float *restrict bias,
                          float *restrict v, float *restrict ref, float *restrict out,
                          int32_t len);
/* The Nicola & Clopath LIF over len elements of one row, arguments as
 * nf_cpu_lif_nengo_run's (lif_nc_step.c). */
void nf_cpu_lif_nc_run(const nf_model_params *mp, const float *restrict input,
                       const float *restrict gain, const float *restrict bias, float *restrict v,
                       float *restrict ref, float *restrict out, int32_t len);
/* One filter over count elements: y0, y1 advanced with inputs u (y1 NULL: a
 * one-variable filter); the loop of nf_cpu_filter_step and of the population
 * step's output filter (filter_run.c). */
void nf_cpu_filter_run(const nf_filter_params *f, const float *restrict u, float *restrict y0,
                       float *restrict y1, int64_t count);
/* The leaky rate unit whose output is its rate, over len elements of one row
 * as above, x its state s0 (leaky_rate_step.c). */
void nf_cpu_leaky_rate_run(const nf_model_params *mp, const float *restrict input,
                           const float *restrict gain, const float *restrict bias,
                           float *restrict x, float *restrict out, int32_t len);
nf_status nf_cpu_filter_step(nf_backend_ctx *ctx, const nf_filter_params *f, const float *u,
                             float *y0, float *y1, size_t count);
nf_status nf_cpu_sequence_apply(nf_backend_ctx *ctx, const nf_seq_args *a);
nf_status nf_cpu_dense(nf_backend_ctx *ctx, const nf_dense_args *a);
nf_status nf_cpu_sparse(nf_backend_ctx *ctx, const nf_sparse_args *a);
nf_status nf_cpu_event(nf_backend_ctx *ctx, const nf_event_args *a);
nf_status nf_cpu_rls_update(nf_backend_ctx *ctx, const nf_rls_args *a);
nf_status nf_cpu_rls_settle(nf_backend_ctx *ctx, void *p, void *owed, int32_t n, int32_t copies,
                           int32_t f64, int32_t apply);
nf_status nf_cpu_rls_masked(nf_backend_ctx *ctx, const nf_rls_masked_args *a);
nf_status nf_cpu_state_copy(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                            void *store, int32_t restore);
nf_status nf_cpu_state_check(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                             int32_t *flags);
nf_status nf_cpu_axpy(nf_backend_ctx *ctx, float *y, const float *x, float alpha, size_t count);
nf_status nf_cpu_rng_uniform(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                             size_t count);
nf_status nf_cpu_rng_normal(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                            size_t count, float mean, float std);

#endif /* NF_CPU_H */
