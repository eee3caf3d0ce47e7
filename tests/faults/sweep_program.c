/*
 * The allocation sweep's program: a network with every connection kind
 * (dense, sparse, identity, event-driven dense and sparse, output feedback),
 * a readout, each learner kind (F32 and F64 P, masked by mask, by weights
 * and sparse), probes of every kind, rate statistics, runs in both modes,
 * probe read and .npy writes (through links too), energy, a checkpoint saved
 * and loaded, reset; .npy files
 * read (float and double); a device query; layers of every kind applied
 * alone and as a chain. One public call (rarely two) per step.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_program.h"

#define BATCH 2
#define ROWS 64

/* Makes a public call, recording its name: a failure's message must begin with it. */
#define CALL(f, ...) (c->called = #f, f(__VA_ARGS__))


static nf_status add_object(ctx *c, nf_status st, int32_t id, nft_kind kind, int32_t size,
                            int32_t n, int32_t copies) {
    if (st != NF_OK)
        return st;
    if (id != c->n_obj || c->n_obj < 0 || c->n_obj >= (int)(sizeof c->obj / sizeof *c->obj)) {
        snprintf(c->msg, sizeof c->msg, "id %d where %d was next: a failed call kept an object",
                 id, c->n_obj);
        fprintf(stderr, "alloc_sweep: %s\n", c->msg);
        exit(1);
    }
    c->obj[c->n_obj++] = (nft_object){.id = id, .kind = kind, .size = size, .n = n,
                                      .copies = copies};
    return st;
}

static float sample(int i) { return (float)sin(0.37 * i + 0.1); }

static float *values(int count) {
    static float v[ROWS * BATCH * 16];
    for (int i = 0; i < count; i++)
        v[i] = sample(i);
    return v;
}

// network, populations, inputs

static nf_status s_create(ctx *c) {
    nf_network_desc d = nf_network_defaults();
    d.batch = BATCH;
    d.seed = 7;
    d.backend = NF_BACKEND_CPU;
    nf_status st = CALL(nf_network_create_ex, &d, &c->net, c->msg, sizeof c->msg);
    if (st != NF_OK && c->net) {
        fprintf(stderr, "alloc_sweep: a failed nf_network_create_ex returned a network\n");
        exit(1);
    }
    return st;
}

static nf_status pop(ctx *c, nf_population_desc *d, int32_t *id) {
    int32_t got = -1;
    nf_status st = CALL(nf_population_add, c->net, d, &got);
    if (st == NF_OK)
        *id = got;
    return add_object(c, st, got, NFT_POP, d->n, 0, 0);
}

static nf_status s_pop_lif(ctx *c) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, 8);
    float gains[8];
    for (int i = 0; i < 8; i++)
        gains[i] = 1.0f + 0.1f * i;
    d.gains = gains;
    d.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.005f};
    return pop(c, &d, &c->lif);
}

static nf_status s_pop_leaky(ctx *c) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, 6);
    d.tau = 0.01f;
    d.x_init_scale = 0.5f;
    d.filter = (nf_filter_desc){.kind = NF_FILTER_ALPHA, .tau = 0.01f};
    return pop(c, &d, &c->leaky);
}

static nf_status s_pop_tanh(ctx *c) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, 6);
    d.spiking = 1;
    d.filter = (nf_filter_desc){.kind = NF_FILTER_DOUBLE_EXP, .tau_rise = 0.002f,
                                .tau_decay = 0.02f};
    return pop(c, &d, &c->tanh_s);
}

static nf_status s_pop_relu(ctx *c) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 6);
    return pop(c, &d, &c->relu);
}

static nf_status s_pop_izh(ctx *c) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, 4);
    nf_izhikevich_preset_apply(&d, NF_IZHIKEVICH_FS);
    return pop(c, &d, &c->izh);
}

static nf_status input(ctx *c, int32_t dim, int32_t *id) {
    int32_t got = -1;
    nf_status st = CALL(nf_input_add, c->net, dim, &got);
    if (st == NF_OK)
        *id = got;
    return add_object(c, st, got, NFT_INPUT, dim, 0, 0);
}

