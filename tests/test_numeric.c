/*
 * NF_ERR_NUMERIC: a value that overflows during nf_network_run stops it, the
 * message names the object and the step, and the network is left exactly as
 * after the last good step: equal (bit for bit) to a twin network that ran
 * only the good steps, with probes and step count to match; it keeps working
 * once the cause is fixed. Cases: an input that overflows the currents part
 * way through a run (past the first checked stretch; and inside a long
 * stretch), a recurrent weight that overflows the currents (population state),
 * readout weights that overflow z (readout z), and a P set so large that the
 * RLS update overflows (learner P, float32 and float64).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(numeric, .timeout = 120);

enum { NN = 40, STEPS = 600, BAD_FROM = 300 };

typedef struct esn {
    nf_network *net;
    int32_t pop, rec, readout, fb, target, learner, probe, drive;
} esn;

/* A FORCE network (leaky rate units, recurrent weights, feedback, readout
 * learning) with the target rows f ([STEPS] values). */
static esn esn_make_with(nf_backend backend, const float *f, int64_t steps,
                         nf_precision precision, int32_t every, const float *drive) {
    /* With a drive, the recurrent weights are sparse (p 0.1): little work per step. */
    esn e;
    e.net = nft_network(backend, 0.1, 1, 21);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, NN);
    pd.x_init_scale = 0.5f;
    NFT_OK(e.net, nf_population_add(e.net, &pd, &e.pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = drive ? 0.1f : 0.5f;
    cd.kind = drive ? NF_CONNECTION_SPARSE : NF_CONNECTION_DENSE;
    NFT_OK(e.net, nf_connect(e.net, e.pop, e.pop, &cd, &e.rec));
    NFT_OK(e.net, nf_readout_add(e.net, e.pop, 1, NULL, &e.readout));
    nf_connection_desc fd = nf_connection_defaults();
    fd.init = NF_WEIGHTS_UNIFORM;
    fd.low = -1.0f;
    fd.high = 1.0f;
    NFT_OK(e.net, nf_connect(e.net, e.readout, e.pop, &fd, &e.fb));
    e.drive = -1;
    if (drive) { /* an input into every neuron with weight 2, [steps] rows */
        float w2[NN];
        int32_t conn;
        for (int i = 0; i < NN; i++)
            w2[i] = 2.0f;
        nf_connection_desc dd = nf_connection_defaults();
        dd.weights = w2;
        NFT_OK(e.net, nf_input_add(e.net, 1, &e.drive));
        NFT_OK(e.net, nf_input_set(e.net, e.drive, steps, drive));
        NFT_OK(e.net, nf_connect(e.net, e.drive, e.pop, &dd, &conn));
    }
    NFT_OK(e.net, nf_input_add(e.net, 1, &e.target));
    NFT_OK(e.net, nf_input_set(e.net, e.target, steps, f));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = e.readout;
    ld.target = e.target;
    ld.every = every;
    ld.p_precision = precision;
    NFT_OK(e.net, nf_learner_add(e.net, &ld, &e.learner));
    NFT_OK(e.net, nf_probe_add(e.net, e.readout, NF_PROBE_OUTPUT, 1, &e.probe));
    return e;
}

static esn esn_make_p(nf_backend backend, const float *f, nf_precision precision) {
    return esn_make_with(backend, f, STEPS, precision, 2, NULL);
}

static esn esn_make(nf_backend backend, const float *f) {
    return esn_make_p(backend, f, NF_PRECISION_F32);
}

static float *sine_target(void) {
    float *f = nft_alloc(STEPS, sizeof *f);
    for (int t = 0; t < STEPS; t++)
        f[t] = sinf(2.0f * 3.14159265f * (float)t / 60.0f);
    return f;
}

/* The step named in the message ("at step S"). */
static int64_t message_step(const nf_network *net) {
    const char *m = strstr(nf_network_last_error(net), "at step ");
    cr_assert_not_null(m, "the message names no step: %s", nf_network_last_error(net));
    return strtoll(m + 8, NULL, 10);
}

/* The run failed with NF_ERR_NUMERIC naming "<kind> <id> <what>" at `step`,
 * and the network counts the steps before it. */
static void expect_numeric(const nf_network *net, nf_status st, const char *kind, int32_t id,
                           const char *what, int64_t step) {
    cr_assert_eq(st, NF_ERR_NUMERIC, "run: %s", nf_status_string(st));
    const char *m = nf_network_last_error(net);
    cr_log_info("%s", m);
    char expect[96];
    snprintf(expect, sizeof expect, "%s %d %s", kind, id, what);
    cr_assert(strstr(m, expect), "message \"%s\" does not name %s", m, expect);
    cr_assert_eq(message_step(net), step);
    cr_assert_eq(nf_network_step_count(net), step);
}

/* Every value a run changes, bit for bit: state x, z, readout weights, P, probe rows. */
static void expect_same_network(const esn *a, const esn *b) {
    float xa[NN], xb[NN], wa[NN], wb[NN], za, zb;
    NFT_OK(a->net, nf_population_get_state(a->net, a->pop, NF_STATE_X, xa));
    NFT_OK(b->net, nf_population_get_state(b->net, b->pop, NF_STATE_X, xb));
    nft_assert_all_equal(xb, xa, NN, "x");
    NFT_OK(a->net, nf_readout_get_weights(a->net, a->readout, wa));
    NFT_OK(b->net, nf_readout_get_weights(b->net, b->readout, wb));
    nft_assert_all_equal(wb, wa, NN, "readout weights");
    NFT_OK(a->net, nf_readout_get_state(a->net, a->readout, &za));
    NFT_OK(b->net, nf_readout_get_state(b->net, b->readout, &zb));
    nft_assert_all_equal(&zb, &za, 1, "z");
    float *pa = nft_alloc(NN * NN, sizeof *pa), *pb = nft_alloc(NN * NN, sizeof *pb);
    NFT_OK(a->net, nf_learner_get_p(a->net, a->learner, pa));
    NFT_OK(b->net, nf_learner_get_p(b->net, b->learner, pb));
    nft_assert_all_equal(pb, pa, NN * NN, "P");
    int64_t ra, rb;
    NFT_OK(a->net, nf_probe_rows(a->net, a->probe, &ra));
    NFT_OK(b->net, nf_probe_rows(b->net, b->probe, &rb));
    cr_assert_eq(ra, rb, "probe rows %lld, the twin has %lld", (long long)ra, (long long)rb);
    float *za_rows = nft_alloc((size_t)ra + 1, sizeof *za_rows);
    float *zb_rows = nft_alloc((size_t)rb + 1, sizeof *zb_rows);
    NFT_OK(a->net, nf_probe_read(a->net, a->probe, za_rows, (size_t)ra + 1, &ra));
    NFT_OK(b->net, nf_probe_read(b->net, b->probe, zb_rows, (size_t)rb + 1, &rb));
    nft_assert_all_equal(zb_rows, za_rows, (size_t)ra, "probed z");
    cr_assert_eq(nf_network_step_count(a->net), nf_network_step_count(b->net));
    free(pa);
    free(pb);
    free(za_rows);
    free(zb_rows);
}

NFT_BACKEND_TEST(numeric, input_overflow_part_way_restores_the_last_good_step, .timeout = 120) {
    /* From step BAD_FROM (past the first checked stretch) an input of 3e38 with
     * weight 2 overflows every neuron's current. */
    float *f = sine_target();
    float *drive = nft_alloc(STEPS, sizeof *drive), *calm = nft_alloc(STEPS, sizeof *calm);
    for (int t = BAD_FROM; t < STEPS; t++)
        drive[t] = 3e38f;
    esn a = esn_make_with(backend, f, STEPS, NF_PRECISION_F32, 2, drive);
    expect_numeric(a.net, nf_network_run(a.net, STEPS), "population", a.pop, "state", BAD_FROM);
    cr_assert(strstr(nf_network_last_error(a.net), "non-finite"));

    /* A twin that runs only the good steps is identical. */
    esn b = esn_make_with(backend, f, STEPS, NF_PRECISION_F32, 2, drive);
    NFT_OK(b.net, nf_network_run(b.net, BAD_FROM));
    expect_same_network(&a, &b);

    /* Fixed (the inputs rewind to row 0): both keep going, identically. */
    esn *both[] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        NFT_OK(both[k]->net, nf_input_set(both[k]->net, both[k]->target, STEPS, f));
        NFT_OK(both[k]->net, nf_input_set(both[k]->net, both[k]->drive, STEPS, calm));
        NFT_OK(both[k]->net, nf_network_run(both[k]->net, 100));
    }
    expect_same_network(&a, &b);
    float z;
    NFT_OK(a.net, nf_readout_get_state(a.net, a.readout, &z));
    cr_assert(isfinite(z));
    nf_network_destroy(a.net);
    nf_network_destroy(b.net);
    free(f);
    free(drive);
    free(calm);
}

