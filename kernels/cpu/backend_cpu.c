/*
 * The CPU backend's table: memory is host memory (calloc), copies are memcpy,
 * and the arithmetic lives in the other files of kernels/cpu.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kernels/math/probe.h"

int nf_cpu_threads(void) { return omp_get_max_threads(); }

static nf_status cpu_init(int32_t device, nf_backend_ctx **out) {
    (void)device;
    nf_backend_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NF_ERR_OUT_OF_MEMORY;
    /* The thread pool and team every later region reuses (see NF_CPU_PARALLEL). */
    if (nf_cpu_threads() > 1) {
#pragma omp parallel
        {
        }
    }
    *out = ctx;
    return NF_OK;
}

static void cpu_shutdown(nf_backend_ctx *ctx) { free(ctx); }

static const char *cpu_last_error(const nf_backend_ctx *ctx) { return ctx ? ctx->error : ""; }

static nf_status cpu_alloc(nf_backend_ctx *ctx, size_t bytes, void **ptr) {
    (void)ctx;
    *ptr = calloc(1, bytes ? bytes : 1);
    return *ptr ? NF_OK : NF_ERR_OUT_OF_MEMORY;
}

static void cpu_free(nf_backend_ctx *ctx, void *ptr) {
    (void)ctx;
    free(ptr);
}

static nf_status cpu_copy(nf_backend_ctx *ctx, void *dst, const void *src, size_t bytes) {
    (void)ctx;
    if (bytes)
        memmove(dst, src, bytes);
    return NF_OK;
}

NF_CPU_CLONES static nf_status cpu_fill(nf_backend_ctx *ctx, float *dst, float value,
                                        size_t count) {
    (void)ctx;
    for (size_t i = 0; i < count; i++)
        dst[i] = value;
    return NF_OK;
}

static nf_status cpu_affine_flip(nf_backend_ctx *ctx, float *dst, size_t count, float lo,
                                 float hi) {
    (void)ctx;
    for (size_t i = 0; i < count; i++)
        dst[i] = lo + (hi - lo) * (1.0f - dst[i]);
    return NF_OK;
}

static nf_status cpu_counter_set(nf_backend_ctx *ctx, int64_t value) {
    ctx->counter = value;
    return NF_OK;
}

static nf_status cpu_counter_advance(nf_backend_ctx *ctx) {
    ctx->counter++;
    return NF_OK;
}

static nf_status cpu_gather_row(nf_backend_ctx *ctx, float *dst, const float *rows,
                                int64_t row_floats, int64_t first_step) {
    const int64_t row = ctx->counter - first_step;
    memcpy(dst, rows + row * row_floats, (size_t)row_floats * sizeof(float));
    return NF_OK;
}

static nf_status cpu_probe_record(nf_backend_ctx *ctx, const nf_probe_record_args *a) {
    const int64_t row = nf_probe_row(a->every, a->start, a->rows0, a->first_step, ctx->counter);
    if (row < 0)
        return NF_OK;
    memcpy(a->buf + row * a->row_floats, a->src, (size_t)a->row_floats * sizeof(float));
    return NF_OK;
}

static const nf_backend_i cpu_backend = {
    .name = "cpu",
    .init = cpu_init,
    .shutdown = cpu_shutdown,
    .last_error = cpu_last_error,
    .synchronize = NULL,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .copy = cpu_copy,
    .fill = cpu_fill,
    .rng_uniform = nf_cpu_rng_uniform,
    .rng_normal = nf_cpu_rng_normal,
    .affine_flip = cpu_affine_flip,
    .counter_set = cpu_counter_set,
    .counter_advance = cpu_counter_advance,
    .gather_row = cpu_gather_row,
    .probe_record = cpu_probe_record,
    .population_step = nf_cpu_population_step,
    .filter_step = nf_cpu_filter_step,
    .sequence_apply = nf_cpu_sequence_apply,
    .dense = nf_cpu_dense,
    .sparse = nf_cpu_sparse,
    .event = nf_cpu_event,
    .axpy = nf_cpu_axpy,
    .rls_update = nf_cpu_rls_update,
    .rls_settle = nf_cpu_rls_settle,
    .rls_masked = nf_cpu_rls_masked,
    .state_copy = nf_cpu_state_copy,
    .state_check = nf_cpu_state_check,
};

const nf_backend_i *nf_cpu_backend(void) { return &cpu_backend; }
