/*
 * Random draws on the CPU through cuRAND's host generator (Philox4_32_10):
 * the stream is fixed by (seed, offset), so the CUDA backend, which draws
 * uniforms with the device generator (an exact conversion) and normals with
 * the same host generator, yields the same values bit for bit.
 */
#include <curand.h>
#include <stdio.h>

#include "cpu.h"

static nf_status rng_fail(nf_backend_ctx *ctx, const char *what, curandStatus_t s) {
    snprintf(ctx->error, sizeof ctx->error, "cuRAND host generator: %s failed (status %d)", what,
             (int)s);
    return NF_ERR_BACKEND;
}

nf_status nf_cpu_rng_init(nf_backend_ctx *ctx) {
    curandGenerator_t g;
    curandStatus_t s = curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10);
    if (s != CURAND_STATUS_SUCCESS)
        return s == CURAND_STATUS_ALLOCATION_FAILED ? NF_ERR_OUT_OF_MEMORY : NF_ERR_BACKEND;
    ctx->rng = g;
    return NF_OK;
}

void nf_cpu_rng_free(nf_backend_ctx *ctx) {
    if (ctx->rng)
        curandDestroyGenerator((curandGenerator_t)ctx->rng);
    ctx->rng = NULL;
}

static nf_status rng_position(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset) {
    curandGenerator_t g = (curandGenerator_t)ctx->rng;
    curandStatus_t s = curandSetPseudoRandomGeneratorSeed(g, seed);
    if (s != CURAND_STATUS_SUCCESS)
        return rng_fail(ctx, "set seed", s);
    s = curandSetGeneratorOffset(g, offset);
    if (s != CURAND_STATUS_SUCCESS)
        return rng_fail(ctx, "set offset", s);
    return NF_OK;
}

nf_status nf_cpu_rng_uniform(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                             size_t count) {
    nf_status st = rng_position(ctx, seed, offset);
    if (st != NF_OK || count == 0)
        return st;
    curandStatus_t s = curandGenerateUniform((curandGenerator_t)ctx->rng, dst, count);
    return s == CURAND_STATUS_SUCCESS ? NF_OK : rng_fail(ctx, "generate uniform", s);
}

nf_status nf_cpu_rng_normal(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                            size_t count, float mean, float std) {
    nf_status st = rng_position(ctx, seed, offset);
    if (st != NF_OK || count == 0)
        return st;
    curandStatus_t s = curandGenerateNormal((curandGenerator_t)ctx->rng, dst, count, mean, std);
    return s == CURAND_STATUS_SUCCESS ? NF_OK : rng_fail(ctx, "generate normal", s);
}
