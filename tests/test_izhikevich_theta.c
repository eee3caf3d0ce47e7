/*
 * Izhikevich neurons in both update orders and the theta neuron against their
 * updates integrated by hand in double (docs/equations.md "Izhikevich", "Theta neuron"):
 *   Nicola & Clopath: v' = v + dt (k (v - v_r)(v - v_t) - u + J)/C,
 *                     u' = u + dt a (b (v - v_r) - u) (old v); v' >= v_peak: v' = c, u' += d
 *   nengo: J = max(J, -30); v += 1000 dt (0.04 v^2 + 5 v + 140 - u + J); spike at v >= 30,
 *          v = c before u += 1000 dt a (b v - u) (new v); u += d on a spike
 *   theta: th += dt (1 - cos th + pi^2 (1 + cos th) J); th >= pi: spike, th = -pi.
 * Also nengo's presets (a, b, c, d and their different firing), the theta neuron's
 * period 1/sqrt(J), and that these spiking models ignore NF_MODE_RATE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(izhikevich_theta, .timeout = 120);

/* The float32 updates against the double ones: spike steps must be equal, and the
 * states agree to float rounding accumulated over the run. Izhikevich: relative, plus
 * an absolute floor in mV / pA for values near 0, since the upstroke amplifies the
 * rounding (measured: at most 0.01 mV in nengo order at dt 1 ms, 1e-3 mV / pA in NC
 * order at 0.04 ms). Theta: radians (measured: at most 4e-5 rad over 1500 steps). */
#define IZH_RTOL   1e-3
#define IZH_ATOL   5e-2
#define THETA_ATOL 2e-4
/* The forward-Euler theta neuron's inter-spike interval against the continuous 1/sqrt(J). */
#define THETA_PERIOD_RTOL 1e-3

#define TEST_PI 3.14159265358979323846

// --- references (double) ------------------------------------------------------------

typedef struct izh_params {
    double C, k, v_r, v_t, a, b, c, d, v_peak;
} izh_params;

static izh_params izh_from_desc(const nf_population_desc *d) {
    izh_params p = {d->izh.C, d->izh.k, d->izh.v_r, d->izh.v_t,   d->izh.a,
                    d->izh.b, d->izh.c, d->izh.d,   d->izh.v_peak};
    return p;
}

static int ref_izh_nc_step(const izh_params *p, double J, double dt, double *v, double *u) {
    double v0 = *v, u0 = *u;
    double vn = v0 + dt * (p->k * (v0 - p->v_r) * (v0 - p->v_t) - u0 + J) / p->C;
    double un = u0 + dt * p->a * (p->b * (v0 - p->v_r) - u0);
    int spiked = vn >= p->v_peak;
    if (spiked) {
        vn = p->c;
        un += p->d;
    }
    *v = vn;
    *u = un;
    return spiked;
}

static int ref_izh_nengo_step(const izh_params *p, double J, double dt, double *v, double *u) {
    J = fmax(J, -30.0);
    *v += dt * 1000.0 * (0.04 * *v * *v + 5.0 * *v + 140.0 - *u + J);
    int spiked = *v >= 30.0;
    if (spiked)
        *v = p->c;
    *u += dt * 1000.0 * p->a * (p->b * *v - *u);
    if (spiked)
        *u += p->d;
    return spiked;
}

static int ref_theta_step(double J, double dt, double *th) {
    double c = cos(*th);
    *th += dt * (1.0 - c + TEST_PI * TEST_PI * (1.0 + c) * J);
    int spiked = *th >= TEST_PI;
    if (spiked)
        *th = -TEST_PI;
    return spiked;
}

// --- helpers -------------------------------------------------------------------------

/* A run's recorded traces [T][batch][n]: voltage (theta), recovery (Izhikevich only), output. */
typedef struct traces {
    float *v, *u, *out;
} traces;

static void traces_free(traces *t) {
    free(t->v);
    free(t->u);
    free(t->out);
}