static nf_status s_in_drive(ctx *c) { return input(c, 8, &c->drive); }
static nf_status s_in_target(ctx *c) { return input(c, 2, &c->target); }
static nf_status s_in_rows(ctx *c) { return input(c, 6, &c->rows_target); }

static nf_status s_set_drive(ctx *c) {
    float *v = values(ROWS * BATCH * 8);
    for (int i = 0; i < ROWS * BATCH * 8; i++)
        v[i] = 40.0f + 30.0f * v[i];
    return CALL(nf_input_set, c->net, c->drive, ROWS, v);
}

static nf_status s_set_target(ctx *c) {
    return CALL(nf_input_set, c->net, c->target, ROWS, values(ROWS * BATCH * 2));
}

static nf_status s_set_rows(ctx *c) {
    return CALL(nf_input_set, c->net, c->rows_target, ROWS, values(ROWS * BATCH * 6));
}

// connections

static nf_status conn(ctx *c, int32_t pre, int32_t post, const nf_connection_desc *d,
                      int32_t *id) {
    int32_t got = -1;
    nf_status st = CALL(nf_connect, c->net, pre, post, d, &got);
    if (st == NF_OK)
        *id = got;
    return add_object(c, st, got, NFT_CONN, 0, 0, 0);
}

static nf_status s_identity(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.kind = NF_CONNECTION_IDENTITY;
    d.scale = 2.0f;
    return conn(c, c->drive, c->lif, &d, &c->c_identity);
}

static nf_status s_event_dense(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_NORMAL;
    d.scale = 0.0f;
    d.g = 1.2f;
    return conn(c, c->lif, c->leaky, &d, &c->c_event_dense); /* LIF spikes: event-driven */
}

static nf_status s_event_sparse(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.kind = NF_CONNECTION_SPARSE;
    d.init = NF_WEIGHTS_NORMAL;
    d.p = 0.5f;
    d.scale = 0.0f;
    d.zero_mean_rows = 1;
    d.propagation = NF_PROPAGATION_EVENT;
    return conn(c, c->lif, c->tanh_s, &d, &c->c_event_sparse);
}

static nf_status s_recurrent(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_NORMAL;
    d.scale = 0.0f;
    d.g = 1.5f;
    return conn(c, c->leaky, c->leaky, &d, &c->c_recurrent);
}

static nf_status s_sparse_given(ctx *c) {
    /* 6 x 6, two entries a row */
    int32_t row_ptr[7], col[12];
    float w[12];
    for (int i = 0; i <= 6; i++)
        row_ptr[i] = 2 * i;
    for (int i = 0; i < 6; i++) {
        col[2 * i] = i < 5 ? i : 0;
        col[2 * i + 1] = i < 5 ? i + 1 : 5;
        w[2 * i] = 0.3f;
        w[2 * i + 1] = -0.2f;
    }
    nf_connection_desc d = nf_connection_defaults();
    d.kind = NF_CONNECTION_SPARSE;
    d.row_ptr = row_ptr;
    d.col_idx = col;
    d.nnz = 12;
    d.weights = w;
    return conn(c, c->leaky, c->tanh_s, &d, &c->c_sparse);
}

static nf_status s_readout(ctx *c) {
    nf_readout_desc d = {.per_batch = 0, .weights = NULL, .z_init_scale = 0.1f};
    int32_t got = -1;
    nf_status st = CALL(nf_readout_add, c->net, c->leaky, 2, &d, &got);
    if (st == NF_OK)
        c->readout = got;
    return add_object(c, st, got, NFT_READOUT, 2, 6, 1);
}

static nf_status s_feedback(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_UNIFORM;
    d.low = -1.0f;
    d.high = 1.0f;
    return conn(c, c->readout, c->leaky, &d, &c->c_feedback);
}

static nf_status s_learn_currents_conn(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_ZERO;
    return conn(c, c->leaky, c->relu, &d, &c->c_learn_currents);
}

