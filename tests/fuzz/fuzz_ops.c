/*
 * The fuzz target's network operations: each reads its arguments from the
 * input, makes one public call (sometimes with NULL, bad ids or enums,
 * hostile sizes and values), checks the promises around it (fz_before,
 * fz_after) and what had to be refused, and records what was made.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define HUGE_SIZE(v) ((v) >= (1 << 29)) /* a [batch][v] float buffer exceeds 2 GiB */

static void track(fz_state *s, nf_status st, int32_t id, nft_kind kind, int32_t size, int32_t n,
                  int32_t copies) {
    if (st != NF_OK)
        return;
    FZ_CHECK(id == s->n_obj, "a new object got id %d, %d was next (a failed call kept one?)", id,
             s->n_obj);
    if (s->n_obj < FZ_MAX_OBJECTS)
        s->obj[s->n_obj++] = (nft_object){.id = id, .kind = kind, .size = size, .n = n,
                                          .copies = copies};
}

/* A new population's state and a new readout's z, drawn from the seed, are
 * finite (a scale or range that would draw inf must be refused). */
static void check_drawn(fz_state *s, nf_status st, int32_t id, nft_kind kind, int64_t count) {
    if (st != NF_OK || count > FZ_MAX_VALUES)
        return;
    float *v = malloc((size_t)count * sizeof *v);
    if (!v)
        abort();
    for (int k = 0; k < (kind == NFT_POP ? NF_STATE_KIND_COUNT : 1); k++) {
        const nf_status got = kind == NFT_POP
                                  ? nf_population_get_state(s->net, id, (nf_state_kind)k, v)
                                  : nf_readout_get_state(s->net, id, v);
        for (int64_t i = 0; got == NF_OK && i < count; i++)
            FZ_CHECK(isfinite(v[i]), "object %d, %s %d, value %lld: %g drawn at creation", id,
                     kind == NFT_POP ? "state" : "z", k, (long long)i, (double)v[i]);
    }
    free(v);
}

/* Whether new objects may be added (ids beyond FZ_MAX_OBJECTS are not tracked). */
static int room(const fz_state *s) { return s->n_obj < FZ_MAX_OBJECTS; }

static int32_t size_of(const fz_state *s, int32_t id) {
    const nft_object *o = fz_find(s, id);
    return o ? o->size : 0;
}

// --- populations and inputs

static void population_add(fz_reader *r, fz_state *s) {
    const nf_model model = (nf_model)fz_enum(r, NF_MODEL_COUNT);
    const int32_t n = fz_size(r, 24);
    nf_population_desc d = nf_population_defaults(model, n);
    d.spiking = fz_chance(r, 64);
    if (fz_chance(r, 40))
        nf_lif_form_apply(&d, (nf_lif_form)fz_enum(r, 2));
    if (fz_chance(r, 40))
        nf_izhikevich_preset_apply(&d, (nf_izhikevich_preset)fz_enum(r, 6));
    if (fz_chance(r, 24))
        d.izh.order = (nf_izhikevich_order)fz_enum(r, 2);
    d.amplitude = fz_param(r, d.amplitude);
    d.gain = fz_param(r, d.gain);
    d.bias = fz_param(r, d.bias);
    d.tau_rc = fz_param(r, d.tau_rc);
    d.tau_ref = fz_param(r, d.tau_ref);
    d.tau = fz_param(r, d.model == NF_MODEL_LEAKY_RATE ? 0.01f : d.tau);
    d.x_init_scale = fz_param(r, 0.5f);
    d.sigma = fz_param(r, d.sigma);
    if (fz_chance(r, 16)) {
        d.min_voltage = fz_float(r);
        d.nc_lif.v_peak = fz_float(r);
        d.izh.C = fz_float(r);
        d.izh.v_peak = fz_float(r);
    }
    d.filter.kind = (nf_filter_kind)fz_enum(r, 4);
    d.filter.tau = fz_param(r, 0.005f);
    d.filter.tau_rise = fz_param(r, 0.002f);
    d.filter.tau_decay = fz_param(r, 0.02f);
    d.filter.spiking_only = fz_chance(r, 32);
    const int per_neuron = n >= 1 && n <= 64 && fz_chance(r, 48);
    float *gains = per_neuron ? fz_floats(r, n) : NULL, *biases = NULL;
    if (per_neuron && fz_chance(r, 128))
        biases = fz_floats(r, n);
    d.gains = gains;
    d.biases = biases;
    int32_t id = -1;
    FZ_TRACE("population model %d n %d spiking %d amplitude %g gain %g bias %g filter %d\n",
             (int)d.model, d.n, d.spiking, (double)d.amplitude, (double)d.gain, (double)d.bias,
             (int)d.filter.kind);
    fz_before(s);
    const nf_status st = nf_population_add(s->net, fz_chance(r, 4) ? NULL : &d,
                                           fz_chance(r, 4) ? NULL : &id);
    fz_after(s, st, "nf_population_add", 0);
    FZ_CHECK(st != NF_OK || (n >= 1 && !HUGE_SIZE((int64_t)n * s->batch)),
             "nf_population_add accepted n %d (batch %d)", n, s->batch);
    track(s, st, id, NFT_POP, n, 0, 0);
    check_drawn(s, st, id, NFT_POP, (int64_t)s->batch * n);
    free(gains);
    free(biases);
}

