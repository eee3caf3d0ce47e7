/*
 * Rate models against docs/equations.md "Rate models", computed in double in the test:
 * RectifiedLinear, Sigmoid, Tanh, LIFRate, SoftLIFRate (nengo_dl form, both
 * asymptotic branches), the leaky rate unit (one and several steps against hand
 * integration and its closed form x_k = J + (x_0 - J)(1 - dt/tau)^k), amplitude,
 * per-neuron gain and bias (descriptor arrays and nf_population_set_gain_bias),
 * and a nengo LIF in NF_MODE_RATE, which outputs amplitude * LIFRate(J).
 * Currents are driven by per-neuron biases (gain 1, no inputs) unless a test says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(rate_models, .timeout = 60);

/* Rates in float32 against double formulas: a handful of float roundings in
 * exp/log1p/tanh and one division, so 1e-5 relative is ample; the absolute term
 * covers rates that are (close to) zero. */
#define RATE_RTOL 1e-5
#define RATE_ATOL 1e-6

/* The leaky unit: a float32 recursion of up to 100 steps against the double one. */
#define LEAKY_RTOL 1e-5
#define LEAKY_ATOL 1e-6

/* The references' constants (docs/equations.md), as the float values a descriptor holds. */
#define REF_TAU_RC          0.02f
#define REF_TAU_REF_LIF     0.002f
#define REF_TAU_REF_SIGMOID 0.0025f

// --- reference formulas (double) --------------------------------------------------

static double ref_relu(double J) { return J > 0.0 ? J : 0.0; }

static double ref_sigmoid(double J, double tau_ref) { return (1.0 / tau_ref) / (1.0 + exp(-J)); }

static double ref_tanh(double J, double tau_ref) { return (1.0 / tau_ref) * tanh(J); }

static double ref_lif_rate(double J, double tau_rc, double tau_ref) {
    double j = J - 1.0;
    return j > 0.0 ? 1.0 / (tau_ref + tau_rc * log1p(1.0 / j)) : 0.0;
}

/* nengo_dl's SoftLIFRate, with both asymptotes. */
static double ref_softlif_rate(double J, double tau_rc, double tau_ref, double sigma) {
    double js = (J - 1.0) / sigma;
    double z = sigma * (js > 30.0 ? js : log1p(exp(js)));
    double q = js > -20.0 ? log1p(1.0 / z) : -js - log(sigma);
    return 1.0 / (tau_ref + tau_rc * q);
}

/* The rate (before amplitude) of descriptor d at current J. */
static double ref_rate(const nf_population_desc *d, double J) {
    switch (d->model) {
    case NF_MODEL_RELU: return ref_relu(J);
    case NF_MODEL_SIGMOID: return ref_sigmoid(J, d->tau_ref);
    case NF_MODEL_TANH: return ref_tanh(J, d->tau_ref);
    case NF_MODEL_LIF_RATE:
    case NF_MODEL_LIF: return ref_lif_rate(J, d->tau_rc, d->tau_ref);
    case NF_MODEL_SOFTLIF_RATE: return ref_softlif_rate(J, d->tau_rc, d->tau_ref, d->sigma);
    default: cr_assert_fail("ref_rate: model %d is not a rate model", (int)d->model);
    }
    return 0.0;
}

static const char *model_name(nf_model m) {
    static const char *names[] = {"RELU", "SIGMOID",    "TANH",       "LIF_RATE", "SOFTLIF_RATE",
                                  "LIF",  "LEAKY_RATE", "IZHIKEVICH", "THETA"};
    return (m >= 0 && m < NF_MODEL_COUNT) ? names[m] : "?";
}

// --- helpers -------------------------------------------------------------------------

/* Reads the population's output [batch][n] (NF_STATE_OUTPUT). */
static float *get_output(nf_network *net, int32_t pop, int32_t batch, int32_t n) {
    float *out = nft_alloc((size_t)batch * n, sizeof(float));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, out));
    return out;
}

