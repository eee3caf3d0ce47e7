/*
 * TENSION's full-FORCE sum-of-sinusoids example on a no-feedback echo-state
 * network (its notebook's setup): N 750 leaky tanh units
 * (x += (dt/tau)(-x + W r + u_in in), dt/tau = 0.1, dt 0.0025 s), W and the
 * readout trained by RLS on every step of 5 epochs of 801 steps, each epoch
 * the same 2 s trial, t = 0, dt, ..., 2 s:
 *   f(t) = sin(8 pi t) sin(pi t),  in(t) = 1 on the first 20 steps, else 0,
 * then scored on one more epoch with learning off (the network keeps running).
 * TENSION's draws: u_in ~ N(0, 1) for each network apart, the generator's
 * feedback u_f ~ N(0, 1), x0 ~ N(0, 0.25^2), the readout from N(0, 1/N).
 */
#include <math.h>
#include <stdlib.h>

#include "tasks.h"

nftask_tension_task nftask_tension_defaults(void) {
    nftask_tension_task t = {.n = 750,
                             .tau_steps = 10.0f,
                             .g = 1.5f,
                             .alpha = 1.0f,
                             .epochs = 5,
                             .epoch_steps = 801,
                             .pulse_steps = 20,
                             .x_init_scale = 0.25f,
                             .p_precision = NF_PRECISION_F32};
    return t;
}

double nftask_tension_target(double t) {
    const double pi = 3.14159265358979323846;
    return sin(8.0 * pi * t) * sin(pi * t);
}

static nftask_ff_spec spec_of(const nf_network *net, const nftask_tension_task *task,
                              uint64_t seed) {
    const nftask_ff_spec spec = {.n = task->n,
                                 .tau = (float)(task->tau_steps * nf_network_dt(net)),
                                 .g = task->g,
                                 .alpha = task->alpha,
                                 .learn_fraction = 1.0f,
                                 .has_input = 1,
                                 .p_precision = task->p_precision,
                                 .x_init_scale = task->x_init_scale,
                                 .normal_draws = 1,
                                 .readout_init_scale = task->n > 0 ? 1.0f / sqrtf((float)task->n)
                                                                   : 0.0f,
                                 .readout_seed = seed};
    return spec;
}

nf_status nftask_tension_build(nf_network *net, const nftask_tension_task *task, uint64_t seed,
                               nftask_ff_net *ids) {
    if (task->epochs < 1 || task->epoch_steps < 1 || task->pulse_steps < 0)
        return NF_ERR_INVALID_ARGUMENT;
    const double dt = nf_network_dt(net);
    const nftask_ff_spec spec = spec_of(net, task, seed);
    const int64_t steps = (int64_t)(task->epochs + 1) * task->epoch_steps;
    float *f = malloc(sizeof *f * (size_t)steps * 2);
    if (!f)
        return NF_ERR_OUT_OF_MEMORY;
    float *in = f + steps;
    for (int64_t k = 0; k < steps; k++) {
        f[k] = (float)nftask_tension_target((double)(k % task->epoch_steps) * dt);
        in[k] = k % task->epoch_steps < task->pulse_steps ? 1.0f : 0.0f;
    }
    nf_status st = nftask_ff_build(net, &spec, f, in, steps, ids);
    free(f);
    return st;
}

nf_status nftask_tension_run(nf_network *net, const nftask_tension_task *task, uint64_t seed,
                             nftask_errors *out) {
    nftask_ff_net ids;
    nf_status st = nftask_tension_build(net, task, seed, &ids);
    const nftask_ff_spec spec = spec_of(net, task, seed);
    const int64_t steps = (int64_t)(task->epochs + 1) * task->epoch_steps;
    const int64_t learn = (int64_t)task->epochs * task->epoch_steps;
    return st == NF_OK
               ? nftask_ff_run(net, &spec, &ids, steps, learn, learn - task->epoch_steps, 0, out)
               : st;
}
