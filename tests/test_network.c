/*
 * Whole-network behaviour: batch elements are independent simulations; probes
 * record every `every`-th step and drain when read; reset returns to the initial
 * state; same seed, same calls, bit-identical results; held and sequence inputs
 * and the refusal of a run past an input's end; readouts z = W_out s and their
 * initial draws; backend resolution and the step counter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(network, .timeout = 120);

/* A batch-1 run against one element of a batch-4 run: the dense products may sum
 * in another order (gemv against gemm), nothing else differs. */
#define BATCH_RTOL 1e-5
#define BATCH_ATOL 1e-5

/* Hand-computed values (binary fractions, a few operations). */
#define EXACT_RTOL 1e-6
#define EXACT_ATOL 1e-6

/* Lowpass-filtered readouts against their closed form (float32 recursion). */
#define FILTER_RTOL 1e-5
#define FILTER_ATOL 1e-6

// --- helpers ----------------------------------------------------------------------

static float lcg_uniform(uint32_t *state, float lo, float hi) {
    *state = *state * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)((*state >> 8) * (1.0 / 16777216.0));
}

static void lcg_fill(float *w, size_t n, uint32_t seed, float lo, float hi) {
    for (size_t k = 0; k < n; k++)
        w[k] = lcg_uniform(&seed, lo, hi);
}

static int64_t probe_rows(nf_network *net, int32_t probe) {
    int64_t rows = -1;
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    return rows;
}

static int32_t add_relu(nf_network *net, int32_t n, const float *biases) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, n);
    d.bias = 0.0f;
    d.biases = biases;
    int32_t id;
    NFT_OK(net, nf_population_add(net, &d, &id));
    return id;
}

static int32_t connect_identity(nf_network *net, int32_t pre, int32_t post, float scale) {
    nf_connection_desc c = nf_connection_defaults();
    c.kind = NF_CONNECTION_IDENTITY;
    c.scale = scale;
    int32_t id;
    NFT_OK(net, nf_connect(net, pre, post, &c, &id));
    return id;
}

static int32_t connect_dense(nf_network *net, int32_t pre, int32_t post, const float *w) {
    nf_connection_desc c = nf_connection_defaults();
    c.weights = w;
    int32_t id;
    NFT_OK(net, nf_connect(net, pre, post, &c, &id));
    return id;
}

// --- a network with every kind of part ----------------------------------------------------

enum { R_IN = 3, R_LIF = 3, R_LEAKY = 8, R_OUT = 2, R_PROBES = 6 };

/* input (3) -> LIF (3, identity, lowpass) -> leaky rate (8, dense, alpha), input ->
 * leaky (dense), leaky -> leaky (dense), readout (2) from leaky fed back into it. */
typedef struct rich {
    nf_network *net;
    int32_t in, lif, leaky, ro, rec;
    int32_t probe[R_PROBES];
    int64_t row[R_PROBES];
} rich;

static rich rich_make(nf_backend backend, int32_t batch, uint64_t seed, int64_t steps,
                      const float *x, int32_t every) {
    rich r;
    memset(&r, 0, sizeof r);
    r.net = nft_network(backend, 0.001, batch, seed);
    NFT_OK(r.net, nf_input_add(r.net, R_IN, &r.in));
    NFT_OK(r.net, nf_input_set(r.net, r.in, steps, x));

    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, R_LIF);
    d.bias = 1.2f;
    d.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.005f};
    NFT_OK(r.net, nf_population_add(r.net, &d, &r.lif));
    connect_identity(r.net, r.in, r.lif, 2.0f);

    d = nf_population_defaults(NF_MODEL_LEAKY_RATE, R_LEAKY);
    d.tau = 0.02f;
    d.x_init_scale = 0.5f;
    d.filter = (nf_filter_desc){.kind = NF_FILTER_ALPHA, .tau = 0.01f};
    NFT_OK(r.net, nf_population_add(r.net, &d, &r.leaky));

    float w_in[R_LEAKY * R_IN], w_lif[R_LEAKY * R_LIF], w_rec[R_LEAKY * R_LEAKY];
    float w_out[R_OUT * R_LEAKY], w_fb[R_LEAKY * R_OUT];
    lcg_fill(w_in, R_LEAKY * R_IN, 1u, -1.0f, 1.0f);
    lcg_fill(w_lif, R_LEAKY * R_LIF, 2u, -0.005f, 0.005f);
    lcg_fill(w_rec, R_LEAKY * R_LEAKY, 3u, -0.2f, 0.2f);
    lcg_fill(w_out, R_OUT * R_LEAKY, 4u, -1.0f, 1.0f);
    lcg_fill(w_fb, R_LEAKY * R_OUT, 5u, -0.5f, 0.5f);
    connect_dense(r.net, r.in, r.leaky, w_in);
    connect_dense(r.net, r.lif, r.leaky, w_lif);
    r.rec = connect_dense(r.net, r.leaky, r.leaky, w_rec);
    nf_readout_desc rd = {.weights = w_out, .z_init_scale = 0.3f};
    NFT_OK(r.net, nf_readout_add(r.net, r.leaky, R_OUT, &rd, &r.ro));
    connect_dense(r.net, r.ro, r.leaky, w_fb);

    const struct {
        int32_t target;
        nf_probe_kind what;
        int64_t dim;
    } p[R_PROBES] = {
        {r.lif, NF_PROBE_OUTPUT, R_LIF},     {r.lif, NF_PROBE_STATE, R_LIF},
        {r.leaky, NF_PROBE_OUTPUT, R_LEAKY}, {r.leaky, NF_PROBE_FILTERED, R_LEAKY},
        {r.ro, NF_PROBE_OUTPUT, R_OUT},      {r.in, NF_PROBE_INPUT, R_IN},
    };
    for (int k = 0; k < R_PROBES; k++) {
        NFT_OK(r.net, nf_probe_add(r.net, p[k].target, p[k].what, every, &r.probe[k]));
        r.row[k] = p[k].dim * batch;
        int64_t row_size = -1;
        NFT_OK(r.net, nf_probe_row_size(r.net, r.probe[k], &row_size));
        cr_assert_eq(row_size, r.row[k], "probe %d row size: expected %lld, got %lld", k,
                     (long long)r.row[k], (long long)row_size);
    }
    return r;
}

