/*
 * Spiking LIF neurons (docs/equations.md "LIF, nengo form" and "LIF, Nicola & Clopath
 * form"). nengo: spike counts over 1 s equal floor or ceil of the LIFRate rate at
 * several dt, trajectories (voltage, refractory time, spikes) against the update
 * integrated by hand in double, the refractory window (voltage held at 0 for
 * tau_ref), min_voltage clipping, and NF_MODE_RATE. Nicola & Clopath: forward
 * Euler with the refractory counter, against hand integration in double.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kernels/math/lif.h"

TestSuite(lif, .timeout = 120);

/* nengo LIF voltage (normalised, threshold 1) in float32 against the double update:
 * the exact-integration step loses ~1e-7 per step until the reset clears it. */
#define LIF_V_ATOL 2e-5
/* Refractory time left (s): t_spike = dt + tau_rc log1p(-(v - 1)/(J - 1)) in float,
 * and nengo keeps subtracting dt after the window (the counter goes negative), so its
 * float rounding grows with the steps since the last spike: ~1e-7 s after 140 steps. */
#define LIF_REF_ATOL 1e-7
#define LIF_REF_RTOL 1e-4
/* Nicola & Clopath voltage (mV, -70..-40) in float32 vs double forward Euler. */
#define NC_V_RTOL 1e-5
#define NC_V_ATOL 1e-4
/* Refractory counter (s): a float sum of up to tau_ref/dt decrements of dt. */
#define NC_REF_ATOL 1e-8
/* Rates in rate mode, float vs double. */
#define RATE_RTOL 1e-5
#define RATE_ATOL 1e-6

// --- references (double) ------------------------------------------------------------

static double ref_lif_rate(double J, double tau_rc, double tau_ref) {
    double j = J - 1.0;
    return j > 0.0 ? 1.0 / (tau_ref + tau_rc * log1p(1.0 / j)) : 0.0;
}

/* One nengo LIF step (docs/equations.md); returns 1 on a spike. */
static int ref_lif_step(double J, double dt, double tau_rc, double tau_ref, double min_voltage,
                        double *v, double *ref) {
    *ref -= dt;
    double delta_t = fmin(fmax(dt - *ref, 0.0), dt);
    *v -= (J - *v) * expm1(-delta_t / tau_rc);
    int spiked = *v > 1.0;
    double t_spike = spiked ? dt + tau_rc * log1p(-(*v - 1.0) / (J - 1.0)) : 0.0;
    *v = fmax(*v, min_voltage);
    if (spiked) {
        *v = 0.0;
        *ref = tau_ref + t_spike;
    }
    return spiked;
}

/* One Nicola & Clopath LIF step as the lead specified it: the refractory time left
 * drops by dt (not below -dt); v integrates once it is below -1e-3 dt; spike at
 * v >= v_peak, then v = v_reset and the refractory time is tau_ref. */
static int ref_nc_step(double J, double dt, double tau_m, double tau_ref, double v_reset,
                       double v_peak, double *v, double *ref) {
    *ref = fmax(*ref - dt, -dt);
    if (*ref < -1e-3 * dt)
        *v += dt * (-*v + J) / tau_m;
    int spiked = *v >= v_peak;
    if (spiked) {
        *v = v_reset;
        *ref = tau_ref;
    }
    return spiked;
}

// --- helpers -------------------------------------------------------------------------

/* Sets VOLTAGE and REFRACTORY of a LIF population ([batch][n] each). */
static void set_lif_state(nf_network *net, int32_t pop, const float *v, const float *ref) {
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_REFRACTORY, ref));
}

/* Adds an input of dimension n holding u [batch][n] forever, IDENTITY into pop. */
static void add_held_input(nf_network *net, int32_t pop, int32_t n, const float *u) {
    int32_t in, conn;
    NFT_OK(net, nf_input_add(net, n, &in));
    NFT_OK(net, nf_input_set(net, in, 1, u));
    nf_connection_desc c = nf_connection_defaults();
    c.kind = NF_CONNECTION_IDENTITY;
    c.scale = 1.0f;
    NFT_OK(net, nf_connect(net, in, pop, &c, &conn));
}

