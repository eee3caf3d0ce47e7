/*
 * TENSION's sum-of-sines benchmark with full-FORCE on a no-feedback echo-state
 * network: N 750 leaky tanh units, dt 0.0025 s, tau 10 dt, recurrent weights
 * and readout trained by RLS on every step of 5 epochs of 801 steps, then one
 * epoch with learning off. TENSION's full-FORCE reached MAE 0.0050. Prints
 * the mean absolute error of the last training epoch and of the test epoch.
 * Usage: force_tension_sines [--n N] [--epochs E] [--seed S] [--backend cpu|cuda]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/tasks.h"

int main(int argc, char **argv) {
    nf_tension_task task = nf_tension_defaults();
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.0025;
    nd.seed = 2021;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            task.n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc)
            task.epochs = atoi(argv[++i]);
        else if (!nf_example_common_option(argc, argv, &i, &nd)) {
            fprintf(stderr, "usage: %s [--n N] [--epochs E] [--seed S] [--backend cpu|cuda]\n",
                    argv[0]);
            return 2;
        }
    }
    nf_network *net = nf_example_network(&nd);
    if (!net)
        return 1;
    nf_task_errors err;
    const double t0 = nf_example_clock();
    nf_status st = nf_tension_run(net, &task, &err);
    if (st != NF_OK)
        return nf_example_fail(net, "TENSION sum of sines", st);
    const double secs = nf_example_clock() - t0;
    const int64_t steps = (int64_t)(task.epochs + 1) * task.epoch_steps;
    printf("TENSION sum of sines, full-FORCE, no-feedback ESN N %d, %d epochs of %d steps, "
           "%s backend\n",
           task.n, task.epochs, task.epoch_steps, nf_backend_name(nf_network_backend(net)));
    printf("training MAE (last epoch) %.4f   testing MAE %.4f   (%.1f us/step)\n", err.train,
           err.test, 1e6 * secs / steps);
    nf_network_destroy(net);
    return 0;
}
