/*
 * Nicola & Clopath (2017), spiking FORCE on a 5 Hz sine (docs/equations.md
 * canonical task). Per step: J = bias + OMEGA r + E z with r the
 * double-exponential filtered spikes (r = r e^(-dt/tr) + h dt,
 * h = h e^(-dt/td) + spikes/(tr td)); z = w.r; e = z - sin(2 pi 5 t); every
 * `every` steps in the learning window: k = P r, P -= k k^T / (1 + r.k),
 * w -= e k (their rule, no factor c). OMEGA = G N(0,1) Bernoulli(p) / (sqrt(N) p),
 * E = Q U(-1, 1), P(0) = p0 I.
 * Set up as their scripts (LIFFORCESINE.m, IZFORCESINE.m, THETAFORCESINE.m):
 * their 1-based step i is step t = i - 1 here, f at step t is
 * sin(2 pi freq (t + 1) dt); RLS runs on the steps i with i % every == 1 and
 * imin < i < icrit (imin, icrit: learn_start, learn_stop in steps), that is
 * on the multiples t of every with imin <= t < icrit - 1; the LIF neurons
 * start refractory for tau_ref (their t_last = 0).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tasks.h"

nftask_nc_task nftask_nc_defaults(nf_model model) {
    nftask_nc_task t = {.model = NF_MODEL_LIF,
                        .n = 2000,
                        .dt = 5e-5,
                        .unit = 1.0,
                        .seconds = 15.0,
                        .learn_start = 5.0,
                        .learn_stop = 10.0,
                        .freq = 5.0,
                        .G = 0.04f,
                        .Q = 10.0f,
                        .p = 0.1f,
                        .tau_rise = 0.002f,
                        .tau_decay = 0.02f,
                        .p0 = (float)(0.1 * 5e-5),
                        .every = 50,
                        .zero_mean_rows = 1,
                        .p_precision = NF_PRECISION_F64};
    if (model == NF_MODEL_IZHIKEVICH) {
        t.model = model;
        t.dt = 0.04;
        t.unit = 1000.0;
        t.G = 5000.0f;
        t.Q = 5000.0f;
        t.tau_rise = 2.0f;
        t.tau_decay = 20.0f;
        t.p0 = 2.0f;
        t.every = 20;
        t.zero_mean_rows = 0;
    } else if (model == NF_MODEL_THETA) {
        t.model = model;
        t.dt = 1e-5;
        t.G = 10.0f;
        t.Q = 1e4f;
        t.p0 = 1e-5f;
    }
    return t;
}

/* Steps in `seconds` of model time. */
static int64_t steps_of(const nftask_nc_task *task, double seconds) {
    return (int64_t)llround(seconds * task->unit / task->dt);
}

static nf_status add_population(nf_network *net, const nftask_nc_task *task, int32_t *id) {
    nf_population_desc pd = nf_population_defaults(task->model, task->n);
    if (task->model == NF_MODEL_LIF) {
        nf_status st = nf_lif_form_apply(&pd, NF_LIF_NICOLA_CLOPATH);
        if (st != NF_OK)
            return st;
    }
    pd.filter.kind = NF_FILTER_DOUBLE_EXP;
    pd.filter.tau_rise = task->tau_rise;
    pd.filter.tau_decay = task->tau_decay;
    nf_status st = nf_population_add(net, &pd, id);
    if (st != NF_OK || task->model != NF_MODEL_LIF)
        return st;
    /* every LIF neuron refractory for tau_ref at the start, as the scripts'
     * t_last = 0: none integrates during the first 2 ms */
    const size_t count = (size_t)task->n * (size_t)nf_network_batch(net);
    float *ref = malloc(sizeof *ref * count + 1);
    if (!ref)
        return NF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < count; i++)
        ref[i] = pd.tau_ref;
    st = nf_population_set_state(net, *id, NF_STATE_REFRACTORY, ref);
    free(ref);
    return st;
}

/* The learner's window for the scripts' updates, on the steps t = i - 1 that
 * are multiples of `every` with imin <= t < icrit - 1: neurofuse learns on
 * the steps t of [start, stop) with (t - start + 1) % every == 0, so start is
 * the first such t less every - 1. An update at t = 0 (imin 0) has r = 0 and
 * changes nothing: the first one kept is then t = every. False when the
 * window holds no update. */
static bool learning_window(const nftask_nc_net *ids, int32_t every, int64_t *start,
                            int64_t *stop) {
    int64_t first = (ids->learn_start + every - 1) / every * every;
    if (first == 0)
        first = every;
    *start = first - (every - 1);
    *stop = ids->learn_stop - 1;
    return *stop > first;
}

nf_status nftask_nc_build(nf_network *net, const nftask_nc_task *task, nftask_nc_net *ids) {
    if (!(task->model == NF_MODEL_LIF || task->model == NF_MODEL_IZHIKEVICH ||
          task->model == NF_MODEL_THETA) ||
        task->n < 1 || !(task->p0 > 0.0f) || !(task->learn_stop > task->learn_start) ||
        !(task->seconds >= task->learn_stop) || task->every < 1)
        return NF_ERR_INVALID_ARGUMENT;
    ids->steps = steps_of(task, task->seconds);
    ids->learn_start = steps_of(task, task->learn_start);
    ids->learn_stop = steps_of(task, task->learn_stop);
    int64_t learner_start, learner_stop;
    if (!learning_window(ids, task->every, &learner_start, &learner_stop))
        return NF_ERR_INVALID_ARGUMENT;
    nf_status st = add_population(net, task, &ids->pop);
    if (st != NF_OK)
        return st;

    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.p = task->p;
    cd.scale = task->G / (sqrtf((float)task->n) * task->p);
    cd.zero_mean_rows = task->zero_mean_rows;
    if ((st = nf_connect(net, ids->pop, ids->pop, &cd, &ids->recurrent)) != NF_OK)
        return st;
    if ((st = nf_readout_add(net, ids->pop, 1, NULL, &ids->readout)) != NF_OK)
        return st;
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -task->Q;
    cd.high = task->Q;
    if ((st = nf_connect(net, ids->readout, ids->pop, &cd, &ids->feedback)) != NF_OK)
        return st;

    float *f = malloc(sizeof *f * (size_t)ids->steps + 1);
    if (!f)
        return NF_ERR_OUT_OF_MEMORY;
    const double two_pi = 6.28318530717958647692;
    for (int64_t t = 0; t < ids->steps; t++)
        f[t] = (float)sin(two_pi * task->freq * (double)(t + 1) * task->dt / task->unit);
    st = nftask_add_sequence(net, f, ids->steps, &ids->target);
    free(f);
    if (st != NF_OK)
        return st;

    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = ids->readout;
    ld.target = ids->target;
    ld.alpha = 1.0f / task->p0;
    ld.every = task->every;
    ld.start = learner_start;
    ld.stop = learner_stop;
    ld.rule = NF_RLS_NICOLA_CLOPATH;
    ld.p_precision = task->p_precision;
    if ((st = nf_learner_add(net, &ld, &ids->learner)) != NF_OK)
        return st;
    return nf_probe_add(net, ids->learner, NF_PROBE_ERROR, 1, &ids->error_probe);
}

nf_status nftask_nc_run(nf_network *net, const nftask_nc_task *task, nftask_errors *out) {
    nftask_nc_net ids;
    nf_status st = nftask_nc_build(net, task, &ids);
    return st == NF_OK ? nftask_run(net, ids.error_probe, ids.steps, ids.learn_start,
                                    ids.learn_stop, ids.learn_stop, out)
                       : st;
}
