/*
 * Sussillo & Abbott (2009), FORCE with external feedback: a chaotic network of
 * 1000 tanh units learns a sum of four sines (docs/equations.md canonical task).
 * Prints the training and testing mean absolute error and the speed.
 * Usage: force_sussillo [--batch B] [--train-steps T] [--test-steps T] [--backend cpu|cuda]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tasks/tasks.h"

int main(int argc, char **argv) {
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.1;
    nd.seed = 2009;
    nf_sussillo_task task = nf_sussillo_defaults();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            nd.batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--train-steps") && i + 1 < argc)
            task.train_steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--test-steps") && i + 1 < argc)
            task.test_steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
            nd.backend = !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
        else {
            fprintf(stderr,
                    "usage: %s [--batch B] [--train-steps T] [--test-steps T] "
                    "[--backend cpu|cuda]\n",
                    argv[0]);
            return 2;
        }
    }
    nf_network *net = NULL;
    char msg[512];
    if (nf_network_create_ex(&nd, &net, msg, sizeof msg) != NF_OK) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    nf_sussillo_net ids;
    const int64_t steps = task.train_steps + task.test_steps;
    float *e = malloc(sizeof *e * (size_t)steps * nd.batch);
    struct timespec t0, t1;
    nf_status st = e ? nf_sussillo_build(net, &task, &ids) : NF_ERR_OUT_OF_MEMORY;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st == NF_OK)
        st = nf_network_run(net, steps);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t rows = 0;
    if (st == NF_OK)
        st = nf_probe_read(net, ids.error_probe, e, (size_t)steps * nd.batch, &rows);
    if (st != NF_OK) {
        fprintf(stderr, "%s: %s\n", nf_status_string(st), nf_network_last_error(net));
        free(e);
        nf_network_destroy(net);
        return 1;
    }
    const double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("Sussillo & Abbott sum of sines, N %d, batch %d, %s backend\n", task.n, nd.batch,
           nf_backend_name(nf_network_backend(net)));
    printf("training MAE %.5f   testing MAE %.5f   (%lld + %lld steps, %.1f us/step)\n",
           nf_mean_abs(e, 0, task.train_steps, nd.batch),
           nf_mean_abs(e, task.train_steps, steps, nd.batch), (long long)task.train_steps,
           (long long)task.test_steps, 1e6 * secs / steps);
    free(e);
    nf_network_destroy(net);
    return 0;
}
