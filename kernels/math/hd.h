/*
 * NF_HD marks the step functions shared by both backends: __host__ __device__
 * under nvcc, nothing in plain C. Every function in kernels/math is
 * NF_HD static inline, float32, and free of globals. NF_ALWAYS_INLINE marks
 * the per-element dispatchers, so that a loop over one model folds to it.
 */
#ifndef NF_MATH_HD_H
#define NF_MATH_HD_H

#ifdef __CUDACC__
#define NF_HD __host__ __device__
#define NF_ALWAYS_INLINE __attribute__((always_inline))
#else
#define NF_HD
#define NF_ALWAYS_INLINE __attribute__((always_inline))
#endif

#include <math.h>
#include <stdint.h>

/* max(x, lo) and min(x, hi) that compile to one instruction on the host (libm's
 * fmaxf/fminf are calls there) and let a NaN x through, so that the numeric
 * check still sees it. */
NF_HD static inline float nf_at_least(float x, float lo) { return x < lo ? lo : x; }
NF_HD static inline float nf_at_most(float x, float hi) { return x > hi ? hi : x; }

#endif /* NF_MATH_HD_H */