static nf_status s_desired(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_NORMAL;
    d.scale = 0.5f;
    d.propagation = NF_PROPAGATION_DENSE; /* from a spiking population, kept dense */
    return conn(c, c->tanh_s, c->relu, &d, &c->c_desired);
}

static nf_status s_per_batch(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_UNIFORM;
    d.low = -2.0f;
    d.high = 2.0f;
    d.p = 0.7f;
    d.per_batch = 1;
    return conn(c, c->leaky, c->izh, &d, &c->c_per_batch);
}

static nf_status s_into_izh(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_NORMAL;
    d.scale = 1.0f;
    d.per_batch = 1;
    return conn(c, c->relu, c->izh, &d, &c->c_into_izh);
}

static nf_status s_unmasked(ctx *c) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_UNIFORM;
    d.low = -1.0f;
    d.high = 1.0f;
    d.p = 0.6f;
    return conn(c, c->relu, c->tanh_s, &d, &c->c_unmasked);
}

// learners

static nf_status learner(ctx *c, const nf_learner_desc *d, int32_t *id) {
    int32_t got = -1;
    nf_status st = CALL(nf_learner_add, c->net, d, &got);
    if (st == NF_OK)
        *id = got;
    return add_object(c, st, got, NFT_LEARNER, 0, 0, 0);
}

static nf_status s_learn_readout(ctx *c) {
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_READOUT;
    d.readout = c->readout;
    d.target = c->target;
    d.connection = c->c_recurrent;
    d.alpha = 0.5f;
    return learner(c, &d, &c->l_readout);
}

static nf_status s_learn_currents(ctx *c) {
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_CURRENTS;
    d.connection = c->c_learn_currents;
    d.desired = &c->c_desired;
    d.n_desired = 1;
    d.p_precision = NF_PRECISION_F64;
    d.every = 2;
    return learner(c, &d, &c->l_currents);
}

static nf_status s_learn_masked(ctx *c) {
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_MASKED;
    d.connection = c->c_sparse;
    d.target = c->rows_target;
    d.rule = NF_RLS_NICOLA_CLOPATH;
    return learner(c, &d, &c->l_masked);
}

static nf_status s_learn_masked_dense(ctx *c) {
    uint8_t mask[4 * 6];
    for (int i = 0; i < 4 * 6; i++)
        mask[i] = (uint8_t)(i % 3 != 0);
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_MASKED;
    d.connection = c->c_per_batch;
    d.mask = mask;
    d.desired = &c->c_into_izh;
    d.n_desired = 1;
    d.p_precision = NF_PRECISION_F64;
    d.start = 3;
    d.stop = 40;
    return learner(c, &d, &c->l_masked_dense);
}

static nf_status s_learn_masked_weights(ctx *c) {
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_MASKED; /* no mask: the nonzero weights learn */
    d.connection = c->c_unmasked;
    d.target = c->rows_target;
    return learner(c, &d, &c->l_masked_weights);
}

// probes

static nf_status probe(ctx *c, nf_status st, int32_t id, int32_t *out) {
    if (st == NF_OK && out)
        *out = id;
    return add_object(c, st, id, NFT_PROBE, 0, 0, 0);
}

static nf_status s_probe_output(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add, c->net, c->lif, NF_PROBE_OUTPUT, 1, &id);
    return probe(c, st, id, &c->p_lif);
}

static nf_status s_probe_filtered(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add, c->net, c->leaky, NF_PROBE_FILTERED, 2, &id);
    return probe(c, st, id, &c->p_leaky);
}

static nf_status s_probe_state(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add, c->net, c->tanh_s, NF_PROBE_STATE, 1, &id);
    return probe(c, st, id, NULL);
}

static nf_status s_probe_error(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add, c->net, c->l_readout, NF_PROBE_ERROR, 1, &id);
    return probe(c, st, id, NULL);
}

static nf_status s_probe_input(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add, c->net, c->drive, NF_PROBE_INPUT, 4, &id);
    return probe(c, st, id, NULL);
}

static nf_status s_probe_readout(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add, c->net, c->readout, NF_PROBE_OUTPUT, 1, &id);
    return probe(c, st, id, NULL);
}