// --- nengo LIF: rates ------------------------------------------------------------------

NFT_BACKEND_TEST(lif, spike_count_in_one_second_is_floor_or_ceil_of_lif_rate, .timeout = 60) {
    /* Starting at v = 0 with no refractory time, spikes fall at t1 + m ISI with
     * t1 = ISI - tau_ref, so the count in (0, T] is floor((T + tau_ref)/ISI), which is
     * floor(rT) or floor(rT) + 1 (rate * tau_ref < 1). Batch element 1 adds 0.37 to J. */
    enum { N = 12, B = 2 };
    const float bias[N] = {1.01f, 1.05f, 1.2f, 1.5f,  2.0f,  3.0f,
                           4.5f,  6.0f,  8.5f, 11.0f, 15.0f, 20.0f};
    const float offset[B] = {0.0f, 0.37f};
    const double dts[3] = {1e-3, 5e-4, 1e-4};
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
    cr_assert_eq(d.tau_rc, 0.02f, "default tau_rc %g", (double)d.tau_rc);
    cr_assert_eq(d.tau_ref, 0.002f, "default tau_ref %g", (double)d.tau_ref);
    cr_assert_eq(d.min_voltage, 0.0f, "default min_voltage %g", (double)d.min_voltage);
    cr_assert_eq(d.lif_form, NF_LIF_NENGO, "default lif_form %d", (int)d.lif_form);
    d.biases = bias;
    for (int k = 0; k < 3; k++) {
        const double dt = dts[k];
        const int64_t T = llround(1.0 / dt);
        nf_network *net = nft_network(backend, dt, B, 31);
        int32_t pop, probe;
        NFT_OK(net, nf_population_add(net, &d, &pop));
        float u[B * N], zeros[B * N] = {0};
        for (int b = 0; b < B; b++)
            for (int i = 0; i < N; i++)
                u[b * N + i] = offset[b];
        add_held_input(net, pop, N, u);
        set_lif_state(net, pop, zeros, zeros);
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &probe));
        NFT_OK(net, nf_network_run(net, T));
        float *out = nft_probe_take(net, probe, T, B * N);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < N; i++) {
                double total = 0.0;
                for (int64_t t = 0; t < T; t++) {
                    float o = out[t * B * N + b * N + i];
                    cr_assert(o == 0.0f || nft_close(1.0 / dt, o, 1e-6, 0.0),
                              "dt %g: output %g is neither 0 nor 1/dt", dt, (double)o);
                    total += o;
                }
                long long count = llround(total * dt);
                float J = bias[i] + offset[b];
                double rT = ref_lif_rate(J, 0.02f, 0.002f) * (double)T * dt;
                cr_assert(count == (long long)floor(rT) || count == (long long)ceil(rT),
                          "dt %g, batch %d, J = %.7g: %lld spikes in 1 s, expected floor or ceil "
                          "of %.6f",
                          dt, b, (double)J, count, rT);
            }
        free(out);
        nf_network_destroy(net);
    }
}

NFT_BACKEND_TEST(lif, rate_mode_outputs_amplitude_lif_rate, .timeout = 30) {
    enum { N = 9, B = 2 };
    const float J[N] = {-3.0f, 0.0f, 1.0f, 1.0005f, 1.1f, 2.0f, 5.0f, 13.0f, 60.0f};
    nf_network *net = nft_network(backend, 5e-4, B, 4);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
    d.biases = J;
    d.amplitude = 0.5f;
    int32_t pop, probe;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));
    NFT_OK(net, nf_network_run(net, 4));
    float *out = nft_probe_take(net, probe, 4, B * N);
    for (int t = 0; t < 4; t++)
        for (int e = 0; e < B * N; e++) {
            double ref = 0.5 * ref_lif_rate(J[e % N], 0.02f, 0.002f);
            cr_assert(nft_close(ref, out[t * B * N + e], RATE_RTOL, RATE_ATOL),
                      "rate mode, step %d element %d (J %g): expected %.9g, got %.9g", t, e,
                      (double)J[e % N], ref, (double)out[t * B * N + e]);
        }
    free(out);
    /* Back in spiking mode the neurons spike again (outputs are 0 or amplitude/dt). */
    NFT_OK(net, nf_network_set_mode(net, NF_MODE_SPIKING));
    NFT_OK(net, nf_network_run(net, 200));
    out = nft_probe_take(net, probe, 200, B * N);
    double total = 0.0;
    for (int k = 0; k < 200 * B * N; k++) {
        cr_assert(out[k] == 0.0f || nft_close(0.5 / 5e-4, out[k], 1e-6, 0.0),
                  "spiking output %g is neither 0 nor amplitude/dt", (double)out[k]);
        total += out[k];
    }
    cr_assert(total > 0.0, "no spikes after returning to spiking mode");
    free(out);
    nf_network_destroy(net);
}

