/*
 * FORCE readout learning against its references:
 *  - RLS with P(0) = I/alpha converges to the regularised least-squares
 *    weights w = (R^T R + alpha I)^-1 R^T f on a random linear problem;
 *  - Sussillo & Abbott's FORCE.m (N = 200, 1440 steps, learning every step),
 *    replayed in Octave (tests/fixtures/sussillo_force_golden_N200, .npy
 *    files read with nf_npy_read_f32): z(t), |w(t)|, the final w and trace(P)
 *    follow Octave within float32 tolerance;
 *  - the Nicola & Clopath rule (w -= e k) against a hand computation.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "tasks/tasks.h"

TestSuite(force, .timeout = 120);

// --- RLS against batch least squares

/* Solves the n x n system A x = b in place (Gaussian elimination, partial pivoting). */
static void solve(double *a, double *b, int n) {
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[piv * n + c]))
                piv = r;
        for (int k = 0; k < n; k++) {
            double t = a[c * n + k];
            a[c * n + k] = a[piv * n + k];
            a[piv * n + k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (int r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (int k = c; k < n; k++)
                a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        for (int k = c + 1; k < n; k++)
            b[c] -= a[c * n + k] * b[k];
        b[c] /= a[c * n + c];
    }
}

NFT_BACKEND_TEST(force, rls_converges_to_regularised_least_squares, .timeout = 60) {
    enum { N = 12, T = 400 };
    const float alpha = 0.5f;
    nf_network *net = nft_network(backend, 0.001, 1, 3);
    /* r_t = R_t exactly: a RELU population fed by an identity input of positive rows. */
    int32_t readout, learner;
    float *R = nft_alloc((size_t)T * N, sizeof *R), *f = nft_alloc(T, sizeof *f);
    const double w_true[N] = {0.5, -1.0, 0.25, 2.0, -0.75, 0.1, 0.0, 1.5, -2.0, 0.3, 0.9, -0.4};
    unsigned seed = 12345u;
    for (int t = 0; t < T; t++) {
        double y = 0.0;
        for (int j = 0; j < N; j++) {
            seed = seed * 1103515245u + 12345u;
            R[t * N + j] = 0.1f + (float)((seed >> 8) & 0xffff) / 65536.0f;
            y += w_true[j] * R[t * N + j];
        }
        seed = seed * 1103515245u + 12345u;
        f[t] = (float)(y + 0.05 * (((seed >> 8) & 0xffff) / 65536.0 - 0.5));
    }
    nft_readout_rls_on_rows(net, N, T, R, f, alpha, NF_PRECISION_F32, &readout, &learner);

    double A[N * N] = {0}, b[N] = {0};
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) {
            b[i] += (double)R[t * N + i] * f[t];
            for (int j = 0; j < N; j++)
                A[i * N + j] += (double)R[t * N + i] * R[t * N + j];
        }
    for (int i = 0; i < N; i++)
        A[i * N + i] += alpha;
    solve(A, b, N);
    float w[N];
    NFT_OK(net, nf_readout_get_weights(net, readout, w));
    for (int j = 0; j < N; j++)
        cr_assert(nft_close(b[j], w[j], 2e-3, 2e-4), "w[%d]: least squares %.7g, RLS %.7g", j,
                  b[j], (double)w[j]);
    float *P = nft_alloc(N * N, sizeof *P);
    NFT_OK(net, nf_learner_get_p(net, learner, P));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            cr_assert(P[i * N + j] == P[j * N + i], "P[%d][%d] != P[%d][%d]", i, j, j, i);
    free(P);
    free(R);
    free(f);
    nf_network_destroy(net);
}

// --- Sussillo & Abbott FORCE.m, the Octave golden trajectory

#define GOLD_N 200
#define GOLD_T 1440
/* float32 against double over 1440 chaotic steps under learning. */
#define GOLD_Z_ATOL 2e-5
#define GOLD_W_RTOL 2e-4

/* Reads the golden array `name` (float64 in the file, float32 here), asserting its shape. */
static float *golden(const char *name, int32_t ndim, int64_t length) {
    char path[512], msg[512] = "";
    snprintf(path, sizeof path, "%s/sussillo_force_golden_N200/%s.npy", NFT_FIXTURES_DIR, name);
    float *v = NULL;
    int32_t got_ndim;
    int64_t shape[NF_NPY_MAX_DIMS];
    cr_assert_eq(nf_npy_read_f32(path, &v, &got_ndim, shape, msg, sizeof msg), NF_OK, "%s", msg);
    cr_assert_eq(got_ndim, ndim, "%s: %d dimensions, expected %d", path, got_ndim, ndim);
    for (int32_t d = 0; d < ndim; d++)
        cr_assert_eq(shape[d], length, "%s: shape[%d] %lld, expected %lld", path, d,
                     (long long)shape[d], (long long)length);
    return v;
}

