/*
 * Synaptic filters against their closed forms (docs/equations.md "Filters"): Lowpass and
 * Alpha (ZOH, so the continuous responses to a piecewise-constant input are hit
 * exactly at the sample times) and Nicola & Clopath's double exponential (its
 * discrete closed form), driven by a RELU population (gain 1, amplitude 1) whose
 * output is a step (bias 1) or a one-step impulse of area 1 (1/dt at step 0 from
 * an input through an IDENTITY connection). Also: dt changes, tau = 0, filters
 * marked spiking_only in rate mode, and the FILTER / FILTER_AUX state slots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(filters, .timeout = 60);

/* Filter responses in float32 against double closed forms: |err| <= RTOL |ref| +
 * ATOL * peak, with peak the largest |ref| of the trace. A float32 recursion of
 * 200 steps stays within ~1.1e-6 of the peak (measured for every filter here). */
#define FILTER_RTOL         1e-5
#define FILTER_ATOL_OF_PEAK 1e-6

/* Tolerance of the double recursion used to check a closed form derived below. */
#define DERIVATION_RTOL 1e-10

// --- helpers --------------------------------------------------------------------

/* A RELU population (gain 1, amplitude 1) with filter f and a FILTERED probe. When
 * impulse_steps > 0 it has bias 0 and an input whose row 0 is 1/dt (then zeros)
 * drives it through an IDENTITY connection; otherwise bias `bias` (a step). */
typedef struct rig {
    nf_network *net;
    int32_t pop, in, probe;
} rig;

static rig rig_make(nf_backend backend, double dt, nf_filter_desc f, float bias,
                    int64_t impulse_steps) {
    rig r = {0};
    r.net = nft_network(backend, dt, 1, 1);
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 1);
    d.gain = 1.0f;
    d.amplitude = 1.0f;
    d.bias = impulse_steps > 0 ? 0.0f : bias;
    d.filter = f;
    NFT_OK(r.net, nf_population_add(r.net, &d, &r.pop));
    r.in = -1;
    if (impulse_steps > 0) {
        NFT_OK(r.net, nf_input_add(r.net, 1, &r.in));
        float *rows = nft_alloc((size_t)impulse_steps, sizeof(float));
        rows[0] = (float)(1.0 / dt);
        NFT_OK(r.net, nf_input_set(r.net, r.in, impulse_steps, rows));
        free(rows);
        nf_connection_desc c = nf_connection_defaults();
        c.kind = NF_CONNECTION_IDENTITY;
        c.scale = 1.0f;
        int32_t conn;
        NFT_OK(r.net, nf_connect(r.net, r.in, r.pop, &c, &conn));
    }
    NFT_OK(r.net, nf_probe_add(r.net, r.pop, NF_PROBE_FILTERED, 1, &r.probe));
    return r;
}

/* Reads exactly `rows` rows of `row_size` floats from a probe (asserting the count). */
/* Asserts a trace against its reference with the filter tolerances. */
static void assert_trace(const double *ref, const float *x, int64_t n, const char *what) {
    double peak = 0.0;
    for (int64_t k = 0; k < n; k++)
        peak = fmax(peak, fabs(ref[k]));
    for (int64_t k = 0; k < n; k++)
        cr_assert(nft_close(ref[k], x[k], FILTER_RTOL, FILTER_ATOL_OF_PEAK * peak),
                  "%s, step %lld: expected %.9g, got %.9g (peak %.6g)", what, (long long)k, ref[k],
                  (double)x[k], peak);
}

static nf_filter_desc lowpass(float tau) {
    nf_filter_desc f = {.kind = NF_FILTER_LOWPASS, .tau = tau};
    return f;
}

static nf_filter_desc alpha(float tau) {
    nf_filter_desc f = {.kind = NF_FILTER_ALPHA, .tau = tau};
    return f;
}

static nf_filter_desc double_exp(float tau_rise, float tau_decay) {
    nf_filter_desc f = {.kind = NF_FILTER_DOUBLE_EXP, .tau_rise = tau_rise, .tau_decay = tau_decay};
    return f;
}

// --- closed forms (t = (k+1) dt is the end of step k) -------------------------------

/* Unit step responses of the continuous filters (0 for t <= 0). */
static double lowpass_step(double t, double tau) { return t <= 0.0 ? 0.0 : 1.0 - exp(-t / tau); }