/* Asserts out [batch][n] == amplitude * rate(J_i) with J_i = (float) biases[i]. */
static void check_rates(const nf_population_desc *d, const float *biases, const float *out,
                        int32_t batch, const char *what) {
    for (int32_t b = 0; b < batch; b++)
        for (int32_t i = 0; i < d->n; i++) {
            double J = biases[i];
            double ref = (double)d->amplitude * ref_rate(d, J);
            double got = out[(size_t)b * d->n + i];
            cr_assert(nft_close(ref, got, RATE_RTOL, RATE_ATOL),
                      "%s (%s, amplitude %g): batch %d, neuron %d, J = %.9g: expected %.9g, "
                      "got %.9g",
                      what, model_name(d->model), (double)d->amplitude, b, i, J, ref, got);
        }
}

/* Builds a population from d with per-neuron biases J (gain 1, no inputs), runs
 * `steps` steps and checks the output against the reference after each step. */
static void check_model_over_currents(nf_backend backend, nf_population_desc d, const float *J,
                                      int32_t n, int32_t batch, const char *what) {
    nf_network *net = nft_network(backend, 0.001, batch, 3);
    d.n = n;
    d.gain = 1.0f;
    d.biases = J;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    for (int step = 0; step < 2; step++) {
        NFT_OK(net, nf_network_run(net, 1));
        float *out = get_output(net, pop, batch, n);
        check_rates(&d, J, out, batch, what);
        free(out);
    }
    nf_network_destroy(net);
}

/* J from lo to hi in n equal steps. */
static void linspace(float *J, int32_t n, double lo, double hi) {
    for (int32_t i = 0; i < n; i++)
        J[i] = (float)(lo + (hi - lo) * i / (n - 1));
}

// --- the rate formulas --------------------------------------------------------------

NFT_BACKEND_TEST(rate_models, relu_is_amplitude_times_max_j_0, .timeout = 30) {
    float J[41];
    linspace(J, 41, -10.0, 10.0);
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 41);
    check_model_over_currents(backend, d, J, 41, 2, "relu");
    d.amplitude = 0.37f;
    check_model_over_currents(backend, d, J, 41, 2, "relu, amplitude 0.37");
    /* Exact values: max(J, 0) is computed without rounding. */
    nf_network *net = nft_network(backend, 0.001, 1, 0);
    float Jx[4] = {-3.5f, 0.0f, 0.25f, 1234.5f};
    nf_population_desc e = nf_population_defaults(NF_MODEL_RELU, 4);
    e.biases = Jx;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &e, &pop));
    NFT_OK(net, nf_network_run(net, 1));
    float *out = get_output(net, pop, 1, 4);
    float expect[4] = {0.0f, 0.0f, 0.25f, 1234.5f};
    nft_assert_all_equal(expect, out, 4, "relu output");
    free(out);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(rate_models, sigmoid_matches_reference, .timeout = 30) {
    float J[41];
    linspace(J, 41, -12.0, 12.0);
    nf_population_desc d = nf_population_defaults(NF_MODEL_SIGMOID, 41);
    cr_assert_eq(d.tau_ref, REF_TAU_REF_SIGMOID, "sigmoid default tau_ref: expected 0.0025, got %g",
                 (double)d.tau_ref);
    check_model_over_currents(backend, d, J, 41, 2, "sigmoid");
    d.amplitude = 2.5f;
    d.tau_ref = 0.01f;
    check_model_over_currents(backend, d, J, 41, 1, "sigmoid, tau_ref 0.01");
}

NFT_BACKEND_TEST(rate_models, tanh_matches_reference_with_sign, .timeout = 30) {
    float J[45];
    linspace(J, 41, -6.0, 6.0);
    J[41] = 1e-3f;
    J[42] = -1e-3f;
    J[43] = 20.0f;
    J[44] = -20.0f;
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, 45);
    cr_assert_eq(d.tau_ref, REF_TAU_REF_SIGMOID, "tanh default tau_ref: expected 0.0025, got %g",
                 (double)d.tau_ref);
    check_model_over_currents(backend, d, J, 45, 2, "tanh");
    d.amplitude = 0.5f;
    check_model_over_currents(backend, d, J, 45, 1, "tanh, amplitude 0.5");
}

