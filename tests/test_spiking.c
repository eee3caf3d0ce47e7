/*
 * The spiking conversion of rate models (docs/equations.md "Spiking conversion",
 * keras-spiking SpikingActivation): v += rate(J) dt; k = floor(v); v -= k;
 * out = amplitude k / dt. With the accumulator set to v0, the spike count after
 * t steps is floor(v0 + sum of rate dt) exactly; negative rates give negative
 * spikes (floor), rates above 1/dt several spikes per step; NF_MODE_RATE outputs
 * amplitude * rate(J) and leaves the accumulator alone; back in spiking mode the
 * count resumes from it. Currents come from per-neuron biases (gain 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(spiking, .timeout = 120);

/* out * dt / amplitude must be an integer up to float rounding of amplitude k / dt. */
#define COUNT_INTEGER_TOL 1e-3
/* The float accumulator drifts from the exact sum by ~1e-7 per step; where the exact
 * cumulative value lies within this of an integer, either neighbouring count is
 * accepted (the final values are chosen far from integers, so totals are exact). */
#define COUNT_EDGE 1e-3
/* Accumulator left after a run, against the exact fractional part. */
#define ACC_ATOL 1e-3
/* Rates in rate mode, float vs double formulas. */
#define RATE_RTOL 1e-5
#define RATE_ATOL 1e-6

// --- reference rates (double, docs/equations.md "Rate models") ----------------------------

static double ref_rate(const nf_population_desc *d, double J) {
    switch (d->model) {
    case NF_MODEL_RELU: return J > 0.0 ? J : 0.0;
    case NF_MODEL_SIGMOID: return (1.0 / d->tau_ref) / (1.0 + exp(-J));
    case NF_MODEL_TANH: return (1.0 / d->tau_ref) * tanh(J);
    case NF_MODEL_LIF_RATE: {
        double j = J - 1.0;
        return j > 0.0 ? 1.0 / (d->tau_ref + d->tau_rc * log1p(1.0 / j)) : 0.0;
    }
    case NF_MODEL_SOFTLIF_RATE: {
        double js = (J - 1.0) / d->sigma;
        double z = d->sigma * (js > 30.0 ? js : log1p(exp(js)));
        double q = js > -20.0 ? log1p(1.0 / z) : -js - log(d->sigma);
        return 1.0 / (d->tau_ref + d->tau_rc * q);
    }
    default: cr_assert_fail("ref_rate: model %d has no constant rate", (int)d->model);
    }
    return 0.0;
}

// --- helpers -------------------------------------------------------------------------

/* Fractional part in [0, 1). */
static double frac(double x) { return x - floor(x); }

/* Checks a spike train out [T][E] against cum [T][E], the exact accumulator value
 * v0 + sum_{s <= t} rate_s dt after each step t: every step's output is amplitude k/dt
 * with k an integer, and the running count equals floor(cum). Returns nothing; fails
 * with the element, step and values. */
static void check_spike_train(const float *out, const double *cum, int64_t T, size_t E, double dt,
                              double amplitude, const char *what) {
    for (size_t e = 0; e < E; e++) {
        long long count = 0;
        for (int64_t t = 0; t < T; t++) {
            double k = (double)out[(size_t)t * E + e] * dt / amplitude;
            long long ki = llround(k);
            cr_assert(fabs(k - (double)ki) <= COUNT_INTEGER_TOL,
                      "%s: element %zu, step %lld: output %.9g is not amplitude * integer / dt "
                      "(k = %.9g)",
                      what, e, (long long)t, (double)out[(size_t)t * E + e], k);
            count += ki;
            double x = cum[(size_t)t * E + e];
            long long fl = (long long)floor(x);
            double dist = fabs(x - (double)llround(x));
            if (dist > COUNT_EDGE)
                cr_assert_eq(count, fl,
                             "%s: element %zu, after step %lld: count %lld, expected floor(%.9g) "
                             "= %lld",
                             what, e, (long long)t, count, x, fl);
            else
                cr_assert(count == llround(x) || count == llround(x) - 1,
                          "%s: element %zu, after step %lld: count %lld, expected %lld or %lld "
                          "(v = %.9g)",
                          what, e, (long long)t, count, llround(x) - 1, llround(x), x);
        }
    }
}

