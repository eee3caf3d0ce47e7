/*
 * What the example programs share: the --seed and --backend options, creating
 * the network with its message on failure, a monotonic clock, and reporting a
 * failed call. Also the tasks' target input: one value per step, the same for
 * every batch element.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tasks.h"

int nf_example_common_option(int argc, char **argv, int *i, nf_network_desc *nd) {
    if (*i + 1 >= argc)
        return 0;
    if (!strcmp(argv[*i], "--seed"))
        nd->seed = strtoull(argv[++*i], NULL, 10);
    else if (!strcmp(argv[*i], "--backend"))
        nd->backend = !strcmp(argv[++*i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    else
        return 0;
    return 1;
}

nf_network *nf_example_network(const nf_network_desc *nd) {
    nf_network *net = NULL;
    char msg[512];
    if (nf_network_create_ex(nd, &net, msg, sizeof msg) != NF_OK)
        fprintf(stderr, "%s\n", msg);
    return net;
}

int nf_example_fail(nf_network *net, const char *what, nf_status st) {
    fprintf(stderr, "%s: %s: %s\n", what, nf_status_string(st),
            net ? nf_network_last_error(net) : "");
    nf_network_destroy(net);
    return 1;
}

double nf_example_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

nf_status nf_task_add_sequence(nf_network *net, const float *v, int64_t steps, int32_t *id) {
    const int32_t batch = nf_network_batch(net);
    float *rows = malloc(sizeof *rows * (size_t)steps * batch + 1);
    if (!rows)
        return NF_ERR_OUT_OF_MEMORY;
    for (int64_t t = 0; t < steps; t++)
        for (int32_t b = 0; b < batch; b++)
            rows[t * batch + b] = v[t];
    nf_status st = nf_input_add(net, 1, id);
    if (st == NF_OK)
        st = nf_input_set(net, *id, steps, rows);
    free(rows);
    return st;
}