static double alpha_step(double t, double tau) {
    return t <= 0.0 ? 0.0 : 1.0 - (1.0 + t / tau) * exp(-t / tau);
}

/* Nicola & Clopath double exponential after step k: unit step input from step 0
 * (h_j = c (1 - ed^(j+1)) / (1 - ed), r_k = dt sum_{j<k} er^(k-1-j) h_j, c = dt/(tr td)):
 *   r_k = dt^2 / (tr td (ed - er)) [(1 - ed^(k+1))/(1 - ed) - (1 - er^(k+1))/(1 - er)];
 * one-step input 1/dt at step 0 (h_j = ed^j/(tr td), r uses the old h):
 *   r_k = dt/(tr td) (ed^k - er^k)/(ed - er).
 * tau_rise = 0: r_k = (dt/td)(1 - ed^(k+1))/(1 - ed) (step), r_k = ed^k/td (impulse). */
static double double_exp_closed(int64_t k, double dt, double tr, double td, int impulse) {
    double ed = exp(-dt / td);
    if (tr == 0.0)
        return impulse ? pow(ed, (double)k) / td
                       : (dt / td) * (1.0 - pow(ed, k + 1.0)) / (1.0 - ed);
    double er = exp(-dt / tr);
    if (impulse)
        return dt / (tr * td) * (pow(ed, (double)k) - pow(er, (double)k)) / (ed - er);
    return dt * dt / (tr * td * (ed - er)) *
           ((1.0 - pow(ed, k + 1.0)) / (1.0 - ed) - (1.0 - pow(er, k + 1.0)) / (1.0 - er));
}

/* docs/equations.md's recursion in double, to check the closed form above. */
static void double_exp_recursion(double *out, int64_t n, double dt, double tr, double td,
                                 int impulse) {
    double r = 0.0, h = 0.0, ed = exp(-dt / td);
    for (int64_t k = 0; k < n; k++) {
        double u = impulse ? (k == 0 ? 1.0 / dt : 0.0) : 1.0;
        if (tr == 0.0) {
            r = r * ed + u * dt / td;
        } else {
            double r_new = r * exp(-dt / tr) + h * dt;
            h = h * ed + u * dt / (tr * td);
            r = r_new;
        }
        out[k] = r;
    }
}

/* Runs a rig for n steps and checks its FILTERED output against ref. */
static void run_and_check(rig *r, const double *ref, int64_t n, const char *what) {
    NFT_OK(r->net, nf_network_run(r->net, n));
    float *got = nft_probe_take(r->net, r->probe, n, 1);
    assert_trace(ref, got, n, what);
    free(got);
}

// --- Lowpass ---------------------------------------------------------------------