NFT_BACKEND_TEST(rate_models, lif_rate_matches_reference, .timeout = 30) {
    /* Below, at and just above threshold (J = 1), then up to a saturating current. */
    float J[40];
    linspace(J, 30, 1.05, 30.0);
    float extra[10] = {-5.0f, 0.0f, 0.5f, 0.999f, 1.0f, 1.0001f, 1.001f, 1.01f, 100.0f, 1e4f};
    memcpy(J + 30, extra, sizeof extra);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF_RATE, 40);
    cr_assert_eq(d.tau_rc, REF_TAU_RC, "LIFRate default tau_rc: got %g", (double)d.tau_rc);
    cr_assert_eq(d.tau_ref, REF_TAU_REF_LIF, "LIFRate default tau_ref: got %g", (double)d.tau_ref);
    check_model_over_currents(backend, d, J, 40, 2, "lif_rate");
    d.amplitude = 0.02f;
    d.tau_rc = 0.05f;
    d.tau_ref = 0.001f;
    check_model_over_currents(backend, d, J, 40, 1, "lif_rate, tau_rc 0.05, tau_ref 0.001");

    /* Hand values: J = 2 gives 1/(0.002 + 0.02 log 2); J <= 1 gives exactly 0. */
    nf_network *net = nft_network(backend, 0.001, 1, 0);
    float Jx[3] = {2.0f, 1.0f, -1.0f};
    nf_population_desc e = nf_population_defaults(NF_MODEL_LIF_RATE, 3);
    e.biases = Jx;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &e, &pop));
    NFT_OK(net, nf_network_run(net, 1));
    float *out = get_output(net, pop, 1, 3);
    double r2 = 1.0 / ((double)REF_TAU_REF_LIF + (double)REF_TAU_RC * log(2.0));
    cr_assert(nft_close(r2, out[0], RATE_RTOL, 0.0), "LIFRate(2): expected %.9g, got %.9g", r2,
              (double)out[0]);
    cr_assert(out[1] == 0.0f && out[2] == 0.0f, "LIFRate(J <= 1) must be 0, got %g and %g",
              (double)out[1], (double)out[2]);
    free(out);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(rate_models, softlif_rate_matches_reference_on_every_branch, .timeout = 30) {
    /* sigma 1: js = J - 1. js <= -20 and js > 30 are the asymptotic branches; js of
     * -200 and 200 make the softplus under/overflow in float unless the asymptotes
     * are used (nengo_extras would return 0 there; nengo_dl's asymptote is followed). */
    float J[30];
    float js1[30] = {-200,  -100,  -50,   -25,  -20.5f, -19.5f, -15,   -5,     -2, -1,
                     -0.5f, 0,     0.25f, 0.5f, 1,      2,      3,     5,      10, 20,
                     29.5f, 30.5f, 35,    50,   100,    200,    0.01f, -0.01f, 4,  7};
    for (int i = 0; i < 30; i++)
        J[i] = 1.0f + js1[i];
    nf_population_desc d = nf_population_defaults(NF_MODEL_SOFTLIF_RATE, 30);
    cr_assert_eq(d.sigma, 1.0f, "SoftLIFRate default sigma: got %g", (double)d.sigma);
    check_model_over_currents(backend, d, J, 30, 2, "softlif_rate, sigma 1");

    /* sigma 0.5: js = 2 (J - 1), so the branches move and -log(sigma) matters. */
    float J2[10] = {1.0f - 12.0f, 1.0f - 100.0f, 1.0f - 9.0f,  1.0f - 2.0f,  1.0f,
                    1.25f,        1.0f + 3.0f,   1.0f + 14.0f, 1.0f + 16.0f, 1.0f + 80.0f};
    d.sigma = 0.5f;
    d.amplitude = 3.0f;
    check_model_over_currents(backend, d, J2, 10, 1, "softlif_rate, sigma 0.5, amplitude 3");

    /* Hand values of the asymptotes (sigma 0.5, default tau):
     *   js = -24 (J = -11): q = 24 + log 2;  js = 32 (J = 17): z = 16, q = log1p(1/16). */
    nf_network *net = nft_network(backend, 0.001, 1, 0);
    float Jx[2] = {-11.0f, 17.0f};
    nf_population_desc e = nf_population_defaults(NF_MODEL_SOFTLIF_RATE, 2);
    e.sigma = 0.5f;
    e.biases = Jx;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &e, &pop));
    NFT_OK(net, nf_network_run(net, 1));
    float *out = get_output(net, pop, 1, 2);
    double lo = 1.0 / ((double)REF_TAU_REF_LIF + (double)REF_TAU_RC * (24.0 + log(2.0)));
    double hi = 1.0 / ((double)REF_TAU_REF_LIF + (double)REF_TAU_RC * log1p(1.0 / 16.0));
    cr_assert(nft_close(lo, out[0], RATE_RTOL, 0.0), "SoftLIF js=-24: expected %.9g, got %.9g", lo,
              (double)out[0]);
    cr_assert(nft_close(hi, out[1], RATE_RTOL, 0.0), "SoftLIF js=32: expected %.9g, got %.9g", hi,
              (double)out[1]);
    free(out);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(rate_models, outputs_do_not_depend_on_batch_element_or_step, .timeout = 30) {
    /* Inputs differ per batch element: J[b][i] = bias_i + u[b][i], through an IDENTITY
     * connection from an input (inputs are not delayed, so step 0 already sees them). */
    const int32_t n = 8, batch = 3;
    nf_model models[] = {NF_MODEL_RELU, NF_MODEL_SIGMOID, NF_MODEL_TANH, NF_MODEL_LIF_RATE,
                         NF_MODEL_SOFTLIF_RATE};
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        nf_network *net = nft_network(backend, 0.001, batch, 11);
        float bias[8];
        linspace(bias, n, -2.0, 5.0);
        nf_population_desc d = nf_population_defaults(models[m], n);
        d.biases = bias;
        d.amplitude = 1.5f;
        int32_t pop, in, conn;
        NFT_OK(net, nf_population_add(net, &d, &pop));
        NFT_OK(net, nf_input_add(net, n, &in));
        float u[3 * 8];
        for (int32_t b = 0; b < batch; b++)
            for (int32_t i = 0; i < n; i++)
                u[b * n + i] = (float)(0.75 * b - 0.1 * i);
        NFT_OK(net, nf_input_set(net, in, 1, u));
        nf_connection_desc c = nf_connection_defaults();
        c.kind = NF_CONNECTION_IDENTITY;
        c.scale = 1.0f;
        NFT_OK(net, nf_connect(net, in, pop, &c, &conn));
        for (int step = 0; step < 3; step++) {
            NFT_OK(net, nf_network_run(net, 1));
            float *out = get_output(net, pop, batch, n);
            for (int32_t b = 0; b < batch; b++)
                for (int32_t i = 0; i < n; i++) {
                    double J = (double)(bias[i] + u[b * n + i]);
                    double ref = 1.5 * ref_rate(&d, J);
                    cr_assert(nft_close(ref, out[b * n + i], RATE_RTOL, RATE_ATOL),
                              "%s step %d batch %d neuron %d (J %.9g): expected %.9g, got %.9g",
                              model_name(models[m]), step, b, i, J, ref, (double)out[b * n + i]);
                }
            free(out);
        }
        nf_network_destroy(net);
    }
}

