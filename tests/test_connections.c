/*
 * Connections: the currents J = bias + gain * sum W s_pre that dense, sparse (CSR)
 * and identity connections deliver, from inputs (same step), populations (their
 * filtered output of the step before) and readouts (feedback U z of the step
 * before); one matrix per batch element; the weight accessors; generated
 * weights (normal, uniform, zero-mean rows) and event-driven propagation from
 * spiking populations against the dense product.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(connections, .timeout = 120);

/* Hand-computed currents use small binary fractions, so float32 is nearly exact. */
#define CURRENT_RTOL 1e-6
#define CURRENT_ATOL 1e-6

/* Event-driven against dense propagation (the filter moves to the post side; only
 * the rounding differs): |d| <= RTOL |ref| + ATOL_OF_PEAK * max |ref|. */
#define EVENT_RTOL         1e-5
#define EVENT_ATOL_OF_PEAK 1e-5

/* Generated weights, 400 x 400 at p = 0.1 (16000 nonzeros): the sample std of the
 * nonzeros has a relative standard error of 1/sqrt(2 nnz) = 0.56%, the nonzero
 * fraction a standard error of sqrt(p (1 - p) / N) = 0.075%; about 5 sigma each. */
#define STD_RTOL      0.03
#define FRACTION_ATOL 0.004
/* Row means after zero_mean_rows: float rounding of ~40 values of size ~0.2. */
#define ZERO_MEAN_ATOL 1e-6

// --- helpers ---------------------------------------------------------------------

/* A RELU population (amplitude 1, no filter) with per-neuron biases and gains
 * (NULL: bias 0, gain 1). */
static int32_t add_relu(nf_network *net, int32_t n, const float *biases, const float *gains) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, n);
    d.bias = 0.0f;
    d.gain = 1.0f;
    d.biases = biases;
    d.gains = gains;
    int32_t id;
    NFT_OK(net, nf_population_add(net, &d, &id));
    return id;
}

static int32_t add_input(nf_network *net, int32_t dim, int64_t steps, const float *values) {
    int32_t id;
    NFT_OK(net, nf_input_add(net, dim, &id));
    NFT_OK(net, nf_input_set(net, id, steps, values));
    return id;
}

static int32_t connect_dense(nf_network *net, int32_t pre, int32_t post, const float *w,
                             int32_t per_batch) {
    nf_connection_desc c = nf_connection_defaults();
    c.kind = NF_CONNECTION_DENSE;
    c.init = NF_WEIGHTS_GIVEN;
    c.weights = w;
    c.per_batch = per_batch;
    int32_t id;
    NFT_OK(net, nf_connect(net, pre, post, &c, &id));
    return id;
}

static int32_t connect_sparse(nf_network *net, int32_t pre, int32_t post, const int32_t *row_ptr,
                              const int32_t *col_idx, int64_t nnz, const float *values,
                              int32_t per_batch) {
    nf_connection_desc c = nf_connection_defaults();
    c.kind = NF_CONNECTION_SPARSE;
    c.init = NF_WEIGHTS_GIVEN;
    c.row_ptr = row_ptr;
    c.col_idx = col_idx;
    c.nnz = nnz;
    c.weights = values;
    c.per_batch = per_batch;
    int32_t id;
    NFT_OK(net, nf_connect(net, pre, post, &c, &id));
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

static int32_t probe(nf_network *net, int32_t target, nf_probe_kind what) {
    int32_t id;
    NFT_OK(net, nf_probe_add(net, target, what, 1, &id));
    return id;
}

static double relu(double x) { return x > 0.0 ? x : 0.0; }

/* Asserts n values against double references with the current tolerances. */
static void assert_currents(const double *ref, const float *x, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++)
        cr_assert(nft_close(ref[i], x[i], CURRENT_RTOL, CURRENT_ATOL),
                  "%s[%zu]: expected %.9g, got %.9g", what, i, ref[i], (double)x[i]);
}

/* Deterministic values in [lo, hi) (a 32-bit LCG), independent of the library. */
static float lcg_uniform(uint32_t *state, float lo, float hi) {
    *state = *state * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)((*state >> 8) * (1.0 / 16777216.0));
}

// --- dense / sparse / identity currents ---------------------------------------------------