/* Constant rates: cum[t][e] = v0[e] + rate[e % n] (t + 1) dt. Caller frees. */
static double *constant_cum(const double *rate, const float *v0, int32_t n, int32_t batch,
                            int64_t T, double dt) {
    size_t E = (size_t)batch * n;
    double *cum = nft_alloc((size_t)T * E, sizeof(double));
    for (int64_t t = 0; t < T; t++)
        for (size_t e = 0; e < E; e++)
            cum[(size_t)t * E + e] = (double)v0[e] + rate[e % n] * (double)(t + 1) * dt;
    return cum;
}

/* Initial accumulators that put v0 + rate T dt at fractional part target[b] for batch
 * element b, so the final counts are far from an integer boundary. */
static void choose_v0(float *v0, const double *rate, int32_t n, int32_t batch, int64_t T, double dt,
                      const double *target) {
    for (int32_t b = 0; b < batch; b++)
        for (int32_t i = 0; i < n; i++) {
            double v = frac(target[b] - rate[i] * (double)T * dt);
            float vf = (float)v;
            v0[b * n + i] = vf < 1.0f ? vf : 0.0f;
        }
}

/* A converted population of d with biases J; accumulator set to v0; OUTPUT probe. */
typedef struct rig {
    nf_network *net;
    int32_t pop, probe;
} rig;

static rig rig_make(nf_backend backend, double dt, int32_t batch, nf_population_desc d,
                    const float *J, const float *v0) {
    rig r;
    r.net = nft_network(backend, dt, batch, 7);
    d.spiking = 1;
    d.gain = 1.0f;
    d.biases = J;
    NFT_OK(r.net, nf_population_add(r.net, &d, &r.pop));
    NFT_OK(r.net, nf_population_set_state(r.net, r.pop, NF_STATE_SPIKE_ACCUMULATOR, v0));
    NFT_OK(r.net, nf_probe_add(r.net, r.pop, NF_PROBE_OUTPUT, 1, &r.probe));
    return r;
}

/* Asserts the accumulator [E] equals frac(cum_last) (or is 0/1-adjacent at an edge). */
static void check_accumulator(nf_network *net, int32_t pop, const double *cum_last, size_t E,
                              const char *what) {
    float *acc = nft_alloc(E, sizeof(float));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_SPIKE_ACCUMULATOR, acc));
    for (size_t e = 0; e < E; e++) {
        cr_assert(acc[e] >= 0.0f && acc[e] < 1.0f, "%s: accumulator[%zu] = %.9g is not in [0, 1)",
                  what, e, (double)acc[e]);
        double f = frac(cum_last[e]);
        double d = fabs(f - acc[e]);
        cr_assert(d <= ACC_ATOL || fabs(d - 1.0) <= ACC_ATOL,
                  "%s: accumulator[%zu]: expected frac(%.9g) = %.9g, got %.9g", what, e,
                  cum_last[e], f, (double)acc[e]);
    }
    free(acc);
}

/* Runs the whole check for a model with constant rates: population of n neurons with
 * biases J over `batch` elements, accumulators chosen from targets, T steps. */
static void check_constant_rates(nf_backend backend, nf_population_desc d, const float *J,
                                 int32_t n, int32_t batch, double dt, int64_t T, const char *what) {
    d.n = n;
    double *rate = nft_alloc((size_t)n, sizeof(double));
    for (int32_t i = 0; i < n; i++)
        rate[i] = ref_rate(&d, J[i]);
    double targets[4] = {0.5, 0.3, 0.7, 0.45};
    cr_assert(batch <= 4, "test supports batch <= 4");
    float *v0 = nft_alloc((size_t)batch * n, sizeof(float));
    choose_v0(v0, rate, n, batch, T, dt, targets);
    rig r = rig_make(backend, dt, batch, d, J, v0);
    NFT_OK(r.net, nf_network_run(r.net, T));
    size_t E = (size_t)batch * n;
    float *out = nft_probe_take(r.net, r.probe, T, E);
    double *cum = constant_cum(rate, v0, n, batch, T, dt);
    check_spike_train(out, cum, T, E, dt, d.amplitude, what);
    check_accumulator(r.net, r.pop, cum + (size_t)(T - 1) * E, E, what);
    free(cum);
    free(out);
    free(v0);
    free(rate);
    nf_network_destroy(r.net);
}