/* Builds a population of d (per-neuron biases J) on a fresh network, sets its voltage
 * (and recovery, when u0 is not NULL), runs T steps in `mode` and returns the traces. */
static traces run_pop(nf_backend backend, double dt, int32_t batch, nf_population_desc d,
                      const float *J, const float *v0, const float *u0, int64_t T, nf_mode mode) {
    nf_network *net = nft_network(backend, dt, batch, 77);
    d.biases = J;
    int32_t pop, pv, pu = -1, po;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, v0));
    if (u0)
        NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_RECOVERY, u0));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &pv));
    if (d.model == NF_MODEL_IZHIKEVICH)
        NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_RECOVERY, 1, &pu));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &po));
    NFT_OK(net, nf_network_set_mode(net, mode));
    NFT_OK(net, nf_network_run(net, T));
    size_t E = (size_t)batch * d.n;
    traces t = {0};
    t.v = nft_probe_take(net, pv, T, E);
    if (pu >= 0)
        t.u = nft_probe_take(net, pu, T, E);
    t.out = nft_probe_take(net, po, T, E);
    nf_network_destroy(net);
    return t;
}

typedef int (*izh_step_fn)(const izh_params *p, double J, double dt, double *v, double *u);

/* Compares Izhikevich traces with the double reference; returns the spike count of
 * each element in counts (may be NULL). */
static void check_izh(const traces *tr, izh_step_fn step, const izh_params *p, double dt,
                      const float *J, const float *v0, const float *u0, int32_t n, int32_t batch,
                      int64_t T, double amplitude, int *counts, const char *what) {
    const size_t E = (size_t)batch * n;
    const double height = amplitude / (double)(float)dt;
    for (size_t e = 0; e < E; e++) {
        double v = v0[e], u = u0[e];
        int spikes = 0;
        for (int64_t t = 0; t < T; t++) {
            int s = step(p, J[e % n], (float)dt, &v, &u);
            spikes += s;
            size_t at = (size_t)t * E + e;
            cr_assert(nft_close(s ? height : 0.0, tr->out[at], 1e-6, 0.0),
                      "%s: element %zu (J %g), step %lld: expected output %g (spike %d), got %g",
                      what, e, (double)J[e % n], (long long)t, s ? height : 0.0, s,
                      (double)tr->out[at]);
            cr_assert(nft_close(v, tr->v[at], IZH_RTOL, IZH_ATOL),
                      "%s: element %zu (J %g), step %lld: v expected %.9g, got %.9g", what, e,
                      (double)J[e % n], (long long)t, v, (double)tr->v[at]);
            cr_assert(nft_close(u, tr->u[at], IZH_RTOL, IZH_ATOL),
                      "%s: element %zu (J %g), step %lld: u expected %.9g, got %.9g", what, e,
                      (double)J[e % n], (long long)t, u, (double)tr->u[at]);
        }
        if (counts)
            counts[e] = spikes;
    }
}

// --- Izhikevich, Nicola & Clopath order -------------------------------------------------