NFT_BACKEND_TEST(connections, dense_from_input_has_no_delay, .timeout = 30) {
    enum { T = 4, NI = 3, NO = 2 };
    nf_network *net = nft_network(backend, 0.001, 1, 1);
    float x[T][NI];
    for (int t = 0; t < T; t++)
        for (int j = 0; j < NI; j++)
            x[t][j] = 0.5f * (float)(t + 1) - 0.25f * (float)(j * (t % 2)) + 0.125f * (float)j;
    const float w[NO][NI] = {{1.0f, -0.5f, 0.25f}, {0.75f, 2.0f, -1.0f}};
    const float b[NO] = {5.0f, 6.0f}, g[NO] = {1.0f, 0.5f};
    int32_t in = add_input(net, NI, T, &x[0][0]);
    int32_t post = add_relu(net, NO, b, g);
    connect_dense(net, in, post, &w[0][0], 0);
    int32_t pr = probe(net, post, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, T));
    float *got = nft_probe_take(net, pr, T, NO);
    double ref[T * NO];
    for (int t = 0; t < T; t++)
        for (int i = 0; i < NO; i++) {
            double s = 0.0;
            for (int j = 0; j < NI; j++)
                s += (double)w[i][j] * x[t][j];
            ref[t * NO + i] = relu(b[i] + g[i] * s); /* input row t at step t */
        }
    assert_currents(ref, got, T * NO, "dense input -> RELU (bias + gain * W x_t)");
    free(got);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(connections, dense_from_population_is_delayed_one_step, .timeout = 30) {
    enum { T = 5, NP = 3, NO = 2 };
    nf_network *net = nft_network(backend, 0.001, 1, 1);
    float x[T][NP];
    for (int t = 0; t < T; t++)
        for (int j = 0; j < NP; j++)
            x[t][j] = (float)((t + 2 * j) % 4) * 0.5f - 0.5f; /* some negative: RELU clips */
    const float w[NO][NP] = {{1.0f, -0.5f, 0.25f}, {0.75f, 2.0f, -1.0f}};
    const float b[NO] = {5.0f, 6.0f};
    int32_t in = add_input(net, NP, T, &x[0][0]);
    int32_t pre = add_relu(net, NP, NULL, NULL);
    int32_t post = add_relu(net, NO, b, NULL);
    connect_identity(net, in, pre, 1.0f);
    connect_dense(net, pre, post, &w[0][0], 0);
    int32_t p_pre = probe(net, pre, NF_PROBE_OUTPUT), p_post = probe(net, post, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, T));
    float *got_pre = nft_probe_take(net, p_pre, T, NP), *got_post = nft_probe_take(net, p_post, T, NO);
    double ref_pre[T * NP], ref_post[T * NO];
    for (int t = 0; t < T; t++) {
        for (int j = 0; j < NP; j++)
            ref_pre[t * NP + j] = relu(x[t][j]);
        for (int i = 0; i < NO; i++) {
            double s = 0.0; /* the pre's output of step t - 1; 0 before the first step */
            for (int j = 0; j < NP && t > 0; j++)
                s += (double)w[i][j] * ref_pre[(t - 1) * NP + j];
            ref_post[t * NO + i] = relu(b[i] + s);
        }
    }
    assert_currents(ref_pre, got_pre, T * NP, "pre RELU output");
    assert_currents(ref_post, got_post, T * NO, "post = relu(b + W pre(t-1))");
    free(got_pre);
    free(got_post);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(connections, sparse_csr_and_identity_currents_sum, .timeout = 30) {
    enum { T = 3, NI = 4, NO = 3 };
    nf_network *net = nft_network(backend, 0.001, 1, 1);
    /* CSR over [post][pre]: row 0 -> cols 0, 2; row 1 empty; row 2 -> cols 1, 2, 3. */
    const int32_t row_ptr[NO + 1] = {0, 2, 2, 5};
    const int32_t col_idx[5] = {0, 2, 1, 2, 3};
    const float vals[5] = {1.5f, -0.5f, 0.25f, 1.0f, -2.0f};
    double dense[NO][NI] = {{0}};
    for (int i = 0; i < NO; i++)
        for (int k = row_ptr[i]; k < row_ptr[i + 1]; k++)
            dense[i][col_idx[k]] = vals[k];
    float x[T][NI], y[T][NO];
    for (int t = 0; t < T; t++) {
        for (int j = 0; j < NI; j++)
            x[t][j] = 0.25f * (float)(t + j) - 0.5f;
        for (int i = 0; i < NO; i++)
            y[t][i] = (float)(i - t);
    }
    const float b[NO] = {4.0f, 4.0f, 8.0f};
    int32_t in_x = add_input(net, NI, T, &x[0][0]);
    int32_t in_y = add_input(net, NO, T, &y[0][0]);
    int32_t post = add_relu(net, NO, b, NULL);
    int32_t c_sparse = connect_sparse(net, in_x, post, row_ptr, col_idx, 5, vals, 0);
    int32_t c_id = connect_identity(net, in_y, post, 0.5f);
    int64_t count = 0;
    NFT_OK(net, nf_connection_weight_count(net, c_sparse, &count));
    cr_assert_eq(count, 5, "sparse weight count: expected nnz 5, got %lld", (long long)count);
    NFT_OK(net, nf_connection_weight_count(net, c_id, &count));
    cr_assert_eq(count, 1, "identity weight count: expected 1, got %lld", (long long)count);
    int32_t pr = probe(net, post, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, T));
    float *got = nft_probe_take(net, pr, T, NO);
    double ref[T * NO];
    for (int t = 0; t < T; t++)
        for (int i = 0; i < NO; i++) {
            double s = 0.5 * y[t][i];
            for (int j = 0; j < NI; j++)
                s += dense[i][j] * x[t][j];
            ref[t * NO + i] = relu(b[i] + s);
        }
    assert_currents(ref, got, T * NO, "relu(b + CSR x_t + 0.5 y_t)");
    free(got);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(connections, identity_from_population_is_delayed, .timeout = 30) {
    enum { T = 4, N = 3 };
    nf_network *net = nft_network(backend, 0.001, 2, 1);
    float x[T][2][N];
    for (int t = 0; t < T; t++)
        for (int bi = 0; bi < 2; bi++)
            for (int j = 0; j < N; j++)
                x[t][bi][j] = (float)(t + 1) * 0.5f + (float)bi - 0.25f * (float)j;
    int32_t in = add_input(net, N, T, &x[0][0][0]);
    int32_t pre = add_relu(net, N, NULL, NULL);
    const float b[N] = {10.0f, 10.0f, 10.0f};
    int32_t post = add_relu(net, N, b, NULL);
    connect_identity(net, in, pre, 1.0f);
    connect_identity(net, pre, post, -0.5f);
    connect_identity(net, in, post, 2.0f);
    int32_t pr = probe(net, post, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, T));
    float *got = nft_probe_take(net, pr, T, 2 * N);
    double ref[T * 2 * N];
    for (int t = 0; t < T; t++)
        for (int bi = 0; bi < 2; bi++)
            for (int j = 0; j < N; j++) {
                double pre_prev = t > 0 ? relu(x[t - 1][bi][j]) : 0.0;
                ref[(t * 2 + bi) * N + j] = relu(10.0 - 0.5 * pre_prev + 2.0 * x[t][bi][j]);
            }
    assert_currents(ref, got, T * 2 * N, "relu(10 - 0.5 pre(t-1) + 2 x_t)");
    free(got);
    nf_network_destroy(net);
}