static void input_add(fz_reader *r, fz_state *s) {
    const int32_t dim = fz_size(r, 16);
    int32_t id = -1;
    fz_before(s);
    const nf_status st = nf_input_add(s->net, dim, fz_chance(r, 4) ? NULL : &id);
    fz_after(s, st, "nf_input_add", 0);
    FZ_CHECK(st != NF_OK || (dim >= 1 && !HUGE_SIZE((int64_t)dim * s->batch)),
             "nf_input_add accepted dim %d", dim);
    track(s, st, id, NFT_INPUT, dim, 0, 0);
}

static void input_set(fz_reader *r, fz_state *s) {
    const int32_t in = fz_pick(r, s, NFT_INPUT);
    const int64_t dim = size_of(s, in) > 0 ? size_of(s, in) : 1;
    int64_t steps = fz_steps(r, 24);
    /* rows the caller holds: all of them, or, for counts whose size in bytes
     * overflows, a few (the library must refuse before reading) */
    uint64_t values, bytes;
    const int overflows = __builtin_mul_overflow((uint64_t)(steps > 0 ? steps : 0),
                                                 (uint64_t)s->batch * (uint64_t)dim, &values) ||
                          __builtin_mul_overflow(values, 4u, &bytes);
    if (!overflows && steps > 0 && values > FZ_MAX_VALUES)
        steps = 1 + steps % 8; /* valid but too big to hold: a small one instead */
    const int64_t held = overflows || steps <= 0 ? 4 : steps * s->batch * dim;
    float *v = fz_floats(r, held);
    fz_before(s);
    const nf_status st = nf_input_set(s->net, in, steps, fz_chance(r, 4) ? NULL : v);
    fz_after(s, st, "nf_input_set", 0);
    FZ_CHECK(st != NF_OK || !overflows, "nf_input_set accepted %lld steps of %lld x %d",
             (long long)steps, (long long)dim, s->batch);
    free(v);
}

// --- connections

