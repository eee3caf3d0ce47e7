/*
 * The error of the vectorisable log1p, expm1 and tanh (kernels/cpu/vec_math.h) over
 * every float of their domain, against glibc's double functions rounded to
 * float and glibc's log1pf / expm1f / tanhf (tests/test_vec_math.c asserts it over
 * every 61st float). Usage: bench_vec_math [--stride S] (default 1: every
 * float; a few minutes per function).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/vec_math_sweep.h"

int main(int argc, char **argv) {
    uint32_t stride = 1;
    if (argc == 3 && strcmp(argv[1], "--stride") == 0 && atol(argv[2]) > 0)
        stride = (uint32_t)atol(argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: %s [--stride S]\n", argv[0]);
        return 2;
    }
    const char *names[] = {"log1p", "expm1", "tanh"};
    for (int fn = 0; fn < 3; fn++) {
        const nft_vm_stats s = nft_vm_sweep(fn, stride);
        printf("%s: %llu arguments; not the correctly rounded (double-rounded) float: %llu "
               "(max %lld ulp, at %a); differ from glibc's float function: %llu (max %lld "
               "ulp)\n",
               names[fn], (unsigned long long)s.count, (unsigned long long)s.off,
               (long long)s.max_ulp, (double)s.worst, (unsigned long long)s.off_glibc,
               (long long)s.max_ulp_glibc);
    }
    return 0;
}