static const char *const rich_probe_names[R_PROBES] = {
    "LIF output", "LIF voltage", "leaky output", "leaky filtered", "readout z", "input row"};

/* Input rows [steps][batch][3], distinct per element. */
static float *rich_input(int64_t steps, int32_t batch) {
    float *x = nft_alloc((size_t)(steps * batch * R_IN), sizeof(float));
    for (int64_t t = 0; t < steps; t++)
        for (int32_t b = 0; b < batch; b++)
            for (int j = 0; j < R_IN; j++)
                x[(t * batch + b) * R_IN + j] =
                    (float)(0.5 + 0.5 * sin(0.3 * (double)t + 1.1 * b + 0.7 * j));
    return x;
}

/* Reads every probe of r: `rows` rows each. */
static void rich_read(rich *r, int64_t rows, float *out[R_PROBES]) {
    for (int k = 0; k < R_PROBES; k++)
        out[k] = nft_probe_take(r->net, r->probe[k], rows, r->row[k]);
}

static void rich_free(float *out[R_PROBES]) {
    for (int k = 0; k < R_PROBES; k++)
        free(out[k]);
}

// --- batch independence -------------------------------------------------------------------

NFT_BACKEND_TEST(network, batch_elements_are_independent, .timeout = 30) {
    enum { B = 4, T = 60 };
    float *x = rich_input(T, B);
    rich big = rich_make(backend, B, 1, T, x, 1);
    /* Explicit, distinct states per element (so the seed's draws do not matter). */
    float v[B * R_LIF], ref[B * R_LIF], xs[B * R_LEAKY], z[B * R_OUT];
    for (int k = 0; k < B * R_LIF; k++) {
        v[k] = 0.1f * (float)(k % 9);
        ref[k] = k % 4 == 1 ? 0.001f : 0.0f;
    }
    for (int k = 0; k < B * R_LEAKY; k++)
        xs[k] = 0.05f * (float)(k % 13) - 0.3f;
    for (int k = 0; k < B * R_OUT; k++)
        z[k] = 0.25f * (float)k - 0.5f;
    NFT_OK(big.net, nf_population_set_state(big.net, big.lif, NF_STATE_VOLTAGE, v));
    NFT_OK(big.net, nf_population_set_state(big.net, big.lif, NF_STATE_REFRACTORY, ref));
    NFT_OK(big.net, nf_population_set_state(big.net, big.leaky, NF_STATE_X, xs));
    NFT_OK(big.net, nf_readout_set_state(big.net, big.ro, z));
    NFT_OK(big.net, nf_network_run(big.net, T));
    float *all[R_PROBES];
    rich_read(&big, T, all);

    for (int b = 0; b < B; b++) {
        float *xb = nft_alloc(T * R_IN, sizeof(float));
        for (int t = 0; t < T; t++)
            memcpy(xb + t * R_IN, x + (t * B + b) * R_IN, R_IN * sizeof(float));
        rich one = rich_make(backend, 1, 1000 + (uint64_t)b, T, xb, 1);
        NFT_OK(one.net, nf_population_set_state(one.net, one.lif, NF_STATE_VOLTAGE, v + b * R_LIF));
        NFT_OK(one.net,
               nf_population_set_state(one.net, one.lif, NF_STATE_REFRACTORY, ref + b * R_LIF));
        NFT_OK(one.net, nf_population_set_state(one.net, one.leaky, NF_STATE_X, xs + b * R_LEAKY));
        NFT_OK(one.net, nf_readout_set_state(one.net, one.ro, z + b * R_OUT));
        NFT_OK(one.net, nf_network_run(one.net, T));
        float *single[R_PROBES];
        rich_read(&one, T, single);
        for (int k = 0; k < R_PROBES; k++) {
            int64_t dim = one.row[k];
            for (int t = 0; t < T; t++)
                for (int64_t i = 0; i < dim; i++) {
                    double want = single[k][t * dim + i];
                    double got = all[k][(t * B + b) * dim + i];
                    cr_assert(nft_close(want, got, BATCH_RTOL, BATCH_ATOL),
                              "%s, step %d, element %d of batch 4, index %lld: batch-1 run %.9g, "
                              "batch-4 run %.9g",
                              rich_probe_names[k], t, b, (long long)i, want, got);
                }
        }
        int64_t spikes = 0;
        for (int64_t k = 0; k < T * R_LIF; k++)
            spikes += single[0][k] != 0.0f;
        cr_assert(spikes > 0, "element %d: the LIF population never spiked", b);
        rich_free(single);
        nf_network_destroy(one.net);
        free(xb);
    }
    rich_free(all);
    nf_network_destroy(big.net);
    free(x);
}

