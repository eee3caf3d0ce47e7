/*
 * The equivalence harness (equivalence_common.h): comparators, assertions,
 * building a spec's network, running it in pieces while reading its probes,
 * and comparing two runs.
 */
#include "equivalence_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t EQ_CHUNK_STEPS[EQ_CHUNKS] = {1, 130, 869};

// --- comparators (pure, so that a test can check them) ----------------------------

/* max |ref[i]| (0 for an empty array). */
static double eq_peak(const float *ref, size_t n) {
    double peak = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)ref[i]) > peak)
            peak = fabs((double)ref[i]);
    return peak;
}

/* The first i with |x - ref| > rtol |ref| + atol_of_peak * max|ref| (NaN anywhere
 * counts as far), or -1 when every element is close. */
ptrdiff_t eq_first_far(const float *ref, const float *x, size_t n, double rtol,
                       double atol_of_peak) {
    const double atol = atol_of_peak * eq_peak(ref, n);
    for (size_t i = 0; i < n; i++) {
        const double r = ref[i], v = x[i];
        if (isnan(r) || isnan(v) || !(fabs(v - r) <= rtol * fabs(r) + atol))
            return (ptrdiff_t)i;
    }
    return -1;
}

/* sum (x - ref)^2 / sum ref^2; 0 when both are all zero, +inf when only ref is. */
double eq_nmse(const float *ref, const float *x, size_t n) {
    double err = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)x[i] - (double)ref[i];
        err += d * d;
        norm += (double)ref[i] * ref[i];
    }
    if (norm == 0.0)
        return err == 0.0 ? 0.0 : INFINITY;
    return err / norm;
}

/* The first i whose counts differ by more than EQ_COUNT_RTOL |ref| + EQ_COUNT_SLACK,
 * or -1. */
ptrdiff_t eq_first_count_far(const int64_t *ref, const int64_t *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)(x[i] - ref[i]));
        if (d > EQ_COUNT_RTOL * fabs((double)ref[i]) + EQ_COUNT_SLACK)
            return (ptrdiff_t)i;
    }
    return -1;
}

bool eq_totals_close(int64_t ref, int64_t x) {
    return fabs((double)(x - ref)) <= EQ_COUNT_RTOL * (double)ref + EQ_COUNT_SLACK;
}

// --- assertions -------------------------------------------------------------------

static void eq_assert_identical(const eq_spec *s, const float *ref, const float *x, size_t n,
                                const char *what) {
    for (size_t i = 0; i < n; i++)
        cr_assert(memcmp(&ref[i], &x[i], sizeof(float)) == 0,
                  "spec %s (seed %llu): %s[%zu]: reference %.9g, other backend %.9g (must be "
                  "bit-identical)",
                  s->name, (unsigned long long)s->seed, what, i, (double)ref[i], (double)x[i]);
}

static void eq_assert_close(const eq_spec *s, const float *ref, const float *x, size_t n,
                            const char *what) {
    const ptrdiff_t far = eq_first_far(ref, x, n, EQ_RTOL, EQ_ATOL_OF_PEAK);
    cr_assert(far < 0,
              "spec %s (seed %llu): %s[%td]: reference %.9g, other backend %.9g (rtol %g, atol "
              "%g of peak %.6g)",
              s->name, (unsigned long long)s->seed, what, far, far < 0 ? 0.0 : (double)ref[far],
              far < 0 ? 0.0 : (double)x[far], EQ_RTOL, EQ_ATOL_OF_PEAK, eq_peak(ref, n));
    const double nmse = eq_nmse(ref, x, n);
    cr_assert(nmse <= EQ_NMSE_MAX, "spec %s (seed %llu): %s: NMSE %.3g > %g", s->name,
              (unsigned long long)s->seed, what, nmse, EQ_NMSE_MAX);
}

static void eq_assert_match(const eq_spec *s, eq_mode mode, const float *ref, const float *x,
                            size_t n, const char *what) {
    if (mode == EQ_EXACT)
        eq_assert_identical(s, ref, x, n, what);
    else
        eq_assert_close(s, ref, x, n, what);
}