static void connect_(fz_reader *r, fz_state *s) {
    const int32_t pre = fz_pick(r, s, fz_chance(r, 160) ? NFT_POP : 0);
    const int32_t post = fz_chance(r, 64) ? pre : fz_pick(r, s, NFT_POP); /* self-connections */
    const nft_object *opre = fz_find(s, pre), *opost = fz_find(s, post);
    const int64_t n_pre = opre && opre->size > 0 ? opre->size : 1;
    const int64_t n_post = opost && opost->size > 0 ? opost->size : 1;
    nf_connection_desc d = nf_connection_defaults();
    d.kind = (nf_connection_kind)fz_enum(r, 3);
    d.init = (nf_weights_init)fz_enum(r, 4);
    d.per_batch = fz_chance(r, 48);
    d.g = fz_param(r, 1.5f);
    d.p = fz_param(r, fz_chance(r, 128) ? 1.0f : 0.5f);
    d.scale = fz_param(r, fz_chance(r, 128) ? 0.0f : 1.0f);
    d.low = fz_param(r, -1.0f);
    d.high = fz_param(r, 1.0f);
    d.zero_mean_rows = fz_chance(r, 64);
    d.propagation = (nf_propagation)fz_enum(r, 3);
    const int64_t copies = d.per_batch ? s->batch : 1;
    float *w = NULL;
    int32_t *row_ptr = NULL, *col = NULL;
    if (d.kind == NF_CONNECTION_SPARSE) {
        /* CSR arrays of the lengths the descriptor claims, contents from the input
         * (valid most of the time) */
        const int valid = fz_chance(r, 200);
        const int64_t nnz = valid ? n_post * (1 + fz_u8(r) % 3) : fz_u8(r) % 16;
        d.nnz = fz_chance(r, 8) ? -1 : nnz;
        row_ptr = malloc((size_t)(n_post + 1) * sizeof *row_ptr);
        col = malloc((size_t)(nnz ? nnz : 1) * sizeof *col);
        if (!row_ptr || !col)
            abort();
        for (int64_t i = 0; i <= n_post; i++)
            row_ptr[i] = valid ? (int32_t)(i * (nnz / n_post)) : (int32_t)(fz_u8(r) % 20) - 2;
        for (int64_t k = 0; k < nnz; k++)
            col[k] = valid ? (int32_t)(k % (nnz / n_post)) : (int32_t)fz_u8(r) - 8;
        d.row_ptr = fz_chance(r, 4) ? NULL : row_ptr;
        d.col_idx = col;
        if (d.init == NF_WEIGHTS_GIVEN)
            w = fz_floats(r, nnz * copies);
    } else if (d.kind == NF_CONNECTION_DENSE && d.init == NF_WEIGHTS_GIVEN) {
        w = fz_floats(r, n_post * n_pre * copies);
    }
    d.weights = fz_chance(r, 4) ? NULL : w;
    int32_t id = -1;
    fz_before(s);
    const nf_status st = nf_connect(s->net, pre, post, fz_chance(r, 4) ? NULL : &d,
                                    fz_chance(r, 4) ? NULL : &id);
    fz_after(s, st, "nf_connect", 0);
    track(s, st, id, NFT_CONN, 0, 0, 0);
    free(w);
    free(row_ptr);
    free(col);
}

static void readout_add(fz_reader *r, fz_state *s) {
    const int32_t pop = fz_pick(r, s, NFT_POP);
    const int32_t dim = fz_size(r, 4);
    const int32_t n = size_of(s, pop);
    nf_readout_desc d = {.per_batch = fz_chance(r, 64), .z_init_scale = fz_param(r, 0.1f)};
    const int64_t copies = d.per_batch ? s->batch : 1;
    float *w = NULL;
    if (dim >= 1 && dim <= 64 && n >= 1 && fz_chance(r, 96))
        w = fz_floats(r, (int64_t)dim * n * copies);
    d.weights = w;
    int32_t id = -1;
    fz_before(s);
    const nf_status st = nf_readout_add(s->net, pop, dim, fz_chance(r, 16) ? NULL : &d,
                                        fz_chance(r, 4) ? NULL : &id);
    fz_after(s, st, "nf_readout_add", 0);
    FZ_CHECK(st != NF_OK || !HUGE_SIZE(dim), "nf_readout_add accepted dim %d", dim);
    track(s, st, id, NFT_READOUT, dim, n, (int32_t)copies);
    check_drawn(s, st, id, NFT_READOUT, (int64_t)s->batch * dim);
    free(w);
}