// --- probes -----------------------------------------------------------------------------

NFT_BACKEND_TEST(network, probes_decimate_and_drain, .timeout = 30) {
    enum { B = 2, D = 2, T1 = 10, T2 = 6, T = T1 + T2 };
    nf_network *net = nft_network(backend, 0.001, B, 1);
    float x[T][B][D];
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int j = 0; j < D; j++)
                x[t][b][j] = (float)(10 * t + 3 * b + j);
    int32_t in;
    NFT_OK(net, nf_input_add(net, D, &in));
    NFT_OK(net, nf_input_set(net, in, T, &x[0][0][0]));
    int32_t pop = add_relu(net, D, NULL);
    connect_identity(net, in, pop, 1.0f);
    const float w_out[D] = {1.0f, 2.0f};
    nf_readout_desc rd = {.weights = w_out};
    int32_t ro;
    NFT_OK(net, nf_readout_add(net, pop, 1, &rd, &ro));
    int32_t p_out, p_in, p_z, p_all;
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 3, &p_out));
    NFT_OK(net, nf_probe_add(net, in, NF_PROBE_INPUT, 3, &p_in));
    NFT_OK(net, nf_probe_add(net, ro, NF_PROBE_OUTPUT, 3, &p_z));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_FILTERED, 1, &p_all));

    NFT_OK(net, nf_network_run(net, T1));
    /* every 3 from step count 0: after steps 2, 5, 8. */
    cr_assert_eq(probe_rows(net, p_out), 3, "population probe: %lld rows after 10 steps",
                 (long long)probe_rows(net, p_out));
    cr_assert_eq(probe_rows(net, p_z), 3);
    cr_assert_eq(probe_rows(net, p_all), T1);

    float small[3 * B * D];
    int64_t rows = -1;
    nf_status st = nf_probe_read(net, p_out, small, 3 * B * D - 1, &rows);
    cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "read into 11 floats for 12: got %s",
                 nf_status_string(st));
    cr_assert_eq(probe_rows(net, p_out), 3, "a refused read lost rows");

    float *g_out = nft_probe_take(net, p_out, 3, B * D);
    float *g_in = nft_probe_take(net, p_in, 3, B * D);
    float *g_z = nft_probe_take(net, p_z, 3, B);
    const int ts[3] = {2, 5, 8};
    for (int r = 0; r < 3; r++)
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < D; j++) {
                float want = x[ts[r]][b][j];
                cr_assert(g_out[(r * B + b) * D + j] == want && g_in[(r * B + b) * D + j] == want,
                          "row %d (step %d) batch %d [%d]: expected %g, output %g, input %g", r,
                          ts[r], b, j, (double)want, (double)g_out[(r * B + b) * D + j],
                          (double)g_in[(r * B + b) * D + j]);
            }
            double zw = x[ts[r]][b][0] + 2.0 * x[ts[r]][b][1];
            cr_assert(nft_close(zw, g_z[r * B + b], EXACT_RTOL, EXACT_ATOL),
                      "readout row %d batch %d: expected %g, got %g", r, b, zw,
                      (double)g_z[r * B + b]);
        }
    free(g_out);
    free(g_in);
    free(g_z);

    /* Drained: nothing left; a second read gives 0 rows. */
    cr_assert_eq(probe_rows(net, p_out), 0);
    rows = -1;
    NFT_OK(net, nf_probe_read(net, p_out, small, sizeof small / sizeof small[0], &rows));
    cr_assert_eq(rows, 0, "second read returned %lld rows", (long long)rows);

    /* A probe added at step count 10 records after steps 12 and 15 (its own phase);
     * the old one after 11 and 14. */
    int32_t p_late;
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 3, &p_late));
    cr_assert_eq(nf_network_step_count(net), T1);
    NFT_OK(net, nf_network_run(net, T2));
    float *g_old = nft_probe_take(net, p_out, 2, B * D);
    float *g_late = nft_probe_take(net, p_late, 2, B * D);
    float *g_all = nft_probe_take(net, p_all, T, B * D);
    const int t_old[2] = {11, 14}, t_late[2] = {12, 15};
    for (int r = 0; r < 2; r++)
        for (int b = 0; b < B; b++)
            for (int j = 0; j < D; j++) {
                cr_assert(g_old[(r * B + b) * D + j] == x[t_old[r]][b][j],
                          "old probe row %d: expected step %d's %g, got %g", r, t_old[r],
                          (double)x[t_old[r]][b][j], (double)g_old[(r * B + b) * D + j]);
                cr_assert(g_late[(r * B + b) * D + j] == x[t_late[r]][b][j],
                          "late probe row %d: expected step %d's %g, got %g", r, t_late[r],
                          (double)x[t_late[r]][b][j], (double)g_late[(r * B + b) * D + j]);
            }
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int j = 0; j < D; j++)
                cr_assert(g_all[(t * B + b) * D + j] == x[t][b][j],
                          "every-step probe, step %d: expected %g, got %g", t, (double)x[t][b][j],
                          (double)g_all[(t * B + b) * D + j]);
    free(g_old);
    free(g_late);
    free(g_all);
    nf_network_destroy(net);
}