// --- building ---------------------------------------------------------------------

static const char *const EQ_CONN_NAMES[EQ_CONNS] = {"input connection", "held-input connection",
                                                    "recurrent connection", "feedback connection"};

static const char *const EQ_PROBE_NAMES[EQ_PROBES] = {
    "output probe (every 1)",  "filtered probe (every 7)", "state probe (every 7)",
    "readout probe (every 7)", "input probe (every 1)",    "late readout probe (every 7)"};
/* A deterministic spread over [0, 1): the golden-ratio sequence. */
static double eq_spread(int64_t i) {
    double v = (double)(i + 1) * 0.6180339887498949;
    return v - floor(v);
}

static int32_t eq_add_probe(eq_net *e, int slot, int32_t target, nf_probe_kind what,
                            int32_t every) {
    eq_probe *p = &e->probe[slot];
    p->every = every;
    p->start = nf_network_step_count(e->net);
    NFT_OK(e->net, nf_probe_add(e->net, target, what, every, &p->id));
    return p->id;
}

static nf_connection_desc eq_normal(nf_connection_kind kind, float p, float scale, float g,
                                    int32_t per_batch) {
    nf_connection_desc c = nf_connection_defaults();
    c.kind = kind;
    c.init = NF_WEIGHTS_NORMAL;
    c.p = p;
    c.scale = scale; /* 0: g / sqrt(p n_pre) */
    c.g = g;
    c.per_batch = per_batch;
    c.propagation = NF_PROPAGATION_DENSE;
    return c;
}

/* Builds the spec's network on `backend` (every call in the same order on every
 * backend, so that the draws take the same stream positions). */