// --- counts ----------------------------------------------------------------------------

NFT_BACKEND_TEST(spiking, relu_count_is_floor_of_v0_plus_rate_t, .timeout = 30) {
    /* Hand-chosen rates and accumulators, final v0 + rate T dt far from integers:
     * batch 0: 0, 3.55, 17.95, 99.8, 251.6, 512.58; batch 1: 0.7, 3.9, 17.65, 100.15,
     * 250.75, 513.24 (T dt = 1 s). */
    enum { N = 6, B = 2 };
    const double dt = 1e-3;
    const int64_t T = 1000;
    float J[N] = {0.0f, 3.3f, 17.45f, 99.7f, 250.7f, 512.25f};
    float v0[B * N] = {0.0f, 0.25f, 0.5f, 0.1f, 0.9f, 0.33f, 0.7f, 0.6f, 0.2f, 0.45f, 0.05f, 0.99f};
    long long expect[B * N] = {0, 3, 17, 99, 251, 512, 0, 3, 17, 100, 250, 513};
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, N);
    rig r = rig_make(backend, dt, B, d, J, v0);
    NFT_OK(r.net, nf_network_run(r.net, T));
    float *out = nft_probe_take(r.net, r.probe, T, B * N);
    double rate[N];
    for (int i = 0; i < N; i++)
        rate[i] = J[i];
    double *cum = constant_cum(rate, v0, N, B, T, dt);
    check_spike_train(out, cum, T, B * N, dt, 1.0, "relu");
    for (int e = 0; e < B * N; e++) {
        double total = 0.0;
        for (int64_t t = 0; t < T; t++)
            total += out[t * B * N + e];
        long long count = llround(total * dt);
        cr_assert_eq(count, expect[e],
                     "relu element %d (rate %g, v0 %g): %lld spikes in 1 s, "
                     "expected %lld",
                     e, (double)J[e % N], (double)v0[e], count, expect[e]);
    }
    check_accumulator(r.net, r.pop, cum + (T - 1) * B * N, B * N, "relu");
    free(cum);
    free(out);
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(spiking, relu_amplitude_scales_spike_height, .timeout = 30) {
    /* amplitude 2.5: each spike is 2.5/dt high; the count is unchanged. */
    float J[3] = {40.0f, 123.4f, 7.7f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 3);
    d.amplitude = 2.5f;
    check_constant_rates(backend, d, J, 3, 2, 1e-3, 500, "relu, amplitude 2.5");
}

NFT_BACKEND_TEST(spiking, every_rate_model_counts_floor, .timeout = 60) {
    const double dt = 1e-3;
    const int64_t T = 700;
    float Js[6] = {-2.0f, 0.0f, 0.7f, 1.5f, 3.0f, 8.0f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_SIGMOID, 6);
    check_constant_rates(backend, d, Js, 6, 2, dt, T, "sigmoid");
    d = nf_population_defaults(NF_MODEL_TANH, 6);
    float Jt[6] = {0.05f, 0.2f, 0.5f, 1.0f, 2.0f, 4.0f};
    check_constant_rates(backend, d, Jt, 6, 2, dt, T, "tanh");
    d = nf_population_defaults(NF_MODEL_LIF_RATE, 6);
    float Jl[6] = {0.5f, 1.02f, 1.3f, 2.0f, 5.0f, 15.0f};
    check_constant_rates(backend, d, Jl, 6, 2, dt, T, "lif_rate");
    d = nf_population_defaults(NF_MODEL_SOFTLIF_RATE, 6);
    float Jsl[6] = {-40.0f, -3.0f, 1.0f, 1.5f, 4.0f, 50.0f};
    check_constant_rates(backend, d, Jsl, 6, 2, dt, T, "softlif_rate");
    d.amplitude = 0.3f;
    d.sigma = 0.5f;
    check_constant_rates(backend, d, Jsl, 6, 2, dt, T, "softlif_rate, sigma 0.5, amplitude 0.3");
}