NFT_BACKEND_TEST(numeric, overflowing_readout_names_its_z, .timeout = 120) {
    float *f = sine_target();
    esn a = esn_make(backend, f);
    NFT_OK(a.net, nf_network_run(a.net, 50));
    float x[NN], w[NN], back[NN];
    NFT_OK(a.net, nf_population_get_state(a.net, a.pop, NF_STATE_X, x));
    for (int j = 0; j < NN; j++) /* the sign of r = tanh(x): the sum overflows */
        w[j] = copysignf(3e38f, x[j]);
    NFT_OK(a.net, nf_readout_set_weights(a.net, a.readout, w));
    expect_numeric(a.net, nf_network_run(a.net, 10), "readout", a.readout, "z", 50);
    NFT_OK(a.net, nf_readout_get_weights(a.net, a.readout, back));
    nft_assert_all_equal(w, back, NN, "readout weights after the failed run");
    nf_network_destroy(a.net);
    free(f);
}

NFT_BACKEND_TEST(numeric, long_stretches_still_find_the_step, .timeout = 120) {
    /* A float64 P updated every 1000 steps is large next to a step's work, so the
     * checked stretches grow past NF_CHECK_STEPS (3840 .. 4607 is one); an input
     * of 3e38 from step 4000 overflows the currents there, and the step is found
     * all the same (through a stretch of NF_CHECK_STEPS, then step by step). */
    enum { LONG = 6000, FROM = 4000, EVERY = 1000 };
    float *f = nft_alloc(LONG, sizeof *f), *drive = nft_alloc(LONG, sizeof *drive);
    for (int t = 0; t < LONG; t++) {
        f[t] = sinf(2.0f * 3.14159265f * (float)t / 60.0f);
        drive[t] = t < FROM ? 0.0f : 3e38f;
    }
    esn a = esn_make_with(backend, f, LONG, NF_PRECISION_F64, EVERY, drive);
    expect_numeric(a.net, nf_network_run(a.net, LONG), "population", a.pop, "state", FROM);
    esn b = esn_make_with(backend, f, LONG, NF_PRECISION_F64, EVERY, drive);
    NFT_OK(b.net, nf_network_run(b.net, FROM));
    expect_same_network(&a, &b);
    nf_network_destroy(a.net);
    nf_network_destroy(b.net);
    free(f);
    free(drive);
}