void eq_build(eq_net *e, const eq_spec *s, nf_backend backend) {
    const eq_cfg cfg = eq_model_cfg(s);
    const float span = cfg.bias_hi - cfg.bias_lo;
    const int32_t batch = s->batch, n = s->n;
    memset(e, 0, sizeof *e);
    for (int k = 0; k < EQ_PROBES; k++)
        e->probe[k].id = -1;
    e->dt = cfg.dt;
    e->net = nft_network(backend, cfg.dt, batch, s->seed);
    nf_network *net = e->net;
    if (s->rate_mode)
        NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));

    // population
    nf_population_desc d = nf_population_defaults(s->model, n);
    if (s->model == NF_MODEL_LIF)
        cr_assert_eq(nf_lif_form_apply(&d, (nf_lif_form)s->variant), NF_OK);
    if (s->model == NF_MODEL_IZHIKEVICH && s->variant == NF_IZHIKEVICH_NENGO)
        cr_assert_eq(nf_izhikevich_preset_apply(&d, NF_IZHIKEVICH_RS), NF_OK);
    d.spiking = s->spiking;
    d.amplitude = EQ_AMPLITUDE;
    d.gain = 1.0f;
    if (s->model == NF_MODEL_LEAKY_RATE) {
        d.tau = 1.0f;
        d.x_init_scale = 0.5f;
    }
    float *biases = nft_alloc((size_t)n, sizeof *biases);
    for (int32_t i = 0; i < n; i++)
        biases[i] = cfg.bias_lo + span * (float)eq_spread(i);
    d.biases = biases;
    d.filter = eq_filter_desc(s, cfg.dt);
    NFT_OK(net, nf_population_add(net, &d, &e->pop));
    free(biases);

    // inputs: a sequence of EQ_STEPS rows and a held row
    const size_t in_floats = (size_t)EQ_STEPS * batch * EQ_IN_DIM;
    float *rows = nft_alloc(in_floats, sizeof *rows);
    for (int64_t t = 0; t < EQ_STEPS; t++)
        for (int32_t b = 0; b < batch; b++)
            for (int32_t k = 0; k < EQ_IN_DIM; k++)
                rows[((size_t)t * batch + b) * EQ_IN_DIM + k] =
                    (float)sin(2.0 * EQ_PI * (k + 1) * (double)t / EQ_STEPS + 0.7 * b + 1.3 * k);
    NFT_OK(net, nf_input_add(net, EQ_IN_DIM, &e->input));
    NFT_OK(net, nf_input_set(net, e->input, EQ_STEPS, rows));
    free(rows);
    float held[5 * EQ_HELD_DIM];
    cr_assert(batch <= 5, "spec %s: batch %d > 5", s->name, batch);
    for (int32_t b = 0; b < batch; b++) {
        held[b * EQ_HELD_DIM + 0] = 0.5f + 0.1f * (float)b;
        held[b * EQ_HELD_DIM + 1] = -0.3f + 0.05f * (float)b;
    }
    NFT_OK(net, nf_input_add(net, EQ_HELD_DIM, &e->held));
    NFT_OK(net, nf_input_set(net, e->held, 1, held));

    nf_connection_desc c = eq_normal(NF_CONNECTION_DENSE, 0.7f, 0.1f * span, 0.0f, s->per_batch);
    NFT_OK(net, nf_connect(net, e->input, e->pop, &c, &e->conn[EQ_C_INPUT]));
    c = eq_normal(NF_CONNECTION_SPARSE, 0.5f, 0.05f * span, 0.0f, s->per_batch);
    NFT_OK(net, nf_connect(net, e->held, e->pop, &c, &e->conn[EQ_C_HELD]));

    // readout: z = W_out s, about unit size; z(0) ~ N(0, 0.5^2)
    const int32_t copies = s->per_batch ? batch : 1;
    const size_t wcount = (size_t)copies * EQ_Z_DIM * n;
    float *w_out = nft_alloc(wcount, sizeof *w_out);
    for (int32_t cp = 0; cp < copies; cp++)
        for (int32_t k = 0; k < EQ_Z_DIM; k++)
            for (int32_t i = 0; i < n; i++)
                w_out[((size_t)cp * EQ_Z_DIM + k) * n + i] =
                    (float)(cos(0.37 * (i + 1) * (k + 1) + 0.11 * cp) /
                            ((double)cfg.rate * sqrt((double)n)));
    nf_readout_desc rd = {.per_batch = s->per_batch, .weights = w_out, .z_init_scale = 0.5f};
    NFT_OK(net, nf_readout_add(net, e->pop, EQ_Z_DIM, &rd, &e->readout));
    free(w_out);

    // recurrent connection of the spec's kind: input std ~0.15 of the bias range
    const float g = 0.15f * span / cfg.rate;
    switch (s->conn) {
    case EQ_CONN_DENSE:
    case EQ_CONN_EVENT_DENSE:
        c = eq_normal(NF_CONNECTION_DENSE, 0.2f, 0.0f, g, s->per_batch);
        break;
    case EQ_CONN_SPARSE:
    case EQ_CONN_EVENT_SPARSE:
        c = eq_normal(NF_CONNECTION_SPARSE, 0.2f, 0.0f, g, s->per_batch);
        c.zero_mean_rows = 1;
        break;
    case EQ_CONN_IDENTITY:
        c = nf_connection_defaults();
        c.kind = NF_CONNECTION_IDENTITY;
        c.scale = g;
        break;
    }
    if (s->conn == EQ_CONN_EVENT_DENSE || s->conn == EQ_CONN_EVENT_SPARSE)
        c.propagation = NF_PROPAGATION_EVENT;
    NFT_OK(net, nf_connect(net, e->pop, e->pop, &c, &e->conn[EQ_C_RECURRENT]));

    // feedback U z
    c = eq_normal(NF_CONNECTION_DENSE, 0.5f, 0.05f * span, 0.0f, s->per_batch);
    NFT_OK(net, nf_connect(net, e->readout, e->pop, &c, &e->conn[EQ_C_FEEDBACK]));

    // probes
    eq_add_probe(e, EQ_P_OUTPUT, e->pop, NF_PROBE_OUTPUT, 1);
    eq_add_probe(e, EQ_P_FILTERED, e->pop, NF_PROBE_FILTERED, EQ_DECIMATION);
    if (eq_has_state(s, NF_STATE_VOLTAGE) || eq_has_state(s, NF_STATE_X)) {
        eq_add_probe(e, EQ_P_STATE, e->pop, NF_PROBE_STATE, EQ_DECIMATION);
    } else if (eq_has_state(s, NF_STATE_SPIKE_ACCUMULATOR)) {
        eq_probe *p = &e->probe[EQ_P_STATE];
        p->every = EQ_DECIMATION;
        p->start = nf_network_step_count(net);
        NFT_OK(net,
               nf_probe_add_state(net, e->pop, NF_STATE_SPIKE_ACCUMULATOR, EQ_DECIMATION, &p->id));
    }
    eq_add_probe(e, EQ_P_Z, e->readout, NF_PROBE_OUTPUT, EQ_DECIMATION);
    eq_add_probe(e, EQ_P_INPUT, e->input, NF_PROBE_INPUT, 1);
}

