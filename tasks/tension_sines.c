/*
 * TENSION's sum-of-sines benchmark, full-FORCE on a no-feedback echo-state
 * network: N 750 leaky tanh units (x += (dt/tau)(-x + W r), dt/tau = 0.1,
 * dt 0.0025 s), W and the readout trained by RLS on every step of 5 epochs of
 * 801 steps, each epoch the same 2 s of
 *   f(t) = (1.3/1.5)(sin(pi t) + sin(2 pi t)/2 + sin(3 pi t)/6 + sin(4 pi t)/3),
 * then scored on one more epoch with learning off (the network keeps running).
 */
#include <stdlib.h>

#include "tasks.h"

nftask_tension_task nftask_tension_defaults(void) {
    nftask_tension_task t = {
        .n = 750, .tau_steps = 10.0f, .g = 1.5f, .alpha = 1.0f, .epochs = 5, .epoch_steps = 801};
    return t;
}

double nftask_tension_target(double t) { return nftask_sussillo_target(60.0 * t); }

nf_status nftask_tension_run(nf_network *net, const nftask_tension_task *task, nftask_errors *out) {
    const double dt = nf_network_dt(net);
    const nftask_ff_spec spec = {.n = task->n,
                                 .tau = (float)(task->tau_steps * dt),
                                 .g = task->g,
                                 .alpha = task->alpha,
                                 .learn_fraction = 1.0f,
                                 .has_input = 0};
    if (task->epochs < 1 || task->epoch_steps < 1)
        return NF_ERR_INVALID_ARGUMENT;
    const int64_t steps = (int64_t)(task->epochs + 1) * task->epoch_steps;
    float *f = malloc(sizeof *f * (size_t)steps);
    if (!f)
        return NF_ERR_OUT_OF_MEMORY;
    for (int64_t k = 0; k < steps; k++)
        f[k] = (float)nftask_tension_target((double)(k % task->epoch_steps) * dt);
    nftask_ff_net ids;
    nf_status st = nftask_ff_build(net, &spec, f, NULL, steps, &ids);
    free(f);
    const int64_t learn = (int64_t)task->epochs * task->epoch_steps;
    return st == NF_OK
               ? nftask_ff_run(net, &spec, &ids, steps, learn, learn - task->epoch_steps, 0, out)
               : st;
}