NFT_BACKEND_TEST(spiking, leaky_rate_spikes_tanh_of_integrated_x, .timeout = 30) {
    /* LEAKY_RATE with spiking: x follows x += dt/tau (J - x) (from x0 = 0) and the
     * converted rate is tanh(x), so count(t) = floor(v0 + dt sum_{s<=t} tanh(x_s)). */
    enum { N = 3, B = 2 };
    const double dt = 0.1;
    const int64_t T = 300;
    float J[N] = {1.5f, -0.8f, 0.3f};
    float v0[B * N] = {0.2f, 0.5f, 0.9f, 0.75f, 0.05f, 0.4f};
    nf_network *net = nft_network(backend, dt, B, 13);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
    d.spiking = 1;
    d.biases = J;
    int32_t pop, probe;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float x0[B * N] = {0.0f, 0.0f, 0.0f, 1.0f, 1.0f, -1.0f};
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_X, x0));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_SPIKE_ACCUMULATOR, v0));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_network_run(net, T));
    float *out = nft_probe_take(net, probe, T, B * N);
    double *cum = nft_alloc((size_t)T * B * N, sizeof(double));
    for (int e = 0; e < B * N; e++) {
        double x = x0[e], c = v0[e];
        for (int64_t t = 0; t < T; t++) {
            x += (dt / 1.0) * (J[e % N] - x);
            c += tanh(x) * dt;
            cum[t * B * N + e] = c;
        }
    }
    check_spike_train(out, cum, T, B * N, dt, 1.0, "leaky_rate spiking");
    check_accumulator(net, pop, cum + (T - 1) * B * N, B * N, "leaky_rate spiking");
    free(cum);
    free(out);
    nf_network_destroy(net);
}

// --- negative rates and several spikes per step ------------------------------------

NFT_BACKEND_TEST(spiking, negative_rates_give_negative_spikes, .timeout = 30) {
    /* Tanh with J < 0: rate 400 tanh(J) < 0; v0 = 0.3, J = -0.5, T = 100, dt 1e-3:
     * 0.3 - 18.484 = -18.18 -> floor -19: nineteen spikes of height -1/dt. */
    enum { N = 4, B = 2 };
    const double dt = 1e-3;
    const int64_t T = 100;
    float J[N] = {-0.5f, -0.1f, -2.0f, 0.3f};
    float v0[B * N] = {0.3f, 0.5f, 0.95f, 0.1f, 0.0f, 0.99f, 0.25f, 0.6f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, N);
    rig r = rig_make(backend, dt, B, d, J, v0);
    NFT_OK(r.net, nf_network_run(r.net, T));
    float *out = nft_probe_take(r.net, r.probe, T, B * N);
    double rate[N];
    for (int i = 0; i < N; i++)
        rate[i] = ref_rate(&d, J[i]);
    double *cum = constant_cum(rate, v0, N, B, T, dt);
    check_spike_train(out, cum, T, B * N, dt, 1.0, "tanh, negative J");
    /* |rate dt| < 1: each step's output is 0 or -1/dt (J < 0), 0 or +1/dt (J > 0). */
    for (int64_t t = 0; t < T; t++)
        for (int e = 0; e < B * N; e++) {
            double k = out[t * B * N + e] * dt;
            if (J[e % N] < 0.0f)
                cr_assert(llround(k) == 0 || llround(k) == -1,
                          "tanh J = %g, element %d, step %lld: output %g is not 0 or -1/dt",
                          (double)J[e % N], e, (long long)t, (double)out[t * B * N + e]);
            else
                cr_assert(llround(k) == 0 || llround(k) == 1,
                          "tanh J = %g, element %d, step %lld: output %g is not 0 or 1/dt",
                          (double)J[e % N], e, (long long)t, (double)out[t * B * N + e]);
        }
    /* The worked example: element 0 has exactly -19 spikes. */
    double total = 0.0;
    for (int64_t t = 0; t < T; t++)
        total += out[t * B * N];
    cr_assert_eq(llround(total * dt), -19, "tanh J = -0.5, v0 = 0.3: expected -19 spikes, got %lld",
                 llround(total * dt));
    check_accumulator(r.net, r.pop, cum + (T - 1) * B * N, B * N, "tanh, negative J");
    free(cum);
    free(out);
    nf_network_destroy(r.net);
}