// --- nengo LIF: trajectories --------------------------------------------------------------

/* Runs a nengo LIF population for T steps from (v0, ref0) and compares voltage,
 * refractory time and spikes after every step with ref_lif_step in double. */
static void check_lif_trajectory(nf_backend backend, double dt, int64_t T, nf_population_desc d,
                                 const float *J, const float *v0, const float *ref0, int32_t B,
                                 const char *what) {
    const int32_t N = d.n;
    const size_t E = (size_t)B * N;
    nf_network *net = nft_network(backend, dt, B, 8);
    d.biases = J;
    int32_t pop, pv, pr, po;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    set_lif_state(net, pop, v0, ref0);
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &pv));
    NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_REFRACTORY, 1, &pr));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &po));
    NFT_OK(net, nf_network_run(net, T));
    float *vs = nft_probe_take(net, pv, T, E), *rs = nft_probe_take(net, pr, T, E);
    float *os = nft_probe_take(net, po, T, E);
    const double amp_dt = (double)d.amplitude / (double)(float)dt;
    for (size_t e = 0; e < E; e++) {
        double v = v0[e], r = ref0[e];
        int spikes = 0;
        for (int64_t t = 0; t < T; t++) {
            int s = ref_lif_step(J[e % N], (float)dt, d.tau_rc, d.tau_ref, d.min_voltage, &v, &r);
            spikes += s;
            size_t at = (size_t)t * E + e;
            cr_assert(nft_close(s ? amp_dt : 0.0, os[at], 1e-6, 0.0),
                      "%s: element %zu (J %g), step %lld: expected output %g (spike %d), got %g",
                      what, e, (double)J[e % N], (long long)t, s ? amp_dt : 0.0, s, (double)os[at]);
            cr_assert(fabs(v - vs[at]) <= LIF_V_ATOL,
                      "%s: element %zu (J %g), step %lld: voltage expected %.9g, got %.9g", what, e,
                      (double)J[e % N], (long long)t, v, (double)vs[at]);
            cr_assert(nft_close(r, rs[at], LIF_REF_RTOL, LIF_REF_ATOL),
                      "%s: element %zu (J %g), step %lld: refractory expected %.9g, got %.9g", what,
                      e, (double)J[e % N], (long long)t, r, (double)rs[at]);
        }
        if (J[e % N] > 1.5f)
            cr_assert(spikes >= 2, "%s: element %zu spiked only %d times (test setup)", what, e,
                      spikes);
    }
    free(vs);
    free(rs);
    free(os);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(lif, nengo_trajectory_matches_hand_integration, .timeout = 30) {
    enum { N = 3, B = 2 };
    const float J[N] = {1.5f, 4.0f, 12.0f};
    const float v0[B * N] = {0.0f, 0.3f, 0.9f, 0.5f, 0.99f, 0.1f};
    /* Batch 1 starts partly refractory: 1.5 ms and 0.5 ms left. */
    const float ref0[B * N] = {0.0f, 0.0f, 0.0f, 0.0015f, 0.0f, 0.0005f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
    check_lif_trajectory(backend, 2.5e-4, 400, d, J, v0, ref0, B, "nengo LIF, dt 2.5e-4");
    /* Other constants and amplitude: tau_rc 0.05, tau_ref 0.0033 (not a multiple of dt). */
    d.tau_rc = 0.05f;
    d.tau_ref = 0.0033f;
    d.amplitude = 0.1f;
    check_lif_trajectory(backend, 1e-3, 300, d, J, v0, ref0, B,
                         "nengo LIF, dt 1e-3, tau_rc .05, tau_ref .0033");
}

/* Checks the refractory window of a nengo LIF population after each spike. */
static void check_refractory_window(nf_backend backend, float tau_rc, float tau_ref, float J) {
    const double dt = 1e-4;
    const int64_t T = 800;
    nf_network *net = nft_network(backend, dt, 1, 2);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, 1);
    d.tau_rc = tau_rc;
    d.tau_ref = tau_ref;
    d.bias = J;
    int32_t pop, pv, pr, po;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float zero = 0.0f;
    set_lif_state(net, pop, &zero, &zero);
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &pv));
    NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_REFRACTORY, 1, &pr));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &po));
    NFT_OK(net, nf_network_run(net, T));
    float *v = nft_probe_take(net, pv, T, 1), *r = nft_probe_take(net, pr, T, 1),
          *o = nft_probe_take(net, po, T, 1);
    /* Steps wholly inside the window: the refractory time left after step k + m is
     * tau_ref + t_spike - m dt with t_spike in [0, dt], and the voltage cannot move while
     * it is >= dt, which holds for m <= tau_ref/dt - 1; keep one step of float margin. */
    const int64_t held = (int64_t)floor(tau_ref / dt + 1e-6) - 2;
    const int64_t out_by = (int64_t)ceil(tau_ref / dt - 1e-6) + 2;
    const double isi = tau_ref + tau_rc * log1p(1.0 / (J - 1.0));
    int64_t last = -1;
    int spikes = 0;
    for (int64_t k = 0; k < T; k++) {
        if (o[k] == 0.0f)
            continue;
        spikes++;
        cr_assert_eq(v[k], 0.0f, "tau_ref %g: voltage after the spike step %lld is %g, not 0",
                     (double)tau_ref, (long long)k, (double)v[k]);
        cr_assert(r[k] >= tau_ref - 1e-8 && r[k] <= tau_ref + dt + 1e-8,
                  "tau_ref %g: refractory after the spike at step %lld is %.9g, expected in "
                  "[tau_ref, tau_ref + dt]",
                  (double)tau_ref, (long long)k, (double)r[k]);
        for (int64_t m = 1; m <= held && k + m < T; m++) {
            cr_assert_eq(v[k + m], 0.0f,
                         "tau_ref %g: voltage %lld steps after the spike at %lld is %g, not 0",
                         (double)tau_ref, (long long)m, (long long)k, (double)v[k + m]);
            cr_assert_eq(o[k + m], 0.0f, "tau_ref %g: spike inside the refractory window",
                         (double)tau_ref);
            cr_assert(fabs(r[k + m] - (r[k] - m * dt)) <= 1e-8,
                      "tau_ref %g: refractory time %lld steps after a spike: expected %.9g, got "
                      "%.9g",
                      (double)tau_ref, (long long)m, r[k] - m * dt, (double)r[k + m]);
        }
        if (k + out_by < T)
            cr_assert(v[k + out_by] > 0.0f,
                      "tau_ref %g: voltage still 0 %lld steps after the spike at %lld",
                      (double)tau_ref, (long long)out_by, (long long)k);
        if (last >= 0) {
            /* Consecutive spikes are one ISI apart, rounded to steps either way. */
            int64_t gap = k - last;
            cr_assert(gap == (int64_t)floor(isi / dt) || gap == (int64_t)ceil(isi / dt),
                      "tau_ref %g: spikes at steps %lld and %lld, expected ISI %.6g steps",
                      (double)tau_ref, (long long)last, (long long)k, isi / dt);
        }
        last = k;
    }
    cr_assert(spikes >= 3, "tau_ref %g: only %d spikes (test setup)", (double)tau_ref, spikes);
    free(v);
    free(r);
    free(o);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(lif, voltage_held_at_zero_for_tau_ref_after_a_spike, .timeout = 30) {
    check_refractory_window(backend, 0.02f, 0.002f, 5.0f);
    check_refractory_window(backend, 0.01f, 0.005f, 3.0f);
}