// --- one matrix per batch element ----------------------------------------------------------

NFT_BACKEND_TEST(connections, per_batch_weights_apply_per_element, .timeout = 30) {
    enum { B = 3, T = 2, NI = 3, NO = 2, NNZ = 3 };
    nf_network *net = nft_network(backend, 0.001, B, 1);
    float x[T][B][NI];
    for (int t = 0; t < T; t++)
        for (int bi = 0; bi < B; bi++)
            for (int j = 0; j < NI; j++)
                x[t][bi][j] = 0.5f * (float)(j + 1) + 0.25f * (float)(t - bi);
    float wd[B][NO][NI];
    for (int bi = 0; bi < B; bi++)
        for (int i = 0; i < NO; i++)
            for (int j = 0; j < NI; j++)
                wd[bi][i][j] = 0.25f * (float)((bi + 1) * (i + 1)) - 0.5f * (float)(j == bi);
    /* CSR: row 0 -> col 1; row 1 -> cols 0, 2. */
    const int32_t row_ptr[NO + 1] = {0, 1, 3};
    const int32_t col_idx[NNZ] = {1, 0, 2};
    float ws[B][NNZ];
    for (int bi = 0; bi < B; bi++)
        for (int k = 0; k < NNZ; k++)
            ws[bi][k] = (float)(bi + 1) * 0.5f - 0.25f * (float)k;
    const float b[NO] = {6.0f, 6.0f};
    int32_t in = add_input(net, NI, T, &x[0][0][0]);
    int32_t post_d = add_relu(net, NO, b, NULL), post_s = add_relu(net, NO, b, NULL);
    int32_t cd = connect_dense(net, in, post_d, &wd[0][0][0], 1);
    int32_t cs = connect_sparse(net, in, post_s, row_ptr, col_idx, NNZ, &ws[0][0], 1);
    int64_t count = 0;
    NFT_OK(net, nf_connection_weight_count(net, cd, &count));
    cr_assert_eq(count, B * NO * NI, "per-batch dense count: got %lld", (long long)count);
    NFT_OK(net, nf_connection_weight_count(net, cs, &count));
    cr_assert_eq(count, B * NNZ, "per-batch sparse count: got %lld", (long long)count);
    int32_t pd = probe(net, post_d, NF_PROBE_OUTPUT), ps = probe(net, post_s, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, T));
    float *gd = nft_probe_take(net, pd, T, B * NO), *gs = nft_probe_take(net, ps, T, B * NO);
    double rd[T * B * NO], rs[T * B * NO];
    for (int t = 0; t < T; t++)
        for (int bi = 0; bi < B; bi++)
            for (int i = 0; i < NO; i++) {
                double sd = 0.0, ss = 0.0;
                for (int j = 0; j < NI; j++)
                    sd += (double)wd[bi][i][j] * x[t][bi][j];
                for (int k = row_ptr[i]; k < row_ptr[i + 1]; k++)
                    ss += (double)ws[bi][k] * x[t][bi][col_idx[k]];
                rd[(t * B + bi) * NO + i] = relu(6.0 + sd);
                rs[(t * B + bi) * NO + i] = relu(6.0 + ss);
            }
    assert_currents(rd, gd, T * B * NO, "per-batch dense: relu(6 + W_b x_b)");
    assert_currents(rs, gs, T * B * NO, "per-batch sparse: relu(6 + W_b x_b)");
    free(gd);
    free(gs);
    nf_network_destroy(net);
}

// --- readout feedback ----------------------------------------------------------------------