NFT_BACKEND_TEST(izhikevich_theta, nicola_clopath_order_matches_hand_integration, .timeout = 30) {
    enum { N = 4, B = 2 };
    const double dt = 0.04; /* ms */
    const int64_t T = 1500;
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, N);
    /* Nicola & Clopath's constants are the defaults. */
    cr_assert_eq(d.izh.order, NF_IZHIKEVICH_NICOLA_CLOPATH, "default order %d", (int)d.izh.order);
    cr_assert(
        d.izh.C == 250.0f && d.izh.k == 2.5f && d.izh.v_r == -60.0f &&
            fabsf(d.izh.v_t - -19.2f) < 1e-5f && d.izh.a == 0.01f && d.izh.b == -2.0f &&
            d.izh.c == -65.0f && d.izh.d == 200.0f && d.izh.v_peak == 30.0f && d.bias == 1000.0f,
        "NC Izhikevich defaults: C %g k %g v_r %g v_t %g a %g b %g c %g d %g v_peak %g "
        "bias %g",
        (double)d.izh.C, (double)d.izh.k, (double)d.izh.v_r, (double)d.izh.v_t, (double)d.izh.a,
        (double)d.izh.b, (double)d.izh.c, (double)d.izh.d, (double)d.izh.v_peak, (double)d.bias);
    /* J 1000 (the default bias) spikes only from a high start; 1500-5000 fire tonically. */
    const float J[N] = {1000.0f, 1500.0f, 2500.0f, 5000.0f};
    const float v0[B * N] = {-30.0f, -60.0f, -50.0f, -60.0f, -60.0f, -30.0f, -60.0f, -45.0f};
    const float u0[B * N] = {0.0f, 0.0f, 0.0f, 0.0f, 10.0f, -50.0f, 100.0f, 0.0f};
    traces tr = run_pop(backend, dt, B, d, J, v0, u0, T, NF_MODE_SPIKING);
    izh_params p = izh_from_desc(&d);
    int counts[B * N];
    check_izh(&tr, ref_izh_nc_step, &p, dt, J, v0, u0, N, B, T, 1.0, counts, "NC Izhikevich");
    cr_assert(counts[0] == 1 && counts[N] == 0,
              "J 1000: expected one spike from v0 = -30 and none from -60, got %d and %d",
              counts[0], counts[N]);
    for (int e = 0; e < B * N; e++)
        if (J[e % N] >= 2500.0f)
            cr_assert(counts[e] >= 5, "element %d (J %g): only %d spikes (test setup)", e,
                      (double)J[e % N], counts[e]);

    /* The model keeps spiking in rate mode: identical traces. */
    traces rm = run_pop(backend, dt, B, d, J, v0, u0, T, NF_MODE_RATE);
    nft_assert_all_equal(tr.v, rm.v, (size_t)T * B * N, "NC Izhikevich v, rate vs spiking mode");
    nft_assert_all_equal(tr.out, rm.out, (size_t)T * B * N, "NC Izhikevich output, rate mode");
    traces_free(&rm);
    traces_free(&tr);
}

NFT_BACKEND_TEST(izhikevich_theta, nicola_clopath_order_uses_old_v_for_u, .timeout = 30) {
    /* One step by hand, v0 = 20, u0 = 0, J = 5000, dt 0.04 ms, defaults (v_t = -19.2):
     * v1 = 20 + 0.04 (2.5 (80)(39.2) + 5000)/250 = 20 + 0.04 (12840)/250 = 22.0544
     * u1 = 0 + 0.04 * 0.01 (-2 (80) - 0) = -0.064 with the old v (the new v would give
     * -0.0656435). Amplitude 3: no spike, output 0. */
    nf_network *net = nft_network(backend, 0.04, 1, 0);
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, 1);
    d.amplitude = 3.0f;
    d.bias = 5000.0f;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float v = 20.0f, u = 0.0f, out;
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_RECOVERY, &u));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_RECOVERY, &u));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, &out));
    double vt = -60.0 + 40.0 + 2.0 / 2.5;
    double v1 = 20.0 + 0.04 * (2.5 * 80.0 * (20.0 - vt) + 5000.0) / 250.0;
    double u1 = 0.04 * 0.01 * (-2.0 * 80.0);
    cr_assert(nft_close(22.0544, v1, 1e-12, 1e-12), "hand value of v1 (test bug)");
    cr_assert(nft_close(v1, v, 1e-6, 1e-5), "v after one step: expected %.9g, got %.9g", v1,
              (double)v);
    cr_assert(nft_close(u1, u, 1e-5, 0.0), "u after one step: expected %.9g (old v), got %.9g", u1,
              (double)u);
    cr_assert_eq(out, 0.0f, "no spike: output %g", (double)out);

    /* A spike: v0 = 29, u0 = 0: v1 = 29 + 0.04 (2.5 (89)(48.2) + 5000)/250 = 31.5159 >= 30,
     * so v = c = -65, u = 0.0004 (-2 (89)) + d = 199.9288, output 3/dt. */
    v = 29.0f;
    u = 0.0f;
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_RECOVERY, &u));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_RECOVERY, &u));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, &out));
    double u2 = 0.04 * 0.01 * (-2.0 * 89.0) + 200.0;
    cr_assert_eq(v, -65.0f, "v after a spike: expected c = -65, got %.9g", (double)v);
    cr_assert(nft_close(u2, u, 1e-6, 1e-5), "u after a spike: expected %.9g, got %.9g", u2,
              (double)u);
    cr_assert(nft_close(3.0 / 0.04, out, 1e-6, 0.0), "spike output: expected %g, got %g",
              3.0 / 0.04, (double)out);
    nf_network_destroy(net);
}