/* FORCE.m's parameters (the fixture's README): dt 0.1 in units of tau = 1,
 * alpha 1 (P(0) = I), learning every step; the learner defaults are these. */
NFT_BACKEND_TEST(force, sussillo_abbott_golden_trajectory, .timeout = 120) {
    float *M = golden("M", 2, GOLD_N), *wf = golden("wf", 1, GOLD_N), *x0 = golden("x0", 1, GOLD_N);
    float *z0 = golden("z0", 0, 0), *ft = golden("ft", 1, GOLD_T);
    float *zt = golden("zt", 1, GOLD_T), *wlen = golden("wo_len", 1, GOLD_T);
    float *wfinal = golden("final_wo", 1, GOLD_N), *trace = golden("final_P_trace", 0, 0);

    nf_network *net = nft_network(backend, 0.1, 1, 1);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, GOLD_N);
    pd.tau = 1.0f;
    int32_t pop, rec, target, readout, fb, learner, pz;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = M;
    NFT_OK(net, nf_connect(net, pop, pop, &cd, &rec));
    NFT_OK(net, nf_population_set_state(net, pop, NF_STATE_X, x0));
    NFT_OK(net, nf_readout_add(net, pop, 1, NULL, &readout));
    NFT_OK(net, nf_readout_set_state(net, readout, z0));
    cd.weights = wf;
    NFT_OK(net, nf_connect(net, readout, pop, &cd, &fb));
    NFT_OK(net, nf_input_add(net, 1, &target));
    NFT_OK(net, nf_input_set(net, target, GOLD_T, ft));
    nf_learner_desc ld = nf_learner_defaults();
    cr_assert(ld.alpha == 1.0f && ld.every == 1, "FORCE.m's alpha 1 and learn_every 1");
    ld.readout = readout;
    ld.target = target;
    NFT_OK(net, nf_learner_add(net, &ld, &learner));
    NFT_OK(net, nf_probe_add(net, readout, NF_PROBE_OUTPUT, 1, &pz));

    float w[GOLD_N], z;
    double worst_z = 0.0, worst_w = 0.0;
    for (int t = 0; t < GOLD_T; t++) {
        int64_t rows;
        NFT_OK(net, nf_network_run(net, 1));
        NFT_OK(net, nf_probe_read(net, pz, &z, 1, &rows));
        NFT_OK(net, nf_readout_get_weights(net, readout, w));
        double len = 0.0;
        for (int i = 0; i < GOLD_N; i++)
            len += (double)w[i] * w[i];
        len = sqrt(len);
        const double dz = fabs((double)z - zt[t]), ref_len = wlen[t];
        worst_z = fmax(worst_z, dz);
        worst_w = fmax(worst_w, fabs(len - ref_len) / fmax(ref_len, 1e-3));
        cr_assert(dz <= GOLD_Z_ATOL, "step %d: z %.7g, Octave %.7g", t, (double)z, (double)zt[t]);
        cr_assert(fabs(len - ref_len) <= GOLD_W_RTOL * fmax(ref_len, 1e-3),
                  "step %d: |w| %.7g, Octave %.7g", t, len, ref_len);
    }
    for (int i = 0; i < GOLD_N; i++)
        cr_assert(fabs((double)w[i] - wfinal[i]) <= GOLD_W_RTOL * 10 * fabs(wfinal[i]) + 1e-4,
                  "final w[%d] %.7g, Octave %.7g", i, (double)w[i], (double)wfinal[i]);
    float *P = nft_alloc(GOLD_N * GOLD_N, sizeof *P);
    NFT_OK(net, nf_learner_get_p(net, learner, P));
    double tr = 0.0;
    for (int i = 0; i < GOLD_N; i++)
        tr += P[i * GOLD_N + i];
    cr_assert(nft_close(trace[0], tr, 1e-4, 0.0), "trace(P) %.7g, Octave %.7g", tr,
              (double)trace[0]);
    cr_log_info("golden: max |z - z_octave| %.3g, max relative |w| deviation %.3g, trace(P) "
                "%.6g vs %.6g", worst_z, worst_w, tr, (double)trace[0]);
    free(P);
    float *const arrays[] = {M, wf, x0, z0, ft, zt, wlen, wfinal, trace};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
        nf_npy_free(arrays[k]);
    nf_network_destroy(net);
}