NFT_BACKEND_TEST(connections, readout_feedback_uses_previous_z, .timeout = 30) {
    enum { T = 6 };
    nf_network *net = nft_network(backend, 0.001, 1, 1);
    const float ba[2] = {1.0f, 2.0f}, bb[2] = {3.0f, 3.0f};
    const float w_out[2] = {0.5f, 0.25f}; /* [dim 1][n 2] */
    const float u_a[2] = {0.25f, 0.5f};   /* [post 2][pre dim 1] */
    const float u_b[2] = {1.0f, -2.0f};
    const float z0 = 0.5f;
    int32_t a = add_relu(net, 2, ba, NULL);
    int32_t bpop = add_relu(net, 2, bb, NULL);
    nf_readout_desc rd = {.per_batch = 0, .weights = w_out, .z_init_scale = 0.0f};
    int32_t ro;
    NFT_OK(net, nf_readout_add(net, a, 1, &rd, &ro));
    NFT_OK(net, nf_readout_set_state(net, ro, &z0));
    connect_dense(net, ro, a, u_a, 0); /* FORCE loop: a -> z -> a */
    connect_dense(net, ro, bpop, u_b, 0);
    int32_t pa = probe(net, a, NF_PROBE_OUTPUT), pb = probe(net, bpop, NF_PROBE_OUTPUT);
    int32_t pz = probe(net, ro, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, T));
    float *ga = nft_probe_take(net, pa, T, 2), *gb = nft_probe_take(net, pb, T, 2);
    float *gz = nft_probe_take(net, pz, T, 1);
    double ra[T * 2], rb[T * 2], rz[T], z = z0;
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < 2; i++) {
            ra[t * 2 + i] = relu(ba[i] + u_a[i] * z); /* z of step t - 1 */
            rb[t * 2 + i] = relu(bb[i] + u_b[i] * z);
        }
        z = w_out[0] * ra[t * 2] + w_out[1] * ra[t * 2 + 1];
        rz[t] = z;
    }
    assert_currents(ra, ga, T * 2, "population a = relu(b + U_a z(t-1))");
    assert_currents(rb, gb, T * 2, "population b = relu(b + U_b z(t-1))");
    assert_currents(rz, gz, T, "readout z = W_out a(t)");
    float z_end;
    NFT_OK(net, nf_readout_get_state(net, ro, &z_end));
    cr_assert(nft_close(rz[T - 1], z_end, CURRENT_RTOL, CURRENT_ATOL),
              "readout state after the run: expected %.9g, got %.9g", rz[T - 1], (double)z_end);
    free(ga);
    free(gb);
    free(gz);
    nf_network_destroy(net);
}

// --- weight accessors ------------------------------------------------------------------------

