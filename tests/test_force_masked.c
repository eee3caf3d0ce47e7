/*
 * Masked recurrent learning (NF_LEARNER_MASKED, BioFORCE) and the float64 P
 * option, against references computed here in double:
 *  - on a tiny linear network (r_t given exactly through an identity input),
 *    every row i has its own P_i over its K_i inputs: after T steps the
 *    weights and every P_i equal a per-row RLS done by hand
 *    (k = P_i r_i; c = 1/(1 + r_i.k); P_i -= c k k^T; W_i -= c e_i k),
 *    for a sparse connection with one matrix per element and a masked dense
 *    one shared by the batch (elements in order, Nicola & Clopath rule);
 *  - a desired-currents error equals the same target given as an input;
 *  - masked synapses stay exactly zero through a long chaotic run, P_i takes
 *    sum K_i^2 values, and the learned rows follow their targets;
 *  - float64 P agrees with float32 on a well-posed problem and is closer to
 *    the double reference on an ill-conditioned one;
 *  - the packed P starts at I/alpha per block, round-trips through set/get,
 *    and a block that is not symmetric is refused;
 *  - bad descriptors are refused with a message and change nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(force_masked, .timeout = 120);

// --- a linear network: r_t = R_t (RELU fed by an identity input of positive rows)

enum { LIN_N = 7, LIN_M = 4, LIN_T = 60 };

typedef struct lin {
    nf_network *net;
    int32_t batch, pre, post, in, target, conn, learner;
    float *R, *f; /* [T][batch][N], [T][batch][M] */
} lin;

static unsigned lcg(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffff;
}

/* Builds the populations, the inputs with T rows of data and the target. */
static lin lin_network(nf_backend backend, int32_t batch, unsigned seed) {
    lin L = {.batch = batch};
    L.net = nft_network(backend, 0.001, batch, 5);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, LIN_N);
    NFT_OK(L.net, nf_population_add(L.net, &pd, &L.pre));
    pd = nf_population_defaults(NF_MODEL_RELU, LIN_M);
    NFT_OK(L.net, nf_population_add(L.net, &pd, &L.post));
    NFT_OK(L.net, nf_input_add(L.net, LIN_N, &L.in));
    NFT_OK(L.net, nf_input_add(L.net, LIN_M, &L.target));
    L.R = nft_alloc((size_t)LIN_T * batch * LIN_N, sizeof *L.R);
    L.f = nft_alloc((size_t)LIN_T * batch * LIN_M, sizeof *L.f);
    for (size_t i = 0; i < (size_t)LIN_T * batch * LIN_N; i++)
        L.R[i] = 0.1f + (float)lcg(&seed) / 65536.0f;
    for (size_t i = 0; i < (size_t)LIN_T * batch * LIN_M; i++)
        L.f[i] = (float)lcg(&seed) / 32768.0f - 1.0f;
    NFT_OK(L.net, nf_input_set(L.net, L.in, LIN_T, L.R));
    NFT_OK(L.net, nf_input_set(L.net, L.target, LIN_T, L.f));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_IDENTITY;
    int32_t id;
    NFT_OK(L.net, nf_connect(L.net, L.in, L.pre, &cd, &id));
    return L;
}

static void lin_free(lin *L) {
    nf_network_destroy(L->net);
    free(L->R);
    free(L->f);
}

/* The structure every test network uses: row i's inputs (increasing). */
static const int lin_row_ptr[LIN_M + 1] = {0, 3, 3, 5, 9};
static const int lin_col[9] = {0, 2, 6, 1, 5, 0, 1, 3, 4};

/* The sparse connection pre -> post of the structure above (values [copies][9]). */
static nf_connection_desc lin_sparse(const float *values, int32_t per_batch) {
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.per_batch = per_batch;
    cd.row_ptr = lin_row_ptr;
    cd.col_idx = lin_col;
    cd.nnz = 9;
    cd.weights = values;
    return cd;
}

/* A MASKED learner of connection conn toward the network's target input. */
static nf_learner_desc lin_masked(const lin *L, int32_t conn, float alpha) {
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_MASKED;
    d.connection = conn;
    d.target = L->target;
    d.alpha = alpha;
    return d;
}

/* Per-row RLS in double on the copies of W (dense [copies][M][N], zero outside
 * the structure), P [copies][sum K^2]. */