NFT_BACKEND_TEST(filters, lowpass_step_response, .timeout = 30) {
    const double dt = 0.001, tau = 0.01;
    const int64_t n = 200;
    rig r = rig_make(backend, dt, lowpass((float)tau), 1.0f, 0);
    double ref[200];
    for (int64_t k = 0; k < n; k++)
        ref[k] = lowpass_step((k + 1) * dt, tau); /* 1 - a^(k+1) */
    run_and_check(&r, ref, n, "lowpass step (tau 0.01, dt 0.001)");
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(filters, lowpass_impulse_response, .timeout = 30) {
    const double dt = 0.001, tau = 0.005;
    const int64_t n = 200;
    rig r = rig_make(backend, dt, lowpass((float)tau), 0.0f, n);
    double ref[200];
    for (int64_t k = 0; k < n; k++) {
        double t = (k + 1) * dt; /* pulse of height 1/dt over [0, dt] */
        ref[k] = (lowpass_step(t, tau) - lowpass_step(t - dt, tau)) / dt;
    }
    cr_assert(nft_close((1.0 - exp(-dt / tau)) / dt, ref[0], 1e-12, 0.0));
    run_and_check(&r, ref, n, "lowpass impulse (tau 0.005, dt 0.001)");
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(filters, lowpass_tau_zero_is_identity, .timeout = 30) {
    const double dt = 0.001;
    const int64_t n = 20;
    rig r = rig_make(backend, dt, lowpass(0.0f), 0.0f, n);
    /* Replace the impulse by arbitrary non-negative values: RELU passes them exactly. */
    float rows[20];
    for (int64_t k = 0; k < n; k++)
        rows[k] = (float)(0.25 * (double)((k * 7) % 11) + 0.125);
    NFT_OK(r.net, nf_input_set(r.net, r.in, n, rows));
    int32_t out_probe;
    NFT_OK(r.net, nf_probe_add(r.net, r.pop, NF_PROBE_OUTPUT, 1, &out_probe));
    NFT_OK(r.net, nf_network_run(r.net, n));
    float *filtered = nft_probe_take(r.net, r.probe, n, 1);
    float *output = nft_probe_take(r.net, out_probe, n, 1);
    nft_assert_all_equal(rows, output, (size_t)n, "RELU output of the input");
    nft_assert_all_equal(output, filtered, (size_t)n, "lowpass tau 0 (identity) filtered");
    free(filtered);
    free(output);
    nf_network_destroy(r.net);
}

// --- Alpha -----------------------------------------------------------------------

NFT_BACKEND_TEST(filters, alpha_step_response, .timeout = 30) {
    const double dt = 0.001, tau = 0.01;
    const int64_t n = 200;
    rig r = rig_make(backend, dt, alpha((float)tau), 1.0f, 0);
    double ref[200];
    for (int64_t k = 0; k < n; k++)
        ref[k] = alpha_step((k + 1) * dt, tau);
    run_and_check(&r, ref, n, "alpha step (tau 0.01, dt 0.001)");
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(filters, alpha_impulse_response, .timeout = 30) {
    const double dt = 0.001, tau = 0.005;
    const int64_t n = 200;
    rig r = rig_make(backend, dt, alpha((float)tau), 0.0f, n);
    double ref[200];
    for (int64_t k = 0; k < n; k++) {
        double t = (k + 1) * dt;
        ref[k] = (alpha_step(t, tau) - alpha_step(t - dt, tau)) / dt;
    }
    run_and_check(&r, ref, n, "alpha impulse (tau 0.005, dt 0.001)");
    nf_network_destroy(r.net);
}

// --- Double exponential ----------------------------------------------------------------

static void check_double_exp(nf_backend backend, double dt, double tr, double td, int impulse) {
    const int64_t n = 200;
    double ref[200], rec[200];
    for (int64_t k = 0; k < n; k++)
        ref[k] = double_exp_closed(k, dt, tr, td, impulse);
    double_exp_recursion(rec, n, dt, tr, td, impulse);
    for (int64_t k = 0; k < n; k++)
        cr_assert(nft_close(rec[k], ref[k], DERIVATION_RTOL, 1e-15),
                  "test derivation: closed form %.15g vs recursion %.15g at step %lld", ref[k],
                  rec[k], (long long)k);
    rig r = rig_make(backend, dt, double_exp((float)tr, (float)td), 1.0f, impulse ? n : 0);
    char what[128];
    snprintf(what, sizeof what, "double exp %s (tau_rise %g, tau_decay %g, dt %g)",
             impulse ? "impulse" : "step", tr, td, dt);
    run_and_check(&r, ref, n, what);
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(filters, double_exp_step_response, .timeout = 30) {
    check_double_exp(backend, 0.001, 0.002, 0.02, 0);
}

NFT_BACKEND_TEST(filters, double_exp_impulse_response, .timeout = 30) {
    /* r_0 = 0: r at step 0 uses h from before the impulse (Nicola & Clopath order). */
    check_double_exp(backend, 0.001, 0.002, 0.02, 1);
}

NFT_BACKEND_TEST(filters, double_exp_single_step_response, .timeout = 30) {
    check_double_exp(backend, 0.001, 0.0, 0.01, 0);
}

NFT_BACKEND_TEST(filters, double_exp_single_impulse_response, .timeout = 30) {
    /* tau_rise = 0: r_k = exp(-k dt/td)/td, the continuous impulse response at k dt. */
    check_double_exp(backend, 0.001, 0.0, 0.01, 1);
}

// --- dt changes --------------------------------------------------------------------------

NFT_BACKEND_TEST(filters, lowpass_follows_new_dt, .timeout = 30) {
    const double dt1 = 0.001, dt2 = 0.0025, tau = 0.02;
    const int64_t n1 = 30, n2 = 60;
    rig r = rig_make(backend, dt1, lowpass((float)tau), 1.0f, 0);
    double ref[90];
    for (int64_t k = 0; k < n1; k++)
        ref[k] = lowpass_step((k + 1) * dt1, tau);
    run_and_check(&r, ref, n1, "lowpass step before the dt change");
    NFT_OK(r.net, nf_network_set_dt(r.net, dt2));
    cr_assert(nft_close(dt2, nf_network_dt(r.net), 1e-15, 0.0), "nf_network_dt after set_dt");
    /* y continues from y(n1 dt1) towards 1 with a = exp(-dt2/tau). */
    double y0 = lowpass_step(n1 * dt1, tau);
    for (int64_t j = 0; j < n2; j++)
        ref[j] = 1.0 - (1.0 - y0) * exp(-(j + 1) * dt2 / tau);
    run_and_check(&r, ref, n2, "lowpass step after set_dt(0.0025)");
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(filters, alpha_and_double_exp_follow_new_dt, .timeout = 30) {
    const double dt1 = 0.001, dt2 = 0.0005;
    const int64_t n = 200;
    double ref[200];

    rig a = rig_make(backend, dt1, alpha(0.01f), 1.0f, 0);
    NFT_OK(a.net, nf_network_set_dt(a.net, dt2));
    for (int64_t k = 0; k < n; k++)
        ref[k] = alpha_step((k + 1) * dt2, 0.01);
    run_and_check(&a, ref, n, "alpha step with dt set to 0.0005 after creation");
    nf_network_destroy(a.net);

    rig d = rig_make(backend, dt1, double_exp(0.002f, 0.02f), 1.0f, 0);
    NFT_OK(d.net, nf_network_set_dt(d.net, dt2));
    for (int64_t k = 0; k < n; k++)
        ref[k] = double_exp_closed(k, dt2, (double)0.002f, (double)0.02f, 0);
    run_and_check(&d, ref, n, "double exp step with dt set to 0.0005 after creation");
    nf_network_destroy(d.net);

    rig s = rig_make(backend, dt1, double_exp(0.0f, 0.01f), 1.0f, 0);
    NFT_OK(s.net, nf_network_set_dt(s.net, dt2));
    for (int64_t k = 0; k < n; k++)
        ref[k] = double_exp_closed(k, dt2, 0.0, (double)0.01f, 0);
    run_and_check(&s, ref, n, "single exp (tau_rise 0) step with dt set to 0.0005");
    nf_network_destroy(s.net);
}

// --- modes -----------------------------------------------------------------------------

NFT_BACKEND_TEST(filters, spiking_only_is_identity_in_rate_mode, .timeout = 30) {
    const double dt = 0.001, tau = 0.01;
    const int64_t n = 50;
    for (int mode = 0; mode < 2; mode++) {
        nf_network *net = nft_network(backend, dt, 2, 3);
        nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 2);
        d.bias = 1.0f;
        d.filter = lowpass((float)tau);
        d.filter.spiking_only = 1;
        int32_t only, always, p_only, p_always;
        NFT_OK(net, nf_population_add(net, &d, &only));
        d.filter.spiking_only = 0;
        NFT_OK(net, nf_population_add(net, &d, &always));
        NFT_OK(net, nf_network_set_mode(net, mode ? NF_MODE_RATE : NF_MODE_SPIKING));
        cr_assert_eq(nf_network_mode(net), mode ? NF_MODE_RATE : NF_MODE_SPIKING);
        NFT_OK(net, nf_probe_add(net, only, NF_PROBE_FILTERED, 1, &p_only));
        NFT_OK(net, nf_probe_add(net, always, NF_PROBE_FILTERED, 1, &p_always));
        NFT_OK(net, nf_network_run(net, n));
        float *got_only = nft_probe_take(net, p_only, n, 4);
        float *got_always = nft_probe_take(net, p_always, n, 4);
        for (int64_t k = 0; k < n; k++) {
            double lp = lowpass_step((k + 1) * dt, tau);
            double expect_only = mode ? 1.0 : lp; /* identity in rate mode only */
            for (int i = 0; i < 4; i++) {
                cr_assert(
                    nft_close(expect_only, got_only[k * 4 + i], FILTER_RTOL, FILTER_ATOL_OF_PEAK),
                    "%s mode, spiking_only lowpass, step %lld [%d]: expected %.9g, got %.9g",
                    mode ? "rate" : "spiking", (long long)k, i, expect_only,
                    (double)got_only[k * 4 + i]);
                cr_assert(nft_close(lp, got_always[k * 4 + i], FILTER_RTOL, FILTER_ATOL_OF_PEAK),
                          "%s mode, plain lowpass, step %lld [%d]: expected %.9g, got %.9g",
                          mode ? "rate" : "spiking", (long long)k, i, lp,
                          (double)got_always[k * 4 + i]);
            }
        }
        free(got_only);
        free(got_always);
        nf_network_destroy(net);
    }
}

// --- state slots ---------------------------------------------------------------------------

/* One population of n = 3, batch 2, bias 0 (so u = 0), with filter f. */
static nf_network *state_net(nf_backend backend, double dt, nf_filter_desc f, int32_t *pop) {
    nf_network *net = nft_network(backend, dt, 2, 5);
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 3);
    d.bias = 0.0f;
    d.filter = f;
    NFT_OK(net, nf_population_add(net, &d, pop));
    return net;
}

static void assert_refused(nf_network *net, nf_status st, const char *what) {
    cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "%s: expected NF_ERR_INVALID_ARGUMENT, got %s", what,
                 nf_status_string(st));
    cr_assert(strlen(nf_network_last_error(net)) > 0, "%s: no error message", what);
}

NFT_BACKEND_TEST(filters, filter_state_slots_exist_per_kind, .timeout = 30) {
    float buf[6] = {0};
    int32_t pop;
    nf_network *net = state_net(backend, 0.001, (nf_filter_desc){.kind = NF_FILTER_NONE}, &pop);
    assert_refused(net, nf_population_get_state(net, pop, NF_STATE_FILTER, buf),
                   "get FILTER without a filter");
    assert_refused(net, nf_population_set_state(net, pop, NF_STATE_FILTER, buf),
                   "set FILTER without a filter");
    assert_refused(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, buf),
                   "get FILTER_AUX without a filter");
    nf_network_destroy(net);

    net = state_net(backend, 0.001, lowpass(0.01f), &pop);
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, buf));
    assert_refused(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, buf),
                   "get FILTER_AUX of a lowpass");
    assert_refused(net, nf_population_set_state(net, pop, NF_STATE_FILTER_AUX, buf),
                   "set FILTER_AUX of a lowpass");
    nf_network_destroy(net);

    nf_filter_desc two[2] = {alpha(0.01f), double_exp(0.002f, 0.02f)};
    for (int i = 0; i < 2; i++) {
        net = state_net(backend, 0.001, two[i], &pop);
        float init[6];
        memset(init, 0xff, sizeof init);
        NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, init));
        for (int j = 0; j < 6; j++)
            cr_assert(init[j] == 0.0f, "filter %d: initial FILTER[%d] = %g, expected 0", i, j,
                      (double)init[j]);
        NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, init));
        for (int j = 0; j < 6; j++)
            cr_assert(init[j] == 0.0f, "filter %d: initial FILTER_AUX[%d] = %g, expected 0", i, j,
                      (double)init[j]);
        nf_network_destroy(net);
    }
}

