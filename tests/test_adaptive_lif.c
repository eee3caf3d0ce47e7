/*
 * NF_MODEL_ADAPTIVE_LIF (docs/equations.md "Adaptive LIF"), against nengo's
 * AdaptiveLIF and AdaptiveLIFRate: a double-precision transcription of their
 * step (checked against nengo's own numbers), one step at a time from the
 * network's float state on each backend, whole spike trains and adaptation
 * against trajectories nengo itself produced (tests/fixtures/
 * adaptive_lif_nengo.inc, written by make_adaptive_lif_nengo.py), the decay of
 * n without spikes, rate mode, defaults, state access and validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fixtures/adaptive_lif_nengo.inc"

TestSuite(adaptive_lif, .timeout = 120);

/* One float32 step against the double step from the same state: the voltage
 * as in test_lif (exact integration, ~1e-7 per step), the refractory time (its
 * t_spike is a float log1p), n (one multiply-add of O(1) values). */
#define V_ATOL 2e-6
#define REF_ATOL 2e-7
#define N_RTOL 1e-6
#define N_ATOL 1e-7
/* Whole runs against nengo's float64: a spike may move by one step where the
 * float crossing lands within ~1e-6 of a step boundary; none does in the
 * fixture's runs, so the trains must match exactly. n then follows nengo's to
 * the accumulated float rounding of thousands of steps (~1e-6 relative). */
#define RUN_N_RTOL 1e-4
#define RUN_N_ATOL 1e-6
/* Rate mode (AdaptiveLIFRate), float vs nengo's float64 over up to 3000 steps:
 * n gathers rounding to ~1e-5 relative and rates above 1 Hz follow to ~3e-5,
 * except where adaptation holds a neuron at threshold (J 1.0625, "fast" case:
 * J - n - 1 ~ 1e-9, below float32's resolution next to 1): its ~1 Hz rate is
 * 2.4e-4 Hz off nengo's. */
#define RATE_RTOL 1e-4
#define RATE_ATOL 1e-3

// --- nengo's step in double ----------------------------------------------------------

typedef struct ref_params {
    double dt, tau_rc, tau_ref, min_voltage, tau_n, inc_n, amplitude;
} ref_params;

static double ref_lif_rate(double J, double tau_rc, double tau_ref) {
    double j = J - 1.0;
    return j > 0.0 ? 1.0 / (tau_ref + tau_rc * log1p(1.0 / j)) : 0.0;
}

/* nengo AdaptiveLIF.step: LIF.step with J - n, then n += (dt/tau_n)(inc_n out - n),
 * where out = amplitude/dt on a spike. Returns out. */
static double ref_alif_step(const ref_params *p, double J, double *v, double *ref, double *n) {
    const double Jn = J - *n, dt = p->dt;
    *ref -= dt;
    double delta_t = fmin(fmax(dt - *ref, 0.0), dt);
    *v -= (Jn - *v) * expm1(-delta_t / p->tau_rc);
    const int spiked = *v > 1.0;
    const double out = spiked ? p->amplitude / dt : 0.0;
    double t_spike = spiked ? dt + p->tau_rc * log1p(-(*v - 1.0) / (Jn - 1.0)) : 0.0;
    *v = fmax(*v, p->min_voltage);
    if (spiked) {
        *v = 0.0;
        *ref = p->tau_ref + t_spike;
    }
    *n += (dt / p->tau_n) * (p->inc_n * out - *n);
    return out;
}

/* nengo AdaptiveLIFRate.step: LIFRate.step with J - n, then the same n update. */
static double ref_alif_rate_step(const ref_params *p, double J, double *n) {
    const double out = p->amplitude * ref_lif_rate(J - *n, p->tau_rc, p->tau_ref);
    *n += (p->dt / p->tau_n) * (p->inc_n * out - *n);
    return out;
}

static ref_params case_params(const nfa_case *c) {
    return (ref_params){c->dt, c->tau_rc, c->tau_ref, c->min_voltage, c->tau_n, c->inc_n,
                        c->amplitude};
}

// --- helpers -------------------------------------------------------------------------