typedef struct ref {
    int copies;
    double *W, *P;
} ref;

static ref ref_make(int copies, const float *w0, double alpha) {
    ref r = {.copies = copies};
    r.W = nft_alloc((size_t)copies * LIN_M * LIN_N, sizeof *r.W);
    r.P = nft_alloc((size_t)copies * 29, sizeof *r.P); /* 3^2 + 0 + 2^2 + 4^2 */
    for (int c = 0; c < copies; c++) {
        for (int e = 0; e < LIN_M * LIN_N; e++)
            r.W[c * LIN_M * LIN_N + e] = w0[c * LIN_M * LIN_N + e];
        for (int i = 0, off = 0; i < LIN_M; i++) {
            const int k = lin_row_ptr[i + 1] - lin_row_ptr[i];
            for (int x = 0; x < k; x++)
                r.P[c * 29 + off + x * k + x] = 1.0 / alpha;
            off += k * k;
        }
    }
    return r;
}

/* e = W r - f on copy c. */
static void ref_error(const ref *r, int c, const float *rb, const float *fb, double *e) {
    const double *W = r->W + c * LIN_M * LIN_N;
    for (int i = 0; i < LIN_M; i++) {
        e[i] = -fb[i];
        for (int j = 0; j < LIN_N; j++)
            e[i] += W[i * LIN_N + j] * rb[j];
    }
}

/* The update of copy c from element b's rates and errors. */
static void ref_step(ref *r, int c, const float *rb, const double *e, int nicola_clopath) {
    double *W = r->W + c * LIN_M * LIN_N, *P0 = r->P + c * 29;
    for (int i = 0, off = 0; i < LIN_M; i++) {
        const int s0 = lin_row_ptr[i], k = lin_row_ptr[i + 1] - s0;
        double *P = P0 + off, kv[LIN_N], dot = 0.0;
        off += k * k;
        for (int x = 0; x < k; x++) {
            kv[x] = 0.0;
            for (int y = 0; y < k; y++)
                kv[x] += P[x * k + y] * rb[lin_col[s0 + y]];
            dot += rb[lin_col[s0 + x]] * kv[x];
        }
        const double cc = 1.0 / (1.0 + dot), g = nicola_clopath ? e[i] : cc * e[i];
        for (int x = 0; x < k; x++)
            W[i * LIN_N + lin_col[s0 + x]] -= g * kv[x];
        for (int x = 0; x < k; x++)
            for (int y = 0; y < k; y++)
                P[x * k + y] -= cc * kv[x] * kv[y];
    }
}

static int due(const nf_learner_desc *d, int t) {
    if (t < d->start || (d->stop > 0 && t >= d->stop))
        return 0;
    return (t - d->start + 1) % d->every == 0;
}

/* Runs the reference over the whole data, shared copy or one per element: the
 * errors of a step come from the weights before it (every element's), then the
 * elements update in order. */
static void ref_run(ref *r, const lin *L, const nf_learner_desc *d) {
    double e[8][LIN_M];
    cr_assert_leq(L->batch, 8);
    for (int t = 0; t < LIN_T; t++) {
        if (!due(d, t))
            continue;
        for (int b = 0; b < L->batch; b++)
            ref_error(r, r->copies > 1 ? b : 0, L->R + ((size_t)t * L->batch + b) * LIN_N,
                      L->f + ((size_t)t * L->batch + b) * LIN_M, e[b]);
        for (int b = 0; b < L->batch; b++)
            ref_step(r, r->copies > 1 ? b : 0, L->R + ((size_t)t * L->batch + b) * LIN_N, e[b],
                     d->rule == NF_RLS_NICOLA_CLOPATH);
    }
}

