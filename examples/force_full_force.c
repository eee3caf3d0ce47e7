/*
 * full-FORCE (DePasquale et al. 2018), the oscillation task: N 300 leaky tanh
 * units (dt 1 ms, tau 10 ms, g 1.5), a target-generating network driven by the
 * target gives the task network's desired recurrent currents; RLS (P(0) = I)
 * on a random half of the steps of 2 s trials (an input pulse, then a chirp
 * and its negated mirror image). Prints the readout's mean absolute error on
 * the last training trial and on test trials with learning off (a zero
 * output scores about 0.6).
 * Usage: force_full_force [--n N] [--train-trials T] [--test-trials T] [--seed S]
 *        [--p32] [--backend cpu|cuda]
 * P is float64 unless --p32 (float32 P loses the solution after about 40 trials).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/tasks.h"

int main(int argc, char **argv) {
    nf_ff_oscillation_task task = nf_ff_oscillation_defaults();
    nf_network_desc nd = nf_network_defaults();
    nd.seed = 2018;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            task.n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--train-trials") && i + 1 < argc)
            task.train_trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--test-trials") && i + 1 < argc)
            task.test_trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--p32"))
            task.p_precision = NF_PRECISION_F32;
        else if (!nf_example_common_option(argc, argv, &i, &nd)) {
            fprintf(stderr,
                    "usage: %s [--n N] [--train-trials T] [--test-trials T] [--seed S] "
                    "[--p32] [--backend cpu|cuda]\n",
                    argv[0]);
            return 2;
        }
    }
    nd.dt = 2.0 / task.trial_steps;
    nf_network *net = nf_example_network(&nd);
    if (!net)
        return 1;
    nf_task_errors err;
    const double t0 = nf_example_clock();
    nf_status st = nf_ff_oscillation_run(net, &task, nd.seed, &err);
    if (st != NF_OK)
        return nf_example_fail(net, "full-FORCE oscillation", st);
    const double secs = nf_example_clock() - t0;
    printf("full-FORCE oscillation, N %d, %d training + %d test trials of 2 s, %s backend\n",
           task.n, task.train_trials, task.test_trials,
           nf_backend_name(nf_network_backend(net)));
    printf("training MAE (last trial) %.4f   testing MAE %.4f   (%.1f s wall)\n", err.train,
           err.test, secs);
    nf_network_destroy(net);
    return 0;
}