static nf_status s_probe_recovery(ctx *c) {
    int32_t id = -1;
    const nf_status st = CALL(nf_probe_add_state, c->net, c->izh, NF_STATE_RECOVERY, 3, &id);
    return probe(c, st, id, NULL);
}

// parameters and state

static nf_status s_stats_lif(ctx *c) {
    return CALL(nf_population_rate_stats_enable, c->net, c->lif, 1);
}
static nf_status s_stats_tanh(ctx *c) {
    return CALL(nf_population_rate_stats_enable, c->net, c->tanh_s, 1);
}

static nf_status s_stats_others(ctx *c) {
    nf_status st = CALL(nf_population_rate_stats_enable, c->net, c->leaky, 1);
    if (st == NF_OK)
        st = CALL(nf_population_rate_stats_enable, c->net, c->relu, 1);
    return st == NF_OK ? CALL(nf_population_rate_stats_enable, c->net, c->izh, 1) : st;
}

static nf_status s_gain_bias(ctx *c) {
    const float g[6] = {1, 2, 3, 1, 2, 3}, b[6] = {0.1f, 0, 0, 0, 0, -0.1f};
    return CALL(nf_population_set_gain_bias, c->net, c->relu, g, b);
}

static nf_status s_set_x(ctx *c) {
    return CALL(nf_population_set_state, c->net, c->leaky, NF_STATE_X, values(BATCH * 6));
}

static nf_status s_set_filter(ctx *c) {
    return CALL(nf_population_set_state, c->net, c->lif, NF_STATE_FILTER, values(BATCH * 8));
}

static nf_status s_set_sparse_weights(ctx *c) {
    return CALL(nf_connection_set_weights, c->net, c->c_sparse, values(12));
}

static nf_status s_set_event_weights(ctx *c) {
    int64_t count = 0;
    CALL(nf_connection_weight_count, c->net, c->c_event_sparse, &count);
    float *w = __real_calloc((size_t)count + 1, sizeof *w);
    nf_status st = CALL(nf_connection_get_weights, c->net, c->c_event_sparse, w);
    for (int64_t i = 0; st == NF_OK && i < count; i++)
        w[i] *= 0.5f;
    if (st == NF_OK)
        st = CALL(nf_connection_set_weights, c->net, c->c_event_sparse, w);
    __real_free(w);
    return st;
}

static nf_status s_readout_weights(ctx *c) {
    return CALL(nf_readout_set_weights, c->net, c->readout, values(2 * 6));
}

static nf_status s_readout_state(ctx *c) {
    return CALL(nf_readout_set_state, c->net, c->readout, values(BATCH * 2));
}

static nf_status s_set_p(ctx *c) {
    int64_t count = 0;
    CALL(nf_learner_p_count, c->net, c->l_readout, &count);
    float *p = __real_calloc((size_t)count, sizeof *p);
    for (int i = 0; i < 6; i++)
        p[i * 6 + i] = 3.0f;
    nf_status st = CALL(nf_learner_set_p, c->net, c->l_readout, p);
    __real_free(p);
    return st;
}

static nf_status s_set_p_f64(ctx *c) {
    int64_t count = 0;
    CALL(nf_learner_p_count, c->net, c->l_masked, &count);
    double *p = __real_calloc((size_t)count, sizeof *p);
    nf_status st = CALL(nf_learner_get_p_f64, c->net, c->l_masked, p);
    for (int64_t i = 0; st == NF_OK && i < count; i++)
        p[i] *= 2.0;
    if (st == NF_OK)
        st = CALL(nf_learner_set_p_f64, c->net, c->l_masked, p);
    __real_free(p);
    return st;
}

static nf_status s_register(ctx *c) {
    nf_status st = CALL(nf_energy_device_register, c->net, "asic", 1e-12, 2e-12, 1);
    if (st == NF_OK) {
        c->devices[0] = "asic";
        c->n_devices = 1;
    }
    return st;
}

// running and reading

static nf_status s_run(ctx *c) { return CALL(nf_network_run, c->net, 20); }