/* Compares the learned weights (dense view) and every P_i with the reference. */
static void expect_reference(const lin *L, const ref *r, const float *w_dense, double rtol,
                             double atol) {
    const size_t count = (size_t)r->copies * LIN_M * LIN_N;
    for (size_t e = 0; e < count; e++)
        cr_assert(nft_close(r->W[e], w_dense[e], rtol, atol), "W[%zu]: reference %.9g, got %.9g",
                  e, r->W[e], (double)w_dense[e]);
    int64_t pc = 0;
    NFT_OK(L->net, nf_learner_p_count(L->net, L->learner, &pc));
    cr_assert_eq(pc, (int64_t)r->copies * 29, "P values: %lld, expected copies * sum K^2 = %d",
                 (long long)pc, r->copies * 29);
    double *P = nft_alloc((size_t)pc, sizeof *P);
    NFT_OK(L->net, nf_learner_get_p_f64(L->net, L->learner, P));
    for (int64_t e = 0; e < pc; e++)
        cr_assert(nft_close(r->P[e], P[e], rtol, atol * 10), "P[%lld]: reference %.9g, got %.9g",
                  (long long)e, r->P[e], P[e]);
    free(P);
}

/* Sparse CSR connection, one matrix per element, Sussillo & Abbott rule. */
static void sparse_per_batch(nf_backend backend, nf_precision precision, double rtol) {
    enum { B = 2 };
    lin L = lin_network(backend, B, 77u);
    float vals[B * 9], dense[B * LIN_M * LIN_N] = {0};
    unsigned s = 9u;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < LIN_M; i++)
            for (int k = lin_row_ptr[i]; k < lin_row_ptr[i + 1]; k++) {
                vals[b * 9 + k] = (float)lcg(&s) / 65536.0f - 0.5f;
                dense[b * LIN_M * LIN_N + i * LIN_N + lin_col[k]] = vals[b * 9 + k];
            }
    nf_connection_desc cd = lin_sparse(vals, 1);
    NFT_OK(L.net, nf_connect(L.net, L.pre, L.post, &cd, &L.conn));
    nf_learner_desc d = lin_masked(&L, L.conn, 0.5f);
    d.every = 2;
    d.start = 3;
    d.p_precision = precision;
    NFT_OK(L.net, nf_learner_add(L.net, &d, &L.learner));
    NFT_OK(L.net, nf_network_run(L.net, LIN_T));

    ref r = ref_make(B, dense, d.alpha);
    ref_run(&r, &L, &d);
    NFT_OK(L.net, nf_connection_get_weights(L.net, L.conn, vals));
    memset(dense, 0, sizeof dense);
    for (int b = 0; b < B; b++)
        for (int i = 0; i < LIN_M; i++)
            for (int k = lin_row_ptr[i]; k < lin_row_ptr[i + 1]; k++)
                dense[b * LIN_M * LIN_N + i * LIN_N + lin_col[k]] = vals[b * 9 + k];
    expect_reference(&L, &r, dense, rtol, 1e-6);
    free(r.W);
    free(r.P);
    lin_free(&L);
}

NFT_BACKEND_TEST(force_masked, sparse_per_batch_matches_per_row_rls, .timeout = 30) {
    sparse_per_batch(backend, NF_PRECISION_F32, 2e-4);
}

NFT_BACKEND_TEST(force_masked, sparse_per_batch_f64_matches_per_row_rls, .timeout = 30) {
    /* P in double: only the float32 weights round (about 1e-7 relative per step). */
    sparse_per_batch(backend, NF_PRECISION_F64, 2e-5);
}

/* The mask as a dense [M][N] array of the structure. */
static void structure_mask(uint8_t *mask) {
    memset(mask, 0, LIN_M * LIN_N);
    for (int i = 0; i < LIN_M; i++)
        for (int k = lin_row_ptr[i]; k < lin_row_ptr[i + 1]; k++)
            mask[i * LIN_N + lin_col[k]] = 1;
}

NFT_BACKEND_TEST(force_masked, dense_mask_shared_batch_matches_per_row_rls, .timeout = 30) {
    enum { B = 3 };
    lin L = lin_network(backend, B, 4242u);
    uint8_t mask[LIN_M * LIN_N];
    structure_mask(mask);
    /* Every weight nonzero: the ones outside the mask are fixed, not learned. */
    float w[LIN_M * LIN_N], fixed[LIN_M * LIN_N];
    unsigned s = 31u;
    for (int e = 0; e < LIN_M * LIN_N; e++)
        w[e] = (float)lcg(&s) / 65536.0f - 0.5f;
    memcpy(fixed, w, sizeof w);
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    NFT_OK(L.net, nf_connect(L.net, L.pre, L.post, &cd, &L.conn));
    nf_learner_desc d = lin_masked(&L, L.conn, 2.0f);
    d.mask = mask;
    d.rule = NF_RLS_NICOLA_CLOPATH;
    NFT_OK(L.net, nf_learner_add(L.net, &d, &L.learner));
    NFT_OK(L.net, nf_network_run(L.net, LIN_T));

    ref r = ref_make(1, w, d.alpha);
    ref_run(&r, &L, &d);
    NFT_OK(L.net, nf_connection_get_weights(L.net, L.conn, w));
    expect_reference(&L, &r, w, 2e-4, 1e-6);
    for (int e = 0; e < LIN_M * LIN_N; e++)
        if (!mask[e])
            cr_assert(w[e] == fixed[e], "masked W[%d] moved: %.9g -> %.9g", e, (double)fixed[e],
                      (double)w[e]);
    free(r.W);
    free(r.P);
    lin_free(&L);
}