NFT_BACKEND_TEST(numeric, overflowing_weight_names_the_population_and_changes_nothing,
                 .timeout = 120) {
    float *f = sine_target();
    esn a = esn_make(backend, f);
    NFT_OK(a.net, nf_network_run(a.net, 100));
    float *w = nft_alloc(NN * NN, sizeof *w), *w_good = nft_alloc(NN * NN, sizeof *w);
    NFT_OK(a.net, nf_connection_get_weights(a.net, a.rec, w_good));
    memcpy(w, w_good, NN * NN * sizeof *w);
    float x_before[NN], x_after[NN];
    NFT_OK(a.net, nf_population_get_state(a.net, a.pop, NF_STATE_X, x_before));
    for (int j = 0; j < NN; j++) /* row 3: every term the same sign, the sum overflows */
        w[3 * NN + j] = copysignf(3e38f, x_before[j]);
    NFT_OK(a.net, nf_connection_set_weights(a.net, a.rec, w));
    expect_numeric(a.net, nf_network_run(a.net, 50), "population", a.pop, "state", 100);
    NFT_OK(a.net, nf_population_get_state(a.net, a.pop, NF_STATE_X, x_after));
    nft_assert_all_equal(x_before, x_after, NN, "x after the refused step");
    int64_t rows;
    NFT_OK(a.net, nf_probe_rows(a.net, a.probe, &rows));
    cr_assert_eq(rows, 100, "probe rows %lld: the bad step must not add one", (long long)rows);

    NFT_OK(a.net, nf_connection_set_weights(a.net, a.rec, w_good));
    NFT_OK(a.net, nf_network_run(a.net, 50));
    esn b = esn_make(backend, f);
    NFT_OK(b.net, nf_network_run(b.net, 150));
    expect_same_network(&a, &b);
    nf_network_destroy(a.net);
    nf_network_destroy(b.net);
    free(w);
    free(w_good);
    free(f);
}