// --- Izhikevich, nengo order --------------------------------------------------------------

NFT_BACKEND_TEST(izhikevich_theta, nengo_order_matches_hand_integration, .timeout = 30) {
    enum { N = 5, B = 2 };
    const double dt = 1e-3; /* s */
    const int64_t T = 1000;
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, N);
    NFT_OK(NULL, nf_izhikevich_preset_apply(&d, NF_IZHIKEVICH_RS));
    /* J = -40 is clamped to -30: its trajectory equals J = -30's. */
    const float J[N] = {10.0f, 5.0f, 15.0f, -40.0f, -30.0f};
    /* Batch 0 starts at nengo's initial state (v = c, u = b c); batch 1 elsewhere. */
    const float v0[B * N] = {-65.0f, -65.0f, -65.0f, -65.0f, -65.0f,
                             -70.0f, -50.0f, 0.0f,   -60.0f, -60.0f};
    const float u0[B * N] = {-13.0f, -13.0f, -13.0f, -13.0f, -13.0f,
                             -14.0f, 0.0f,   -10.0f, -12.0f, -12.0f};
    d.amplitude = 0.5f;
    traces tr = run_pop(backend, dt, B, d, J, v0, u0, T, NF_MODE_SPIKING);
    izh_params p = izh_from_desc(&d);
    int counts[B * N];
    check_izh(&tr, ref_izh_nengo_step, &p, dt, J, v0, u0, N, B, T, 0.5, counts,
              "nengo Izhikevich RS");
    cr_assert(counts[0] >= 15 && counts[2] > counts[0] && counts[0] > counts[1],
              "RS spike counts over 1 s at J 5, 10, 15: %d, %d, %d", counts[1], counts[0],
              counts[2]);
    for (int b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            size_t at = (size_t)t * B * N + (size_t)b * N;
            cr_assert(memcmp(&tr.v[at + 3], &tr.v[at + 4], sizeof(float)) == 0 &&
                          memcmp(&tr.u[at + 3], &tr.u[at + 4], sizeof(float)) == 0,
                      "batch %d step %lld: J = -40 is not clamped to -30 (v %g vs %g)", b,
                      (long long)t, (double)tr.v[at + 3], (double)tr.v[at + 4]);
        }

    /* The model keeps spiking in rate mode. */
    traces rm = run_pop(backend, dt, B, d, J, v0, u0, T, NF_MODE_RATE);
    nft_assert_all_equal(tr.v, rm.v, (size_t)T * B * N, "nengo Izhikevich v, rate mode");
    traces_free(&rm);
    traces_free(&tr);
}