static nf_population_desc alif_desc(int32_t n, const ref_params *p) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_ADAPTIVE_LIF, n);
    d.tau_rc = (float)p->tau_rc;
    d.tau_ref = (float)p->tau_ref;
    d.min_voltage = (float)p->min_voltage;
    d.tau_n = (float)p->tau_n;
    d.inc_n = (float)p->inc_n;
    d.amplitude = (float)p->amplitude;
    return d;
}

/* A population of one fixture case's neurons, biases J (no inputs), v = v0, ref = n = 0. */
static int32_t fixture_population(nf_network *net, const nfa_case *c, int32_t batch) {
    const ref_params p = case_params(c);
    float J[NFA_NEURONS], v[NFA_NEURONS * 4] = {0}, zero[NFA_NEURONS * 4] = {0};
    cr_assert(batch <= 4);
    for (int i = 0; i < NFA_NEURONS; i++)
        J[i] = (float)nfa_J[i];
    for (int i = 0; i < batch * NFA_NEURONS; i++)
        v[i] = (float)nfa_v0[i % NFA_NEURONS];
    nf_population_desc d = alif_desc(NFA_NEURONS, &p);
    d.biases = J;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_REFRACTORY, zero));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_ADAPTATION, zero));
    return pop;
}

// --- the reference is nengo's step ---------------------------------------------------

Test(adaptive_lif, double_reference_reproduces_nengo_fixture) {
    for (int k = 0; k < NFA_CASES; k++) {
        const nfa_case *c = &nfa_cases[k];
        const ref_params p = case_params(c);
        for (int i = 0; i < NFA_NEURONS; i++) {
            double v = nfa_v0[i], ref = 0.0, n = 0.0, rn = 0.0, rout = 0.0;
            int32_t spikes = 0;
            for (int32_t t = 0; t < c->steps; t++) {
                if (ref_alif_step(&p, nfa_J[i], &v, &ref, &n) > 0.0) {
                    cr_assert(spikes < c->spike_count[i] && c->spikes[i][spikes] == t,
                              "case %s neuron %d: reference spike at step %d, nengo's next %d",
                              c->name, i, t,
                              spikes < c->spike_count[i] ? c->spikes[i][spikes] : -1);
                    spikes++;
                }
                rout = ref_alif_rate_step(&p, nfa_J[i], &rn);
                if ((t + 1) % NFA_CHECK == 0) {
                    const int row = (t + 1) / NFA_CHECK - 1;
                    cr_assert(nft_close(c->n[row][i], n, 1e-12, 1e-15) &&
                                  nft_close(c->rate_n[row][i], rn, 1e-12, 1e-15) &&
                                  nft_close(c->rate_out[row][i], rout, 1e-12, 1e-12),
                              "case %s neuron %d step %d: n %.17g rate n %.17g out %.17g, "
                              "nengo %.17g %.17g %.17g",
                              c->name, i, t, n, rn, rout, c->n[row][i], c->rate_n[row][i],
                              c->rate_out[row][i]);
                }
            }
            cr_assert_eq(spikes, c->spike_count[i], "case %s neuron %d: %d spikes, nengo %d",
                         c->name, i, spikes, c->spike_count[i]);
        }
    }
}

// --- one step at a time -----------------------------------------------------------------

/* From varied states (partly refractory, adapted, below min_voltage), each step
 * of the network against the double step from the float state it started from. */