// --- reset and determinism ---------------------------------------------------------------

/* Copies a population state [batch][n] into a fresh buffer. */
static float *state_copy(nf_network *net, int32_t pop, nf_state_kind which, int64_t count) {
    float *s = nft_alloc((size_t)count, sizeof(float));
    NFT_OK(net, nf_population_get_state(net, pop, which, s));
    return s;
}

NFT_BACKEND_TEST(network, reset_restores_the_initial_state, .timeout = 30) {
    enum { B = 2, T = 40 };
    float *x = rich_input(T, B);
    rich r = rich_make(backend, B, 99, T, x, 2);
    float *v0 = state_copy(r.net, r.lif, NF_STATE_VOLTAGE, B * R_LIF);
    float *x0 = state_copy(r.net, r.leaky, NF_STATE_X, B * R_LEAKY);
    float z0[B * R_OUT];
    NFT_OK(r.net, nf_readout_get_state(r.net, r.ro, z0));
    /* Weights set before the run are parameters: reset keeps them. */
    float w_rec[R_LEAKY * R_LEAKY], w_got[R_LEAKY * R_LEAKY];
    lcg_fill(w_rec, R_LEAKY * R_LEAKY, 77u, -0.25f, 0.25f);
    NFT_OK(r.net, nf_connection_set_weights(r.net, r.rec, w_rec));

    NFT_OK(r.net, nf_network_run(r.net, T));
    cr_assert_eq(nf_network_step_count(r.net), T);
    float *first[R_PROBES];
    rich_read(&r, T / 2, first);

    NFT_OK(r.net, nf_network_reset(r.net));
    cr_assert_eq(nf_network_step_count(r.net), 0, "step count after reset: %lld",
                 (long long)nf_network_step_count(r.net));
    for (int k = 0; k < R_PROBES; k++)
        cr_assert_eq(probe_rows(r.net, r.probe[k]), 0, "probe %s not emptied by reset",
                     rich_probe_names[k]);
    float *v1 = state_copy(r.net, r.lif, NF_STATE_VOLTAGE, B * R_LIF);
    float *x1 = state_copy(r.net, r.leaky, NF_STATE_X, B * R_LEAKY);
    float *f1 = state_copy(r.net, r.lif, NF_STATE_FILTER, B * R_LIF);
    float *fa1 = state_copy(r.net, r.leaky, NF_STATE_FILTER_AUX, B * R_LEAKY);
    float *rf1 = state_copy(r.net, r.lif, NF_STATE_REFRACTORY, B * R_LIF);
    float z1[B * R_OUT];
    NFT_OK(r.net, nf_readout_get_state(r.net, r.ro, z1));
    nft_assert_all_equal(v0, v1, B * R_LIF, "LIF voltage redrawn by reset");
    nft_assert_all_equal(x0, x1, B * R_LEAKY, "leaky x redrawn by reset");
    nft_assert_all_equal(z0, z1, B * R_OUT, "readout z redrawn by reset");
    for (int k = 0; k < B * R_LIF; k++)
        cr_assert(f1[k] == 0.0f && rf1[k] == 0.0f, "LIF filter / refractory [%d] not zero", k);
    for (int k = 0; k < B * R_LEAKY; k++)
        cr_assert(fa1[k] == 0.0f, "leaky alpha x0 [%d] not zero after reset", k);
    NFT_OK(r.net, nf_connection_get_weights(r.net, r.rec, w_got));
    nft_assert_all_equal(w_rec, w_got, R_LEAKY * R_LEAKY, "weights kept by reset");

    /* The input was rewound: the same run again is accepted and bit-identical. */
    NFT_OK(r.net, nf_network_run(r.net, T));
    float *second[R_PROBES];
    rich_read(&r, T / 2, second);
    for (int k = 0; k < R_PROBES; k++)
        nft_assert_all_equal(first[k], second[k], (size_t)(T / 2 * r.row[k]), rich_probe_names[k]);
    rich_free(first);
    rich_free(second);
    free(v0);
    free(x0);
    free(v1);
    free(x1);
    free(f1);
    free(fa1);
    free(rf1);
    nf_network_destroy(r.net);
    free(x);
}