/* Floats per row a probe must have. */
static int64_t eq_probe_width(const eq_spec *s, int slot) {
    switch (slot) {
    case EQ_P_Z:
    case EQ_P_LATE_Z: return (int64_t)s->batch * EQ_Z_DIM;
    case EQ_P_INPUT: return (int64_t)s->batch * EQ_IN_DIM;
    default: return (int64_t)s->batch * s->n;
    }
}

/* Reads every unread row of every probe and appends it. */
static void eq_collect(eq_net *e, const eq_spec *s) {
    for (int k = 0; k < EQ_PROBES; k++) {
        eq_probe *p = &e->probe[k];
        if (p->id < 0)
            continue;
        int64_t rows = -1, size = -1;
        cr_assert_eq(nf_probe_rows(e->net, p->id, &rows), NF_OK, "spec %s: %s: rows", s->name,
                     EQ_PROBE_NAMES[k]);
        cr_assert_eq(nf_probe_row_size(e->net, p->id, &size), NF_OK, "spec %s: %s: row size",
                     s->name, EQ_PROBE_NAMES[k]);
        cr_assert_eq(size, eq_probe_width(s, k), "spec %s (%s): %s: row size %lld, expected %lld",
                     s->name, nf_backend_name(nf_network_backend(e->net)), EQ_PROBE_NAMES[k],
                     (long long)size, (long long)eq_probe_width(s, k));
        p->row_size = size;
        if (rows == 0)
            continue;
        const size_t have = (size_t)(p->rows * size), add = (size_t)(rows * size);
        float *grown = realloc(p->data, (have + add) * sizeof *grown);
        cr_assert_not_null(grown, "out of memory for %zu probe floats", have + add);
        p->data = grown;
        int64_t got = -1;
        NFT_OK(e->net, nf_probe_read(e->net, p->id, p->data + have, add, &got));
        cr_assert_eq(got, rows, "spec %s: %s: read %lld rows, %lld were unread", s->name,
                     EQ_PROBE_NAMES[k], (long long)got, (long long)rows);
        p->rows += rows;
    }
}

/* Runs EQ_STEPS steps in EQ_CHUNKS pieces, reading the probes after each piece; the
 * late readout probe starts after EQ_LATE_AFTER pieces. */
static void eq_run(eq_net *e, const eq_spec *s) {
    for (int c = 0; c < EQ_CHUNKS; c++) {
        if (c == EQ_LATE_AFTER)
            eq_add_probe(e, EQ_P_LATE_Z, e->readout, NF_PROBE_OUTPUT, EQ_DECIMATION);
        NFT_OK(e->net, nf_network_run(e->net, EQ_CHUNK_STEPS[c]));
        eq_collect(e, s);
    }
    cr_assert_eq(nf_network_step_count(e->net), EQ_STEPS, "spec %s: step count %lld", s->name,
                 (long long)nf_network_step_count(e->net));
}

void eq_free(eq_net *e) {
    for (int k = 0; k < EQ_PROBES; k++)
        free(e->probe[k].data);
    nf_network_destroy(e->net);
    memset(e, 0, sizeof *e);
}

// --- comparisons ------------------------------------------------------------------

size_t eq_state_count(const eq_spec *s) { return (size_t)s->batch * s->n; }

