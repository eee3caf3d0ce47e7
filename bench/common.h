/*
 * Helpers every benchmark shares: a monotonic clock, a comparator for medians,
 * the host CPU's name, and the host memcpy bandwidth that CPU figures are
 * compared against (bytes read + written per second); the options of the
 * two-part benchmarks (bench_recurrent, bench_force).
 */
#ifndef NF_BENCH_COMMON_H
#define NF_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"

double nfb_now(void);
int nfb_cmp_double(const void *a, const void *b);
void nfb_cpu_name(char *name, size_t capacity);
double nfb_host_copy_bandwidth(void);

/* Creates a network; on failure prints the status and the message to stderr
 * and returns NULL. */
nf_network *nfb_network_create(const nf_network_desc *d);

/* Prints the failed call, its status and the network's message to stderr,
 * destroys net (NULL is fine); returns 1, a main's failure status. */
int nfb_fail(nf_network *net, const char *where, nf_status st);

/* [--backend cpu|cuda] [--part a|b|all] [--steps-a S] [--steps-b S]
 * [--device D], and [--csv] when allow_csv. Steps not given take
 * steps_a[cuda] / steps_b[cuda]. Returns 0, or the exit status: 2 after a
 * message or the usage on stderr, 1 when the backend is not available. */
typedef struct nfb_part_args {
    nf_backend backend;
    int part_a, part_b, csv;
    int64_t steps_a, steps_b;
    int32_t device;
} nfb_part_args;

int nfb_part_args_parse(int argc, char **argv, int allow_csv, const int64_t steps_a[2],
                        const int64_t steps_b[2], nfb_part_args *out);

#endif