NFT_BACKEND_TEST(network, same_seed_is_bit_identical, .timeout = 30) {
    enum { B = 3, T = 50 };
    float *x = rich_input(T, B);
    rich a = rich_make(backend, B, 5, T, x, 1);
    rich b = rich_make(backend, B, 5, T, x, 1);
    NFT_OK(a.net, nf_network_run(a.net, T));
    NFT_OK(b.net, nf_network_run(b.net, 20));
    NFT_OK(b.net, nf_network_run(b.net, T - 20)); /* split runs: the same steps */
    float *ra[R_PROBES], *rb[R_PROBES];
    rich_read(&a, T, ra);
    rich_read(&b, T, rb);
    for (int k = 0; k < R_PROBES; k++)
        nft_assert_all_equal(ra[k], rb[k], (size_t)(T * a.row[k]), rich_probe_names[k]);
    rich_free(ra);
    rich_free(rb);
    nf_network_destroy(a.net);
    nf_network_destroy(b.net);
    free(x);
}

NFT_BACKEND_TEST(network, seed_sets_the_initial_draws, .timeout = 30) {
    enum { B = 2, N = 200 };
    nf_network *net[3];
    const uint64_t seeds[3] = {5, 5, 6};
    float *v[3], *xs[3];
    for (int k = 0; k < 3; k++) {
        net[k] = nft_network(backend, 0.001, B, seeds[k]);
        nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, N);
        int32_t lif, leaky;
        NFT_OK(net[k], nf_population_add(net[k], &d, &lif));
        d = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
        d.x_init_scale = 1.0f;
        NFT_OK(net[k], nf_population_add(net[k], &d, &leaky));
        v[k] = state_copy(net[k], lif, NF_STATE_VOLTAGE, B * N);
        xs[k] = state_copy(net[k], leaky, NF_STATE_X, B * N);
        float *rf = state_copy(net[k], lif, NF_STATE_REFRACTORY, B * N);
        for (int i = 0; i < B * N; i++) {
            cr_assert(v[k][i] >= 0.0f && v[k][i] < 1.0f,
                      "seed %llu: initial LIF voltage[%d] = %g outside [0, 1)",
                      (unsigned long long)seeds[k], i, (double)v[k][i]);
            cr_assert(rf[i] == 0.0f, "initial refractory time [%d] = %g", i, (double)rf[i]);
        }
        free(rf);
    }
    nft_assert_all_equal(v[0], v[1], B * N, "LIF voltages, seed 5 twice");
    nft_assert_all_equal(xs[0], xs[1], B * N, "leaky x, seed 5 twice");
    int dv = 0, dx = 0, dbatch = 0;
    for (int i = 0; i < B * N; i++) {
        dv += v[0][i] != v[2][i];
        dx += xs[0][i] != xs[2][i];
    }
    for (int i = 0; i < N; i++)
        dbatch += v[0][i] != v[0][N + i];
    cr_assert(dv > B * N * 9 / 10, "seeds 5 and 6: only %d of %d voltages differ", dv, B * N);
    cr_assert(dx > B * N * 9 / 10, "seeds 5 and 6: only %d of %d x differ", dx, B * N);
    cr_assert(dbatch > N * 9 / 10, "batch elements 0 and 1 share %d voltages", N - dbatch);
    for (int k = 0; k < 3; k++) {
        free(v[k]);
        free(xs[k]);
        nf_network_destroy(net[k]);
    }
}

// --- inputs -----------------------------------------------------------------------------