/* Every state kind: the same status on both networks (NF_OK exactly for the slots the
 * model has, NF_ERR_INVALID_ARGUMENT for the others), and the values compared in
 * `mode`. */
static void eq_compare_states(const eq_spec *s, const eq_net *a, const eq_net *b, eq_mode mode,
                              const char *when) {
    const size_t count = eq_state_count(s);
    float *va = nft_alloc(count, sizeof *va), *vb = nft_alloc(count, sizeof *vb);
    for (int k = 0; k < NF_STATE_KIND_COUNT; k++) {
        const nf_state_kind kind = (nf_state_kind)k;
        const nf_status sa = nf_population_get_state(a->net, a->pop, kind, va);
        const nf_status sb = nf_population_get_state(b->net, b->pop, kind, vb);
        const nf_status want = eq_has_state(s, kind) ? NF_OK : NF_ERR_INVALID_ARGUMENT;
        cr_assert_eq(sa, want, "spec %s: get_state(%s) on %s: %s, expected %s (%s)", s->name,
                     eq_state_name(kind), nf_backend_name(nf_network_backend(a->net)),
                     nf_status_string(sa), nf_status_string(want), nf_network_last_error(a->net));
        cr_assert_eq(sb, want, "spec %s: get_state(%s) on %s: %s, expected %s (%s)", s->name,
                     eq_state_name(kind), nf_backend_name(nf_network_backend(b->net)),
                     nf_status_string(sb), nf_status_string(want), nf_network_last_error(b->net));
        if (sa != NF_OK)
            continue;
        char what[96];
        snprintf(what, sizeof what, "%s state %s", when, eq_state_name(kind));
        eq_assert_match(s, mode, va, vb, count, what);
    }
    free(va);
    free(vb);
}

/* Every connection's weights bit for bit, and the same count on both. */
static void eq_compare_weights(const eq_spec *s, const eq_net *a, const eq_net *b,
                               const char *when) {
    for (int k = 0; k < EQ_CONNS; k++) {
        int64_t ca = -1, cb = -1;
        cr_assert_eq(nf_connection_weight_count(a->net, a->conn[k], &ca), NF_OK);
        cr_assert_eq(nf_connection_weight_count(b->net, b->conn[k], &cb), NF_OK);
        cr_assert_eq(ca, cb, "spec %s: %s: %lld weights on one backend, %lld on the other", s->name,
                     EQ_CONN_NAMES[k], (long long)ca, (long long)cb);
        cr_assert_gt(ca, 0, "spec %s: %s has no weights", s->name, EQ_CONN_NAMES[k]);
        float *wa = nft_alloc((size_t)ca, sizeof *wa), *wb = nft_alloc((size_t)cb, sizeof *wb);
        NFT_OK(a->net, nf_connection_get_weights(a->net, a->conn[k], wa));
        NFT_OK(b->net, nf_connection_get_weights(b->net, b->conn[k], wb));
        char what[96];
        snprintf(what, sizeof what, "%s %s weights", when, EQ_CONN_NAMES[k]);
        eq_assert_identical(s, wa, wb, (size_t)ca, what);
        free(wa);
        free(wb);
    }
    const size_t wcount = (size_t)(s->per_batch ? s->batch : 1) * EQ_Z_DIM * s->n;
    float *ra = nft_alloc(wcount, sizeof *ra), *rb = nft_alloc(wcount, sizeof *rb);
    NFT_OK(a->net, nf_readout_get_weights(a->net, a->readout, ra));
    NFT_OK(b->net, nf_readout_get_weights(b->net, b->readout, rb));
    char what[96];
    snprintf(what, sizeof what, "%s readout weights", when);
    eq_assert_identical(s, ra, rb, wcount, what);
    free(ra);
    free(rb);
}

static void eq_compare_z(const eq_spec *s, const eq_net *a, const eq_net *b, eq_mode mode,
                         const char *when) {
    const size_t count = (size_t)s->batch * EQ_Z_DIM;
    float za[5 * EQ_Z_DIM], zb[5 * EQ_Z_DIM];
    NFT_OK(a->net, nf_readout_get_state(a->net, a->readout, za));
    NFT_OK(b->net, nf_readout_get_state(b->net, b->readout, zb));
    char what[96];
    snprintf(what, sizeof what, "%s readout z", when);
    eq_assert_match(s, mode, za, zb, count, what);
}