NFT_BACKEND_TEST(izhikevich_theta, nengo_order_resets_v_before_u_update, .timeout = 30) {
    /* One spiking step by hand, RS, dt 1e-3, v0 = 25, u0 = -10, J = 10:
     * v = 25 + (0.04 625 + 125 + 140 + 10 + 10) = 335 >= 30 -> v = -65;
     * u = -10 + 0.02 (0.2 (-65) + 10) = -10.06 (the new v), then u += 8 -> -2.06. */
    nf_network *net = nft_network(backend, 1e-3, 1, 0);
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, 1);
    NFT_OK(NULL, nf_izhikevich_preset_apply(&d, NF_IZHIKEVICH_RS));
    d.bias = 10.0f;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    /* nengo's initial state: v = c, u = b c. */
    float v, u, out;
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_RECOVERY, &u));
    cr_assert(v == -65.0f && nft_close(-13.0, u, 1e-6, 0.0),
              "nengo initial state: expected v -65, u -13, got %g, %g", (double)v, (double)u);
    v = 25.0f;
    u = -10.0f;
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_RECOVERY, &u));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, &v));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_RECOVERY, &u));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, &out));
    cr_assert_eq(v, -65.0f, "v after the spike: expected -65, got %.9g", (double)v);
    cr_assert(nft_close(-2.06, u, 1e-5, 1e-6), "u after the spike: expected -2.06, got %.9g",
              (double)u);
    cr_assert(nft_close(1000.0, out, 1e-6, 0.0), "spike output: expected 1/dt, got %g",
              (double)out);
    nf_network_destroy(net);
}

// --- nengo presets -------------------------------------------------------------------------

NFT_BACKEND_TEST(izhikevich_theta, nengo_presets_parameters_and_dynamics, .timeout = 30) {
    static const struct {
        nf_izhikevich_preset preset;
        const char *name;
        float a, b, c, d;
    } presets[6] = {
        {NF_IZHIKEVICH_RS, "RS", 0.02f, 0.2f, -65.0f, 8.0f},
        {NF_IZHIKEVICH_IB, "IB", 0.02f, 0.2f, -55.0f, 4.0f},
        {NF_IZHIKEVICH_CH, "CH", 0.02f, 0.2f, -50.0f, 2.0f},
        {NF_IZHIKEVICH_FS, "FS", 0.1f, 0.2f, -65.0f, 8.0f},
        {NF_IZHIKEVICH_LTS, "LTS", 0.02f, 0.25f, -65.0f, 8.0f},
        {NF_IZHIKEVICH_RZ, "RZ", 0.1f, 0.26f, -65.0f, 8.0f},
    };
    enum { B = 2 };
    const double dt = 1e-3;
    const int64_t T = 1000;
    const float J[1] = {10.0f};
    int counts[6][B];
    for (int k = 0; k < 6; k++) {
        nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, 1);
        NFT_OK(NULL, nf_izhikevich_preset_apply(&d, presets[k].preset));
        cr_assert(d.izh.order == NF_IZHIKEVICH_NENGO && d.izh.a == presets[k].a &&
                      d.izh.b == presets[k].b && d.izh.c == presets[k].c && d.izh.d == presets[k].d,
                  "preset %s: order %d a %g b %g c %g d %g, expected NENGO %g %g %g %g",
                  presets[k].name, (int)d.izh.order, (double)d.izh.a, (double)d.izh.b,
                  (double)d.izh.c, (double)d.izh.d, (double)presets[k].a, (double)presets[k].b,
                  (double)presets[k].c, (double)presets[k].d);
        /* Batch 0 from nengo's initial state (v = c, u = b c), batch 1 from v = -70, u = 0. */
        const float v0[B] = {presets[k].c, -70.0f};
        const float u0[B] = {presets[k].b * presets[k].c, 0.0f};
        traces tr = run_pop(backend, dt, B, d, J, v0, u0, T, NF_MODE_SPIKING);
        izh_params p = izh_from_desc(&d);
        check_izh(&tr, ref_izh_nengo_step, &p, dt, J, v0, u0, 1, B, T, 1.0, counts[k],
                  presets[k].name);
        traces_free(&tr);
    }
    /* Fast spiking (a 0.1) fires more than regular spiking at the same current; the
     * chattering and intrinsically bursting cells too (smaller reset jumps d). */
    for (int b = 0; b < B; b++) {
        cr_assert(counts[3][b] > counts[0][b], "batch %d: FS %d spikes, RS %d", b, counts[3][b],
                  counts[0][b]);
        cr_assert(counts[2][b] > counts[0][b], "batch %d: CH %d spikes, RS %d", b, counts[2][b],
                  counts[0][b]);
        cr_assert(counts[1][b] > counts[0][b], "batch %d: IB %d spikes, RS %d", b, counts[1][b],
                  counts[0][b]);
    }
    cr_assert_eq(nf_izhikevich_preset_apply(NULL, NF_IZHIKEVICH_RS), NF_ERR_INVALID_ARGUMENT,
                 "preset on NULL");
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, 1);
    nf_population_desc before = d;
    cr_assert_eq(nf_izhikevich_preset_apply(&d, (nf_izhikevich_preset)42), NF_ERR_INVALID_ARGUMENT,
                 "unknown preset");
    cr_assert(memcmp(&before.izh, &d.izh, sizeof d.izh) == 0,
              "a refused preset changed the descriptor");
}