// --- gain and bias -------------------------------------------------------------------

/* A RELU population driven by an input u (IDENTITY): out = max(bias_i + gain_i u_bi, 0).
 * Checks one step's output against the given gains and biases. */
static void check_relu_gain_bias(nf_network *net, int32_t pop, const float *u, const float *gain,
                                 const float *bias, int32_t batch, int32_t n, const char *what) {
    NFT_OK(net, nf_network_run(net, 1));
    float *out = get_output(net, pop, batch, n);
    for (int32_t b = 0; b < batch; b++)
        for (int32_t i = 0; i < n; i++) {
            double J = (double)bias[i] + (double)gain[i] * (double)u[b * n + i];
            double ref = ref_relu(J);
            cr_assert(nft_close(ref, out[b * n + i], RATE_RTOL, RATE_ATOL),
                      "%s: batch %d neuron %d: J = %g + %g * %g: expected %.9g, got %.9g", what, b,
                      i, (double)bias[i], (double)gain[i], (double)u[b * n + i], ref,
                      (double)out[b * n + i]);
        }
    free(out);
}

NFT_BACKEND_TEST(rate_models, per_neuron_gain_and_bias, .timeout = 30) {
    enum { N = 5, B = 2 };
    nf_network *net = nft_network(backend, 0.001, B, 5);
    float gains[N] = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f};
    float biases[N] = {0.0f, 1.0f, -2.0f, 4.0f, 0.25f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, N);
    d.gain = 100.0f; /* ignored: the arrays win */
    d.bias = -100.0f;
    d.gains = gains;
    d.biases = biases;
    int32_t pop, in, conn;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    /* The library copies the arrays: changing ours afterwards must not matter. */
    float gains_used[N], biases_used[N];
    memcpy(gains_used, gains, sizeof gains);
    memcpy(biases_used, biases, sizeof biases);
    for (int i = 0; i < N; i++)
        gains[i] = biases[i] = 1e6f;

    NFT_OK(net, nf_input_add(net, N, &in));
    float u[B * N] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, -1.0f, 0.5f, 8.0f, -2.0f, 1.5f};
    NFT_OK(net, nf_input_set(net, in, 1, u));
    nf_connection_desc c = nf_connection_defaults();
    c.kind = NF_CONNECTION_IDENTITY;
    c.scale = 1.0f;
    NFT_OK(net, nf_connect(net, in, pop, &c, &conn));
    check_relu_gain_bias(net, pop, u, gains_used, biases_used, B, N, "desc arrays");

    /* New gains only: biases kept. */
    float g2[N] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
    NFT_OK(net, nf_population_set_gain_bias(net, pop, g2, NULL));
    check_relu_gain_bias(net, pop, u, g2, biases_used, B, N, "set gains only");

    /* New biases only: gains kept. */
    float b2[N] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f};
    NFT_OK(net, nf_population_set_gain_bias(net, pop, NULL, b2));
    check_relu_gain_bias(net, pop, u, g2, b2, B, N, "set biases only");

    /* Both. */
    float g3[N] = {2.0f, 2.0f, -2.0f, 1.0f, 0.0f};
    float b3[N] = {3.0f, 0.0f, 1.0f, -3.0f, 7.0f};
    NFT_OK(net, nf_population_set_gain_bias(net, pop, g3, b3));
    check_relu_gain_bias(net, pop, u, g3, b3, B, N, "set both");

    /* NULL, NULL leaves both. */
    NFT_OK(net, nf_population_set_gain_bias(net, pop, NULL, NULL));
    check_relu_gain_bias(net, pop, u, g3, b3, B, N, "set neither");
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(rate_models, scalar_gain_and_bias_apply_without_arrays, .timeout = 30) {
    enum { N = 4, B = 2 };
    nf_network *net = nft_network(backend, 0.001, B, 5);
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, N);
    d.gain = 0.5f;
    d.bias = -0.25f;
    int32_t pop, in, conn;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_input_add(net, N, &in));
    float u[B * N] = {-2.0f, 0.0f, 1.0f, 3.0f, 0.5f, -0.5f, 2.0f, -4.0f};
    NFT_OK(net, nf_input_set(net, in, 1, u));
    nf_connection_desc c = nf_connection_defaults();
    c.kind = NF_CONNECTION_IDENTITY;
    c.scale = 1.0f;
    NFT_OK(net, nf_connect(net, in, pop, &c, &conn));
    NFT_OK(net, nf_network_run(net, 1));
    float *out = get_output(net, pop, B, N);
    for (int e = 0; e < B * N; e++) {
        double J = -0.25 + 0.5 * u[e];
        double ref = ref_tanh(J, REF_TAU_REF_SIGMOID);
        cr_assert(nft_close(ref, out[e], RATE_RTOL, RATE_ATOL),
                  "tanh, gain 0.5 bias -0.25, element %d (u %g): expected %.9g, got %.9g", e,
                  (double)u[e], ref, (double)out[e]);
    }
    free(out);
    nf_network_destroy(net);
}