NFT_BACKEND_TEST(force_masked, desired_currents_equal_the_target_input, .timeout = 30) {
    enum { B = 2 };
    float out[2][LIN_M * LIN_N];
    for (int variant = 0; variant < 2; variant++) {
        lin L = lin_network(backend, B, 99u);
        float w[LIN_M * LIN_N] = {0};
        for (int i = 0; i < LIN_M; i++)
            for (int k = lin_row_ptr[i]; k < lin_row_ptr[i + 1]; k++)
                w[i * LIN_N + lin_col[k]] = 0.1f * (float)(k + 1);
        nf_connection_desc cd = nf_connection_defaults();
        cd.weights = w;
        NFT_OK(L.net, nf_connect(L.net, L.pre, L.post, &cd, &L.conn));
        nf_learner_desc d = lin_masked(&L, L.conn, 1.0f);
        int32_t desired, sink;
        if (variant == 1) { /* J_d = the target through an identity connection */
            nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, LIN_M);
            NFT_OK(L.net, nf_population_add(L.net, &pd, &sink));
            nf_connection_desc id = nf_connection_defaults();
            id.kind = NF_CONNECTION_IDENTITY;
            NFT_OK(L.net, nf_connect(L.net, L.target, sink, &id, &desired));
            d.target = -1;
            d.desired = &desired;
            d.n_desired = 1;
        }
        NFT_OK(L.net, nf_learner_add(L.net, &d, &L.learner));
        NFT_OK(L.net, nf_network_run(L.net, LIN_T));
        NFT_OK(L.net, nf_connection_get_weights(L.net, L.conn, out[variant]));
        lin_free(&L);
    }
    nft_assert_all_equal(out[0], out[1], LIN_M * LIN_N, "W (desired vs target)");
}

// --- a chaotic network: the mask holds, P is small, the rows learn