// --- the Nicola & Clopath rule

NFT_BACKEND_TEST(force, nicola_clopath_rule_drops_the_factor_c, .timeout = 30) {
    enum { N = 3 };
    for (int rule = 0; rule < 2; rule++) {
        nf_network *net = nft_network(backend, 0.001, 1, 3);
        nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, N);
        const float r[N] = {1.0f, 2.0f, 0.5f};
        pd.biases = r;
        int32_t pop, target, readout, learner;
        NFT_OK(net, nf_population_add(net, &pd, &pop));
        NFT_OK(net, nf_input_add(net, 1, &target));
        const float f = 2.0f, w0[N] = {0.5f, 0.25f, -1.0f};
        NFT_OK(net, nf_input_set(net, target, 1, &f));
        nf_readout_desc rd = {.weights = w0};
        NFT_OK(net, nf_readout_add(net, pop, 1, &rd, &readout));
        nf_learner_desc ld = nf_learner_defaults();
        ld.readout = readout;
        ld.target = target;
        ld.alpha = 2.0f;
        ld.rule = rule ? NF_RLS_NICOLA_CLOPATH : NF_RLS_SUSSILLO_ABBOTT;
        NFT_OK(net, nf_learner_add(net, &ld, &learner));
        NFT_OK(net, nf_network_run(net, 1));
        /* P = I/2: k = r/2, r.k = (1 + 4 + 0.25)/2, c = 1/(1 + r.k); e = w0.r - f. */
        const double z = 0.5 * 1 + 0.25 * 2 - 1.0 * 0.5, e = z - f;
        const double c = 1.0 / (1.0 + 5.25 / 2.0), g = rule ? e : c * e;
        float w[N], P[N * N];
        NFT_OK(net, nf_readout_get_weights(net, readout, w));
        NFT_OK(net, nf_learner_get_p(net, learner, P));
        for (int j = 0; j < N; j++) {
            cr_assert(nft_close(w0[j] - g * r[j] / 2.0, w[j], 1e-6, 1e-7), "rule %d: w[%d] %.8g",
                      rule, j, (double)w[j]);
            for (int i = 0; i < N; i++)
                cr_assert(nft_close((i == j ? 0.5 : 0.0) - c * (r[i] / 2.0) * (r[j] / 2.0),
                                    P[i * N + j], 1e-6, 1e-7),
                          "rule %d: P[%d][%d] %.8g", rule, i, j, (double)P[i * N + j]);
        }
        nf_network_destroy(net);
    }
}

// --- Sussillo & Abbott's canonical task, N = 1000

NFT_BACKEND_TEST(force, sussillo_abbott_n1000_learns_the_sum_of_sines_slow, .timeout = 120) {
    nf_network *net = nft_network(backend, 0.1, 1, 2009);
    nftask_sussillo_task task = nftask_sussillo_defaults();
    task.test_steps = 2000;
    nftask_sussillo_net ids;
    NFT_OK(net, nftask_sussillo_build(net, &task, &ids));
    const int64_t steps = task.train_steps + task.test_steps;
    NFT_OK(net, nf_network_run(net, steps));
    float *e = nft_alloc((size_t)steps, sizeof *e);
    int64_t rows;
    NFT_OK(net, nf_probe_read(net, ids.error_probe, e, (size_t)steps, &rows));
    cr_assert_eq(rows, steps);
    const double train = nftask_mean_abs(e, 0, task.train_steps, 1);
    const double test = nftask_mean_abs(e, task.train_steps, steps, 1);
    cr_log_info("Sussillo & Abbott N 1000: training MAE %.5f, testing MAE %.5f", train, test);
    cr_assert(train < 0.01, "training MAE %.5f is not below 0.01", train);
    cr_assert(test < 0.1, "testing MAE %.5f: the trained network does not hold the target", test);
    free(e);
    nf_network_destroy(net);
}

// --- recurrent rows (internal FORCE) and desired currents (full-FORCE), one step by hand

/* A RELU population with output r (its biases) and P(0) = I/2 after one
 * learning step: k = r/2, c = 1/(1 + |r|^2/2). */
static const float HAND_R[3] = {1.0f, 2.0f, 0.5f};
#define HAND_C (1.0 / (1.0 + 5.25 / 2.0))

