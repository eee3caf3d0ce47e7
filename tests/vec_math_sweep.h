/*
 * The error of kernels/cpu/vec_math.h's log1p, expm1 and tanh, rounded to float,
 * over float arguments taken every `stride`-th bit pattern of their domain
 * (stride 1: every float): in ulps against glibc's double log1p / expm1 / tanh
 * rounded to float (the correctly rounded float but for arguments whose
 * value lies within a double's error of a midpoint), and against glibc's
 * float log1pf / expm1f / tanhf. Shared by tests/test_vec_math.c (a dense sweep) and
 * bench/bench_vec_math.c (every float).
 */
#ifndef NFT_VEC_MATH_SWEEP_H
#define NFT_VEC_MATH_SWEEP_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/vec_math.h"

typedef struct nft_vm_stats {
    uint64_t count;          /* arguments tried */
    int64_t max_ulp;         /* largest distance from double's rounded result */
    uint64_t off;            /* arguments where it is not that float */
    int64_t max_ulp_glibc;   /* largest distance from glibc's float function */
    uint64_t off_glibc;      /* arguments where it differs from glibc's float */
    float worst;             /* an argument of max_ulp */
} nft_vm_stats;

/* A float's position on the number line, in ulps (+0 and -0 both 0). */
static inline int64_t nft_vm_order(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return (b & 0x80000000u) ? -(int64_t)(b & 0x7fffffffu) : (int64_t)b;
}

static inline int64_t nft_vm_ulps(float a, float b) {
    if (a == b || (isnan(a) && isnan(b)))
        return 0;
    if (isnan(a) || isnan(b))
        return INT64_MAX;
    return llabs(nft_vm_order(a) - nft_vm_order(b));
}

/* fn 0: log1p over (-1, FLT_MAX]; 1: expm1 and 2: tanh over [-FLT_MAX, FLT_MAX]. */
static inline nft_vm_stats nft_vm_sweep(int fn, uint32_t stride) {
    nft_vm_stats s = {0};
    for (uint64_t b = 0; b <= 0xffffffffull; b += stride) {
        const uint32_t bits = (uint32_t)b;
        float x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x) || (fn == 0 && x <= -1.0f))
            continue;
        const float got = fn == 0   ? (float)nf_vm_log1p(x)
                          : fn == 1 ? (float)nf_vm_expm1(x)
                                    : (float)nf_vm_tanh(x);
        const float want = fn == 0   ? (float)log1p((double)x)
                           : fn == 1 ? (float)expm1((double)x)
                                     : (float)tanh((double)x);
        const float glibc = fn == 0 ? log1pf(x) : fn == 1 ? expm1f(x) : tanhf(x);
        const int64_t d = nft_vm_ulps(got, want), dg = nft_vm_ulps(got, glibc);
        s.count++;
        s.off += d != 0;
        s.off_glibc += dg != 0;
        if (d > s.max_ulp) {
            s.max_ulp = d;
            s.worst = x;
        }
        if (dg > s.max_ulp_glibc)
            s.max_ulp_glibc = dg;
    }
    return s;
}

#endif /* NFT_VEC_MATH_SWEEP_H */
