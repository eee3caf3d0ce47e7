/*
 * Random draws on the CPU: the library's Philox4x32-10 stream
 * (kernels/math/philox.h), equal bit for bit to cuRAND's host Philox
 * generator for the same seed and offset. A draw is split into Philox blocks
 * of four positions, each computed on its own, so the values do not depend
 * on how many threads share a large draw.
 */
#include "cpu.h"
#include "kernels/math/philox.h"
#include "philox_fill.h"

void nf_philox_uniform(uint64_t seed, uint64_t offset, float *dst, size_t count) {
    const int64_t blocks = (int64_t)nf_philox_draw_blocks(offset, count);
    NF_CPU_PARALLEL(count >= NF_CPU_PARALLEL_MIN, "omp parallel for schedule(static)",
                    for (int64_t j = 0; j < blocks; j++)
                        nf_philox_uniform_block(seed, offset, dst, count, (uint64_t)j););
}

void nf_philox_normal(uint64_t seed, uint64_t offset, float *dst, size_t count, float mean,
                      float std) {
    /* Each block costs two logf, sinf, cosf, so far less work pays for threads. */
    const int64_t blocks = (int64_t)nf_philox_draw_blocks(offset, count);
    NF_CPU_PARALLEL(count >= NF_CPU_PARALLEL_MIN / 16, "omp parallel for schedule(static)",
                    for (int64_t j = 0; j < blocks; j++)
                        nf_philox_normal_block(seed, offset, dst, count, mean, std, (uint64_t)j););
}

nf_status nf_cpu_rng_uniform(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                             size_t count) {
    (void)ctx;
    nf_philox_uniform(seed, offset, dst, count);
    return NF_OK;
}

nf_status nf_cpu_rng_normal(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                            size_t count, float mean, float std) {
    (void)ctx;
    nf_philox_normal(seed, offset, dst, count, mean, std);
    return NF_OK;
}