NFT_BACKEND_TEST(force, recurrent_rows_learn_from_the_scaled_readout_error, .timeout = 30) {
    nf_network *net = nft_network(backend, 0.001, 1, 3);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 3);
    pd.biases = HAND_R;
    int32_t pop, post, target, readout, rec, learner, probe;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    pd = nf_population_defaults(NF_MODEL_RELU, 2);
    NFT_OK(net, nf_population_add(net, &pd, &post));
    const float w0[3] = {0.5f, 0.25f, -1.0f}, f = 2.0f;
    const float m0[6] = {0.1f, 0.2f, 0.3f, -0.4f, 0.5f, -0.6f}, u[2] = {1.0f, -0.5f};
    nf_readout_desc rd = {.weights = w0};
    NFT_OK(net, nf_readout_add(net, pop, 1, &rd, &readout));
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = m0;
    NFT_OK(net, nf_connect(net, pop, post, &cd, &rec));
    NFT_OK(net, nf_input_add(net, 1, &target));
    NFT_OK(net, nf_input_set(net, target, 1, &f));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    ld.target = target;
    ld.connection = rec;
    ld.row_scale = u;
    ld.alpha = 2.0f;
    NFT_OK(net, nf_learner_add(net, &ld, &learner));
    NFT_OK(net, nf_probe_add(net, learner, NF_PROBE_ERROR, 1, &probe));
    NFT_OK(net, nf_network_run(net, 1));
    const double e = (0.5 * 1 + 0.25 * 2 - 1.0 * 0.5) - f;
    float m[6], w[3], pe;
    int64_t rows;
    NFT_OK(net, nf_connection_get_weights(net, rec, m));
    NFT_OK(net, nf_readout_get_weights(net, readout, w));
    NFT_OK(net, nf_probe_read(net, probe, &pe, 1, &rows));
    cr_assert(nft_close(e, pe, 1e-6, 1e-7), "error probe %.8g, expected %.8g", (double)pe, e);
    for (int j = 0; j < 3; j++) {
        cr_assert(nft_close(w0[j] - HAND_C * e * HAND_R[j] / 2, w[j], 1e-6, 1e-7), "w[%d]", j);
        for (int i = 0; i < 2; i++)
            cr_assert(nft_close(m0[i * 3 + j] - HAND_C * u[i] * e * HAND_R[j] / 2, m[i * 3 + j],
                                1e-6, 1e-7),
                      "row %d col %d: %.8g", i, j, (double)m[i * 3 + j]);
    }
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(force, currents_learn_the_desired_currents, .timeout = 30) {
    nf_network *net = nft_network(backend, 0.001, 1, 3);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 3);
    pd.biases = HAND_R;
    int32_t pop, task, gen, in, learn, desired, learner, probe;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    pd = nf_population_defaults(NF_MODEL_RELU, 2);
    NFT_OK(net, nf_population_add(net, &pd, &task));
    NFT_OK(net, nf_population_add(net, &pd, &gen));
    const float m0[6] = {0.1f, 0.2f, 0.3f, -0.4f, 0.5f, -0.6f}, jd[2] = {1.5f, -2.0f};
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = m0;
    NFT_OK(net, nf_connect(net, pop, task, &cd, &learn));
    NFT_OK(net, nf_input_add(net, 2, &in));
    NFT_OK(net, nf_input_set(net, in, 1, jd));
    cd.kind = NF_CONNECTION_IDENTITY;
    NFT_OK(net, nf_connect(net, in, gen, &cd, &desired));
    nf_learner_desc ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_CURRENTS;
    ld.connection = learn;
    ld.desired = &desired;
    ld.n_desired = 1;
    ld.alpha = 2.0f;
    NFT_OK(net, nf_learner_add(net, &ld, &learner));
    NFT_OK(net, nf_probe_add(net, learner, NF_PROBE_ERROR, 1, &probe));
    NFT_OK(net, nf_network_run(net, 1));
    float m[6], pe[2];
    int64_t rows;
    NFT_OK(net, nf_connection_get_weights(net, learn, m));
    NFT_OK(net, nf_probe_read(net, probe, pe, 2, &rows));
    for (int i = 0; i < 2; i++) {
        double wr = 0.0;
        for (int j = 0; j < 3; j++)
            wr += (double)m0[i * 3 + j] * HAND_R[j];
        const double e = wr - jd[i];
        cr_assert(nft_close(e, pe[i], 1e-6, 1e-7), "row %d error %.8g, expected %.8g", i,
                  (double)pe[i], e);
        for (int j = 0; j < 3; j++)
            cr_assert(nft_close(m0[i * 3 + j] - HAND_C * e * HAND_R[j] / 2, m[i * 3 + j], 1e-6,
                                1e-7),
                      "row %d col %d: %.8g", i, j, (double)m[i * 3 + j]);
    }
    nf_network_destroy(net);
}
