/*
 * full-FORCE (DePasquale, Cueva, Rajan, Escola & Abbott 2018) on leaky tanh
 * units, x += dt/tau (-x + J), r = tanh(x):
 *   target-generating network  J_d = W_d r_d + u_in in + u_f f
 *   task network               J   = W r + u_in in,  z = w.r
 * W learns W r -> W_d r_d + u_f f (NF_LEARNER_CURRENTS, e_i = (W r)_i - J_d,i)
 * and w learns z -> f (NF_LEARNER_READOUT), both by RLS with P(0) = I/alpha,
 * on each learning step with probability learn_fraction. The input and
 * feedback weights are DePasquale's (uniform, u_in shared) or TENSION's
 * (normal, u_in drawn for each network), and the readout may start from a
 * normal draw (TENSION). DePasquale's oscillation task is here too: 2 s
 * trials, an input pulse, a chirp and its mirror image.
 */
#include <math.h>
#include <stdlib.h>

#include "tasks.h"

static nf_status add_rate_population(nf_network *net, const nftask_ff_spec *spec, int32_t *id) {
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, spec->n);
    pd.tau = spec->tau;
    pd.x_init_scale = spec->x_init_scale;
    return nf_population_add(net, &pd, id);
}

/* The input or feedback weights of the spec's draws: U(-1, 1) or N(0, 1). */
static nf_connection_desc drawn_weights(const nftask_ff_spec *spec) {
    nf_connection_desc cd = nf_connection_defaults();
    if (spec->normal_draws) {
        cd.init = NF_WEIGHTS_NORMAL;
        cd.p = 1.0f;
        cd.scale = 1.0f;
    } else {
        cd.init = NF_WEIGHTS_UNIFORM;
        cd.low = -1.0f;
        cd.high = 1.0f;
    }
    return cd;
}