static void learner_add(fz_reader *r, fz_state *s) {
    nf_learner_desc d = nf_learner_defaults();
    d.kind = (nf_learner_kind)fz_enum(r, 3);
    d.readout = fz_pick(r, s, NFT_READOUT);
    d.target = fz_chance(r, 32) ? -1 : fz_pick(r, s, NFT_INPUT);
    d.connection = fz_chance(r, 48) ? -1 : fz_pick(r, s, NFT_CONN);
    int32_t desired[NF_LEARNER_MAX_DESIRED + 1];
    for (int i = 0; i <= NF_LEARNER_MAX_DESIRED; i++)
        desired[i] = fz_pick(r, s, NFT_CONN);
    d.n_desired = fz_chance(r, 128) ? 0 : fz_enum(r, NF_LEARNER_MAX_DESIRED + 1);
    d.desired = fz_chance(r, 16) ? NULL : desired;
    d.alpha = fz_param(r, 1.0f);
    d.every = fz_chance(r, 224) ? 1 + fz_u8(r) % 3 : fz_size(r, 4);
    d.start = fz_chance(r, 200) ? 0 : fz_steps(r, 8);
    d.stop = fz_chance(r, 200) ? 0 : fz_steps(r, 40);
    d.rule = (nf_rls_rule)fz_enum(r, 2);
    d.p_precision = (nf_precision)fz_enum(r, 2);
    /* row_scale [rows][dim] and mask [rows][pre]: sized from the objects named */
    const nft_object *ro = fz_find(s, d.readout);
    int64_t conn_count = 0;
    if (d.connection >= 0)
        nf_connection_weight_count(s->net, d.connection, &conn_count);
    float *row_scale = NULL;
    uint8_t *mask = NULL;
    if (ro && conn_count > 0 && fz_chance(r, 64))
        row_scale = fz_floats(r, conn_count * ro->size); /* at least rows x dim */
    if (conn_count > 0 && conn_count <= FZ_MAX_VALUES && fz_chance(r, 96)) {
        mask = malloc((size_t)conn_count);
        if (!mask)
            abort();
        for (int64_t i = 0; i < conn_count; i++)
            mask[i] = fz_u8(r) & 1;
    }
    d.row_scale = row_scale;
    d.mask = mask;
    int32_t id = -1;
    fz_before(s);
    const nf_status st = nf_learner_add(s->net, fz_chance(r, 4) ? NULL : &d,
                                        fz_chance(r, 4) ? NULL : &id);
    fz_after(s, st, "nf_learner_add", 0);
    track(s, st, id, NFT_LEARNER, 0, 0, 0);
    free(row_scale);
    free(mask);
}

static void probe_add(fz_reader *r, fz_state *s) {
    const int32_t target = fz_pick(r, s, 0);
    const int32_t every = fz_chance(r, 200) ? 1 + fz_u8(r) % 4 : fz_size(r, 8);
    int32_t id = -1;
    nf_status st;
    fz_before(s);
    if (fz_chance(r, 64)) {
        st = nf_probe_add_state(s->net, target, (nf_state_kind)fz_enum(r, NF_STATE_KIND_COUNT),
                                every, fz_chance(r, 4) ? NULL : &id);
        fz_after(s, st, "nf_probe_add_state", 0);
    } else {
        st = nf_probe_add(s->net, target, (nf_probe_kind)fz_enum(r, 5), every,
                          fz_chance(r, 4) ? NULL : &id);
        fz_after(s, st, "nf_probe_add", 0);
    }
    FZ_TRACE("probe %d of %d every %d\n", id, target, every);
    track(s, st, id, NFT_PROBE, 0, 0, 0);
}

// --- running

static int has_kind(const fz_state *s, nft_kind kind) {
    for (int i = 0; i < s->n_obj; i++)
        if (s->obj[i].kind == kind)
            return 1;
    return 0;
}

static void run(fz_reader *r, fz_state *s) {
    int64_t steps = fz_steps(r, 12);
    /* A huge count must be refused: a probe could not hold its rows. Without
     * a probe it would run (in bounded memory) for ever: not asked for. */
    const int huge = steps > ((int64_t)1 << 40);
    if (huge && !has_kind(s, NFT_PROBE))
        steps = 1 + steps % 4;
    const int64_t step0 = nf_network_step_count(s->net);
    fz_before(s);
    const nf_status st = nf_network_run(s->net, steps);
    fz_after(s, st, "nf_network_run", st == NF_ERR_NUMERIC);
    const int64_t step1 = nf_network_step_count(s->net);
    FZ_CHECK(st != NF_OK || !(steps > ((int64_t)1 << 40)), "nf_network_run ran %lld steps",
             (long long)steps);
    if (st == NF_OK)
        FZ_CHECK(step1 == step0 + steps, "run %lld from %lld: step count %lld", (long long)steps,
                 (long long)step0, (long long)step1);
    if (st == NF_ERR_NUMERIC)
        FZ_CHECK(step1 >= step0 && step1 < step0 + steps,
                 "a numeric failure of a run of %lld from %lld left step count %lld",
                 (long long)steps, (long long)step0, (long long)step1);
}

static void reset(fz_reader *r, fz_state *s) {
    (void)r;
    fz_before(s);
    const nf_status st = nf_network_reset(s->net);
    fz_after(s, st, "nf_network_reset", 0);
    if (st == NF_OK)
        FZ_CHECK(nf_network_step_count(s->net) == 0, "a reset left the step count");
}