// --- the leaky rate unit ------------------------------------------------------------------

/* Runs a LEAKY_RATE population (x set to x0, per-neuron biases J) for `steps` steps and
 * compares x and the output after every step with the double recursion and the closed
 * form x_k = J + (x0 - J)(1 - dt/tau)^(k+1) after step k. */
static void check_leaky(nf_backend backend, double dt, float tau, float amplitude, int64_t steps,
                        const float *J, const float *x0, int32_t n, int32_t batch) {
    nf_network *net = nft_network(backend, dt, batch, 21);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    d.tau = tau;
    d.amplitude = amplitude;
    d.biases = J;
    int32_t pop, px, pout;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_X, x0));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &px));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &pout));
    NFT_OK(net, nf_network_run(net, steps));
    size_t row = (size_t)batch * n, cap = (size_t)steps * row;
    float *xs = nft_alloc(cap, sizeof(float)), *outs = nft_alloc(cap, sizeof(float));
    int64_t rows = 0;
    NFT_OK(net, nf_probe_read(net, px, xs, cap, &rows));
    cr_assert_eq(rows, steps, "x probe rows: expected %lld, got %lld", (long long)steps,
                 (long long)rows);
    NFT_OK(net, nf_probe_read(net, pout, outs, cap, &rows));
    cr_assert_eq(rows, steps, "output probe rows: expected %lld, got %lld", (long long)steps,
                 (long long)rows);
    const double leak = dt / (double)tau;
    for (size_t e = 0; e < row; e++) {
        double Je = J[e % n], x = x0[e];
        for (int64_t k = 0; k < steps; k++) {
            x += leak * (-x + Je);
            double closed = Je + ((double)x0[e] - Je) * pow(1.0 - leak, (double)(k + 1));
            cr_assert(nft_close(closed, x, 1e-12, 1e-12),
                      "closed form vs recursion disagree (test bug) at step %lld", (long long)k);
            double gx = xs[(size_t)k * row + e], go = outs[(size_t)k * row + e];
            cr_assert(nft_close(x, gx, LEAKY_RTOL, LEAKY_ATOL),
                      "leaky x, dt %g tau %g, element %zu (J %g, x0 %g), step %lld: expected "
                      "%.9g, got %.9g",
                      dt, (double)tau, e, Je, (double)x0[e], (long long)k, x, gx);
            double ro = (double)amplitude * tanh(x);
            cr_assert(nft_close(ro, go, LEAKY_RTOL, LEAKY_ATOL),
                      "leaky output, dt %g tau %g, element %zu, step %lld: expected %.9g, got "
                      "%.9g",
                      dt, (double)tau, e, (long long)k, ro, go);
        }
    }
    /* The X state read back equals the last probed x. */
    float *xend = nft_alloc(row, sizeof(float));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_X, xend));
    nft_assert_all_equal(xs + (size_t)(steps - 1) * row, xend, row, "NF_STATE_X after the run");
    free(xend);
    free(xs);
    free(outs);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(rate_models, leaky_rate_one_step_by_hand, .timeout = 30) {
    /* dt 0.1, tau 1 (Sussillo & Abbott units): x1 = x0 + 0.1 (J - x0). */
    float J[3] = {1.0f, -2.0f, 0.5f};
    float x0[6] = {0.0f, 0.5f, -1.0f, 2.0f, -0.3f, 0.5f};
    check_leaky(backend, 0.1, 1.0f, 1.0f, 1, J, x0, 3, 2);

    /* Explicit numbers for one element: x0 = 0.5, J = -2: x1 = 0.5 + 0.1 (-2.5) = 0.25,
     * out = 2 tanh(0.25). */
    nf_network *net = nft_network(backend, 0.1, 1, 0);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, 1);
    d.bias = -2.0f;
    d.amplitude = 2.0f;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float x = 0.5f, out = 0.0f;
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_X, &x));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_X, &x));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, &out));
    cr_assert(nft_close(0.25, x, LEAKY_RTOL, LEAKY_ATOL),
              "x after one step: expected 0.25, got %.9g", (double)x);
    cr_assert(nft_close(2.0 * tanh(0.25), out, LEAKY_RTOL, LEAKY_ATOL),
              "output after one step: expected %.9g, got %.9g", 2.0 * tanh(0.25), (double)out);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(rate_models, leaky_rate_several_steps_by_hand, .timeout = 30) {
    float J[4] = {1.5f, -0.8f, 0.0f, 3.0f};
    float x0[8] = {0.0f, 0.0f, 0.7f, -2.0f, 1.0f, -1.0f, -0.7f, 0.2f};
    check_leaky(backend, 0.1, 1.0f, 1.0f, 60, J, x0, 4, 2);
    /* Seconds: tau 0.05 with dt 1e-3 (leak 0.02), amplitude 0.8. */
    check_leaky(backend, 1e-3, 0.05f, 0.8f, 100, J, x0, 4, 2);
}