NFT_BACKEND_TEST(spiking, relu_with_negative_current_never_spikes, .timeout = 30) {
    /* RELU and LIF_RATE below threshold have rate 0: no spikes, accumulator unchanged. */
    enum { N = 3, B = 2 };
    float J[N] = {-5.0f, -0.1f, 0.0f};
    float v0[B * N] = {0.0f, 0.5f, 0.999f, 0.25f, 0.75f, 0.1f};
    nf_model models[2] = {NF_MODEL_RELU, NF_MODEL_LIF_RATE};
    for (int m = 0; m < 2; m++) {
        nf_population_desc d = nf_population_defaults(models[m], N);
        rig r = rig_make(backend, 1e-3, B, d, J, v0);
        NFT_OK(r.net, nf_network_run(r.net, 200));
        float *out = nft_probe_take(r.net, r.probe, 200, B * N);
        for (int k = 0; k < 200 * B * N; k++)
            cr_assert(out[k] == 0.0f, "model %d, rate 0: output[%d] = %g", (int)models[m], k,
                      (double)out[k]);
        float acc[B * N];
        NFT_OK(r.net, nf_population_get_state(r.net, r.pop, NF_STATE_SPIKE_ACCUMULATOR, acc));
        nft_assert_all_equal(v0, acc, B * N, "accumulator with rate 0");
        free(out);
        nf_network_destroy(r.net);
    }
}

/* Checks every step's k = out dt / amplitude is in {floor(rate dt), ceil(rate dt)}. */
static void check_per_step_k(const float *out, int64_t T, size_t E, const double *rate, int32_t n,
                             double dt, double amplitude, const char *what) {
    for (int64_t t = 0; t < T; t++)
        for (size_t e = 0; e < E; e++) {
            double rd = rate[e % n] * dt;
            long long k = llround(out[(size_t)t * E + e] * dt / amplitude);
            cr_assert(k == (long long)floor(rd) || k == (long long)ceil(rd),
                      "%s: element %zu step %lld: %lld spikes, expected floor or ceil of %.9g",
                      what, e, (long long)t, k, rd);
        }
}

NFT_BACKEND_TEST(spiking, rates_above_one_over_dt_give_several_spikes_per_step, .timeout = 30) {
    /* relu, dt 1e-3: J = 2300 -> 2.3 spikes a step (k in {2, 3}, out = k/dt);
     * J = 12345.6 -> 12.3456 a step; dt 1e-4, J = 56789 -> 5.6789 a step. */
    enum { N = 2, B = 2 };
    const int64_t T = 200;
    struct {
        double dt;
        float J[N];
        float amp;
    } cases[2] = {
        {1e-3, {2300.0f, 12345.6f}, 1.0f},
        {1e-4, {56789.0f, 20000.5f}, 0.5f},
    };
    for (int c = 0; c < 2; c++) {
        double dt = cases[c].dt;
        float v0[B * N] = {0.1f, 0.0f, 0.85f, 0.42f};
        nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, N);
        d.amplitude = cases[c].amp;
        rig r = rig_make(backend, dt, B, d, cases[c].J, v0);
        NFT_OK(r.net, nf_network_run(r.net, T));
        float *out = nft_probe_take(r.net, r.probe, T, B * N);
        double rate[N] = {cases[c].J[0], cases[c].J[1]};
        double *cum = constant_cum(rate, v0, N, B, T, dt);
        char what[64];
        snprintf(what, sizeof what, "relu, dt %g, amplitude %g", dt, (double)cases[c].amp);
        check_spike_train(out, cum, T, B * N, dt, d.amplitude, what);
        check_per_step_k(out, T, B * N, rate, N, dt, d.amplitude, what);
        /* The first step of element 0: floor(0.1 + J dt) spikes, so out = amp k/dt, k > 1. */
        long long k0 = (long long)floor(0.1 + rate[0] * dt);
        cr_assert(k0 > 1, "test setup: k0 = %lld", k0);
        cr_assert(nft_close(d.amplitude * k0 / dt, out[0], 1e-6, 0.0),
                  "%s: first step: expected %.9g, got %.9g", what, d.amplitude * k0 / dt,
                  (double)out[0]);
        free(cum);
        free(out);
        nf_network_destroy(r.net);
    }
}