NFT_BACKEND_TEST(adaptive_lif, each_step_matches_nengo_step, .timeout = 60) {
    enum { N = 64, B = 2, T = 120 };
    const ref_params p = {0.001, 0.02, 0.002, -0.5, 0.05, 0.3, 1.5};
    nf_network *net = nft_network(backend, p.dt, B, 11);
    nf_population_desc d = alif_desc(N, &p);
    float J[N];
    for (int i = 0; i < N; i++)
        J[i] = 0.6f + 5.0f * (float)((i * 37) % N) / N;
    d.biases = J;
    int32_t pop, out_probe;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float v[B * N], ref[B * N], n[B * N], out[B * N];
    for (int e = 0; e < B * N; e++) {
        v[e] = -0.4f + 1.3f * (float)((e * 53) % (B * N)) / (B * N);
        ref[e] = (e % 5 == 0) ? 0.0015f : (e % 7 == 0) ? 0.0004f : 0.0f;
        n[e] = 0.5f * (float)((e * 29) % (B * N)) / (B * N);
    }
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_REFRACTORY, ref));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_ADAPTATION, n));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &out_probe));
    int spikes = 0;
    for (int t = 0; t < T; t++) {
        double rv[B * N], rr[B * N], rn[B * N], ro[B * N];
        for (int e = 0; e < B * N; e++) {
            rv[e] = v[e], rr[e] = ref[e], rn[e] = n[e];
            ro[e] = ref_alif_step(&p, J[e % N], &rv[e], &rr[e], &rn[e]);
        }
        NFT_OK(net, nf_network_run(net, 1));
        NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, v));
        NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_REFRACTORY, ref));
        NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_ADAPTATION, n));
        int64_t rows;
        NFT_OK(net, nf_probe_read(net, out_probe, out, B * N, &rows));
        for (int e = 0; e < B * N; e++) {
            spikes += out[e] != 0.0f;
            cr_assert(nft_close(ro[e], out[e], 1e-6, 0.0) &&
                          nft_close(rv[e], v[e], 0.0, V_ATOL) &&
                          nft_close(rr[e], ref[e], 0.0, REF_ATOL) &&
                          nft_close(rn[e], n[e], N_RTOL, N_ATOL),
                      "%s step %d element %d: out %g v %.9g ref %.9g n %.9g, "
                      "nengo's step %g %.9g %.9g %.9g",
                      nf_backend_name(backend), t, e, (double)out[e], (double)v[e],
                      (double)ref[e], (double)n[e], ro[e], rv[e], rr[e], rn[e]);
        }
    }
    cr_assert_gt(spikes, B * N, "only %d spikes: the test does not exercise spiking", spikes);
    nf_network_destroy(net);
}

// --- whole runs against nengo ---------------------------------------------------------

NFT_BACKEND_TEST(adaptive_lif, spike_trains_and_adaptation_match_nengo, .timeout = 60) {
    enum { B = 2 };
    for (int k = 0; k < NFA_CASES; k++) {
        const nfa_case *c = &nfa_cases[k];
        nf_network *net = nft_network(backend, c->dt, B, 3);
        const int32_t pop = fixture_population(net, c, B);
        int32_t out_probe, n_probe;
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &out_probe));
        NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_ADAPTATION, NFA_CHECK, &n_probe));
        NFT_OK(net, nf_network_run(net, c->steps));
        float *out = nft_probe_take(net, out_probe, c->steps, B * NFA_NEURONS);
        float *n = nft_probe_take(net, n_probe, c->steps / NFA_CHECK, B * NFA_NEURONS);
        for (int e = 0; e < B * NFA_NEURONS; e++) {
            const int i = e % NFA_NEURONS;
            int32_t spikes = 0;
            for (int32_t t = 0; t < c->steps; t++) {
                if (out[(size_t)t * B * NFA_NEURONS + e] == 0.0f)
                    continue;
                cr_assert(spikes < c->spike_count[i] && c->spikes[i][spikes] == t,
                          "%s case %s neuron %d: spike at step %d, nengo's next at %d",
                          nf_backend_name(backend), c->name, i, t,
                          spikes < c->spike_count[i] ? c->spikes[i][spikes] : -1);
                spikes++;
            }
            cr_assert_eq(spikes, c->spike_count[i], "%s case %s neuron %d: %d spikes, nengo %d",
                         nf_backend_name(backend), c->name, i, spikes, c->spike_count[i]);
            for (int row = 0; row < c->steps / NFA_CHECK; row++) {
                const double got = n[(size_t)row * B * NFA_NEURONS + e];
                cr_assert(nft_close(c->n[row][i], got, RUN_N_RTOL, RUN_N_ATOL),
                          "%s case %s neuron %d after step %d: n %.9g, nengo %.9g",
                          nf_backend_name(backend), c->name, i, (row + 1) * NFA_CHECK - 1, got,
                          c->n[row][i]);
            }
        }
        free(out);
        free(n);
        nf_network_destroy(net);
    }
}