/* A reproducible uniform in [0, 1) (splitmix64). */
static double coin(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* w[i] = scale N(0, 1), Box-Muller over coins from seed (kept apart from the
 * learning coins of the same seed). */
static void normal_draws(uint64_t seed, float scale, int32_t n, float *w) {
    const double two_pi = 6.28318530717958647692;
    seed ^= 0xd1b54a32d192ed03ull;
    for (int32_t i = 0; i < n; i += 2) {
        const double r = sqrt(-2.0 * log(1.0 - coin(&seed))), a = two_pi * coin(&seed);
        w[i] = (float)(scale * r * cos(a));
        if (i + 1 < n)
            w[i + 1] = (float)(scale * r * sin(a));
    }
}

/* The task network's readout, from zero or from the spec's normal draw. */
static nf_status add_readout(nf_network *net, const nftask_ff_spec *spec, int32_t task,
                             int32_t *id) {
    if (!(spec->readout_init_scale > 0.0f))
        return nf_readout_add(net, task, 1, NULL, id);
    float *w = malloc(sizeof *w * (size_t)spec->n);
    if (!w)
        return NF_ERR_OUT_OF_MEMORY;
    normal_draws(spec->readout_seed, spec->readout_init_scale, spec->n, w);
    const nf_readout_desc rd = {.weights = w};
    nf_status st = nf_readout_add(net, task, 1, &rd, id);
    free(w);
    return st;
}

/* The input weights u_in: drawn once into the target-generating network and
 * given to the task network unchanged (DePasquale), or drawn for each (TENSION). */
static nf_status connect_input(nf_network *net, const nftask_ff_spec *spec, const float *in,
                               int64_t steps, nftask_ff_net *ids) {
    nf_status st = nftask_add_sequence(net, in, steps, &ids->input);
    nf_connection_desc cd = drawn_weights(spec);
    if (st == NF_OK)
        st = nf_connect(net, ids->input, ids->gen, &cd, &ids->gen_in);
    if (spec->normal_draws)
        return st == NF_OK ? nf_connect(net, ids->input, ids->task, &cd, &ids->task_in) : st;
    float *u = malloc(sizeof *u * (size_t)spec->n);
    if (!u)
        return NF_ERR_OUT_OF_MEMORY;
    if (st == NF_OK)
        st = nf_connection_get_weights(net, ids->gen_in, u);
    cd = nf_connection_defaults();
    cd.weights = u;
    if (st == NF_OK)
        st = nf_connect(net, ids->input, ids->task, &cd, &ids->task_in);
    free(u);
    return st;
}

nf_status nftask_ff_build(nf_network *net, const nftask_ff_spec *spec, const float *f,
                          const float *in, int64_t steps, nftask_ff_net *ids) {
    if (spec->n < 1 || !(spec->alpha > 0.0f) || !f || (spec->has_input && !in) || steps < 1)
        return NF_ERR_INVALID_ARGUMENT;
    ids->input = ids->gen_in = ids->task_in = -1;
    nf_status st = add_rate_population(net, spec, &ids->gen);
    if (st == NF_OK)
        st = add_rate_population(net, spec, &ids->task);
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = spec->g;
    cd.p = 1.0f;
    cd.scale = 0.0f; /* g / sqrt(N) */
    if (st == NF_OK)
        st = nf_connect(net, ids->gen, ids->gen, &cd, &ids->gen_rec);
    if (st == NF_OK)
        st = nf_connect(net, ids->task, ids->task, &cd, &ids->task_rec);
    if (st == NF_OK && spec->has_input)
        st = connect_input(net, spec, in, steps, ids);
    if (st == NF_OK)
        st = nftask_add_sequence(net, f, steps, &ids->target);
    cd = drawn_weights(spec);
    if (st == NF_OK)
        st = nf_connect(net, ids->target, ids->gen, &cd, &ids->gen_fb);
    if (st == NF_OK)
        st = add_readout(net, spec, ids->task, &ids->readout);
    if (st != NF_OK)
        return st;

    const int32_t desired[2] = {ids->gen_rec, ids->gen_fb};
    nf_learner_desc ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_CURRENTS;
    ld.connection = ids->task_rec;
    ld.desired = desired;
    ld.n_desired = 2;
    ld.alpha = spec->alpha;
    ld.p_precision = spec->p_precision;
    if ((st = nf_learner_add(net, &ld, &ids->currents_learner)) != NF_OK)
        return st;
    ld = nf_learner_defaults();
    ld.readout = ids->readout;
    ld.target = ids->target;
    ld.alpha = spec->alpha;
    ld.p_precision = spec->p_precision;
    if ((st = nf_learner_add(net, &ld, &ids->readout_learner)) != NF_OK)
        return st;
    return nf_probe_add(net, ids->readout_learner, NF_PROBE_ERROR, 1, &ids->error_probe);
}

static nf_status set_learning(nf_network *net, const nftask_ff_net *ids, int on) {
    nf_status st = nf_learner_set_enabled(net, ids->currents_learner, on);
    return st == NF_OK ? nf_learner_set_enabled(net, ids->readout_learner, on) : st;
}

nf_status nftask_ff_run(nf_network *net, const nftask_ff_spec *spec, const nftask_ff_net *ids,
                        int64_t steps, int64_t learn_steps, int64_t train_from, uint64_t seed,
                        nftask_errors *out) {
    if (learn_steps < 0 || learn_steps > steps)
        return NF_ERR_INVALID_ARGUMENT;
    nf_status st = NF_OK;
    /* Runs of equal coins, so that each nf_network_run call keeps one setting. */
    int64_t t = 0;
    int on = coin(&seed) < spec->learn_fraction;
    while (t < learn_steps && st == NF_OK) {
        int64_t len = 1;
        int next = 0;
        while (t + len < learn_steps && (next = coin(&seed) < spec->learn_fraction) == on)
            len++;
        st = set_learning(net, ids, on);
        if (st == NF_OK)
            st = nf_network_run(net, len);
        t += len;
        on = next;
    }
    if (st == NF_OK)
        st = set_learning(net, ids, 0);
    if (st == NF_OK)
        st = nf_network_run(net, steps - learn_steps);
    return st == NF_OK ? nftask_score(net, ids->error_probe, steps, train_from, learn_steps,
                                      learn_steps, out)
                       : st;
}

// --- DePasquale's oscillation task

nftask_ff_oscillation_task nftask_ff_oscillation_defaults(void) {
    nftask_ff_oscillation_task t = {.n = 300,
                                    .tau = 0.01f,
                                    .g = 1.5f,
                                    .alpha = 1.0f,
                                    .learn_fraction = 0.5f,
                                    .trial_steps = 2000,
                                    .train_trials = 50,
                                    .test_trials = 5,
                                    .p_precision = NF_PRECISION_F64};
    return t;
}

double nftask_ff_oscillation_target(int64_t k, int32_t steps) {
    const double pi = 3.14159265358979323846;
    const double t = 2.0 * (double)(k % steps) / steps;
    const double u = t <= 1.0 ? t : 2.0 - t; /* the second second mirrors the first */
    const double v = sin((2.0 * pi + 4.0 * pi * u) * u);
    return t <= 1.0 ? v : -v;
}

nf_status nftask_ff_oscillation_run(nf_network *net, const nftask_ff_oscillation_task *task,
                                    uint64_t seed, nftask_errors *out) {
    const nftask_ff_spec spec = {.n = task->n,
                                 .tau = task->tau,
                                 .g = task->g,
                                 .alpha = task->alpha,
                                 .learn_fraction = task->learn_fraction,
                                 .has_input = 1,
                                 .p_precision = task->p_precision,
                                 .x_init_scale = 0.5f};
    if (task->trial_steps < 20 || task->train_trials < 1 || task->test_trials < 1)
        return NF_ERR_INVALID_ARGUMENT;
    const int64_t trials = (int64_t)task->train_trials + task->test_trials;
    const int64_t steps = trials * task->trial_steps;
    const int32_t pulse = task->trial_steps / 40; /* 50 ms of 2 s */
    float *f = malloc(sizeof *f * (size_t)steps * 2);
    if (!f)
        return NF_ERR_OUT_OF_MEMORY;
    float *in = f + steps;
    for (int64_t k = 0; k < steps; k++) {
        f[k] = (float)nftask_ff_oscillation_target(k, task->trial_steps);
        in[k] = k % task->trial_steps < pulse ? 1.0f : 0.0f;
    }
    nftask_ff_net ids;
    nf_status st = nftask_ff_build(net, &spec, f, in, steps, &ids);
    free(f);
    const int64_t learn = (int64_t)task->train_trials * task->trial_steps;
    return st == NF_OK
               ? nftask_ff_run(net, &spec, &ids, steps, learn, learn - task->trial_steps, seed, out)
               : st;
}
