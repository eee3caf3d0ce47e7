/*
 * Dot products summed in one fixed order, whatever the vector width of the
 * clone that runs them: element j goes to partial sum (lane) j % NF_LANES, and
 * the lanes are added pairwise at the end (lane l with l + w, w = 8, 4, 2, 1).
 * Used by the RLS products and the small dense products, whose floats must not
 * depend on the CPU's AVX-512/AVX2/baseline path or on the thread count.
 * Inlined into each caller (and so compiled for the caller's clone).
 */
#ifndef NF_CPU_LANE_DOT_H
#define NF_CPU_LANE_DOT_H

#include <stdint.h>

#define NF_LANES 16

#if defined(__GNUC__)
#define NF_LANE_INLINE static inline __attribute__((always_inline))
#else
#define NF_LANE_INLINE static inline
#endif

#define NF_DEFINE_LANE_DOT(T, sfx)                                                           \
    /* The lanes added pairwise (lane l with l + w). */                                      \
    NF_LANE_INLINE T nf_lanes_sum_##sfx(T *acc) {                                            \
        for (int32_t w = NF_LANES / 2; w > 0; w /= 2)                                        \
            for (int32_t l = 0; l < w; l++)                                                  \
                acc[l] += acc[l + w];                                                        \
        return acc[0];                                                                       \
    }                                                                                        \
                                                                                             \
    /* sum x[j] y[j] over j in [j0, n), element j in lane j % NF_LANES. */                   \
    NF_LANE_INLINE T nf_lane_dot_##sfx(const T *restrict x, const T *restrict y, int32_t j0, \
                                       int32_t n) {                                          \
        T acc[NF_LANES] = {0};                                                               \
        int32_t j = j0;                                                                      \
        for (; j < n && j % NF_LANES; j++)                                                   \
            acc[j % NF_LANES] += x[j] * y[j];                                                \
        for (; j + NF_LANES <= n; j += NF_LANES)                                             \
            for (int32_t l = 0; l < NF_LANES; l++)                                           \
                acc[l] += x[j + l] * y[j + l];                                               \
        for (int32_t l = 0; j + l < n; l++)                                                  \
            acc[l] += x[j + l] * y[j + l];                                                   \
        return nf_lanes_sum_##sfx(acc);                                                      \
    }

NF_DEFINE_LANE_DOT(float, f32)
NF_DEFINE_LANE_DOT(double, f64)

#endif