NFT_BACKEND_TEST(lif, min_voltage_clips_negative_voltages, .timeout = 30) {
    /* J = -2 drives v towards -2: with min_voltage -1 it settles exactly at -1, with
     * min_voltage 0 at 0. J = -0.5 settles at -0.5 (not clipped by -1). */
    enum { N = 2, B = 2 };
    const float J[N] = {-2.0f, -0.5f};
    const float v0[B * N] = {0.0f, 0.3f, 0.8f, 0.95f};
    const float ref0[B * N] = {0.0f, 0.0f, 0.0f, 0.0f};
    const int64_t T = 400;
    const float mins[2] = {-1.0f, 0.0f};
    for (int m = 0; m < 2; m++) {
        nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
        d.min_voltage = mins[m];
        char what[64];
        snprintf(what, sizeof what, "min_voltage %g", (double)mins[m]);
        check_lif_trajectory(backend, 1e-3, T, d, J, v0, ref0, B, what);

        nf_network *net = nft_network(backend, 1e-3, B, 8);
        d.biases = J;
        int32_t pop, pv;
        NFT_OK(net, nf_population_add(net, &d, &pop));
        set_lif_state(net, pop, v0, ref0);
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &pv));
        NFT_OK(net, nf_network_run(net, T));
        float *v = nft_probe_take(net, pv, T, B * N);
        for (int64_t k = 0; k < T * B * N; k++)
            cr_assert(v[k] >= mins[m], "%s: voltage %g below it at row %lld", what, (double)v[k],
                      (long long)(k / (B * N)));
        const float *last = v + (T - 1) * B * N;
        for (int b = 0; b < B; b++) {
            cr_assert_eq(last[b * N + 0], mins[m], "%s, J = -2, batch %d: final voltage %.9g", what,
                         b, (double)last[b * N + 0]);
            double settle = fmax(-0.5, (double)mins[m]);
            cr_assert(fabs(last[b * N + 1] - settle) <= 1e-4,
                      "%s, J = -0.5, batch %d: final voltage %.9g, expected %g", what, b,
                      (double)last[b * N + 1], settle);
        }
        free(v);
        nf_network_destroy(net);
    }
}