NFT_BACKEND_TEST(force_masked, masked_weights_stay_zero_over_a_long_run, .timeout = 60) {
    enum { N = 80, T = 3000 };
    nf_network *net = nft_network(backend, 0.1, 1, 11);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
    pd.x_init_scale = 0.5f;
    int32_t pop, rec, target, learner, probe;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 0.15f;
    NFT_OK(net, nf_connect(net, pop, pop, &cd, &rec));
    float *w0 = nft_alloc(N * N, sizeof *w0), *w = nft_alloc(N * N, sizeof *w);
    NFT_OK(net, nf_connection_get_weights(net, rec, w0));
    int64_t sum_k2 = 0, zeros = 0;
    for (int i = 0; i < N; i++) {
        int64_t k = 0;
        for (int j = 0; j < N; j++)
            k += w0[i * N + j] != 0.0f;
        sum_k2 += k * k;
        zeros += N - k;
    }
    cr_assert_gt(zeros, N * N / 2, "the generated matrix should be sparse");
    /* Per-row targets: sines of different phases (BioFORCE's per-neuron traces). */
    float *f = nft_alloc((size_t)T * N, sizeof *f);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++)
            f[(size_t)t * N + i] = 0.8f * sinf(2.0f * 3.14159265f * (float)t / 120.0f + 0.3f * i);
    NFT_OK(net, nf_input_add(net, N, &target));
    NFT_OK(net, nf_input_set(net, target, T, f));
    nf_learner_desc d = nf_learner_defaults();
    d.kind = NF_LEARNER_MASKED;
    d.connection = rec;
    d.target = target;
    d.every = 2;
    NFT_OK(net, nf_learner_add(net, &d, &learner));
    int64_t pc = 0;
    NFT_OK(net, nf_learner_p_count(net, learner, &pc));
    cr_assert_eq(pc, sum_k2, "P values %lld, sum K_i^2 = %lld (N^3 would be %d)", (long long)pc,
                 (long long)sum_k2, N * N * N);
    NFT_OK(net, nf_probe_add(net, learner, NF_PROBE_ERROR, 1, &probe));
    NFT_OK(net, nf_network_run(net, T));
    NFT_OK(net, nf_connection_get_weights(net, rec, w));
    int64_t moved = 0;
    for (int e = 0; e < N * N; e++) {
        if (w0[e] == 0.0f)
            cr_assert(w[e] == 0.0f && !signbit(w[e]), "masked W[%d][%d] = %g, must stay 0",
                      e / N, e % N, (double)w[e]);
        moved += w[e] != w0[e];
    }
    cr_assert_eq(moved, N * N - zeros, "every connected synapse learns (%lld of %lld moved)",
                 (long long)moved, (long long)(N * N - zeros));
    float *e = nft_alloc((size_t)T * N, sizeof *e);
    int64_t rows;
    NFT_OK(net, nf_probe_read(net, probe, e, (size_t)T * N, &rows));
    cr_assert_eq(rows, T);
    double early = 0.0, late = 0.0;
    for (int t = 0; t < 200; t++)
        for (int i = 0; i < N; i++) {
            early += fabs(e[(size_t)t * N + i]);
            late += fabs(e[(size_t)(T - 200 + t) * N + i]);
        }
    cr_log_info("masked run: mean |e| first 200 steps %.4g, last 200 %.4g", early / (200.0 * N),
                late / (200.0 * N));
    cr_assert_lt(late, 0.3 * early, "the rows should follow their targets: mean |e| %.4g -> %.4g",
                 early / (200.0 * N), late / (200.0 * N));
    free(e);
    free(f);
    free(w0);
    free(w);
    nf_network_destroy(net);
}

// --- float64 P

/* Readout RLS on rows R of a population (as in test_force), returns the weights. */
static void readout_rls(nf_backend backend, nf_precision precision, const float *R,
                        const float *f, int n, int T, float alpha, float *w) {
    nf_network *net = nft_network(backend, 0.001, 1, 3);
    int32_t readout, learner;
    nft_readout_rls_on_rows(net, n, T, R, f, alpha, precision, &readout, &learner);
    NFT_OK(net, nf_readout_get_weights(net, readout, w));
    nf_network_destroy(net);
}

/* The same RLS in double (weights in double too). */
static void readout_rls_reference(const float *R, const float *f, int n, int T, double alpha,
                                  double *w) {
    double *P = nft_alloc((size_t)n * n, sizeof *P), *k = nft_alloc(n, sizeof *k);
    for (int i = 0; i < n; i++)
        P[i * n + i] = 1.0 / alpha;
    memset(w, 0, n * sizeof *w);
    for (int t = 0; t < T; t++) {
        const float *r = R + (size_t)t * n;
        double z = 0.0, dot = 0.0;
        for (int j = 0; j < n; j++)
            z += w[j] * r[j];
        for (int i = 0; i < n; i++) {
            k[i] = 0.0;
            for (int j = 0; j < n; j++)
                k[i] += P[i * n + j] * r[j];
            dot += r[i] * k[i];
        }
        const double c = 1.0 / (1.0 + dot), e = z - f[t];
        for (int i = 0; i < n; i++) {
            w[i] -= c * e * k[i];
            for (int j = 0; j < n; j++)
                P[i * n + j] -= c * k[i] * k[j];
        }
    }
    free(P);
    free(k);
}

/* Rows r_t = base_t (1, ..., 1) + spread * noise: nearly collinear when spread is small. */
static void make_rows(int n, int T, double spread, unsigned seed, float *R, float *f) {
    for (int t = 0; t < T; t++) {
        const double base = 0.5 + (double)lcg(&seed) / 65536.0;
        double y = 0.0;
        for (int j = 0; j < n; j++) {
            R[t * n + j] = (float)(base + spread * ((double)lcg(&seed) / 65536.0 - 0.5));
            y += (j % 2 ? 1.0 : -0.5) * R[t * n + j];
        }
        f[t] = (float)y;
    }
}