static void mode_dt(fz_reader *r, fz_state *s) {
    fz_before(s);
    if (fz_chance(r, 128)) {
        const nf_mode m = (nf_mode)fz_enum(r, 2);
        const nf_status st = nf_network_set_mode(s->net, m);
        fz_after(s, st, "nf_network_set_mode", 0);
        FZ_CHECK(st != NF_OK || nf_network_mode(s->net) == m, "the mode did not change");
    } else {
        const double dt = fz_dt(r);
        const nf_status st = nf_network_set_dt(s->net, dt);
        fz_after(s, st, "nf_network_set_dt", 0);
        FZ_CHECK(st != NF_OK || (dt > 0 && isfinite(dt) && isfinite((float)(1.0 / dt)) &&
                                 (float)dt > 0.0f),
                 "nf_network_set_dt accepted %g", dt);
    }
}

// --- state, weights, statistics

static void population_state(fz_reader *r, fz_state *s) {
    const int32_t pop = fz_pick(r, s, NFT_POP);
    const nf_state_kind which = (nf_state_kind)fz_enum(r, NF_STATE_KIND_COUNT);
    const int64_t count = (int64_t)s->batch * (size_of(s, pop) > 0 ? size_of(s, pop) : 1);
    float *v = fz_floats(r, count);
    fz_before(s);
    if (fz_chance(r, 128)) {
        const nf_status st =
            nf_population_set_state(s->net, pop, which, fz_chance(r, 4) ? NULL : v);
        fz_after(s, st, "nf_population_set_state", 0);
    } else {
        const nf_status st =
            nf_population_get_state(s->net, pop, which, fz_chance(r, 4) ? NULL : v);
        fz_after(s, st, "nf_population_get_state", 0);
    }
    free(v);
}

static void gain_bias(fz_reader *r, fz_state *s) {
    const int32_t pop = fz_pick(r, s, NFT_POP);
    const int64_t n = size_of(s, pop) > 0 ? size_of(s, pop) : 1;
    float *g = fz_chance(r, 160) ? fz_floats(r, n) : NULL;
    float *b = fz_chance(r, 160) ? fz_floats(r, n) : NULL;
    fz_before(s);
    const nf_status st = nf_population_set_gain_bias(s->net, pop, g, b);
    fz_after(s, st, "nf_population_set_gain_bias", 0);
    free(g);
    free(b);
}

static void probe_read(fz_reader *r, fz_state *s) {
    const int32_t probe = fz_pick(r, s, NFT_PROBE);
    int64_t rows = 0, size = 0;
    nf_probe_rows(s->net, probe, &rows);
    nf_probe_row_size(s->net, probe, &size);
    const int64_t need = rows * size;
    if (need > FZ_MAX_VALUES)
        return;
    /* exactly `capacity` floats: too small a one must be refused, not overrun */
    const size_t capacity = fz_chance(r, 192) ? (size_t)need : (size_t)(fz_u8(r) % (need + 2));
    float *dst = malloc((capacity ? capacity : 1) * sizeof *dst);
    if (!dst)
        abort();
    int64_t got = -1;
    fz_before(s);
    const nf_status st = nf_probe_read(s->net, probe, fz_chance(r, 4) ? NULL : dst, capacity,
                                       fz_chance(r, 4) ? NULL : &got);
    fz_after(s, st, "nf_probe_read", 0);
    if (st == NF_OK) {
        FZ_CHECK(got == rows && capacity >= (size_t)need, "nf_probe_read: %lld rows of %lld",
                 (long long)got, (long long)rows);
        nf_probe_rows(s->net, probe, &rows);
        FZ_CHECK(rows == 0, "nf_probe_read left %lld rows", (long long)rows);
    }
    free(dst);
}

static void connection_weights(fz_reader *r, fz_state *s) {
    const int32_t conn = fz_pick(r, s, NFT_CONN);
    int64_t count = 0, unused;
    fz_before(s);
    nf_status st = nf_connection_weight_count(s->net, conn, fz_chance(r, 4) ? NULL : &unused);
    fz_after(s, st, "nf_connection_weight_count", 0);
    if (nf_connection_weight_count(s->net, conn, &count) != NF_OK)
        count = 1;
    FZ_TRACE("connection %d: %lld weights\n", conn, (long long)count);
    if (count > FZ_MAX_VALUES)
        return;
    float *w = fz_floats(r, count);
    fz_before(s);
    if (fz_chance(r, 128)) {
        st = nf_connection_set_weights(s->net, conn, fz_chance(r, 4) ? NULL : w);
        fz_after(s, st, "nf_connection_set_weights", 0);
    } else {
        st = nf_connection_get_weights(s->net, conn, fz_chance(r, 4) ? NULL : w);
        fz_after(s, st, "nf_connection_get_weights", 0);
    }
    free(w);
}