NFT_BACKEND_TEST(izhikevich_theta, izhikevich_state_slots, .timeout = 30) {
    enum { N = 6, B = 2 };
    nf_network *net = nft_network(backend, 0.04, B, 12);
    nf_population_desc d = nf_population_defaults(NF_MODEL_IZHIKEVICH, N);
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float v[B * N], u[B * N];
    /* NC initial state: v uniform in [v_r, v_peak], u 0. */
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, v));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_RECOVERY, u));
    for (int e = 0; e < B * N; e++) {
        cr_assert(v[e] >= -60.0f && v[e] <= 30.0f, "initial v[%d] = %g", e, (double)v[e]);
        cr_assert_eq(u[e], 0.0f, "initial u[%d] = %g", e, (double)u[e]);
    }
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_REFRACTORY, v), NF_ERR_INVALID_ARGUMENT,
                 "Izhikevich has no REFRACTORY");
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_X, v), NF_ERR_INVALID_ARGUMENT,
                 "Izhikevich has no X");
    nf_network_destroy(net);
}

// --- theta neuron -------------------------------------------------------------------------

/* Compares theta traces with the double reference; spike counts in counts. */
static void check_theta(const traces *tr, double dt, const float *J, const float *th0, int32_t n,
                        int32_t batch, int64_t T, double amplitude, int *counts, const char *what) {
    const size_t E = (size_t)batch * n;
    const double height = amplitude / (double)(float)dt;
    for (size_t e = 0; e < E; e++) {
        double th = th0[e];
        int spikes = 0;
        for (int64_t t = 0; t < T; t++) {
            int s = ref_theta_step(J[e % n], (float)dt, &th);
            spikes += s;
            size_t at = (size_t)t * E + e;
            cr_assert(nft_close(s ? height : 0.0, tr->out[at], 1e-6, 0.0),
                      "%s: element %zu (J %g), step %lld: expected output %g (spike %d), got %g",
                      what, e, (double)J[e % n], (long long)t, s ? height : 0.0, s,
                      (double)tr->out[at]);
            cr_assert(fabs(th - tr->v[at]) <= THETA_ATOL,
                      "%s: element %zu (J %g), step %lld: theta expected %.9g, got %.9g", what, e,
                      (double)J[e % n], (long long)t, th, (double)tr->v[at]);
            if (s)
                cr_assert(nft_close(-TEST_PI, tr->v[at], 1e-6, 0.0),
                          "%s: theta after a spike must be -pi, got %.9g", what, (double)tr->v[at]);
        }
        if (counts)
            counts[e] = spikes;
    }
}