/* Spike counts from the every-step output probe, k = out dt / amplitude per step:
 * per element the net count sum k (converted tanh spikes can be negative; a neuron
 * whose rate hovers around 0 emits +1/-1 pairs whose number is as sensitive to
 * rounding as a chaotic orbit, while their sum follows the integral of its rate),
 * and in *total the number of spikes of either sign, sum |k| over everything. Also
 * checks that every output is a whole number of spikes. */
static int64_t *eq_spike_counts(const eq_spec *s, const eq_net *e, int64_t *total) {
    const eq_probe *p = &e->probe[EQ_P_OUTPUT];
    const size_t width = (size_t)p->row_size;
    int64_t *counts = nft_alloc(width, sizeof *counts);
    *total = 0;
    for (int64_t t = 0; t < p->rows; t++)
        for (size_t i = 0; i < width; i++) {
            const double k = (double)p->data[(size_t)t * width + i] * e->dt / EQ_AMPLITUDE;
            const double whole = nearbyint(k);
            cr_assert(fabs(k - whole) <= EQ_SPIKE_INTEGER_TOL,
                      "spec %s (%s): output at step %lld, element %zu is %.9g spikes, not a "
                      "whole number",
                      s->name, nf_backend_name(nf_network_backend(e->net)), (long long)t, i, k);
            counts[i] += (int64_t)whole;
            *total += (int64_t)fabs(whole);
        }
    return counts;
}

/* After the run: probe shapes, then values in `mode` (spiking specs: spike counts). */
static void eq_compare_after(const eq_spec *s, const eq_net *a, const eq_net *b, eq_mode mode) {
    for (int k = 0; k < EQ_PROBES; k++) {
        const eq_probe *pa = &a->probe[k], *pb = &b->probe[k];
        cr_assert_eq(pa->id < 0, pb->id < 0, "spec %s: %s exists on one backend only", s->name,
                     EQ_PROBE_NAMES[k]);
        if (pa->id < 0)
            continue;
        const int64_t want = (EQ_STEPS - pa->start) / pa->every;
        cr_assert_eq(pa->rows, want,
                     "spec %s: %s on %s: %lld rows, expected %lld (every %d from "
                     "step %lld)",
                     s->name, EQ_PROBE_NAMES[k], nf_backend_name(nf_network_backend(a->net)),
                     (long long)pa->rows, (long long)want, pa->every, (long long)pa->start);
        cr_assert_eq(pb->rows, pa->rows, "spec %s: %s: %lld rows on %s, %lld on %s", s->name,
                     EQ_PROBE_NAMES[k], (long long)pb->rows,
                     nf_backend_name(nf_network_backend(b->net)), (long long)pa->rows,
                     nf_backend_name(nf_network_backend(a->net)));
        cr_assert_eq(pb->row_size, pa->row_size, "spec %s: %s: row sizes %lld and %lld", s->name,
                     EQ_PROBE_NAMES[k], (long long)pa->row_size, (long long)pb->row_size);
    }
    /* Inputs are copied, never computed: bit for bit on every backend. */
    const eq_probe *ia = &a->probe[EQ_P_INPUT], *ib = &b->probe[EQ_P_INPUT];
    eq_assert_identical(s, ia->data, ib->data, (size_t)(ia->rows * ia->row_size), "input probe");
    eq_compare_weights(s, a, b, "after the run:");

    if (eq_spikes(s)) {
        int64_t ta = 0, tb = 0;
        int64_t *ca = eq_spike_counts(s, a, &ta), *cb = eq_spike_counts(s, b, &tb);
        const size_t width = (size_t)a->probe[EQ_P_OUTPUT].row_size;
        if (mode == EQ_EXACT) {
            for (size_t i = 0; i < width; i++)
                cr_assert_eq(ca[i], cb[i], "spec %s: element %zu: %lld spikes, then %lld", s->name,
                             i, (long long)ca[i], (long long)cb[i]);
        } else {
            const ptrdiff_t far = eq_first_count_far(ca, cb, width);
            cr_assert(far < 0,
                      "spec %s (seed %llu): element %td (batch %td, neuron %td): net count %lld "
                      "on the reference, %lld on the other backend (allowed %g%% + %d)",
                      s->name, (unsigned long long)s->seed, far, far / s->n, far % s->n,
                      far < 0 ? 0LL : (long long)ca[far], far < 0 ? 0LL : (long long)cb[far],
                      100.0 * EQ_COUNT_RTOL, EQ_COUNT_SLACK);
            cr_assert(eq_totals_close(ta, tb),
                      "spec %s (seed %llu): %lld spikes in all on the reference, %lld on the "
                      "other backend",
                      s->name, (unsigned long long)s->seed, (long long)ta, (long long)tb);
        }
        free(ca);
        free(cb);
        if (mode == EQ_CLOSE)
            return; /* spike times may differ by a step: states are not comparable */
    }
    for (int k = 0; k < EQ_PROBES; k++) {
        const eq_probe *pa = &a->probe[k], *pb = &b->probe[k];
        if (pa->id < 0 || k == EQ_P_INPUT)
            continue;
        eq_assert_match(s, mode, pa->data, pb->data, (size_t)(pa->rows * pa->row_size),
                        EQ_PROBE_NAMES[k]);
    }
    eq_compare_states(s, a, b, mode, "after the run:");
    eq_compare_z(s, a, b, mode, "after the run:");
}

