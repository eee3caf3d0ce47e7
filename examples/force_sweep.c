/*
 * A batched sweep: 64 independent Sussillo & Abbott networks (per-batch
 * weights, readouts and P) trained at once, an 8 x 8 grid of the recurrent
 * gain g (1.0 .. 2.4) and the RLS regulariser alpha (P(0) = I/alpha, 0.01 ..
 * 100); prints (g, alpha, training MAE, testing MAE) per network.
 * Usage: force_sweep [--n N] [--train-steps T] [--test-steps T] [--seed S]
 *        [--backend cpu|cuda]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/tasks.h"

#define GRID 8

int main(int argc, char **argv) {
    nf_sussillo_task task = nf_sussillo_defaults();
    task.n = 300;
    task.test_steps = 2400;
    task.per_batch = 1;
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.1;
    nd.seed = 64;
    nd.batch = GRID * GRID;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            task.n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--train-steps") && i + 1 < argc)
            task.train_steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--test-steps") && i + 1 < argc)
            task.test_steps = atoll(argv[++i]);
        else if (!nf_example_common_option(argc, argv, &i, &nd)) {
            fprintf(stderr,
                    "usage: %s [--n N] [--train-steps T] [--test-steps T] [--seed S] "
                    "[--backend cpu|cuda]\n",
                    argv[0]);
            return 2;
        }
    }
    float g[GRID * GRID], alpha[GRID * GRID];
    for (int b = 0; b < GRID * GRID; b++) {
        g[b] = 1.0f + 0.2f * (b / GRID);
        alpha[b] = powf(10.0f, -2.0f + 4.0f * (float)(b % GRID) / (GRID - 1));
    }
    nf_network *net = nf_example_network(&nd);
    if (!net)
        return 1;
    const int64_t steps = task.train_steps + task.test_steps;
    double train[GRID * GRID], test[GRID * GRID];
    nf_sussillo_net ids;
    nf_status st = nf_sussillo_build(net, &task, &ids);
    if (st == NF_OK)
        st = nf_sweep_apply(net, &task, &ids, g, alpha);
    const double t0 = nf_example_clock();
    if (st == NF_OK)
        st = nf_network_run(net, steps);
    const double secs = nf_example_clock() - t0;
    if (st == NF_OK)
        st = nf_task_score_each(net, ids.error_probe, steps, 0, task.train_steps,
                                task.train_steps, train, test);
    if (st != NF_OK)
        return nf_example_fail(net, "sweep", st);
    printf("Sussillo & Abbott sweep: %d independent networks of N %d, %lld + %lld steps, "
           "%s backend, %.1f s wall (%.1f us/step for the batch)\n",
           nd.batch, task.n, (long long)task.train_steps, (long long)task.test_steps,
           nf_backend_name(nf_network_backend(net)), secs, 1e6 * secs / steps);
    printf("    g   alpha   train MAE   test MAE\n");
    for (int b = 0; b < GRID * GRID; b++)
        printf("%5.2f %7.3g %11.5f %10.5f\n", g[b], alpha[b], train[b], test[b]);
    nf_network_destroy(net);
    return 0;
}