NFT_BACKEND_TEST(izhikevich_theta, theta_matches_hand_integration, .timeout = 30) {
    enum { N = 5, B = 2 };
    const double dt = 1e-3;
    const int64_t T = 1500;
    /* J > 0: periodic (period 1/sqrt(J)); J = 0 from theta 3: one spike, then theta
     * creeps towards 0 from below; J < 0: settles at a stable fixed point. */
    const float J[N] = {4.0f, 9.0f, 1.0f, 0.0f, -1.0f};
    const float th0[B * N] = {-3.14159f, 0.0f, 2.0f, 3.0f, 1.0f, 1.0f, -2.5f, -1.0f, -0.5f, -3.0f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_THETA, N);
    d.amplitude = 2.0f;
    traces tr = run_pop(backend, dt, B, d, J, th0, NULL, T, NF_MODE_SPIKING);
    int counts[B * N];
    check_theta(&tr, dt, J, th0, N, B, T, 2.0, counts, "theta");
    cr_assert(counts[0] >= 2 && counts[1] > counts[0], "theta spike counts J 4: %d, J 9: %d",
              counts[0], counts[1]);
    cr_assert_eq(counts[3], 1, "theta J = 0 from 3 rad: expected one spike, got %d", counts[3]);
    cr_assert_eq(counts[N + 3], 0, "theta J = 0 from -0.5 rad: expected no spike, got %d",
                 counts[N + 3]);
    cr_assert(counts[4] == 0 && counts[N + 4] == 0, "theta J = -1 spiked");

    /* Theta keeps spiking in rate mode. */
    traces rm = run_pop(backend, dt, B, d, J, th0, NULL, T, NF_MODE_RATE);
    nft_assert_all_equal(tr.v, rm.v, (size_t)T * B * N, "theta, rate vs spiking mode");
    traces_free(&rm);
    traces_free(&tr);
}

NFT_BACKEND_TEST(izhikevich_theta, theta_period_is_one_over_sqrt_j, .timeout = 60) {
    /* x = tan(theta/2) obeys dx/dt = x^2 + pi^2 J, so the time from -pi to pi is
     * pi / sqrt(pi^2 J) = 1/sqrt(J). Forward Euler with dt << period gets close. */
    enum { N = 3, B = 1 };
    const double dt = 1e-5;
    const int64_t T = 40000;
    const float J[N] = {100.0f, 400.0f, 2500.0f};
    const float th0[N] = {(float)-TEST_PI, (float)-TEST_PI, (float)-TEST_PI};
    nf_population_desc d = nf_population_defaults(NF_MODEL_THETA, N);
    traces tr = run_pop(backend, dt, B, d, J, th0, NULL, T, NF_MODE_SPIKING);
    for (int i = 0; i < N; i++) {
        double period = 1.0 / sqrt((double)J[i]);
        int64_t prev = -1, first = -1;
        int isis = 0;
        for (int64_t t = 0; t < T; t++) {
            if (tr.out[t * N + i] == 0.0f)
                continue;
            /* Spike at the end of step t: time (t + 1) dt since the start at -pi. */
            double at = (double)(t + 1) * dt;
            if (first < 0) {
                first = t;
                cr_assert(fabs(at - period) <= THETA_PERIOD_RTOL * period + dt,
                          "theta J %g: first spike at %.6g s, expected 1/sqrt(J) = %.6g s",
                          (double)J[i], at, period);
            } else {
                double isi = (double)(t - prev) * dt;
                cr_assert(fabs(isi - period) <= THETA_PERIOD_RTOL * period + dt,
                          "theta J %g: ISI %.6g s, expected 1/sqrt(J) = %.6g s", (double)J[i], isi,
                          period);
                isis++;
            }
            prev = t;
        }
        cr_assert(isis >= 2, "theta J %g: only %d intervals (test setup)", (double)J[i], isis);
    }
    traces_free(&tr);
}

NFT_BACKEND_TEST(izhikevich_theta, theta_state_slots, .timeout = 30) {
    nf_network *net = nft_network(backend, 1e-3, 2, 5);
    nf_population_desc d = nf_population_defaults(NF_MODEL_THETA, 8);
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float th[16];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, th));
    for (int e = 0; e < 16; e++)
        cr_assert(th[e] >= (float)-TEST_PI && th[e] <= (float)TEST_PI, "initial theta[%d] = %g", e,
                  (double)th[e]);
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_RECOVERY, th), NF_ERR_INVALID_ARGUMENT,
                 "theta has no RECOVERY");
    cr_assert_eq(nf_population_get_state(net, pop, NF_STATE_REFRACTORY, th),
                 NF_ERR_INVALID_ARGUMENT, "theta has no REFRACTORY");
    nf_network_destroy(net);
}