NFT_BACKEND_TEST(filters, lowpass_state_round_trip_and_decay, .timeout = 30) {
    const double dt = 0.001, tau = 0.01;
    int32_t pop;
    nf_network *net = state_net(backend, dt, lowpass((float)tau), &pop);
    const float y0[6] = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f, -0.25f};
    float got[6];
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_FILTER, y0));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, got));
    nft_assert_all_equal(y0, got, 6, "lowpass FILTER round trip");
    /* u = 0: y_k = y0 a^(k+1). */
    const int64_t n = 10;
    NFT_OK(net, nf_network_run(net, n));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, got));
    for (int j = 0; j < 6; j++) {
        double expect = y0[j] * exp(-(double)n * dt / tau);
        cr_assert(nft_close(expect, got[j], FILTER_RTOL, FILTER_ATOL_OF_PEAK * 3.0),
                  "lowpass decay from a set state [%d]: expected %.9g, got %.9g", j, expect,
                  (double)got[j]);
    }
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(filters, alpha_state_round_trip_and_free_response, .timeout = 30) {
    const double dt = 0.001, tau = 0.01;
    int32_t pop;
    nf_network *net = state_net(backend, dt, alpha((float)tau), &pop);
    const float x1[6] = {1.0f, 0.0f, -0.5f, 2.0f, 0.25f, 0.0f};   /* FILTER = x1 (output) */
    const float x0[6] = {0.0f, 50.0f, 10.0f, -20.0f, 5.0f, 0.0f}; /* FILTER_AUX = x0 */
    float got[6];
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_FILTER, x1));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_FILTER_AUX, x0));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, got));
    nft_assert_all_equal(x1, got, 6, "alpha FILTER (x1) round trip");
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, got));
    nft_assert_all_equal(x0, got, 6, "alpha FILTER_AUX (x0) round trip");

    /* u = 0, docs/equations.md's ZOH update in double for n steps. */
    const int64_t n = 15;
    const double e = exp(-dt / tau), p = dt / tau, q = p / tau;
    double ex1[6], ex0[6];
    for (int j = 0; j < 6; j++) {
        double a1 = x1[j], a0 = x0[j];
        for (int64_t k = 0; k < n; k++) {
            double n0 = e * ((1.0 - p) * a0 - q * a1);
            double n1 = e * (dt * a0 + (1.0 + p) * a1);
            a0 = n0;
            a1 = n1;
        }
        ex1[j] = a1;
        ex0[j] = a0;
    }
    NFT_OK(net, nf_network_run(net, n));
    float g1[6], g0[6];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, g1));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, g0));
    for (int j = 0; j < 6; j++) {
        cr_assert(nft_close(ex1[j], g1[j], FILTER_RTOL, 1e-5),
                  "alpha x1 free response [%d]: expected %.9g, got %.9g", j, ex1[j], (double)g1[j]);
        cr_assert(nft_close(ex0[j], g0[j], FILTER_RTOL, 1e-4),
                  "alpha x0 free response [%d]: expected %.9g, got %.9g", j, ex0[j], (double)g0[j]);
    }
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(filters, double_exp_state_round_trip_and_free_response, .timeout = 30) {
    const double dt = 0.001, tr = 0.002, td = 0.02;
    int32_t pop;
    nf_network *net = state_net(backend, dt, double_exp((float)tr, (float)td), &pop);
    const float r0[6] = {1.0f, 0.0f, -0.5f, 2.0f, 0.25f, 0.0f};   /* FILTER = r */
    const float h0[6] = {0.0f, 50.0f, 10.0f, -20.0f, 5.0f, 0.0f}; /* FILTER_AUX = h */
    float got[6];
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_FILTER, r0));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_FILTER_AUX, h0));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, got));
    nft_assert_all_equal(r0, got, 6, "double exp FILTER (r) round trip");
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, got));
    nft_assert_all_equal(h0, got, 6, "double exp FILTER_AUX (h) round trip");

    /* u = 0: h_k = h0 ed^k; r_n = r0 er^n + dt h0 sum_{j<n} er^(n-1-j) ed^j. */
    const int64_t n = 12;
    const double er = exp(-dt / (double)(float)tr), ed = exp(-dt / (double)(float)td);
    NFT_OK(net, nf_network_run(net, n));
    float gr[6], gh[6];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER, gr));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_FILTER_AUX, gh));
    for (int j = 0; j < 6; j++) {
        double er_n = pow(er, (double)n), ed_n = pow(ed, (double)n);
        double expect_r = r0[j] * er_n + dt * h0[j] * (ed_n - er_n) / (ed - er);
        double expect_h = h0[j] * ed_n;
        cr_assert(nft_close(expect_r, gr[j], FILTER_RTOL, 1e-6),
                  "double exp r free response [%d]: expected %.9g, got %.9g", j, expect_r,
                  (double)gr[j]);
        cr_assert(nft_close(expect_h, gh[j], FILTER_RTOL, 1e-5),
                  "double exp h free response [%d]: expected %.9g, got %.9g", j, expect_h,
                  (double)gh[j]);
    }
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(filters, output_state_is_read_only, .timeout = 30) {
    int32_t pop;
    nf_network *net = state_net(backend, 0.001, lowpass(0.01f), &pop);
    float buf[6] = {1, 2, 3, 4, 5, 6};
    assert_refused(net, nf_population_set_state(net, pop, NF_STATE_OUTPUT, buf),
                   "set NF_STATE_OUTPUT");
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, buf));
    for (int j = 0; j < 6; j++)
        cr_assert(buf[j] == 0.0f, "output before any step [%d] = %g, expected 0", j,
                  (double)buf[j]);
    nf_network_destroy(net);
}
