/*
 * The vectorisable log1p, expm1 and tanh of kernels/cpu/vec_math.h (the CPU
 * nengo LIF step's spike times and partial steps, the leaky rate unit's
 * output), rounded to float, against glibc's double log1p / expm1 / tanh
 * rounded to float over every 61st float of their domain (52, 70 and 70
 * million arguments): never more than 1 ulp off, and off at all (a value
 * within a double's error of a midpoint between two floats) for under one
 * argument in 10^5. Also a few exact values. bench/bench_vec_math.c runs every
 * float.
 */
#include <float.h>

#include "common.h"
#include "vec_math_sweep.h"

TestSuite(vec_math, .timeout = 300);

#define SWEEP_STRIDE 61

static void check_sweep(int fn, const char *name) {
    const nft_vm_stats s = nft_vm_sweep(fn, SWEEP_STRIDE);
    cr_log_info("%s: %llu arguments, %llu not the rounded double (max %lld ulp, at %a), "
                "%llu differ from glibc's float (max %lld ulp)",
                name, (unsigned long long)s.count, (unsigned long long)s.off,
                (long long)s.max_ulp, (double)s.worst, (unsigned long long)s.off_glibc,
                (long long)s.max_ulp_glibc);
    cr_assert_gt(s.count, 50000000ull, "%s: sweep covered %llu arguments", name,
                 (unsigned long long)s.count);
    cr_assert_leq(s.max_ulp, 1, "%s: %lld ulp from the rounded double at %a", name,
                  (long long)s.max_ulp, (double)s.worst);
    cr_assert_lt(s.off * 100000ull, s.count, "%s: %llu of %llu not the rounded double", name,
                 (unsigned long long)s.off, (unsigned long long)s.count);
    /* glibc's float functions are themselves within about 1 ulp */
    cr_assert_leq(s.max_ulp_glibc, 2, "%s: %lld ulp from glibc's float", name,
                  (long long)s.max_ulp_glibc);
}

Test(vec_math, log1p_within_one_ulp_over_its_domain) {
    check_sweep(0, "log1p");
}

Test(vec_math, expm1_within_one_ulp_over_its_domain) {
    check_sweep(1, "expm1");
}

Test(vec_math, tanh_within_one_ulp_over_its_domain) {
    check_sweep(2, "tanh");
}

Test(vec_math, exact_values_and_limits) {
    cr_assert_eq((float)nf_vm_log1p(0.0f), 0.0f);
    cr_assert_eq((float)nf_vm_expm1(0.0f), 0.0f);
    cr_assert_eq((float)nf_vm_log1p(1.0f), 0.693147180559945309f);
    cr_assert_eq((float)nf_vm_log1p(-0.5f), -0.693147180559945309f);
    cr_assert_eq((float)nf_vm_expm1(0.693147180559945309f), 1.0f);
    cr_assert_eq((float)nf_vm_log1p(0x1p-140f), 0x1p-140f, "subnormal: log1p(u) = u");
    cr_assert_eq((float)nf_vm_expm1(-0x1p-140f), -0x1p-140f, "subnormal: expm1(x) = x");
    cr_assert_eq((float)nf_vm_expm1(-1000.0f), -1.0f);
    cr_assert(isinf((float)nf_vm_expm1(100.0f)));
    cr_assert_eq((float)nf_vm_log1p(FLT_MAX), (float)log1p((double)FLT_MAX));
    cr_assert_eq((float)nf_vm_log1p(-1.0f + 0x1p-24f), (float)log1p(-1.0 + 0x1p-24));
    cr_assert(signbit((float)nf_vm_tanh(-0.0f)) && (float)nf_vm_tanh(-0.0f) == 0.0f);
    cr_assert_eq((float)nf_vm_tanh(0x1p-140f), 0x1p-140f, "subnormal: tanh(x) = x");
    cr_assert_eq((float)nf_vm_tanh(9.1f), 1.0f);
    cr_assert_eq((float)nf_vm_tanh(-1000.0f), -1.0f);
    cr_assert_eq((float)nf_vm_tanh(INFINITY), 1.0f);
    cr_assert_eq((float)nf_vm_tanh(-INFINITY), -1.0f);
    cr_assert(isnan((float)nf_vm_tanh(NAN)));
}