NFT_BACKEND_TEST(network, held_input_equals_a_constant_sequence, .timeout = 30) {
    enum { B = 2, D = 3, T = 25 };
    const float row[B * D] = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f};
    float *seq = nft_alloc(T * B * D, sizeof(float));
    for (int t = 0; t < T; t++)
        memcpy(seq + t * B * D, row, sizeof row);
    const float w[2 * D] = {1.0f, 0.5f, -0.25f, 0.75f, -1.0f, 2.0f};
    const float biases[2] = {3.0f, 4.0f};
    nf_network *net[2];
    int32_t in[2], pop[2], p_out[2], p_in[2];
    for (int k = 0; k < 2; k++) {
        net[k] = nft_network(backend, 0.001, B, 3);
        NFT_OK(net[k], nf_input_add(net[k], D, &in[k]));
        NFT_OK(net[k], nf_input_set(net[k], in[k], k ? T : 1, k ? seq : row));
        nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 2);
        d.biases = biases;
        d.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.01f};
        NFT_OK(net[k], nf_population_add(net[k], &d, &pop[k]));
        connect_dense(net[k], in[k], pop[k], w);
        NFT_OK(net[k], nf_probe_add(net[k], pop[k], NF_PROBE_FILTERED, 1, &p_out[k]));
        NFT_OK(net[k], nf_probe_add(net[k], in[k], NF_PROBE_INPUT, 1, &p_in[k]));
        NFT_OK(net[k], nf_network_run(net[k], T));
    }
    float *held = nft_probe_take(net[0], p_out[0], T, B * 2);
    float *sequ = nft_probe_take(net[1], p_out[1], T, B * 2);
    nft_assert_all_equal(sequ, held, T * B * 2, "held input against a constant sequence");
    float *rows_in = nft_probe_take(net[0], p_in[0], T, B * D);
    nft_assert_all_equal(seq, rows_in, T * B * D, "held input recorded every step");
    /* The held input never runs out; the sequence has. */
    NFT_OK(net[0], nf_network_run(net[0], 1000));
    cr_assert_eq(nf_network_step_count(net[0]), T + 1000);
    nf_status st = nf_network_run(net[1], 1);
    cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "run past a finished sequence: got %s",
                 nf_status_string(st));
    free(held);
    free(sequ);
    free(rows_in);
    free(seq);
    for (int k = 0; k < 2; k++)
        nf_network_destroy(net[k]);
}

NFT_BACKEND_TEST(network, run_past_the_input_is_refused, .timeout = 30) {
    enum { D = 2, T = 10 };
    nf_network *net = nft_network(backend, 0.001, 1, 4);
    float x[T][D];
    for (int t = 0; t < T; t++)
        for (int j = 0; j < D; j++)
            x[t][j] = (float)(t * D + j) + 1.0f;
    int32_t in, pop, p_in, p_out;
    NFT_OK(net, nf_input_add(net, D, &in));
    NFT_OK(net, nf_input_set(net, in, T, &x[0][0]));
    pop = add_relu(net, D, NULL);
    connect_identity(net, in, pop, 1.0f);
    NFT_OK(net, nf_probe_add(net, in, NF_PROBE_INPUT, 1, &p_in));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &p_out));

    NFT_OK(net, nf_network_run(net, 6));
    float out_before[D];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, out_before));
    nf_status st = nf_network_run(net, 5); /* 4 rows left */
    cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "run of 5 with 4 rows left: got %s",
                 nf_status_string(st));
    cr_assert(strlen(nf_network_last_error(net)) > 0, "no error message");
    cr_assert_eq(nf_network_step_count(net), 6, "a refused run moved the step count to %lld",
                 (long long)nf_network_step_count(net));
    cr_assert_eq(probe_rows(net, p_in), 6, "a refused run recorded rows");
    float out_after[D];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, out_after));
    nft_assert_all_equal(out_before, out_after, D, "output after a refused run");

    NFT_OK(net, nf_network_run(net, 4));
    float *g_in = nft_probe_take(net, p_in, T, D), *g_out = nft_probe_take(net, p_out, T, D);
    nft_assert_all_equal(&x[0][0], g_in, T * D, "input rows consumed in order");
    nft_assert_all_equal(&x[0][0], g_out, T * D, "RELU of the rows");
    free(g_in);
    free(g_out);

    /* Setting rewinds to row 0 of the new sequence. */
    const float y[3][D] = {{7.0f, 8.0f}, {9.0f, 10.0f}, {11.0f, 12.0f}};
    NFT_OK(net, nf_input_set(net, in, 3, &y[0][0]));
    NFT_OK(net, nf_network_run(net, 3));
    g_in = nft_probe_take(net, p_in, 3, D);
    nft_assert_all_equal(&y[0][0], g_in, 3 * D, "rows of the new sequence");
    free(g_in);
    cr_assert_eq(nf_network_run(net, 1), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_network_step_count(net), T + 3);
    nf_network_destroy(net);
}

// --- readouts ---------------------------------------------------------------------------

