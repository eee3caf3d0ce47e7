/*
 * Host fills of the library's Philox stream (kernels/math/philox.h), written
 * in kernels/cpu/random.c: the CPU backend draws both kinds with them, and the
 * CUDA backend draws its normals with nf_philox_normal and uploads them, so
 * that both backends give the same normals bit for bit.
 */
#ifndef NF_CPU_PHILOX_FILL_H
#define NF_CPU_PHILOX_FILL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dst[i] = the uniform in (0, 1] at stream position offset + i of seed. */
void nf_philox_uniform(uint64_t seed, uint64_t offset, float *dst, size_t count);

/* dst[i] = mean + std * the normal at stream position offset + i of seed. */
void nf_philox_normal(uint64_t seed, uint64_t offset, float *dst, size_t count, float mean,
                      float std);

#ifdef __cplusplus
}
#endif

#endif /* NF_CPU_PHILOX_FILL_H */