/* The spec is meaningful: spiking populations fire enough for a 1% comparison, rate
 * outputs are finite and not all zero. Checked on the reference after the run. */
static void eq_check_spec_sanity(const eq_spec *s, const eq_net *e) {
    const eq_probe *p = &e->probe[EQ_P_OUTPUT];
    const size_t count = (size_t)(p->rows * p->row_size);
    for (size_t i = 0; i < count; i++)
        cr_assert(isfinite(p->data[i]), "spec %s: output %zu is not finite", s->name, i);
    if (eq_spikes(s)) {
        int64_t total = 0;
        int64_t *counts = eq_spike_counts(s, e, &total);
        free(counts);
        const double mean = (double)total / (double)p->row_size;
        cr_assert_geq(mean, EQ_MIN_MEAN_COUNT,
                      "spec %s: %.2f spikes per neuron over %d steps: too few to compare", s->name,
                      mean, EQ_STEPS);
    } else {
        cr_assert_gt(eq_peak(p->data, count), 0.0, "spec %s: the rate output is all zero", s->name);
    }
}

/* The initial draws are real draws: the states drawn from the seed are not constant,
 * generated dense weights hold masked zeros (p < 1), sparse ones only connections. */
static void eq_check_initial_draws(const eq_spec *s, const eq_net *e) {
    const size_t count = eq_state_count(s);
    float *v = nft_alloc(count, sizeof *v);
    for (int k = 0; k < NF_STATE_KIND_COUNT; k++) {
        if (!eq_state_is_drawn(s, (nf_state_kind)k))
            continue;
        NFT_OK(e->net, nf_population_get_state(e->net, e->pop, (nf_state_kind)k, v));
        size_t distinct = 0;
        for (size_t i = 1; i < count; i++)
            distinct += v[i] != v[0];
        cr_assert_gt(distinct, count / 2, "spec %s: initial %s looks constant (%.9g)", s->name,
                     eq_state_name((nf_state_kind)k), (double)v[0]);
    }
    free(v);
    for (int k = 0; k < EQ_CONNS; k++) {
        if (k == EQ_C_RECURRENT && s->conn == EQ_CONN_IDENTITY)
            continue;
        int64_t wc = 0;
        cr_assert_eq(nf_connection_weight_count(e->net, e->conn[k], &wc), NF_OK);
        float *w = nft_alloc((size_t)wc, sizeof *w);
        NFT_OK(e->net, nf_connection_get_weights(e->net, e->conn[k], w));
        int64_t zeros = 0;
        for (int64_t i = 0; i < wc; i++)
            zeros += w[i] == 0.0f;
        /* Dense with p < 1 keeps the masked zeros; sparse keeps only the connections. */
        const bool sparse =
            k == EQ_C_HELD ||
            (k == EQ_C_RECURRENT && (s->conn == EQ_CONN_SPARSE || s->conn == EQ_CONN_EVENT_SPARSE));
        if (sparse)
            cr_assert_lt(zeros, wc / 4 + 1, "spec %s: %s: %lld of %lld stored weights are 0",
                         s->name, EQ_CONN_NAMES[k], (long long)zeros, (long long)wc);
        else
            cr_assert(zeros > 0 && zeros < wc,
                      "spec %s: %s: %lld of %lld weights are 0 (p < 1 should mask some)", s->name,
                      EQ_CONN_NAMES[k], (long long)zeros, (long long)wc);
        free(w);
    }
}