NFT_BACKEND_TEST(force_masked, f64_p_matches_f32_on_a_short_run, .timeout = 30) {
    enum { N = 10, T = 200 };
    float R[T * N], f[T], w32[N], w64[N];
    make_rows(N, T, 1.0, 17u, R, f);
    readout_rls(backend, NF_PRECISION_F32, R, f, N, T, 1.0f, w32);
    readout_rls(backend, NF_PRECISION_F64, R, f, N, T, 1.0f, w64);
    nft_assert_all_close(w64, w32, N, 1e-3, 1e-4, "w (f32 P against f64 P)");
}

NFT_BACKEND_TEST(force_masked, f64_p_is_closer_on_an_ill_conditioned_problem, .timeout = 30) {
    enum { N = 12, T = 400 };
    float R[T * N], f[T], w32[N], w64[N];
    double wref[N];
    make_rows(N, T, 1e-3, 23u, R, f);
    const float alpha = 1e-4f;
    readout_rls(backend, NF_PRECISION_F32, R, f, N, T, alpha, w32);
    readout_rls(backend, NF_PRECISION_F64, R, f, N, T, alpha, w64);
    readout_rls_reference(R, f, N, T, alpha, wref);
    double err32 = 0.0, err64 = 0.0, norm = 0.0;
    for (int j = 0; j < N; j++) {
        err32 += (w32[j] - wref[j]) * (w32[j] - wref[j]);
        err64 += (w64[j] - wref[j]) * (w64[j] - wref[j]);
        norm += wref[j] * wref[j];
    }
    err32 = sqrt(err32 / norm);
    err64 = sqrt(err64 / norm);
    cr_log_info("ill-conditioned RLS: relative weight error f32 P %.3g, f64 P %.3g", err32, err64);
    cr_assert_lt(err64, 1e-3, "f64 P: relative error %.3g against the double reference", err64);
    cr_assert_lt(err64 * 10.0, err32, "f64 P (%.3g) should beat f32 P (%.3g) by 10x", err64,
                 err32);
}

// --- refusals