static nf_status s_probe_read(ctx *c) {
    float buf[20 * BATCH * 8];
    int64_t rows = 0;
    return CALL(nf_probe_read, c->net, c->p_lif, buf, sizeof buf / sizeof *buf, &rows);
}

/* A file written (st NF_OK) must have had its own folder synced after the
 * rename, whatever allocation failed on the way (not "/" or "."). */
static nf_status synced(nf_status st, const char *folder, const char *what) {
    if (st == NF_OK && strcmp(nft_sweep_synced, folder)) {
        fprintf(stderr, "alloc_sweep: %s: the folder synced after the rename is '%s', not '%s'\n",
                what, nft_sweep_synced, folder);
        exit(1);
    }
    return st;
}

static nf_status s_write_npy(ctx *c) {
    char path[256];
    snprintf(path, sizeof path, "%s/leaky.npy", c->dir);
    nft_sweep_synced[0] = '\0';
    return synced(CALL(nf_probe_write_npy, c->net, c->p_leaky, path), c->dir, path);
}

/* Through a chain of links: chain.npy -> (absolute) link.npy -> (relative) sub/target.npy. */
static nf_status s_write_npy_link(ctx *c) {
    char path[256], folder[256];
    snprintf(path, sizeof path, "%s/chain.npy", c->dir);
    snprintf(folder, sizeof folder, "%s/sub", c->dir);
    nft_sweep_synced[0] = '\0';
    return synced(CALL(nf_probe_write_npy, c->net, c->p_lif, path), folder, path);
}

static nf_status s_rate_stats(ctx *c) {
    const double q[3] = {5, 50, 95};
    nf_rate_stats s;
    float rates[8];
    return CALL(nf_population_rate_stats, c->net, c->lif, q, 3, &s, rates);
}

static nf_status s_energy(ctx *c) {
    double j = 0;
    return CALL(nf_energy_estimate, c->net, "loihi", 50, 0.001, &j);
}

static nf_status s_summary(ctx *c) {
    const char *devs[] = {"cpu", "spinnaker2", "asic"};
    char buf[4096];
    size_t needed = 0;
    return CALL(nf_energy_summary, c->net, devs, 3, 50, 0.001, buf, sizeof buf, &needed);
}

static nf_status s_get_event_weights(ctx *c) {
    float w[8 * 6];
    return CALL(nf_connection_get_weights, c->net, c->c_event_sparse, w);
}

static nf_status s_get_p(ctx *c) {
    double p[36 * 2];
    return CALL(nf_learner_get_p_f64, c->net, c->l_currents, p);
}

static nf_status s_get_state(ctx *c) {
    float v[BATCH * 6];
    return CALL(nf_population_get_state, c->net, c->leaky, NF_STATE_FILTER_AUX, v);
}

/* A checkpoint of the whole network (a build without libzip: nothing to sweep). */
static nf_status s_save(ctx *c) {
    char path[256];
    snprintf(path, sizeof path, "%s/net.npz", c->dir);
    nft_sweep_synced[0] = '\0';
    const nf_status st = CALL(nf_network_save, c->net, path);
    return st == NF_ERR_UNSUPPORTED ? NF_OK : synced(st, c->dir, path);
}

/* Loaded into a network of its own, which must equal the saved one. */
static nf_status s_load(ctx *c) {
    char path[256];
    snprintf(path, sizeof path, "%s/net.npz", c->dir);
    nf_network *loaded = (nf_network *)c; /* must be overwritten */
    const nf_status st = CALL(nf_network_load, path, NF_BACKEND_CPU, 0, &loaded, c->msg,
                              sizeof c->msg);
    if (st == NF_ERR_UNSUPPORTED)
        return NF_OK;
    if (st != NF_OK) {
        if (loaded) {
            fprintf(stderr, "alloc_sweep: a failed nf_network_load returned a network\n");
            exit(1);
        }
        return st;
    }
    nft_obs a = {0}, b = {0};
    nft_sweep_count(0); /* the getters' allocations are not the load's */
    nft_observe_network(&a, c->net, c->obj, c->n_obj, c->devices, c->n_devices);
    nft_observe_network(&b, loaded, c->obj, c->n_obj, c->devices, c->n_devices);
    nft_sweep_count(1);
    char field[160];
    if (nft_obs_diff(&a, &b, field, sizeof field)) {
        fprintf(stderr, "alloc_sweep: the loaded network differs from the saved one: %s\n",
                field);
        exit(1);
    }
    nft_obs_free(&a);
    nft_obs_free(&b);
    nf_network_destroy(loaded);
    return st;
}