NFT_BACKEND_TEST(spiking, negative_rates_above_one_over_dt, .timeout = 30) {
    /* tanh with dt 0.01: rate 400 tanh(-1) = -304.6 Hz -> -3.046 a step, k in {-4, -3}. */
    enum { N = 2, B = 2 };
    const double dt = 0.01;
    const int64_t T = 100;
    float J[N] = {-1.0f, -3.0f};
    float v0[B * N] = {0.5f, 0.2f, 0.01f, 0.77f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, N);
    rig r = rig_make(backend, dt, B, d, J, v0);
    NFT_OK(r.net, nf_network_run(r.net, T));
    float *out = nft_probe_take(r.net, r.probe, T, B * N);
    double rate[N] = {ref_rate(&d, J[0]), ref_rate(&d, J[1])};
    double *cum = constant_cum(rate, v0, N, B, T, dt);
    check_spike_train(out, cum, T, B * N, dt, 1.0, "tanh, dt 0.01");
    check_per_step_k(out, T, B * N, rate, N, dt, 1.0, "tanh, dt 0.01");
    /* Step 0 of element 0: v = 0.5 - 3.046 = -2.546 -> k = -3, v = 0.454. */
    cr_assert(nft_close(-3.0 / dt, out[0], 1e-6, 0.0), "first step: expected %g, got %.9g",
              -3.0 / dt, (double)out[0]);
    check_accumulator(r.net, r.pop, cum + (T - 1) * B * N, B * N, "tanh, dt 0.01");
    free(cum);
    free(out);
    nf_network_destroy(r.net);
}

// --- rate mode ------------------------------------------------------------------------