/* Moves every bias and gain of the other network by `ulps` units in the last place,
 * up or down by a fixed pseudo-random pattern: a stand-in, on one backend, for the
 * rounding differences between two backends (every current then differs at the
 * float rounding level, at every step). */
static void eq_perturb(const eq_spec *s, const eq_net *e, int ulps) {
    const eq_cfg cfg = eq_model_cfg(s);
    float *biases = nft_alloc((size_t)s->n, sizeof *biases);
    float *gains = nft_alloc((size_t)s->n, sizeof *gains);
    for (int32_t i = 0; i < s->n; i++) {
        const uint32_t h = (uint32_t)i * 2654435761u;
        float bias = cfg.bias_lo + (cfg.bias_hi - cfg.bias_lo) * (float)eq_spread(i);
        float gain = 1.0f;
        for (int u = 0; u < ulps; u++) {
            bias = nextafterf(bias, ((h >> 7) & 1) ? INFINITY : -INFINITY);
            gain = nextafterf(gain, ((h >> 11) & 1) ? INFINITY : -INFINITY);
        }
        biases[i] = bias;
        gains[i] = gain;
    }
    NFT_OK(e->net, nf_population_set_gain_bias(e->net, e->pop, gains, biases));
    free(biases);
    free(gains);
}

/* Builds the spec on ref_backend and other_backend with the same seed, checks the
 * initial draws bit for bit, runs both (the other network's currents perturbed by
 * perturb_ulps first, when > 0), and compares in `mode`; EXACT also runs the
 * comparisons of CLOSE, which identical results must pass. */
void eq_check(const eq_spec *s, nf_backend ref_backend, nf_backend other_backend, eq_mode mode,
              int perturb_ulps) {
    eq_net a, b;
    eq_build(&a, s, ref_backend);
    eq_build(&b, s, other_backend);
    cr_assert_eq(nf_network_backend(a.net), ref_backend);
    cr_assert_eq(nf_network_backend(b.net), other_backend);

    /* cuRAND Philox, host and device generators: the same draws bit for bit. */
    eq_compare_states(s, &a, &b, EQ_EXACT, "initial");
    eq_compare_weights(s, &a, &b, "initial");
    eq_compare_z(s, &a, &b, EQ_EXACT, "initial");
    eq_check_initial_draws(s, &a);

    if (perturb_ulps > 0)
        eq_perturb(s, &b, perturb_ulps);
    eq_run(&a, s);
    eq_run(&b, s);
    eq_check_spec_sanity(s, &a);
    eq_compare_after(s, &a, &b, mode);
    if (mode == EQ_EXACT)
        eq_compare_after(s, &a, &b, EQ_CLOSE);
    eq_free(&a);
    eq_free(&b);
}

/* The spec named `name` in the table. */
const eq_spec *eq_find_spec(const char *name) {
    for (size_t i = 0; i < EQ_SPEC_COUNT; i++)
        if (strcmp(EQ_SPECS[i].name, name) == 0)
            return &EQ_SPECS[i];
    cr_assert_fail("no spec named %s", name);
    return NULL;
}