static nf_status s_reset(ctx *c) { return CALL(nf_network_reset, c->net); }
static nf_status s_rate_mode(ctx *c) { return CALL(nf_network_set_mode, c->net, NF_MODE_RATE); }
static nf_status s_run_short(ctx *c) { return CALL(nf_network_run, c->net, 5); }
static nf_status s_spiking_mode(ctx *c) {
    return CALL(nf_network_set_mode, c->net, NF_MODE_SPIKING);
}
static nf_status s_set_dt(ctx *c) { return CALL(nf_network_set_dt, c->net, 0.0005); }
static nf_status s_disable_learner(ctx *c) {
    return CALL(nf_learner_set_enabled, c->net, c->l_currents, 0);
}
static nf_status s_stats_off(ctx *c) {
    return CALL(nf_population_rate_stats_enable, c->net, c->tanh_s, 0);
}

// files and devices, without a network

static nf_status s_npy_write(ctx *c) {
    char path[256];
    snprintf(path, sizeof path, "%s/direct.npy", c->dir);
    const int64_t shape[2] = {3, 4};
    nft_sweep_synced[0] = '\0';
    return synced(CALL(nf_npy_write_f32, path, values(12), 2, shape, c->msg, sizeof c->msg),
                  c->dir, path);
}

static nf_status s_npy_read(ctx *c) {
    char path[256];
    snprintf(path, sizeof path, "%s/direct.npy", c->dir);
    int32_t ndim = -1;
    int64_t shape[NF_NPY_MAX_DIMS];
    nf_npy_free(c->npy);
    c->npy = NULL;
    nf_status st = CALL(nf_npy_read_f32, path, &c->npy, &ndim, shape, c->msg, sizeof c->msg);
    if (st == NF_OK && (ndim != 2 || shape[0] != 3 || shape[1] != 4 || c->npy[5] != sample(5))) {
        fprintf(stderr, "alloc_sweep: the .npy file read back differs\n");
        exit(1);
    }
    if (st != NF_OK && (c->npy || ndim != 0)) {
        fprintf(stderr, "alloc_sweep: a failed nf_npy_read_f32 left data or ndim %d\n", ndim);
        exit(1);
    }
    return st;
}

/* A '<f8' file, converted while read. */
static nf_status s_npy_read_f8(ctx *c) {
    char path[256];
    snprintf(path, sizeof path, "%s/doubles.npy", c->dir);
    int32_t ndim = -1;
    int64_t shape[NF_NPY_MAX_DIMS];
    nf_npy_free(c->npy);
    c->npy = NULL;
    nf_status st = CALL(nf_npy_read_f32, path, &c->npy, &ndim, shape, c->msg, sizeof c->msg);
    if (st == NF_OK && (ndim != 1 || shape[0] != 5 || c->npy[4] != 2.5f)) {
        fprintf(stderr, "alloc_sweep: the '<f8' file read back differs\n");
        exit(1);
    }
    return st;
}

/* Writes the '<f8' file s_npy_read_f8 reads: [0, 0.5, 1, 1.5, 2.5]. */
void nft_sweep_write_doubles(const char *dir) {
    char path[256], header[128];
    snprintf(path, sizeof path, "%s/doubles.npy", dir);
    int n = snprintf(header, sizeof header,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }");
    while ((10 + n + 1) % 64)
        header[n++] = ' ';
    header[n++] = '\n';
    FILE *f = __real_fopen(path, "wb");
    const unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, 0};
    const double v[5] = {0, 0.5, 1, 1.5, 2.5}; /* little-endian hosts */
    if (!f || fwrite(pre, 1, 10, f) != 10 || fwrite(header, 1, (size_t)n, f) != (size_t)n ||
        fwrite(v, sizeof *v, 5, f) != 5) {
        fprintf(stderr, "alloc_sweep: cannot write %s\n", path);
        exit(1);
    }
    __real_fclose(f);
}