// --- Nicola & Clopath LIF ------------------------------------------------------------------

NFT_BACKEND_TEST(lif, nicola_clopath_form_matches_hand_integration, .timeout = 30) {
    enum { N = 3, B = 2 };
    const double dt = 1e-4;
    const int64_t T = 600;
    /* Steady states -20 and -30 mV lie above v_peak (-40): periodic spiking;
     * -45 mV lies below it: no spike. The bias is set explicitly. */
    const float J[N] = {-20.0f, -30.0f, -45.0f};
    const float v0[B * N] = {-65.0f, -50.0f, -41.0f, -41.0f, -65.0f, -70.0f};
    /* Batch 1, neuron 1 starts with 0.5 ms (5 steps) of refractory time left. */
    const float ref0[B * N] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0005f, 0.0f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
    d.lif_form = NF_LIF_NICOLA_CLOPATH;
    d.biases = J;
    cr_assert_eq(d.nc_lif.tau_m, 0.01f, "NC tau_m default %g", (double)d.nc_lif.tau_m);
    cr_assert_eq(d.nc_lif.v_reset, -65.0f, "NC v_reset default %g", (double)d.nc_lif.v_reset);
    cr_assert_eq(d.nc_lif.v_peak, -40.0f, "NC v_peak default %g", (double)d.nc_lif.v_peak);
    cr_assert_eq(d.tau_ref, 0.002f, "NC tau_ref default %g", (double)d.tau_ref);

    /* The same network twice: spiking mode and rate mode (NC LIF keeps spiking). */
    float *vs[2], *rs[2], *os[2];
    const size_t E = (size_t)B * N;
    for (int mode = 0; mode < 2; mode++) {
        nf_network *net = nft_network(backend, dt, B, 5);
        int32_t pop, pv, pr, po;
        NFT_OK(net, nf_population_add(net, &d, &pop));
        set_lif_state(net, pop, v0, ref0);
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &pv));
        NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_REFRACTORY, 1, &pr));
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &po));
        if (mode == 1)
            NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));
        NFT_OK(net, nf_network_run(net, T));
        vs[mode] = nft_probe_take(net, pv, T, E);
        rs[mode] = nft_probe_take(net, pr, T, E);
        os[mode] = nft_probe_take(net, po, T, E);
        nf_network_destroy(net);
    }
    const double tau_ref = d.tau_ref;
    for (size_t e = 0; e < E; e++) {
        double v = v0[e], r = ref0[e];
        int spikes = 0;
        int64_t last_spike = -1000000;
        for (int64_t t = 0; t < T; t++) {
            double v_before = v;
            int s = ref_nc_step(J[e % N], (float)dt, d.nc_lif.tau_m, tau_ref, d.nc_lif.v_reset,
                                d.nc_lif.v_peak, &v, &r);
            size_t at = (size_t)t * E + e;
            /* The rule restated: after a spike at step k the voltage is frozen for steps
             * k+1 .. k + tau_ref/dt and integrates again from k + tau_ref/dt + 1. */
            if (t - last_spike <= llround(tau_ref / dt))
                cr_assert(v == v_before || s, "reference frozen-window check (test bug)");
            if (s)
                last_spike = t;
            spikes += s;
            double ro = s ? 1.0 / (double)(float)dt : 0.0;
            cr_assert(nft_close(ro, os[0][at], 1e-6, 0.0),
                      "NC LIF element %zu (J %g), step %lld: expected output %g, got %g", e,
                      (double)J[e % N], (long long)t, ro, (double)os[0][at]);
            cr_assert(nft_close(v, vs[0][at], NC_V_RTOL, NC_V_ATOL),
                      "NC LIF element %zu (J %g), step %lld: voltage expected %.9g, got %.9g", e,
                      (double)J[e % N], (long long)t, v, (double)vs[0][at]);
            cr_assert(fabs(r - rs[0][at]) <= NC_REF_ATOL,
                      "NC LIF element %zu (J %g), step %lld: refractory left expected %.9g, got "
                      "%.9g",
                      e, (double)J[e % N], (long long)t, r, (double)rs[0][at]);
        }
        if (J[e % N] > -40.0f)
            cr_assert(spikes >= 3, "NC LIF element %zu: only %d spikes (test setup)", e, spikes);
        else
            cr_assert_eq(spikes, 0, "NC LIF element %zu: J below v_peak must not spike", e);
    }
    /* Batch 1 neuron 1: 0.5 ms of refractory time holds v at -65 for steps 0..4. */
    for (int64_t t = 0; t < 5; t++)
        cr_assert_eq(vs[0][(size_t)t * E + N + 1], -65.0f,
                     "initial refractory: voltage moved at step %lld", (long long)t);
    cr_assert(vs[0][5 * E + N + 1] > -65.0f, "initial refractory: voltage still -65 at step 5");
    nft_assert_all_equal(vs[0], vs[1], T * E, "NC LIF voltage, rate mode vs spiking mode");
    nft_assert_all_equal(os[0], os[1], T * E, "NC LIF output, rate mode vs spiking mode");
    for (int mode = 0; mode < 2; mode++) {
        free(vs[mode]);
        free(rs[mode]);
        free(os[mode]);
    }
}