NFT_BACKEND_TEST(adaptive_lif, rate_mode_matches_nengo_adaptive_lif_rate, .timeout = 60) {
    enum { B = 1 };
    for (int k = 0; k < NFA_CASES; k++) {
        const nfa_case *c = &nfa_cases[k];
        nf_network *net = nft_network(backend, c->dt, B, 3);
        const int32_t pop = fixture_population(net, c, B);
        NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));
        int32_t out_probe, n_probe, v_probe;
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, NFA_CHECK, &out_probe));
        NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_ADAPTATION, NFA_CHECK, &n_probe));
        NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_VOLTAGE, c->steps, &v_probe));
        NFT_OK(net, nf_network_run(net, c->steps));
        const int rows = c->steps / NFA_CHECK;
        float *out = nft_probe_take(net, out_probe, rows, NFA_NEURONS);
        float *n = nft_probe_take(net, n_probe, rows, NFA_NEURONS);
        float *v = nft_probe_take(net, v_probe, 1, NFA_NEURONS);
        for (int row = 0; row < rows; row++)
            for (int i = 0; i < NFA_NEURONS; i++)
                cr_assert(nft_close(c->rate_out[row][i], out[row * NFA_NEURONS + i], RATE_RTOL,
                                    RATE_ATOL) &&
                              nft_close(c->rate_n[row][i], n[row * NFA_NEURONS + i], RATE_RTOL,
                                        RATE_ATOL),
                          "%s case %s neuron %d row %d: out %.9g n %.9g, nengo %.9g %.9g",
                          nf_backend_name(backend), c->name, i, row,
                          (double)out[row * NFA_NEURONS + i], (double)n[row * NFA_NEURONS + i],
                          c->rate_out[row][i], c->rate_n[row][i]);
        for (int i = 0; i < NFA_NEURONS; i++) /* the spiking state is left alone */
            cr_assert_eq(v[i], (float)nfa_v0[i], "%s: rate mode moved voltage %d",
                         nf_backend_name(backend), i);
        free(out);
        free(n);
        free(v);
        nf_network_destroy(net);
    }
}

// --- adaptation alone -------------------------------------------------------------------

/* Without input the neuron never spikes and n decays as n (1 - dt/tau_n)^k. */
NFT_BACKEND_TEST(adaptive_lif, adaptation_decays_geometrically_without_spikes, .timeout = 30) {
    enum { N = 4, T = 400 };
    const ref_params p = {0.001, 0.02, 0.002, 0.0, 0.1, 0.01, 1.0};
    nf_network *net = nft_network(backend, p.dt, 1, 5);
    nf_population_desc d = alif_desc(N, &p);
    int32_t pop, probe;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    const float v[N] = {0}, n0[N] = {0.5f, 1.0f, 2.0f, 4.0f};
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_VOLTAGE, v));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_ADAPTATION, n0));
    NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_ADAPTATION, 1, &probe));
    NFT_OK(net, nf_network_run(net, T));
    float *n = nft_probe_take(net, probe, T, N);
    const double a = 1.0 - (double)(float)(p.dt / p.tau_n);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) {
            const double want = n0[i] * pow(a, t + 1);
            cr_assert(nft_close(want, n[t * N + i], 1e-5, 0.0),
                      "%s step %d neuron %d: n %.9g, expected %.9g", nf_backend_name(backend), t,
                      i, (double)n[t * N + i], want);
        }
    free(n);
    nf_network_destroy(net);
}

// --- descriptor, state and errors ----------------------------------------------------------

