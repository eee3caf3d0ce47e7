/*
 * The C side of bench/python/bench_overhead.py: the same network built and run
 * through the C API alone, timed with CLOCK_MONOTONIC.
 *   overhead_c calls N CALLS   N leaky tanh units (sparse recurrent, g 1.5, p 0.1),
 *                              CALLS calls of nf_network_run(net, 1): seconds per call
 *   overhead_c run N STEPS     one nf_network_run(net, STEPS): seconds
 * Prints one line: "<wall seconds> <process CPU seconds>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

static double clock_seconds(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) { return clock_seconds(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

static nf_network *build(int32_t n) {
    nf_network_desc nd = nf_network_defaults();
    nd.seed = 1;
    nd.backend = NF_BACKEND_CPU;
    nf_network *net = NULL;
    if (nf_network_create(&nd, &net) != NF_OK)
        return NULL;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    pd.tau = 10.0f;
    pd.x_init_scale = 0.5f;
    int32_t pop, conn;
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 0.1f;
    cd.scale = 0.0f;
    if (nf_population_add(net, &pd, &pop) != NF_OK || nf_connect(net, pop, pop, &cd, &conn) != NF_OK) {
        fprintf(stderr, "%s\n", nf_network_last_error(net));
        nf_network_destroy(net);
        return NULL;
    }
    return net;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "calls") != 0 && strcmp(argv[1], "run") != 0)) {
        fprintf(stderr, "usage: overhead_c calls N CALLS | run N STEPS\n");
        return 2;
    }
    const int32_t n = atoi(argv[2]);
    const long long count = atoll(argv[3]);
    nf_network *net = build(n);
    if (!net)
        return 1;
    double seconds, cpu;
    if (strcmp(argv[1], "calls") == 0) {
        for (int i = 0; i < 1000; i++) /* warm-up */
            nf_network_run(net, 1);
        const double t0 = now(), c0 = cpu_now();
        for (long long i = 0; i < count; i++)
            if (nf_network_run(net, 1) != NF_OK)
                return 1;
        seconds = (now() - t0) / (double)count;
        cpu = (cpu_now() - c0) / (double)count;
    } else {
        nf_network_run(net, 100);
        const double t0 = now(), c0 = cpu_now();
        if (nf_network_run(net, count) != NF_OK)
            return 1;
        seconds = now() - t0;
        cpu = cpu_now() - c0;
    }
    printf("%.9f %.9f\n", seconds, cpu);
    nf_network_destroy(net);
    return 0;
}