static nf_status s_device_query(ctx *c) {
    nf_device_info info;
    nf_status st = CALL(nf_device_query, NF_BACKEND_CPU, 0, &info);
    if (st != NF_OK)
        snprintf(c->msg, sizeof c->msg, "%s", info.detail);
    return st;
}

// layers

static nf_status layer(ctx *c, const nf_layer_desc *d) {
    nf_layer *l = NULL;
    nf_status st = CALL(nf_layer_create_ex, d, &l, c->msg, sizeof c->msg);
    if (st != NF_OK && l) {
        fprintf(stderr, "alloc_sweep: a failed nf_layer_create_ex returned a layer\n");
        exit(1);
    }
    if (st == NF_OK)
        c->layers[c->n_layers++] = (nft_layer){.layer = l, .kind = d->kind, .units = d->units};
    return st;
}

static nf_status s_layer_spiking(ctx *c) {
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, 4);
    d.backend = NF_BACKEND_CPU;
    d.model = NF_MODEL_LIF_RATE;
    d.rate_stats = 1;
    const float init[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    d.initial = init;
    return layer(c, &d);
}

static nf_status s_layer_lowpass(ctx *c) {
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_LOWPASS, 4);
    d.backend = NF_BACKEND_CPU;
    const float taus[4] = {0.01f, 0.02f, 0.0f, 0.05f};
    d.taus = taus;
    d.stateful = 1;
    return layer(c, &d);
}

static nf_status s_layer_alpha(ctx *c) {
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_ALPHA, 4);
    d.backend = NF_BACKEND_CPU;
    d.rate_stats = 1;
    return layer(c, &d);
}

static nf_status s_layer_apply(ctx *c) {
    float out[3 * 5 * 4];
    nf_status st = CALL(nf_layer_apply, c->layers[0].layer, values(3 * 5 * 4), out, 3, 5, 4,
                                  NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 1);
    if (st == NF_OK)
        c->layers[0].batch = 3;
    return st;
}

static nf_status s_layer_set_state(ctx *c) {
    nf_status st = CALL(nf_layer_set_state, c->layers[1].layer, NF_STATE_FILTER, 3, values(12));
    if (st == NF_OK)
        c->layers[1].batch = 3;
    return st;
}

static nf_status s_layer_alpha_state(ctx *c) {
    nf_status st = CALL(nf_layer_set_state, c->layers[2].layer, NF_STATE_FILTER_AUX, 3, values(12));
    if (st == NF_OK)
        c->layers[2].batch = 3;
    return st;
}

static nf_status s_chain(ctx *c) {
    nf_layer *chain[3] = {c->layers[0].layer, c->layers[1].layer, c->layers[2].layer};
    float out[3 * 4];
    nf_status st = CALL(nf_layer_chain_apply, chain, 3, values(6 * 3 * 4), out, 3, 6, 4,
                                        NF_LAYOUT_TIME_MAJOR, NF_MEMORY_HOST, 0);
    if (st == NF_OK)
        c->layers[0].batch = c->layers[1].batch = c->layers[2].batch = 3;
    return st;
}

static nf_status s_layer_stats(ctx *c) {
    nf_rate_stats s;
    float rates[4];
    const double q[2] = {25, 75};
    return CALL(nf_layer_rate_stats, c->layers[0].layer, q, 2, &s, rates);
}

static nf_status s_layer_rate_mode(ctx *c) {
    return CALL(nf_layer_set_mode, c->layers[0].layer, NF_MODE_RATE);
}

static nf_status s_layer_apply_batch4(ctx *c) {
    float out[4 * 4];
    nf_status st = CALL(nf_layer_apply, c->layers[2].layer, values(4 * 7 * 4), out, 4, 7, 4,
                                  NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 0);
    if (st == NF_OK)
        c->layers[2].batch = 4;
    return st;
}

