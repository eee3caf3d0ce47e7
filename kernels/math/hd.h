/*
 * NF_HD marks the step functions shared by both backends: __host__ __device__
 * under nvcc, nothing in plain C. Every function in kernels/math is
 * NF_HD static inline, float32, and free of globals.
 */
#ifndef NF_MATH_HD_H
#define NF_MATH_HD_H

#ifdef __CUDACC__
#define NF_HD __host__ __device__
#else
#define NF_HD
#endif

#include <math.h>
#include <stdint.h>

#endif /* NF_MATH_HD_H */