NFT_BACKEND_TEST(rate_models, leaky_rate_starts_at_zero_without_init_scale, .timeout = 30) {
    nf_network *net = nft_network(backend, 0.1, 2, 9);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, 3);
    cr_assert_eq(d.x_init_scale, 0.0f, "default x_init_scale: expected 0, got %g",
                 (double)d.x_init_scale);
    cr_assert_eq(d.tau, 1.0f, "default tau: expected 1, got %g", (double)d.tau);
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float x[6], zero[6] = {0};
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_X, x));
    nft_assert_all_equal(zero, x, 6, "initial x with x_init_scale 0");
    nf_network_destroy(net);
}

/* The CPU's leaky rate output is the correctly rounded tanh of the float x
 * (kernels/cpu/vec_math.h's nf_vm_tanh, computed in double): with J = x0 the
 * state stays at x0 (x0 + leak (-x0 + x0) = x0), so the output after a step is
 * (float)tanh((double)x) bit for bit, for 1001 x0 over [-10, 10] (glibc's
 * tanhf is off for 46 of them), zero, a row length that leaves a vector tail,
 * and two batch elements. */
Test(rate_models, cpu_leaky_rate_output_is_the_rounded_tanh) {
    enum { N = 1001, B = 2 };
    static float J[N], x0[B * N];
    for (int32_t i = 0; i < N; i++)
        J[i] = (float)(-10.0 + 20.0 * i / (N - 1)) * 1.0001f;
    J[N / 2] = 0.0f;
    for (int32_t e = 0; e < B * N; e++)
        x0[e] = J[e % N];
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.1, B, 3);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
    d.biases = J;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_X, x0));
    NFT_OK(net, nf_network_run(net, 1));
    static float out[B * N], x[B * N];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, out));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_X, x));
    for (int32_t e = 0; e < B * N; e++) {
        cr_assert_eq(x[e], x0[e], "element %d: x moved from %a to %a", e, (double)x0[e],
                     (double)x[e]);
        const float want = (float)tanh((double)x[e]);
        cr_assert(memcmp(&out[e], &want, sizeof want) == 0,
                  "element %d: tanh(%a) = %a, expected %a", e, (double)x[e], (double)out[e],
                  (double)want);
    }
    nf_network_destroy(net);
}