/* P = huge * I overflows the rank-1 update at the next learning step (11). */
static void overflowing_p(nf_backend backend, nf_precision precision, double huge) {
    float *f = sine_target();
    esn a = esn_make_p(backend, f, precision);
    NFT_OK(a.net, nf_network_run(a.net, 11)); /* the next due step is 11 (every 2) */
    double *p = nft_alloc(NN * NN, sizeof *p), *back = nft_alloc(NN * NN, sizeof *back);
    for (int i = 0; i < NN; i++)
        p[i * NN + i] = huge;
    NFT_OK(a.net, nf_learner_set_p_f64(a.net, a.learner, p));
    expect_numeric(a.net, nf_network_run(a.net, 40), "learner", a.learner, "P", 11);
    NFT_OK(a.net, nf_learner_get_p_f64(a.net, a.learner, back));
    for (int i = 0; i < NN * NN; i++) {
        const double set = precision == NF_PRECISION_F32 ? (double)(float)p[i] : p[i];
        cr_assert(back[i] == set, "P[%d] = %g after the failed run, %g was set", i, back[i], set);
    }
    free(p);
    free(back);
    free(f);
    nf_network_destroy(a.net);
}

NFT_BACKEND_TEST(numeric, overflowing_p_names_the_learner, .timeout = 120) {
    overflowing_p(backend, NF_PRECISION_F32, 3e38);
}

NFT_BACKEND_TEST(numeric, overflowing_f64_p_names_the_learner, .timeout = 120) {
    overflowing_p(backend, NF_PRECISION_F64, 1e300);
}

// --- rate statistics are part of what a failed run restores

/* ReLU units with bias 1 and all-to-all weights 3 grow by about 12x a step
 * until the output overflows; the rate sums count every step's |output|. */
static nf_network *growing_net(nf_backend backend, int32_t *pop) {
    nf_network *net = nft_network(backend, 0.001, 2, 7);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 4);
    pd.bias = 1.0f;
    NFT_OK(net, nf_population_add(net, &pd, pop));
    float w[16];
    for (int i = 0; i < 16; i++)
        w[i] = 3.0f;
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    int32_t conn;
    NFT_OK(net, nf_connect(net, *pop, *pop, &cd, &conn));
    NFT_OK(net, nf_population_rate_stats_enable(net, *pop, 1));
    return net;
}

NFT_BACKEND_TEST(numeric, rate_sums_are_restored_with_the_network, .timeout = 60) {
    int32_t pa, pb;
    nf_network *a = growing_net(backend, &pa);
    cr_assert_eq(nf_network_run(a, 400), NF_ERR_NUMERIC, "%s", nf_network_last_error(a));
    const int64_t good = nf_network_step_count(a);
    cr_assert(good > 10 && good < 400, "stopped at step %lld", (long long)good);
    nf_network *b = growing_net(backend, &pb);
    NFT_OK(b, nf_network_run(b, good));
    nf_rate_stats sa, sb;
    float ra[8], rb[8];
    NFT_OK(a, nf_population_rate_stats(a, pa, NULL, 0, &sa, ra));
    NFT_OK(b, nf_population_rate_stats(b, pb, NULL, 0, &sb, rb));
    cr_assert(isfinite(sa.mean), "rate mean %g after the rollback", sa.mean);
    nft_assert_all_equal(rb, ra, 4, "per-neuron rates");
    cr_assert_eq(sa.mean, sb.mean, "rate mean %.17g, twin %.17g", sa.mean, sb.mean);
    nf_network_destroy(a);
    nf_network_destroy(b);
}