static void readout_ops(fz_reader *r, fz_state *s) {
    const int32_t ro = fz_pick(r, s, NFT_READOUT);
    const nft_object *o = fz_find(s, ro);
    const int64_t wc = o && o->kind == NFT_READOUT ? (int64_t)o->size * o->n * o->copies : 1;
    const int64_t zc = o && o->kind == NFT_READOUT ? (int64_t)s->batch * o->size : 1;
    const int which = fz_u8(r) % 4;
    float *v = fz_floats(r, which < 2 ? wc : zc);
    float *arg = fz_chance(r, 4) ? NULL : v;
    fz_before(s);
    nf_status st;
    const char *call;
    switch (which) {
    case 0: st = FZ_CALL(call, nf_readout_set_weights, s->net, ro, arg); break;
    case 1: st = FZ_CALL(call, nf_readout_get_weights, s->net, ro, arg); break;
    case 2: st = FZ_CALL(call, nf_readout_set_state, s->net, ro, arg); break;
    default: st = FZ_CALL(call, nf_readout_get_state, s->net, ro, arg); break;
    }
    fz_after(s, st, call, 0);
    free(v);
}

static void learner_ops(fz_reader *r, fz_state *s) {
    const int32_t l = fz_pick(r, s, NFT_LEARNER);
    int64_t count = 0, unused;
    fz_before(s);
    nf_status st = nf_learner_p_count(s->net, l, fz_chance(r, 4) ? NULL : &unused);
    fz_after(s, st, "nf_learner_p_count", 0);
    if (nf_learner_p_count(s->net, l, &count) != NF_OK)
        count = 1;
    if (count > FZ_MAX_VALUES)
        return;
    const int which = fz_u8(r) % 5;
    float *p = fz_floats(r, count);
    double *p64 = malloc((size_t)(count ? count : 1) * sizeof *p64);
    if (!p64)
        abort();
    for (int64_t i = 0; p && i < count; i++)
        p64[i] = fz_chance(r, 4) ? (double)fz_float(r) : (double)p[i];
    /* symmetric now and then, so that set gets past its check */
    if (which == 2 && fz_chance(r, 128) && p) {
        const int64_t n = (int64_t)sqrt((double)count);
        for (int64_t i = 0; i < n && n * n == count; i++)
            for (int64_t j = 0; j < i; j++)
                p[i * n + j] = p[j * n + i];
    }
    fz_before(s);
    const char *call;
    switch (which) {
    case 0: st = FZ_CALL(call, nf_learner_set_enabled, s->net, l, fz_u8(r) % 3 - 1); break;
    case 1: st = FZ_CALL(call, nf_learner_get_p, s->net, l, fz_chance(r, 4) ? NULL : p); break;
    case 2: st = FZ_CALL(call, nf_learner_set_p, s->net, l, fz_chance(r, 4) ? NULL : p); break;
    case 3: st = FZ_CALL(call, nf_learner_get_p_f64, s->net, l, p64); break;
    default: st = FZ_CALL(call, nf_learner_set_p_f64, s->net, l, p64); break;
    }
    fz_after(s, st, call, 0);
    free(p);
    free(p64);
}

static void rate_stats(fz_reader *r, fz_state *s) {
    const int32_t pop = fz_pick(r, s, NFT_POP);
    fz_before(s);
    if (fz_chance(r, 100)) {
        const nf_status st = nf_population_rate_stats_enable(s->net, pop, fz_u8(r) % 3);
        fz_after(s, st, "nf_population_rate_stats_enable", 0);
        return;
    }
    double q[NF_RATE_STATS_MAX_PERCENTILES + 1];
    const int32_t nq = fz_chance(r, 224) ? fz_u8(r) % 4 : fz_enum(r, 17);
    for (int i = 0; i < NF_RATE_STATS_MAX_PERCENTILES + 1; i++)
        q[i] = fz_chance(r, 224) ? fz_u8(r) % 101 : (double)fz_float(r);
    const int64_t n = size_of(s, pop) > 0 ? size_of(s, pop) : 1;
    float *rates = fz_chance(r, 128) ? malloc((size_t)n * sizeof *rates) : NULL;
    nf_rate_stats stats;
    const nf_status st = nf_population_rate_stats(s->net, pop, fz_chance(r, 8) ? NULL : q, nq,
                                                  fz_chance(r, 4) ? NULL : &stats, rates);
    fz_after(s, st, "nf_population_rate_stats", 0);
    if (st == NF_OK)
        FZ_CHECK(stats.n_percentiles == nq && stats.min <= stats.mean && stats.mean <= stats.max,
                 "rate statistics: %d percentiles, min %g mean %g max %g", stats.n_percentiles,
                 stats.min, stats.mean, stats.max);
    free(rates);
}