NFT_BACKEND_TEST(lif, state_slots, .timeout = 30) {
    nf_network *net = nft_network(backend, 1e-3, 2, 3);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, 4);
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float buf[8];
    /* Initial voltage uniform [0, 1), refractory 0. */
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, buf));
    for (int e = 0; e < 8; e++)
        cr_assert(buf[e] >= 0.0f && buf[e] < 1.0f, "initial voltage[%d] = %g", e, (double)buf[e]);
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_REFRACTORY, buf));
    for (int e = 0; e < 8; e++)
        cr_assert_eq(buf[e], 0.0f, "initial refractory[%d] = %g", e, (double)buf[e]);
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_RECOVERY, buf), NF_ERR_INVALID_ARGUMENT,
                 "LIF has no RECOVERY");
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_SPIKE_ACCUMULATOR, buf),
                 NF_ERR_INVALID_ARGUMENT, "LIF has no SPIKE_ACCUMULATOR");
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_X, buf), NF_ERR_INVALID_ARGUMENT,
                 "LIF has no X");
    nf_network_destroy(net);
}

/* The CPU steps the Nicola & Clopath form as one vectorised loop over a row
 * (kernels/cpu/lif_nc_step.c): bit for bit nf_lif_nc_step (kernels/math/lif.h)
 * applied to each neuron in float, over rows longer than a vector, with
 * neurons refractory, spiking, just below threshold and driven hard. */
