/*
 * Helpers every benchmark shares: a monotonic clock, a comparator for medians,
 * the host CPU's name, and the host memcpy bandwidth that CPU figures are
 * compared against (bytes read + written per second).
 */
#ifndef NF_BENCH_COMMON_H
#define NF_BENCH_COMMON_H

#include <stddef.h>

double nfb_now(void);
int nfb_cmp_double(const void *a, const void *b);
void nfb_cpu_name(char *name, size_t capacity);
double nfb_host_copy_bandwidth(void);

#endif