NFT_BACKEND_TEST(network, readout_is_w_out_times_filtered_output, .timeout = 30) {
    enum { B = 2, N = 3, D = 2, T = 30 };
    const double dt = 0.001, tau = 0.01;
    nf_network *net = nft_network(backend, dt, B, 8);
    const float biases[N] = {1.0f, 2.0f, 3.0f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, N);
    d.biases = biases;
    d.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = (float)tau};
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    const float w[D * N] = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.5f};
    float wb[B * D * N];
    for (int k = 0; k < B * D * N; k++)
        wb[k] = 0.25f * (float)(k % 7) - 0.5f;
    nf_readout_desc shared = {.weights = w}, per = {.per_batch = 1, .weights = wb};
    int32_t ro, rb, rz;
    NFT_OK(net, nf_readout_add(net, pop, D, &shared, &ro));
    NFT_OK(net, nf_readout_add(net, pop, D, &per, &rb));
    NFT_OK(net, nf_readout_add(net, pop, D, NULL, &rz)); /* zero weights */
    float got_w[B * D * N];
    NFT_OK(net, nf_readout_get_weights(net, ro, got_w));
    nft_assert_all_equal(w, got_w, D * N, "shared readout weights");
    NFT_OK(net, nf_readout_get_weights(net, rb, got_w));
    nft_assert_all_equal(wb, got_w, B * D * N, "per-batch readout weights");
    int32_t p_s, p_ro, p_rb, p_rz;
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_FILTERED, 1, &p_s));
    NFT_OK(net, nf_probe_add(net, ro, NF_PROBE_OUTPUT, 1, &p_ro));
    NFT_OK(net, nf_probe_add(net, rb, NF_PROBE_OUTPUT, 1, &p_rb));
    NFT_OK(net, nf_probe_add(net, rz, NF_PROBE_OUTPUT, 1, &p_rz));
    NFT_OK(net, nf_network_run(net, T));
    float *s = nft_probe_take(net, p_s, T, B * N), *zs = nft_probe_take(net, p_ro, T, B * D);
    float *zb = nft_probe_take(net, p_rb, T, B * D), *z0 = nft_probe_take(net, p_rz, T, B * D);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int i = 0; i < D; i++) {
                double from_s = 0.0, from_per = 0.0, closed = 0.0;
                for (int j = 0; j < N; j++) {
                    double sj = s[(t * B + b) * N + j];
                    from_s += (double)w[i * N + j] * sj;
                    from_per += (double)wb[(b * D + i) * N + j] * sj;
                    closed += (double)w[i * N + j] * biases[j] * (1.0 - exp(-(t + 1) * dt / tau));
                }
                float g = zs[(t * B + b) * D + i];
                cr_assert(nft_close(from_s, g, EXACT_RTOL, EXACT_ATOL),
                          "z step %d batch %d [%d]: W_out s = %.9g, got %.9g", t, b, i, from_s,
                          (double)g);
                cr_assert(nft_close(closed, g, FILTER_RTOL, FILTER_ATOL * 4.0),
                          "z step %d batch %d [%d]: closed form %.9g, got %.9g", t, b, i, closed,
                          (double)g);
                g = zb[(t * B + b) * D + i];
                cr_assert(nft_close(from_per, g, EXACT_RTOL, EXACT_ATOL),
                          "per-batch z step %d batch %d [%d]: W_b s = %.9g, got %.9g", t, b, i,
                          from_per, (double)g);
                cr_assert(z0[(t * B + b) * D + i] == 0.0f, "NULL-weight readout gave %g",
                          (double)z0[(t * B + b) * D + i]);
            }
    /* New weights take effect on the next step. */
    const float w2[D * N] = {1.0f, 1.0f, 1.0f, -1.0f, 0.5f, 0.0f};
    NFT_OK(net, nf_readout_set_weights(net, ro, w2));
    NFT_OK(net, nf_readout_get_weights(net, ro, got_w));
    nft_assert_all_equal(w2, got_w, D * N, "readout weights after set");
    NFT_OK(net, nf_network_run(net, 1));
    float *s1 = nft_probe_take(net, p_s, 1, B * N), *z1 = nft_probe_take(net, p_ro, 1, B * D);
    float zstate[B * D];
    NFT_OK(net, nf_readout_get_state(net, ro, zstate));
    for (int b = 0; b < B; b++)
        for (int i = 0; i < D; i++) {
            double want = 0.0;
            for (int j = 0; j < N; j++)
                want += (double)w2[i * N + j] * s1[b * N + j];
            cr_assert(nft_close(want, z1[b * D + i], EXACT_RTOL, EXACT_ATOL),
                      "z with new weights, batch %d [%d]: expected %.9g, got %.9g", b, i, want,
                      (double)z1[b * D + i]);
            cr_assert(zstate[b * D + i] == z1[b * D + i], "readout state != last probed z");
        }
    free(s);
    free(zs);
    free(zb);
    free(z0);
    free(s1);
    free(z1);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(network, readout_initial_z_draws, .timeout = 30) {
    enum { B = 2, D = 1000, N = 4 };
    const float scale = 0.5f;
    float *z[3];
    const uint64_t seeds[3] = {21, 21, 22};
    for (int k = 0; k < 3; k++) {
        nf_network *net = nft_network(backend, 0.001, B, seeds[k]);
        int32_t pop = add_relu(net, N, NULL), ro, rzero;
        nf_readout_desc rd = {.z_init_scale = scale};
        NFT_OK(net, nf_readout_add(net, pop, D, &rd, &ro));
        NFT_OK(net, nf_readout_add(net, pop, D, NULL, &rzero));
        z[k] = nft_alloc(B * D, sizeof(float));
        NFT_OK(net, nf_readout_get_state(net, ro, z[k]));
        float *zz = nft_alloc(B * D, sizeof(float));
        NFT_OK(net, nf_readout_get_state(net, rzero, zz));
        for (int i = 0; i < B * D; i++)
            cr_assert(zz[i] == 0.0f, "z_init_scale 0: z[%d] = %g", i, (double)zz[i]);
        free(zz);
        nf_network_destroy(net);
    }
    /* 2000 draws of N(0, 0.25): std relative SE 1.6%, mean SE 0.011; ~5 sigma. */
    double s = 0.0, s2 = 0.0;
    for (int i = 0; i < B * D; i++)
        s += z[0][i];
    double mean = s / (B * D);
    for (int i = 0; i < B * D; i++)
        s2 += (z[0][i] - mean) * (z[0][i] - mean);
    double std = sqrt(s2 / (B * D - 1));
    cr_assert(fabs(mean) < 0.056, "initial z mean %.4f, expected 0 (seed 21)", mean);
    cr_assert(nft_close(scale, std, 0.08, 0.0), "initial z std %.4f, expected %g (seed 21)", std,
              (double)scale);
    nft_assert_all_equal(z[0], z[1], B * D, "initial z, seed 21 twice");
    int differ = 0;
    for (int i = 0; i < B * D; i++)
        differ += z[0][i] != z[2][i];
    cr_assert(differ > B * D * 9 / 10, "seeds 21 and 22: only %d of %d z differ", differ, B * D);
    for (int k = 0; k < 3; k++)
        free(z[k]);
}