static void energy(fz_reader *r, fz_state *s) {
    static const char *const known[] = {"cpu", "gpu", "arm", "loihi", "spinnaker", "spinnaker2",
                                        "", "x"};
    const uint8_t which = fz_u8(r) % 3;
    fz_before(s);
    if (which == 0 && s->n_devices < 4) {
        char *name = s->device_names[s->n_devices];
        const int len = fz_chance(r, 16) ? 32 : 1 + fz_u8(r) % 6;
        for (int i = 0; i < len && i < 31; i++)
            name[i] = (char)('a' + fz_u8(r) % 4);
        name[len < 31 ? len : 31] = '\0';
        const char *arg = len == 32 ? "a-name-longer-than-31-characters!" : name;
        const nf_status st = nf_energy_device_register(s->net, fz_chance(r, 4) ? NULL : arg,
                                                       fz_param(r, 1e-9f), fz_param(r, 2e-9f),
                                                       fz_u8(r) % 2);
        fz_after(s, st, "nf_energy_device_register", 0);
        int known_name = 0;
        for (int i = 0; i < s->n_devices; i++)
            known_name |= !strcmp(s->devices[i], name);
        if (st == NF_OK && !known_name)
            s->devices[s->n_devices++] = name;
    } else if (which == 1) {
        double j = -1;
        const char *dev = fz_chance(r, 200) ? known[fz_u8(r) % 8]
                                            : (s->n_devices ? s->devices[0] : NULL);
        const nf_status st = nf_energy_estimate(s->net, dev, fz_steps(r, 100), fz_dt(r), &j);
        fz_after(s, st, "nf_energy_estimate", 0);
        FZ_CHECK(st != NF_OK || (isfinite(j) && j >= 0), "energy %g J", j);
    } else {
        const char *devs[17];
        const int32_t n = fz_chance(r, 224) ? 1 + fz_u8(r) % 4 : fz_enum(r, 18);
        for (int i = 0; i < 17; i++)
            devs[i] = known[fz_u8(r) % 6];
        /* exactly `capacity` bytes, filled: too small must be refused and left alone */
        const size_t capacity = fz_chance(r, 128) ? 8192 : fz_u8(r) * 4u;
        char *buf = malloc(capacity ? capacity : 1);
        if (!buf)
            abort();
        memset(buf, 'Z', capacity ? capacity : 1);
        size_t needed = 0;
        const nf_status st = nf_energy_summary(s->net, devs, n, fz_steps(r, 100), fz_dt(r),
                                               capacity ? buf : NULL, capacity, &needed);
        fz_after(s, st, "nf_energy_summary", 0);
        if (st == NF_OK)
            FZ_CHECK(needed <= capacity && strlen(buf) + 1 == needed,
                     "nf_energy_summary: needed %zu, wrote %zu", needed, strlen(buf) + 1);
        else
            for (size_t i = 0; i < capacity; i++)
                FZ_CHECK(buf[i] == 'Z', "a failed nf_energy_summary wrote into buf");
        free(buf);
    }
}