#define REFUSED_WITH(net, words, call)                                                      \
    do {                                                                                    \
        nf_status st_ = (call);                                                             \
        cr_assert_eq(st_, NF_ERR_INVALID_ARGUMENT, "%s: %s", #call, nf_status_string(st_)); \
        cr_assert(strstr(nf_network_last_error(net), (words)) != NULL,                      \
                  "%s: message \"%s\" lacks \"%s\"", #call, nf_network_last_error(net),     \
                  (words));                                                                 \
    } while (0)

Test(force_masked, bad_descriptors_are_refused_and_change_nothing) {
    lin L = lin_network(NF_BACKEND_CPU, 1, 5u);
    nf_network *net = L.net;
    float w[LIN_M * LIN_N] = {0};
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    NFT_OK(net, nf_connect(net, L.pre, L.post, &cd, &L.conn));
    int32_t from_input, identity, sparse, spiking, event, wrong_dim, readout, last;
    NFT_OK(net, nf_connect(net, L.in, L.post, &cd, &from_input));
    nf_connection_desc id = nf_connection_defaults();
    id.kind = NF_CONNECTION_IDENTITY;
    NFT_OK(net, nf_connect(net, L.target, L.post, &id, &identity));
    nf_connection_desc sd = lin_sparse(w, 0);
    NFT_OK(net, nf_connect(net, L.pre, L.post, &sd, &sparse));
    nf_population_desc lif = nf_population_defaults(NF_MODEL_LIF, LIN_N);
    NFT_OK(net, nf_population_add(net, &lif, &spiking));
    NFT_OK(net, nf_connect(net, spiking, L.post, &sd, &event));
    NFT_OK(net, nf_input_add(net, 3, &wrong_dim));
    NFT_OK(net, nf_readout_add(net, L.pre, 1, NULL, &readout));
    last = readout;
    uint8_t mask[LIN_M * LIN_N];
    structure_mask(mask);

    nf_learner_desc ok = lin_masked(&L, L.conn, 1.0f);
    nf_learner_desc d;
    int32_t lid = -1, desired = identity;
#define BAD(words, ...)                                                                     \
    do {                                                                                    \
        d = ok;                                                                             \
        __VA_ARGS__;                                                                        \
        REFUSED_WITH(net, words, nf_learner_add(net, &d, &lid));                            \
    } while (0)
    BAD("connection -1 does not exist", d.connection = -1);
    BAD("is a population", d.connection = L.pre);
    BAD("dense or sparse", d.connection = identity);
    BAD("dense or sparse and not event-driven", d.connection = event);
    BAD("must come from a population", d.connection = from_input);
    BAD("target 99 does not exist", d.target = 99);
    BAD("has dim 3, expected one value per row", d.target = wrong_dim);
    BAD("not both", d.desired = &desired; d.n_desired = 1);
    BAD("desired must list 1 to", d.target = -1);
    BAD("mask is for a dense connection", d.connection = sparse; d.mask = mask);
    BAD("mask is for NF_LEARNER_MASKED", d.kind = NF_LEARNER_READOUT; d.readout = readout;
        d.connection = -1; d.mask = mask);
    BAD("p_precision 5 is not an nf_precision", d.p_precision = (nf_precision)5);
    BAD("alpha must be > 0", d.alpha = -1.0f);
#undef BAD
    /* Nothing was added: the next object gets the next id, and the weights are as given. */
    NFT_OK(net, nf_learner_add(net, &ok, &lid));
    cr_assert_eq(lid, last + 1, "learner id %d, expected %d (refusals must add nothing)", lid,
                 last + 1);
    float got[LIN_M * LIN_N];
    NFT_OK(net, nf_connection_get_weights(net, L.conn, got));
    nft_assert_all_equal(w, got, LIN_M * LIN_N, "weights after refusals");
    lin_free(&L);
}

Test(force_masked, packed_p_round_trips_and_refuses_asymmetric_blocks) {
    lin L = lin_network(NF_BACKEND_CPU, 1, 8u);
    float w[9] = {0};
    nf_connection_desc cd = lin_sparse(w, 0);
    NFT_OK(L.net, nf_connect(L.net, L.pre, L.post, &cd, &L.conn));
    nf_learner_desc d = lin_masked(&L, L.conn, 4.0f);
    NFT_OK(L.net, nf_learner_add(L.net, &d, &L.learner));
    /* P(0): each block I/alpha. */
    float p[29], back[29];
    NFT_OK(L.net, nf_learner_get_p(L.net, L.learner, p));
    for (int i = 0, off = 0; i < LIN_M; i++) {
        const int k = lin_row_ptr[i + 1] - lin_row_ptr[i];
        for (int x = 0; x < k; x++)
            for (int y = 0; y < k; y++)
                cr_assert(p[off + x * k + y] == (x == y ? 0.25f : 0.0f), "P_%d[%d][%d] = %g", i,
                          x, y, (double)p[off + x * k + y]);
        off += k * k;
    }
    /* Symmetric blocks go in and come back; an asymmetric one (row 3, [0][1]) is refused. */
    for (int e = 0; e < 29; e++)
        p[e] = 0.0f;
    for (int i = 0, off = 0; i < LIN_M; i++) {
        const int k = lin_row_ptr[i + 1] - lin_row_ptr[i];
        for (int x = 0; x < k; x++)
            for (int y = 0; y < k; y++)
                p[off + x * k + y] = 1.0f / (float)(1 + x + y) + (x == y ? (float)i : 0.0f);
        off += k * k;
    }
    NFT_OK(L.net, nf_learner_set_p(L.net, L.learner, p));
    NFT_OK(L.net, nf_learner_get_p(L.net, L.learner, back));
    nft_assert_all_equal(p, back, 29, "P after set");
    float bent[29];
    memcpy(bent, p, sizeof p);
    bent[13 + 1] += 1.0f; /* row 3's block starts at 9 + 4 = 13; [0][1] */
    REFUSED_WITH(L.net, "symmetric", nf_learner_set_p(L.net, L.learner, bent));
    cr_assert(strstr(nf_network_last_error(L.net), "block 3"), "%s",
              nf_network_last_error(L.net));
    NFT_OK(L.net, nf_learner_get_p(L.net, L.learner, back));
    nft_assert_all_equal(p, back, 29, "P after a refused set");
    lin_free(&L);
}
