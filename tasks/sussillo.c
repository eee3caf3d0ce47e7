/*
 * Sussillo & Abbott (2009) FORCE learning of a sum of four sines with an
 * external feedback loop: x += dt (-x + M r + w_f z), r = tanh(x), z = w.r,
 * w trained by RLS every `every` steps. With per_batch, every batch element is
 * an independent network (its own M, w_f, w and P). The same network learns
 * any signal of one or more dimensions (nftask_sussillo_build_signal).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

nftask_sussillo_task nftask_sussillo_defaults(void) {
    nftask_sussillo_task t = {.n = 1000,
                              .p = 0.1f,
                              .g = 1.5f,
                              .alpha = 1.0f,
                              .every = 2,
                              .train_steps = 14400,
                              .test_steps = 14400,
                              .per_batch = 0,
                              .dense = 0};
    return t;
}

double nftask_sussillo_target(double t) {
    const double pi = 3.14159265358979323846, w = pi / 60.0;
    return (1.3 / 1.5) * (sin(w * t) + sin(2 * w * t) / 2 + sin(3 * w * t) / 6 +
                          sin(4 * w * t) / 3);
}

double nftask_mean_abs(const float *values, int64_t from, int64_t to, int32_t batch) {
    double sum = 0.0;
    for (int64_t i = from * batch; i < to * batch; i++)
        sum += fabs(values[i]);
    return to > from ? sum / ((double)(to - from) * batch) : 0.0;
}

nf_status nftask_sussillo_build_signal(nf_network *net, const nftask_sussillo_task *task,
                                       int32_t dim, const float *signal, nftask_sussillo_net *ids) {
    const int32_t batch = nf_network_batch(net);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, task->n);
    pd.tau = 1.0f;
    pd.x_init_scale = 0.5f;
    nf_status st = nf_population_add(net, &pd, &ids->pop);
    if (st != NF_OK)
        return st;

    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = task->dense ? NF_CONNECTION_DENSE : NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.per_batch = task->per_batch;
    cd.g = task->g;
    cd.p = task->p;
    cd.scale = 0.0f;
    if ((st = nf_connect(net, ids->pop, ids->pop, &cd, &ids->recurrent)) != NF_OK)
        return st;

    nf_readout_desc rd = {.z_init_scale = 0.5f, .per_batch = task->per_batch};
    if ((st = nf_readout_add(net, ids->pop, dim, &rd, &ids->readout)) != NF_OK)
        return st;
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    cd.per_batch = task->per_batch;
    if ((st = nf_connect(net, ids->readout, ids->pop, &cd, &ids->feedback)) != NF_OK)
        return st;

    /* The signal's rows, repeated for every batch element: [steps][batch][dim]. */
    const int64_t steps = task->train_steps + task->test_steps;
    const size_t row = (size_t)dim;
    float *f = malloc(sizeof *f * (size_t)steps * (size_t)batch * row + 1);
    if (!f)
        return NF_ERR_OUT_OF_MEMORY;
    for (int64_t t = 0; t < steps; t++)
        for (int32_t b = 0; b < batch; b++)
            memcpy(f + ((size_t)t * batch + b) * row, signal + (size_t)t * row, row * sizeof *f);
    st = nf_input_add(net, dim, &ids->target);
    if (st == NF_OK)
        st = nf_input_set(net, ids->target, steps, f);
    free(f);
    if (st != NF_OK)
        return st;

    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = ids->readout;
    ld.target = ids->target;
    ld.alpha = task->alpha;
    ld.every = task->every;
    ld.stop = task->train_steps;
    if ((st = nf_learner_add(net, &ld, &ids->learner)) != NF_OK)
        return st;
    if ((st = nf_probe_add(net, ids->learner, NF_PROBE_ERROR, 1, &ids->error_probe)) != NF_OK)
        return st;
    return nf_probe_add(net, ids->readout, NF_PROBE_OUTPUT, 1, &ids->output_probe);
}

nf_status nftask_sussillo_build(nf_network *net, const nftask_sussillo_task *task,
                                nftask_sussillo_net *ids) {
    const int64_t steps = task->train_steps + task->test_steps;
    float *f = malloc(sizeof *f * (size_t)steps + 1);
    if (!f)
        return NF_ERR_OUT_OF_MEMORY;
    const double dt = nf_network_dt(net);
    for (int64_t t = 0; t < steps; t++)
        f[t] = (float)nftask_sussillo_target((double)(t + 1) * dt);
    const nf_status st = nftask_sussillo_build_signal(net, task, 1, f, ids);
    free(f);
    return st;
}
