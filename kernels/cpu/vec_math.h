/*
 * log1p, expm1 and tanh of a float, branch-free so that a `#pragma omp simd`
 * loop vectorises them (glibc's log1pf, expm1f and tanhf are calls with
 * branches; tanhf calls expm1f). All work in double: the float argument is exact in double, the range reduction
 * and a Taylor polynomial keep the double result within about 1e-14 relative
 * of the true value, and the caller rounds it to float once. The float is
 * therefore the correctly rounded one unless the true value lies within
 * ~1e-14 relative of a midpoint between two floats (then it may be one ulp
 * off); glibc's own functions are not correctly rounded either (up to about
 * 1 ulp), so the two differ in the last bit for a small share of arguments.
 * tests/test_vec_math.c measures the error against double log1p/expm1/tanh
 * over a dense sweep, bench/bench_vec_math.c over every float.
 *
 * Only integer operations that AVX2 has on 64-bit lanes (add, and, or,
 * shifts) are used: the integer <-> double conversions go through the 2^52
 * magic constant, so the loops vectorise on AVX2 as well as AVX-512.
 */
#ifndef NF_CPU_VEC_MATH_H
#define NF_CPU_VEC_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t nf_vm_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double nf_vm_double(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* c[0] x^(n-1) + ... + c[n-1] by Horner's rule (unrolled where inlined) */
static inline double nf_vm_poly(const double *c, int n, double x) {
    double p = c[0];
    for (int i = 1; i < n; i++)
        p = p * x + c[i];
    return p;
}

/* log1p(u) for u > -1 (u a float's value; u <= -1, NaN and infinity are the
 * caller's to avoid). When the exponent e of x = 1 + u = 2^e m (m in
 * [sqrt(1/2), sqrt(2))) is not 0, |u| > 0.29 and x is exact in double up to
 * u = 2^53 (beyond, its rounding moves the result by under 2^-53 relative);
 * when e is 0, u itself is m - 1 (exact for every u). log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <=
 * 0.1716: the series through s^15 leaves 3e-14 relative. */
static inline double nf_vm_log1p(double u) {
    const double x = 1.0 + u;
    const uint64_t ix = nf_vm_bits(x) + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    const double e = nf_vm_double(0x4330000000000000ull | (ix >> 52)) - (0x1p52 + 1023.0);
    const double m = nf_vm_double((ix & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
    const double m1 = m - 1.0;
    const double f = e == 0.0 ? u : m1;
    const double s = f / (2.0 + f), s2 = s * s;
    static const double atanh2[] = {2.0 / 15.0, 2.0 / 13.0, 2.0 / 11.0, 2.0 / 9.0,
                                    2.0 / 7.0,  2.0 / 5.0,  2.0 / 3.0,  2.0};
    const double p = nf_vm_poly(atanh2, (int)(sizeof atanh2 / sizeof *atanh2), s2);
    return e * 0x1.62e42fefa39efp-1 + s * p;
}

/* expm1(x) for finite x, clamped to [-40, 89] (below -40 the float is -1:
 * exp(x) is under half an ulp of 1; above 89 it is +infinity). x = k ln2 + r, |r| <=
 * ln2 / 2, ln2 split in two so that k ln2's high part is exact; expm1(r) by
 * its Taylor series through r^12 (5e-16 relative); expm1(x) = 2^k expm1(r)
 * + (2^k - 1). k = 0 (|x| < 0.35) returns expm1(r) itself: relative accuracy
 * near 0. */
static inline double nf_vm_expm1(double x) {
    x = x < -40.0 ? -40.0 : x;
    x = x > 89.0 ? 89.0 : x;
    const double t = x * 0x1.71547652b82fep0 + 0x1.8p52; /* k in its low bits */
    const double k = t - 0x1.8p52;
    const double r = (x - k * 0x1.62e42fee00000p-1) - k * 0x1.a39ef35793c76p-33;
    static const double taylor[] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                    1.0 / 362880.0,    1.0 / 40320.0,    1.0 / 5040.0,
                                    1.0 / 720.0,       1.0 / 120.0,      1.0 / 24.0,
                                    1.0 / 6.0,         0.5,              1.0};
    const double p = nf_vm_poly(taylor, (int)(sizeof taylor / sizeof *taylor), r) * r;
    const double scale = nf_vm_double((nf_vm_bits(t) + (1023ull - 0x4338000000000000ull)) << 52);
    return scale * p + (scale - 1.0);
}

/* tanh(x) for a float x: expm1(2|x|) / (expm1(2|x|) + 2) with x's sign, each
 * step within about 5e-16 relative (expm1 accurate near 0, so is the quotient).
 * expm1's clamp at 89 gives 1 from |x| = 44.5 on (tanh is 1 in float from
 * about 9.01); +-0 keeps its sign, NaN stays NaN, +-infinity gives +-1. */
static inline double nf_vm_tanh(double x) {
    const double e = nf_vm_expm1(2.0 * fabs(x));
    return copysign(e / (e + 2.0), x);
}

#endif /* NF_CPU_VEC_MATH_H */