// --- backend and counters ------------------------------------------------------------------

Test(network, auto_backend_resolves) {
    cr_assert(nf_backend_available(NF_BACKEND_AUTO), "AUTO must always be available");
    cr_assert(nf_backend_available(NF_BACKEND_CPU), "CPU must always be available");
    cr_assert_str_eq(nf_backend_name(NF_BACKEND_AUTO), "auto");
    cr_assert_str_eq(nf_backend_name(NF_BACKEND_CPU), "cpu");
    cr_assert_str_eq(nf_backend_name(NF_BACKEND_CUDA), "cuda");
    nf_network_desc d = nf_network_defaults();
    cr_assert_eq(d.backend, NF_BACKEND_AUTO);
    nf_network *net = NULL;
    NFT_OK(net, nf_network_create(&d, &net));
    nf_backend want = nf_backend_available(NF_BACKEND_CUDA) ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    cr_assert_eq(nf_network_backend(net), want, "AUTO resolved to %s, expected %s",
                 nf_backend_name(nf_network_backend(net)), nf_backend_name(want));
    nf_network_destroy(net);

    d.backend = NF_BACKEND_CPU;
    NFT_OK(net, nf_network_create(&d, &net));
    cr_assert_eq(nf_network_backend(net), NF_BACKEND_CPU);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(network, step_count_and_accessors, .timeout = 30) {
    nf_network *net = nft_network(backend, 0.0005, 3, 1);
    cr_assert_eq(nf_network_backend(net), backend);
    cr_assert_eq(nf_network_batch(net), 3);
    cr_assert(nf_network_dt(net) == 0.0005, "dt %g", nf_network_dt(net));
    cr_assert_eq(nf_network_step_count(net), 0);
    int32_t pop = add_relu(net, 4, NULL);
    int32_t n = -1;
    NFT_OK(net, nf_population_size(net, pop, &n));
    cr_assert_eq(n, 4);
    NFT_OK(net, nf_network_run(net, 5));
    cr_assert_eq(nf_network_step_count(net), 5);
    NFT_OK(net, nf_network_run(net, 7));
    cr_assert_eq(nf_network_step_count(net), 12);
    cr_assert_eq(nf_network_run(net, -1), NF_ERR_INVALID_ARGUMENT, "negative steps accepted");
    cr_assert_eq(nf_network_step_count(net), 12);
    NFT_OK(net, nf_network_reset(net));
    cr_assert_eq(nf_network_step_count(net), 0);
    NFT_OK(net, nf_network_run(net, 2));
    cr_assert_eq(nf_network_step_count(net), 2);
    nf_network_destroy(net);
}