Test(adaptive_lif, defaults_are_nengos) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_ADAPTIVE_LIF, 3);
    cr_assert_eq(d.model, NF_MODEL_ADAPTIVE_LIF);
    cr_assert_float_eq(d.tau_n, 1.0f, 0.0f);
    cr_assert_float_eq(d.inc_n, 0.01f, 0.0f);
    cr_assert_float_eq(d.tau_rc, 0.02f, 0.0f);
    cr_assert_float_eq(d.tau_ref, 0.002f, 0.0f);
    cr_assert_float_eq(d.min_voltage, 0.0f, 0.0f);
    cr_assert_float_eq(d.amplitude, 1.0f, 0.0f);
    cr_assert_float_eq(d.bias, 0.0f, 0.0f);
}

/* nengo's initial state: voltage uniform [0, 1) from the seed, refractory and n 0;
 * the default state probe records the voltage; no X, RECOVERY or accumulator. */
Test(adaptive_lif, initial_state_and_state_kinds) {
    enum { N = 50, B = 2 };
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, B, 9);
    nf_population_desc d = nf_population_defaults(NF_MODEL_ADAPTIVE_LIF, N);
    d.spiking = 1; /* ignored: it spikes by itself */
    int32_t pop, probe;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    float v[B * N], ref[B * N], n[B * N], other[B * N];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, v));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_REFRACTORY, ref));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_ADAPTATION, n));
    double mean = 0.0;
    for (int e = 0; e < B * N; e++) {
        cr_assert(v[e] >= 0.0f && v[e] < 1.0f, "v[%d] = %g", e, (double)v[e]);
        cr_assert(ref[e] == 0.0f && n[e] == 0.0f, "ref %g n %g", (double)ref[e], (double)n[e]);
        mean += v[e] / (B * N);
    }
    cr_assert(mean > 0.35 && mean < 0.65, "mean initial voltage %g", mean);
    const nf_state_kind absent[] = {NF_STATE_RECOVERY, NF_STATE_X, NF_STATE_SPIKE_ACCUMULATOR};
    for (size_t k = 0; k < sizeof absent / sizeof *absent; k++) {
        cr_assert_eq(nf_population_get_state(net, pop, absent[k], other),
                     NF_ERR_INVALID_ARGUMENT);
        cr_assert(strstr(nf_network_last_error(net), "ADAPTIVE_LIF"), "%s",
                  nf_network_last_error(net));
    }
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &probe));
    NFT_OK(net, nf_network_run(net, 1));
    float *rec = nft_probe_take(net, probe, 1, B * N);
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_VOLTAGE, v));
    nft_assert_all_equal(v, rec, B * N, "default state probe = voltage");
    free(rec);
    nf_network_destroy(net);
}

Test(adaptive_lif, bad_parameters_are_refused_by_name) {
    static const struct {
        const char *field;
        float tau_n, inc_n, tau_rc, tau_ref, min_voltage;
    } bad[] = {
        {"tau_n", 0.0f, 0.01f, 0.02f, 0.002f, 0.0f},
        {"tau_n", NAN, 0.01f, 0.02f, 0.002f, 0.0f},
        {"inc_n", 1.0f, -0.1f, 0.02f, 0.002f, 0.0f},
        {"tau_rc", 1.0f, 0.01f, 0.0f, 0.002f, 0.0f},
        {"tau_ref", 1.0f, 0.01f, 0.02f, -1.0f, 0.0f},
        {"min_voltage", 1.0f, 0.01f, 0.02f, 0.002f, 0.5f},
    };
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 1, 1);
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        nf_population_desc d = nf_population_defaults(NF_MODEL_ADAPTIVE_LIF, 4);
        d.tau_n = bad[k].tau_n;
        d.inc_n = bad[k].inc_n;
        d.tau_rc = bad[k].tau_rc;
        d.tau_ref = bad[k].tau_ref;
        d.min_voltage = bad[k].min_voltage;
        int32_t pop;
        cr_assert_eq(nf_population_add(net, &d, &pop), NF_ERR_INVALID_ARGUMENT, "%s",
                     bad[k].field);
        char want[64];
        snprintf(want, sizeof want, "nf_population_add: %s must be", bad[k].field);
        cr_assert(strstr(nf_network_last_error(net), want), "%s: %s", bad[k].field,
                  nf_network_last_error(net));
    }
    nf_network_destroy(net);
}