NFT_BACKEND_TEST(spiking, rate_mode_outputs_rate_and_keeps_accumulator, .timeout = 30) {
    enum { N = 4, B = 2 };
    const double dt = 1e-3;
    nf_model models[] = {NF_MODEL_RELU, NF_MODEL_SIGMOID, NF_MODEL_TANH, NF_MODEL_LIF_RATE,
                         NF_MODEL_SOFTLIF_RATE};
    float J[N] = {-0.5f, 1.5f, 4.0f, 37.25f};
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        nf_population_desc d = nf_population_defaults(models[m], N);
        d.amplitude = 0.75f;
        double rate[N];
        for (int i = 0; i < N; i++)
            rate[i] = ref_rate(&d, J[i]);
        float v0[B * N] = {0.1f, 0.2f, 0.3f, 0.4f, 0.9f, 0.8f, 0.7f, 0.6f};
        rig r = rig_make(backend, dt, B, d, J, v0);
        /* Spike 37 steps, then switch to rate mode. */
        NFT_OK(r.net, nf_network_run(r.net, 37));
        float acc_before[B * N], acc_after[B * N], out[B * N];
        NFT_OK(r.net,
               nf_population_get_state(r.net, r.pop, NF_STATE_SPIKE_ACCUMULATOR, acc_before));
        NFT_OK(r.net, nf_network_set_mode(r.net, NF_MODE_RATE));
        cr_assert_eq(nf_network_mode(r.net), NF_MODE_RATE);
        for (int step = 0; step < 5; step++) {
            NFT_OK(r.net, nf_network_run(r.net, 1));
            NFT_OK(r.net, nf_population_get_state(r.net, r.pop, NF_STATE_OUTPUT, out));
            for (int e = 0; e < B * N; e++)
                cr_assert(nft_close(0.75 * rate[e % N], out[e], RATE_RTOL, RATE_ATOL),
                          "model %d in rate mode, element %d: expected %.9g, got %.9g",
                          (int)models[m], e, 0.75 * rate[e % N], (double)out[e]);
        }
        NFT_OK(r.net, nf_population_get_state(r.net, r.pop, NF_STATE_SPIKE_ACCUMULATOR, acc_after));
        nft_assert_all_equal(acc_before, acc_after, B * N, "accumulator across rate mode");

        /* Back to spiking: T more steps count floor(v_saved + rate T dt). */
        NFT_OK(r.net, nf_network_set_mode(r.net, NF_MODE_SPIKING));
        cr_assert_eq(nf_network_mode(r.net), NF_MODE_SPIKING);
        float *skip = nft_probe_take(r.net, r.probe, 42, B * N); /* 37 spiking + 5 rate rows */
        free(skip);
        const int64_t T = 400;
        NFT_OK(r.net, nf_network_run(r.net, T));
        float *outs = nft_probe_take(r.net, r.probe, T, B * N);
        double *cum = constant_cum(rate, acc_before, N, B, T, dt);
        char what[64];
        snprintf(what, sizeof what, "model %d resumed after rate mode", (int)models[m]);
        check_spike_train(outs, cum, T, B * N, dt, 0.75, what);
        check_accumulator(r.net, r.pop, cum + (T - 1) * B * N, B * N, what);
        free(cum);
        free(outs);
        nf_network_destroy(r.net);
    }
}

// --- state slots ---------------------------------------------------------------------

NFT_BACKEND_TEST(spiking, accumulator_slot_exists_only_when_converted, .timeout = 30) {
    enum { N = 5, B = 2 };
    nf_network *net = nft_network(backend, 1e-3, B, 99);
    nf_population_desc d = nf_population_defaults(NF_MODEL_SIGMOID, N);
    int32_t plain, conv, leaky;
    NFT_OK(net, nf_population_add(net, &d, &plain));
    d.spiking = 1;
    NFT_OK(net, nf_population_add(net, &d, &conv));
    nf_population_desc l = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
    l.spiking = 1;
    NFT_OK(net, nf_population_add(net, &l, &leaky));
    float buf[B * N];
    cr_assert_eq(nf_population_get_state(net, plain, NF_STATE_SPIKE_ACCUMULATOR, buf),
                 NF_ERR_INVALID_ARGUMENT, "a non-spiking sigmoid has no accumulator");
    NFT_OK(net, nf_population_get_state(net, conv, NF_STATE_SPIKE_ACCUMULATOR, buf));
    /* Initial accumulator uniform in [0, 1) from the seed: in range, not all equal. */
    int differ = 0;
    for (int e = 0; e < B * N; e++) {
        cr_assert(buf[e] >= 0.0f && buf[e] < 1.0f, "initial accumulator[%d] = %g", e,
                  (double)buf[e]);
        differ |= buf[e] != buf[0];
    }
    cr_assert(differ, "initial accumulators are all equal (%g)", (double)buf[0]);
    NFT_OK(net, nf_population_get_state(net, leaky, NF_STATE_SPIKE_ACCUMULATOR, buf));
    NFT_OK(net, nf_population_get_state(net, leaky, NF_STATE_X, buf));
    cr_assert_eq(nf_population_get_state(net, conv, NF_STATE_VOLTAGE, buf), NF_ERR_INVALID_ARGUMENT,
                 "a converted sigmoid has no voltage");
    cr_assert_eq(nf_population_set_state(net, conv, NF_STATE_OUTPUT, buf), NF_ERR_INVALID_ARGUMENT,
                 "NF_STATE_OUTPUT cannot be set");
    nf_network_destroy(net);
}