static nf_status s_layer_get_state(ctx *c) {
    float v[4 * 4];
    return CALL(nf_layer_get_state, c->layers[2].layer, NF_STATE_FILTER_AUX, 4, v);
}

static nf_status s_layer_reset(ctx *c) { return CALL(nf_layer_reset, c->layers[1].layer); }



#define NET(f) {#f, f, AT_NET, 0}
const step nft_sweep_steps[] = {
    {"s_create", s_create, AT_CTX, 0},
    NET(s_pop_lif), NET(s_pop_leaky), NET(s_pop_tanh), NET(s_pop_relu), NET(s_pop_izh),
    NET(s_in_drive), NET(s_in_target), NET(s_in_rows), NET(s_set_drive), NET(s_set_target),
    NET(s_set_rows), NET(s_identity), NET(s_event_dense), NET(s_event_sparse),
    NET(s_recurrent), NET(s_sparse_given), NET(s_readout), NET(s_feedback),
    NET(s_learn_currents_conn), NET(s_desired), NET(s_per_batch), NET(s_into_izh), NET(s_unmasked),
    NET(s_learn_readout), NET(s_learn_currents), NET(s_learn_masked),
    NET(s_learn_masked_dense), NET(s_learn_masked_weights), NET(s_probe_output),
    NET(s_probe_filtered),
    NET(s_probe_state), NET(s_probe_error), NET(s_probe_input), NET(s_probe_readout),
    NET(s_probe_recovery), NET(s_stats_lif), NET(s_stats_tanh), NET(s_stats_others),
    NET(s_gain_bias),
    NET(s_set_x), NET(s_set_filter), NET(s_set_sparse_weights), NET(s_set_event_weights),
    NET(s_readout_weights), NET(s_readout_state), NET(s_set_p), NET(s_set_p_f64),
    NET(s_register), NET(s_run), NET(s_probe_read), NET(s_write_npy), NET(s_run_short),
    NET(s_write_npy_link), NET(s_rate_stats),
    NET(s_energy), NET(s_summary), NET(s_get_event_weights), NET(s_get_p),
    NET(s_get_state), NET(s_save), {"s_load", s_load, AT_CTX, 0}, NET(s_reset), NET(s_rate_mode), NET(s_run_short),
    NET(s_spiking_mode), NET(s_set_dt), NET(s_disable_learner), NET(s_stats_off),
    NET(s_run),
    {"s_npy_write", s_npy_write, AT_CTX, 0},
    {"s_npy_read", s_npy_read, AT_CTX, 0},
    {"s_npy_read_f8", s_npy_read_f8, AT_CTX, 0},
    {"s_device_query", s_device_query, AT_CTX, 0},
    {"s_layer_spiking", s_layer_spiking, AT_CTX, 0},
    {"s_layer_lowpass", s_layer_lowpass, AT_CTX, 0},
    {"s_layer_alpha", s_layer_alpha, AT_CTX, 0},
    {"s_layer_apply", s_layer_apply, AT_LAYER, 0},
    {"s_layer_set_state", s_layer_set_state, AT_LAYER, 1},
    {"s_layer_alpha_state", s_layer_alpha_state, AT_LAYER, 2},
    {"s_chain", s_chain, AT_LAYER, 0},
    {"s_layer_stats", s_layer_stats, AT_LAYER, 0},
    {"s_layer_rate_mode", s_layer_rate_mode, AT_LAYER, 0},
    {"s_chain", s_chain, AT_LAYER, 0},
    {"s_layer_apply_batch4", s_layer_apply_batch4, AT_LAYER, 2},
    {"s_layer_get_state", s_layer_get_state, AT_LAYER, 2},
    {"s_layer_reset", s_layer_reset, AT_LAYER, 1},
    {"s_layer_set_state", s_layer_set_state, AT_LAYER, 1},
};
const int nft_sweep_n_steps = (int)(sizeof nft_sweep_steps / sizeof *nft_sweep_steps);