static double lcg_uniform(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0;
}

Test(lif, nicola_clopath_cpu_steps_are_the_scalar_step_bit_for_bit, .timeout = 60) {
    enum { N = 301, B = 2 };
    const double dt = 5e-5;
    const int64_t T = 2000;
    float gain[N], bias[N], u[B * N], v0[B * N], ref0[B * N];
    uint64_t s = 7;
    for (int i = 0; i < B * N; i++) {
        if (i < N) {
            gain[i] = 0.5f + (float)lcg_uniform(&s);
            bias[i] = -60.0f + 50.0f * (float)lcg_uniform(&s);
        }
        u[i] = -10.0f + 20.0f * (float)lcg_uniform(&s);
        v0[i] = -70.0f + 31.0f * (float)lcg_uniform(&s);
        ref0[i] = i % 3 ? 0.0f : (float)(i % 50) * (float)dt * (i % 2 ? 1.0f : 0.7f);
    }
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
    d.lif_form = NF_LIF_NICOLA_CLOPATH;
    d.gains = gain;
    d.biases = bias;
    nf_network *net = nft_network(NF_BACKEND_CPU, dt, B, 3);
    int32_t pop, pv, pr, po;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    set_lif_state(net, pop, v0, ref0);
    add_held_input(net, pop, N, u);
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &pv));
    NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_REFRACTORY, 1, &pr));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &po));
    NFT_OK(net, nf_network_run(net, T));
    float *vs = nft_probe_take(net, pv, T, B * N), *rs = nft_probe_take(net, pr, T, B * N);
    float *os = nft_probe_take(net, po, T, B * N);
    nf_network_destroy(net);
    const float eps = (float)(1e-3 * dt);
    int64_t spikes = 0, frozen = 0;
    for (int e = 0; e < B * N; e++) {
        float v = v0[e], r = ref0[e];
        const float J = bias[e % N] + gain[e % N] * u[e];
        for (int64_t t = 0; t < T; t++) {
            const float v_before = v;
            const int spiked = nf_lif_nc_step(J, (float)dt, d.nc_lif.tau_m, d.tau_ref,
                                              d.nc_lif.v_reset, d.nc_lif.v_peak, eps, &v, &r);
            const size_t at = (size_t)t * B * N + (size_t)e;
            spikes += spiked;
            frozen += !spiked && v == v_before;
            cr_assert(memcmp(&vs[at], &v, sizeof v) == 0 && memcmp(&rs[at], &r, sizeof r) == 0,
                      "element %d step %lld: v %a ref %a, the scalar step gives %a %a", e,
                      (long long)t, (double)vs[at], (double)rs[at], (double)v, (double)r);
            cr_assert_eq(os[at] != 0.0f, spiked, "element %d step %lld: output %g", e,
                         (long long)t, (double)os[at]);
        }
    }
    cr_assert(spikes > 1000 && frozen > 1000, "test setup: %lld spikes, %lld frozen steps",
              (long long)spikes, (long long)frozen);
    free(vs), free(rs), free(os);
}