// --- nengo LIF in rate mode ------------------------------------------------------------

NFT_BACKEND_TEST(rate_models, lif_in_rate_mode_outputs_lif_rate, .timeout = 30) {
    enum { N = 12, B = 2 };
    float J[N] = {-1.0f, 0.5f, 1.0f, 1.001f, 1.05f, 1.5f, 2.0f, 3.0f, 5.0f, 10.0f, 20.0f, 50.0f};
    nf_network *net = nft_network(backend, 0.001, B, 17);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
    d.biases = J;
    nf_population_desc d2 = d;
    d2.amplitude = 0.25f;
    d2.tau_rc = 0.03f;
    d2.tau_ref = 0.004f;
    int32_t pop, pop2;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_population_add(net, &d2, &pop2));
    NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));
    cr_assert_eq(nf_network_mode(net), NF_MODE_RATE, "mode after set_mode(RATE)");
    for (int step = 0; step < 3; step++) {
        NFT_OK(net, nf_network_run(net, 1));
        float *out = get_output(net, pop, B, N);
        check_rates(&d, J, out, B, "nengo LIF in rate mode");
        free(out);
        out = get_output(net, pop2, B, N);
        check_rates(&d2, J, out, B,
                    "nengo LIF in rate mode, amplitude 0.25, tau_rc .03, tau_ref .004");
        free(out);
    }
    nf_network_destroy(net);
}