static void write_npy(fz_reader *r, fz_state *s) {
    const int32_t probe = fz_pick(r, s, NFT_PROBE);
    char path[128];
    static const char *const names[] = {"probe.npy", "link.npy", "folder", "missing/x.npy"};
    const uint8_t b = fz_u8(r) % 6;
    if (b < 4)
        snprintf(path, sizeof path, "%s/%s", s->dir, names[b]);
    else
        snprintf(path, sizeof path, "%s", b == 4 ? "/dev/null" : "");
    int64_t rows = 0, size = 0;
    nf_probe_rows(s->net, probe, &rows);
    nf_probe_row_size(s->net, probe, &size);
    fz_before(s);
    const nf_status st = nf_probe_write_npy(s->net, probe, fz_chance(r, 4) ? NULL : path);
    fz_after(s, st, "nf_probe_write_npy", 0);
    if (st != NF_OK)
        return;
    FZ_CHECK(b == 0 || b == 1, "nf_probe_write_npy wrote to %s", path);
    float *data = NULL;
    int32_t ndim = 0;
    int64_t shape[NF_NPY_MAX_DIMS];
    char msg[256];
    const nf_status rd = nf_npy_read_f32(path, &data, &ndim, shape, msg, sizeof msg);
    FZ_CHECK(rd == NF_OK && ndim == 3 && shape[0] == rows && shape[1] == s->batch &&
                 shape[1] * shape[2] == size,
             "%s read back: %s, %d dimensions", path, msg, ndim);
    nf_npy_free(data);
}

/* Read-only queries with any id: a bad one must be refused with a message. */
static void queries(fz_reader *r, fz_state *s) {
    const int32_t id = fz_pick(r, s, 0);
    int32_t n;
    int64_t v;
    const int null = fz_chance(r, 16);
    fz_before(s);
    nf_status st;
    const char *call;
    switch (fz_u8(r) % 6) {
    case 0: st = FZ_CALL(call, nf_population_size, s->net, id, null ? NULL : &n); break;
    case 5: st = FZ_CALL(call, nf_input_size, s->net, id, null ? NULL : &n); break;
    case 1: st = FZ_CALL(call, nf_probe_rows, s->net, id, null ? NULL : &v); break;
    case 2: st = FZ_CALL(call, nf_probe_row_size, s->net, id, null ? NULL : &v); break;
    case 3: st = FZ_CALL(call, nf_connection_weight_count, s->net, id, null ? NULL : &v); break;
    default: st = FZ_CALL(call, nf_learner_p_count, s->net, id, null ? NULL : &v); break;
    }
    fz_after(s, st, call, 0);
}

/* A checkpoint: saved (a failure changes nothing), loaded on the CPU, and the
 * loaded network observed equal to the saved one, whatever it holds (inf and
 * NaN where the library computed them, e.g. an event connection's product
 * after a run stopped with NF_ERR_NUMERIC). */
static void save_load(fz_reader *r, fz_state *s) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s->dir, fz_chance(r, 224) ? "net.ckpt" : "folder");
    fz_before(s);
    const nf_status st = nf_network_save(s->net, fz_chance(r, 4) ? NULL : path);
    fz_after(s, st, "nf_network_save", 0);
    if (st != NF_OK)
        return;
    nf_network *loaded = (nf_network *)s; /* must be overwritten */
    char msg[256];
    const nf_status ld = nf_network_load(path, NF_BACKEND_CPU, 0, &loaded, msg, sizeof msg);
    fz_status_valid(ld, "nf_network_load");
    if (ld != NF_OK)
        fz_message_names(msg, "nf_network_load", sizeof msg);
    FZ_CHECK(ld == NF_OK, "a saved network cannot be loaded: %s: %s", nf_status_string(ld),
             msg);
    nft_obs_clear(&s->after);
    nft_observe_network(&s->after, loaded, s->obj, s->n_obj, s->devices, s->n_devices);
    nft_obs_clear(&s->before);
    nft_observe_network(&s->before, s->net, s->obj, s->n_obj, s->devices, s->n_devices);
    char where[160];
    FZ_CHECK(!nft_obs_diff(&s->before, &s->after, where, sizeof where),
             "the loaded network differs from the saved one: %s", where);
    nf_network_destroy(loaded);
}

typedef void (*fz_op)(fz_reader *r, fz_state *s);

static const fz_op ops[] = {
    population_add, population_add, input_add, input_set, connect_, connect_, readout_add,
    learner_add, probe_add, run, run, reset, mode_dt, population_state, gain_bias, probe_read,
    connection_weights, readout_ops, learner_ops, rate_stats, energy, write_npy, queries,
    save_load,
};

int fz_network_ops(void) { return (int)(sizeof ops / sizeof *ops); }

void fz_op_network(fz_reader *r, fz_state *s, int op) {
    if (!room(s) && (ops[op] == population_add || ops[op] == input_add ||
                     ops[op] == connect_ || ops[op] == readout_add ||
                     ops[op] == learner_add || ops[op] == probe_add))
        return;
    ops[op](r, s);
}