NFT_BACKEND_TEST(connections, weights_round_trip, .timeout = 30) {
    enum { B = 2, NI = 4, NO = 3, NNZ = 5 };
    nf_network *net = nft_network(backend, 0.001, B, 1);
    int32_t in;
    NFT_OK(net, nf_input_add(net, NI, &in));
    int32_t pin = add_relu(net, NO, NULL, NULL);
    int32_t post = add_relu(net, NO, NULL, NULL);
    float wd[NO * NI], wb[B * NO * NI], got[B * NO * NI];
    for (int k = 0; k < NO * NI; k++)
        wd[k] = 0.125f * (float)k - 0.5f;
    for (int k = 0; k < B * NO * NI; k++)
        wb[k] = -0.25f * (float)k + 1.0f;
    const int32_t row_ptr[NO + 1] = {0, 1, 3, 5};
    const int32_t col_idx[NNZ] = {3, 0, 1, 2, 3};
    const float vs[NNZ] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
    float vb[B * NNZ];
    for (int k = 0; k < B * NNZ; k++)
        vb[k] = (float)k * 0.75f;

    int32_t c_dense = connect_dense(net, in, post, wd, 0);
    int32_t c_batch = connect_dense(net, in, post, wb, 1);
    int32_t c_sparse = connect_sparse(net, in, post, row_ptr, col_idx, NNZ, vs, 0);
    int32_t c_sparse_b = connect_sparse(net, in, post, row_ptr, col_idx, NNZ, vb, 1);
    int32_t c_id = connect_identity(net, pin, post, 0.75f);
    nf_connection_desc cz = nf_connection_defaults();
    cz.init = NF_WEIGHTS_ZERO;
    int32_t c_zero;
    NFT_OK(net, nf_connect(net, in, post, &cz, &c_zero));

    struct {
        int32_t id;
        int64_t count;
        const float *given;
        const char *name;
    } cases[] = {
        {c_dense, NO * NI, wd, "dense"},
        {c_batch, B * NO * NI, wb, "per-batch dense"},
        {c_sparse, NNZ, vs, "sparse"},
        {c_sparse_b, B * NNZ, vb, "per-batch sparse"},
        {c_zero, NO * NI, NULL, "zero-initialised dense"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t count = -1;
        NFT_OK(net, nf_connection_weight_count(net, cases[c].id, &count));
        cr_assert_eq(count, cases[c].count, "%s: weight count expected %lld, got %lld",
                     cases[c].name, (long long)cases[c].count, (long long)count);
        memset(got, 0xff, sizeof got);
        NFT_OK(net, nf_connection_get_weights(net, cases[c].id, got));
        if (cases[c].given) {
            nft_assert_all_equal(cases[c].given, got, (size_t)count, cases[c].name);
        } else {
            for (int64_t k = 0; k < count; k++)
                cr_assert(got[k] == 0.0f, "%s[%lld] = %g, expected 0", cases[c].name, (long long)k,
                          (double)got[k]);
        }
        float fresh[B * NO * NI];
        for (int64_t k = 0; k < count; k++)
            fresh[k] = (float)(k + 1) * -0.375f;
        NFT_OK(net, nf_connection_set_weights(net, cases[c].id, fresh));
        memset(got, 0, sizeof got);
        NFT_OK(net, nf_connection_get_weights(net, cases[c].id, got));
        nft_assert_all_equal(fresh, got, (size_t)count, cases[c].name);
    }

    int64_t count = -1;
    NFT_OK(net, nf_connection_weight_count(net, c_id, &count));
    cr_assert_eq(count, 1, "identity weight count: expected 1, got %lld", (long long)count);
    float scale = 0.0f;
    NFT_OK(net, nf_connection_get_weights(net, c_id, &scale));
    cr_assert(scale == 0.75f, "identity weight: expected its scale 0.75, got %g", (double)scale);

    cr_assert_neq(nf_connection_set_weights(net, c_dense, NULL), NF_OK, "NULL weights accepted");
    cr_assert_neq(nf_connection_get_weights(net, 9999, got), NF_OK, "unknown connection accepted");
    cr_assert_neq(nf_connection_weight_count(net, 9999, &count), NF_OK,
                  "unknown connection accepted");
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(connections, set_weights_changes_currents, .timeout = 30) {
    enum { NI = 2, NO = 2 };
    nf_network *net = nft_network(backend, 0.001, 1, 1);
    const float x[NI] = {1.0f, 2.0f};
    int32_t in = add_input(net, NI, 1, x); /* held */
    const float b[NO] = {10.0f, 10.0f};
    int32_t post_d = add_relu(net, NO, b, NULL), post_i = add_relu(net, NO, b, NULL);
    const float w1[NO * NI] = {1.0f, 0.0f, 0.0f, 1.0f}, w2[NO * NI] = {0.5f, -1.0f, 2.0f, 0.25f};
    int32_t cd = connect_dense(net, in, post_d, w1, 0);
    int32_t ci = connect_identity(net, in, post_i, 1.0f);
    int32_t pd = probe(net, post_d, NF_PROBE_OUTPUT), pi = probe(net, post_i, NF_PROBE_OUTPUT);
    NFT_OK(net, nf_network_run(net, 1));
    const float two = 2.0f;
    NFT_OK(net, nf_connection_set_weights(net, cd, w2));
    NFT_OK(net, nf_connection_set_weights(net, ci, &two));
    NFT_OK(net, nf_network_run(net, 1));
    float *gd = nft_probe_take(net, pd, 2, NO), *gi = nft_probe_take(net, pi, 2, NO);
    const double rd[4] = {11.0, 12.0, 10.0 + 0.5 - 2.0, 10.0 + 2.0 + 0.5};
    const double ri[4] = {11.0, 12.0, 12.0, 14.0};
    assert_currents(rd, gd, 4, "dense before/after set_weights");
    assert_currents(ri, gi, 4, "identity before/after set_weights (scale 1 -> 2)");
    free(gd);
    free(gi);
    nf_network_destroy(net);
}

// --- generated weights --------------------------------------------------------------------

/* A network with two RELU populations (n_pre, n_post) connected by desc c; returns
 * the weights (count floats) and the connection. */
static float *generated(nf_backend backend, uint64_t seed, int32_t n_pre, int32_t n_post,
                        const nf_connection_desc *c, int64_t *count) {
    nf_network *net = nft_network(backend, 0.001, 1, seed);
    int32_t pre = add_relu(net, n_pre, NULL, NULL), post = add_relu(net, n_post, NULL, NULL);
    int32_t id;
    NFT_OK(net, nf_connect(net, pre, post, c, &id));
    NFT_OK(net, nf_connection_weight_count(net, id, count));
    float *w = nft_alloc((size_t)*count, sizeof(float));
    NFT_OK(net, nf_connection_get_weights(net, id, w));
    nf_network_destroy(net);
    return w;
}

static nf_connection_desc normal_desc(nf_connection_kind kind, float g, float p, float scale) {
    nf_connection_desc c = nf_connection_defaults();
    c.kind = kind;
    c.init = NF_WEIGHTS_NORMAL;
    c.g = g;
    c.p = p;
    c.scale = scale;
    return c;
}

/* Mean and standard deviation of the nonzeros; returns their number. */
static int64_t nonzero_stats(const float *w, int64_t n, double *mean, double *std) {
    double s = 0.0, s2 = 0.0;
    int64_t nz = 0;
    for (int64_t k = 0; k < n; k++)
        if (w[k] != 0.0f) {
            s += w[k];
            nz++;
        }
    *mean = nz ? s / (double)nz : 0.0;
    for (int64_t k = 0; k < n; k++)
        if (w[k] != 0.0f)
            s2 += (w[k] - *mean) * (w[k] - *mean);
    *std = nz > 1 ? sqrt(s2 / (double)(nz - 1)) : 0.0;
    return nz;
}

NFT_BACKEND_TEST(connections, normal_weights_depend_on_seed_only, .timeout = 30) {
    nf_connection_desc c = normal_desc(NF_CONNECTION_DENSE, 1.5f, 0.2f, 0.0f);
    int64_t n1, n2, n3;
    float *w1 = generated(backend, 42, 100, 80, &c, &n1);
    float *w2 = generated(backend, 42, 100, 80, &c, &n2);
    float *w3 = generated(backend, 43, 100, 80, &c, &n3);
    cr_assert_eq(n1, 8000);
    cr_assert_eq(n2, n1);
    cr_assert_eq(n3, n1);
    nft_assert_all_equal(w1, w2, (size_t)n1, "NORMAL weights, seed 42 twice");
    int64_t differ = 0, nz = 0;
    for (int64_t k = 0; k < n1; k++) {
        differ += memcmp(&w1[k], &w3[k], sizeof(float)) != 0;
        nz += w1[k] != 0.0f;
    }
    cr_assert(nz > 0, "seed 42: all weights zero");
    cr_assert(differ > nz / 2, "seeds 42 and 43 give nearly the same weights (%lld of %lld differ)",
              (long long)differ, (long long)n1);
    free(w1);
    free(w2);
    free(w3);
}

NFT_BACKEND_TEST(connections, normal_weights_statistics, .timeout = 30) {
    const int32_t n = 400;
    const float g = 1.5f, p = 0.1f;
    double mean, std;
    int64_t count;

    /* scale 0: std g / sqrt(p n_pre), density p (dense storage). */
    nf_connection_desc c = normal_desc(NF_CONNECTION_DENSE, g, p, 0.0f);
    float *w = generated(backend, 7, n, n, &c, &count);
    cr_assert_eq(count, (int64_t)n * n);
    int64_t nz = nonzero_stats(w, count, &mean, &std);
    double frac = (double)nz / (double)count, expect_std = g / sqrt((double)p * n);
    cr_assert(fabs(frac - p) <= FRACTION_ATOL, "nonzero fraction %.5f, expected %.3f (seed 7)",
              frac, (double)p);
    cr_assert(nft_close(expect_std, std, STD_RTOL, 0.0),
              "std of nonzeros %.6f, expected g/sqrt(p n) = %.6f (seed 7)", std, expect_std);
    cr_assert(fabs(mean) <= 5.0 * expect_std / sqrt((double)nz),
              "mean of nonzeros %.6f, expected 0 +- %.6f (seed 7)", mean,
              5.0 * expect_std / sqrt((double)nz));
    free(w);

    /* An explicit scale is the std itself. */
    c = normal_desc(NF_CONNECTION_DENSE, g, 0.2f, 0.3f);
    w = generated(backend, 8, n, n, &c, &count);
    nz = nonzero_stats(w, count, &mean, &std);
    frac = (double)nz / (double)count;
    cr_assert(fabs(frac - 0.2) <= FRACTION_ATOL * 1.5, "p 0.2: nonzero fraction %.5f", frac);
    cr_assert(nft_close(0.3, std, STD_RTOL, 0.0), "scale 0.3: std of nonzeros %.6f", std);
    free(w);

    /* Sparse storage: nnz ~ p n^2, every stored value drawn from the same normal. */
    c = normal_desc(NF_CONNECTION_SPARSE, g, p, 0.0f);
    w = generated(backend, 9, n, n, &c, &count);
    frac = (double)count / ((double)n * n);
    cr_assert(fabs(frac - p) <= FRACTION_ATOL, "sparse: nnz fraction %.5f, expected %.3f", frac,
              (double)p);
    nz = nonzero_stats(w, count, &mean, &std);
    cr_assert_eq(nz, count, "sparse: %lld of %lld stored values are zero", (long long)(count - nz),
                 (long long)count);
    cr_assert(nft_close(expect_std, std, STD_RTOL, 0.0),
              "sparse: std %.6f, expected g/sqrt(p n) = %.6f", std, expect_std);
    free(w);
}

NFT_BACKEND_TEST(connections, zero_mean_rows_shift_each_row, .timeout = 30) {
    const int32_t n = 400;
    nf_connection_desc c = normal_desc(NF_CONNECTION_DENSE, 1.5f, 0.1f, 0.0f);
    int64_t count, count_zm;
    float *w = generated(backend, 11, n, n, &c, &count);
    c.zero_mean_rows = 1;
    float *wz = generated(backend, 11, n, n, &c, &count_zm);
    cr_assert_eq(count, count_zm);
    for (int32_t i = 0; i < n; i++) {
        const float *row = w + (size_t)i * n, *rowz = wz + (size_t)i * n;
        double s = 0.0, sz = 0.0;
        int nz = 0, nzz = 0;
        for (int32_t j = 0; j < n; j++) {
            if (row[j] != 0.0f) {
                s += row[j];
                nz++;
            }
            if (rowz[j] != 0.0f) {
                sz += rowz[j];
                nzz++;
            }
        }
        cr_assert(nzz >= nz - 1 && nzz <= nz, "row %d: %d nonzeros after the shift, %d before", i,
                  nzz, nz);
        cr_assert(nzz == 0 || fabs(sz / nzz) <= ZERO_MEAN_ATOL,
                  "row %d: mean over nonzeros %.3g after zero_mean_rows", i, nzz ? sz / nzz : 0.0);
        /* Same draws, shifted by the row's mean over its nonzeros; zeros stay zero. */
        double m = nz ? s / nz : 0.0;
        for (int32_t j = 0; j < n; j++) {
            double expect = row[j] != 0.0f ? row[j] - m : 0.0;
            cr_assert(nft_close(expect, rowz[j], 1e-5, 1e-6),
                      "row %d col %d: expected %.9g (%.9g - mean %.9g), got %.9g", i, j, expect,
                      (double)row[j], m, (double)rowz[j]);
        }
    }
    free(w);
    free(wz);
}

NFT_BACKEND_TEST(connections, uniform_weights_in_range, .timeout = 30) {
    const int32_t n = 300;
    const float low = -0.5f, high = 2.0f;
    nf_connection_desc c = nf_connection_defaults();
    c.init = NF_WEIGHTS_UNIFORM;
    c.low = low;
    c.high = high;
    c.p = 1.0f;
    int64_t count;
    float *w = generated(backend, 5, n, n, &c, &count);
    double s = 0.0, lo = INFINITY, hi = -INFINITY;
    for (int64_t k = 0; k < count; k++) {
        cr_assert(w[k] >= low && w[k] <= high, "w[%lld] = %g outside [%g, %g]", (long long)k,
                  (double)w[k], (double)low, (double)high);
        s += w[k];
        lo = fmin(lo, w[k]);
        hi = fmax(hi, w[k]);
    }
    /* 90000 draws: mean SE (high - low)/sqrt(12 N) = 0.0024; extremes within 1e-3. */
    double mean = s / (double)count;
    cr_assert(fabs(mean - 0.75) <= 0.015, "mean %.5f, expected (low + high)/2 = 0.75", mean);
    cr_assert(lo - low < 0.001 && high - hi < 0.001, "range [%g, %g] does not fill [%g, %g]", lo,
              hi, (double)low, (double)high);
    free(w);

    c.p = 0.5f;
    w = generated(backend, 6, n, n, &c, &count);
    int64_t nz = 0;
    for (int64_t k = 0; k < count; k++) {
        nz += w[k] != 0.0f;
        cr_assert(w[k] >= low && w[k] <= high, "p 0.5: w[%lld] = %g outside the range",
                  (long long)k, (double)w[k]);
    }
    double frac = (double)nz / (double)count;
    cr_assert(fabs(frac - 0.5) <= 0.01, "p 0.5: nonzero fraction %.4f", frac);
    free(w);
}

// --- event-driven propagation ------------------------------------------------------------

enum { EV_B = 3, EV_PRE = 40, EV_POST = 12, EV_T = 200 };

typedef struct event_rig {
    nf_network *net;
    int32_t pre, post[3], conn[3], probe[3], pre_probe;
    int32_t row_ptr[EV_POST + 1];
    int32_t col_idx[EV_POST * EV_PRE];
    int64_t nnz;
} event_rig;

/* Fills weights: dense [post][pre] or the CSR values of the rig's pattern. */
static void event_weights(const event_rig *r, nf_connection_kind kind, uint32_t seed, float *w) {
    int64_t count = kind == NF_CONNECTION_DENSE ? EV_POST * EV_PRE : r->nnz;
    for (int64_t k = 0; k < count; k++)
        w[k] = lcg_uniform(&seed, -0.3f, 1.0f);
}

/* A spiking nengo LIF population (biases 1.5 .. 4, filter f) feeding three RELU
 * populations (bias 0, no filter) through the same weights, propagated DENSE,
 * EVENT and AUTO. */
static event_rig event_make(nf_backend backend, nf_filter_desc f, nf_connection_kind kind) {
    event_rig r;
    memset(&r, 0, sizeof r);
    r.net = nft_network(backend, 0.001, EV_B, 2024);
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, EV_PRE);
    float biases[EV_PRE];
    for (int j = 0; j < EV_PRE; j++)
        biases[j] = 1.5f + 2.5f * (float)j / (float)(EV_PRE - 1);
    d.biases = biases;
    d.filter = f;
    NFT_OK(r.net, nf_population_add(r.net, &d, &r.pre));
    NFT_OK(r.net, nf_probe_add(r.net, r.pre, NF_PROBE_OUTPUT, 1, &r.pre_probe));
    /* CSR pattern of ~40% density, fixed. */
    for (int i = 0; i < EV_POST; i++) {
        r.row_ptr[i] = (int32_t)r.nnz;
        for (int j = 0; j < EV_PRE; j++)
            if ((i * 7 + j * 3) % 5 < 2)
                r.col_idx[r.nnz++] = j;
    }
    r.row_ptr[EV_POST] = (int32_t)r.nnz;
    float w[EV_POST * EV_PRE];
    event_weights(&r, kind, 12345u, w);
    const nf_propagation props[3] = {NF_PROPAGATION_DENSE, NF_PROPAGATION_EVENT,
                                     NF_PROPAGATION_AUTO};
    for (int k = 0; k < 3; k++) {
        r.post[k] = add_relu(r.net, EV_POST, NULL, NULL);
        nf_connection_desc c = nf_connection_defaults();
        c.kind = kind;
        c.init = NF_WEIGHTS_GIVEN;
        c.weights = w;
        if (kind == NF_CONNECTION_SPARSE) {
            c.row_ptr = r.row_ptr;
            c.col_idx = r.col_idx;
            c.nnz = r.nnz;
        }
        c.propagation = props[k];
        NFT_OK(r.net, nf_connect(r.net, r.pre, r.post[k], &c, &r.conn[k]));
        NFT_OK(r.net, nf_probe_add(r.net, r.post[k], NF_PROBE_OUTPUT, 1, &r.probe[k]));
    }
    return r;
}

/* Runs `steps` and asserts EVENT and AUTO outputs equal DENSE's within tolerance. */
static void event_run_compare(event_rig *r, int64_t steps, const char *what) {
    NFT_OK(r->net, nf_network_run(r->net, steps));
    const int64_t row = EV_B * EV_POST;
    float *dense = nft_probe_take(r->net, r->probe[0], steps, row);
    float *pre = nft_probe_take(r->net, r->pre_probe, steps, EV_B * EV_PRE);
    int64_t spikes[EV_B] = {0};
    for (int64_t t = 0; t < steps; t++)
        for (int bi = 0; bi < EV_B; bi++)
            for (int j = 0; j < EV_PRE; j++)
                spikes[bi] += pre[(t * EV_B + bi) * EV_PRE + j] != 0.0f;
    for (int bi = 0; bi < EV_B; bi++)
        cr_assert(spikes[bi] > 50, "%s: batch %d: only %lld pre spikes", what, bi,
                  (long long)spikes[bi]);
    double peak = 0.0;
    for (int64_t k = 0; k < steps * row; k++)
        peak = fmax(peak, fabs(dense[k]));
    cr_assert(peak > 0.0, "%s: dense post output all zero", what);
    for (int p = 1; p < 3; p++) {
        float *got = nft_probe_take(r->net, r->probe[p], steps, row);
        for (int64_t k = 0; k < steps * row; k++)
            cr_assert(nft_close(dense[k], got[k], EVENT_RTOL, EVENT_ATOL_OF_PEAK * peak),
                      "%s: %s propagation, step %lld batch %lld post %lld: dense %.9g, got %.9g "
                      "(peak %.6g, seed 2024)",
                      what, p == 1 ? "EVENT" : "AUTO", (long long)(k / row),
                      (long long)(k % row / EV_POST), (long long)(k % EV_POST), (double)dense[k],
                      (double)got[k], peak);
        free(got);
    }
    free(dense);
    free(pre);
}

static const struct {
    nf_filter_desc f;
    const char *name;
} event_filters[] = {
    {{.kind = NF_FILTER_LOWPASS, .tau = 0.005f}, "lowpass 5 ms"},
    {{.kind = NF_FILTER_ALPHA, .tau = 0.005f}, "alpha 5 ms"},
    {{.kind = NF_FILTER_DOUBLE_EXP, .tau_rise = 0.002f, .tau_decay = 0.01f}, "double exp 2/10 ms"},
    {{.kind = NF_FILTER_DOUBLE_EXP, .tau_rise = 0.0f, .tau_decay = 0.01f}, "single exp 10 ms"},
    {{.kind = NF_FILTER_NONE}, "no filter"},
};

NFT_BACKEND_TEST(connections, event_propagation_matches_dense, .timeout = 60) {
    const nf_connection_kind kinds[2] = {NF_CONNECTION_DENSE, NF_CONNECTION_SPARSE};
    for (size_t fi = 0; fi < sizeof event_filters / sizeof event_filters[0]; fi++)
        for (int ki = 0; ki < 2; ki++) {
            char what[96];
            snprintf(what, sizeof what, "%s, %s weights", event_filters[fi].name,
                     ki ? "sparse" : "dense");
            event_rig r = event_make(backend, event_filters[fi].f, kinds[ki]);
            event_run_compare(&r, EV_T, what);
            nf_network_destroy(r.net);
        }
}

NFT_BACKEND_TEST(connections, event_propagation_follows_set_weights, .timeout = 60) {
    const nf_connection_kind kinds[2] = {NF_CONNECTION_DENSE, NF_CONNECTION_SPARSE};
    for (size_t fi = 0; fi < 3; fi++)
        for (int ki = 0; ki < 2; ki++) {
            char what[128];
            snprintf(what, sizeof what, "%s, %s weights", event_filters[fi].name,
                     ki ? "sparse" : "dense");
            event_rig r = event_make(backend, event_filters[fi].f, kinds[ki]);
            event_run_compare(&r, EV_T / 2, what);
            float w[EV_POST * EV_PRE];
            event_weights(&r, kinds[ki], 777u, w);
            for (int k = 0; k < 3; k++)
                NFT_OK(r.net, nf_connection_set_weights(r.net, r.conn[k], w));
            snprintf(what, sizeof what, "%s, %s weights, after set_weights", event_filters[fi].name,
                     ki ? "sparse" : "dense");
            event_run_compare(&r, EV_T / 2, what);
            nf_network_destroy(r.net);
        }
}

NFT_BACKEND_TEST(connections, event_propagation_needs_a_spiking_pre, .timeout = 30) {
    nf_network *net = nft_network(backend, 0.001, 1, 1);
    int32_t pre = add_relu(net, 3, NULL, NULL), post = add_relu(net, 3, NULL, NULL);
    int32_t in;
    NFT_OK(net, nf_input_add(net, 3, &in));
    nf_connection_desc c = nf_connection_defaults();
    c.init = NF_WEIGHTS_ZERO;
    c.propagation = NF_PROPAGATION_EVENT;
    int32_t id = -7;
    cr_assert_neq(nf_connect(net, pre, post, &c, &id), NF_OK,
                  "EVENT propagation from a rate (non-spiking) population accepted");
    cr_assert_neq(nf_connect(net, in, post, &c, &id), NF_OK,
                  "EVENT propagation from an input accepted");
    cr_assert(strlen(nf_network_last_error(net)) > 0, "no error message");
    /* The network still runs. */
    NFT_OK(net, nf_network_run(net, 3));
    nf_network_destroy(net);
}
