/*
 * The canonical FORCE tasks (tasks/) at small sizes, and batching:
 *  - each task learns: its testing mean absolute error falls well below the
 *    error of an untrained (zero) readout, mean |f| (2/pi = 0.64 for a sine);
 *  - batch equivalence: element i of a batch of independent networks (per-batch
 *    weights and P, each element given the weights, initial state and P of a
 *    network built alone from its own seed) follows that network's single run;
 *  - shared weights: one P and one w updated element after element within a
 *    step, with every element's error taken before the step's updates, equal
 *    a hand computation in double of that order.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tasks/tasks.h"

TestSuite(tasks, .timeout = 120);

/* The spiking tasks take 2-7 s each here (20k-150k steps), minutes under
 * valgrind: named _slow so that valgrind leaves them out.
 * A learned sine holds to within a third of an untrained readout's error
 * (2/pi = 0.637): <= 0.2 on the test window, <= 0.1 while learning. */
#define SINE_TEST_MAE 0.2
#define SINE_TRAIN_MAE 0.1

/* Runs the Nicola & Clopath task for `model` at N n over `seconds`, learning
 * in [start, stop), and checks both errors. */
static void nc_learns(nf_backend backend, nf_model model, int32_t n, double seconds,
                      double start, double stop) {
    nftask_nc_task task = nftask_nc_defaults(model);
    task.n = n;
    task.seconds = seconds;
    task.learn_start = start;
    task.learn_stop = stop;
    nf_network *net = nft_network(backend, task.dt, 1, 2017);
    nftask_errors err;
    NFT_OK(net, nftask_nc_run(net, &task, &err));
    cr_log_info("Nicola & Clopath model %d, N %d, %g s: training MAE %.4f, testing MAE %.4f",
                (int)model, n, seconds, err.train, err.test);
    cr_assert(err.train < SINE_TRAIN_MAE, "training MAE %.4f is not below %.2f", err.train,
              SINE_TRAIN_MAE);
    cr_assert(err.test < SINE_TEST_MAE, "testing MAE %.4f is not below %.2f (untrained 0.64)",
              err.test, SINE_TEST_MAE);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(tasks, nicola_clopath_lif_learns_the_sine_slow, .timeout = 120) {
    nc_learns(backend, NF_MODEL_LIF, 1000, 3.0, 0.5, 2.5);
}

NFT_BACKEND_TEST(tasks, nicola_clopath_izhikevich_learns_the_sine_slow, .timeout = 120) {
    nc_learns(backend, NF_MODEL_IZHIKEVICH, 1000, 2.0, 0.5, 1.5);
}

NFT_BACKEND_TEST(tasks, nicola_clopath_theta_learns_the_sine_slow, .timeout = 120) {
    nc_learns(backend, NF_MODEL_THETA, 500, 1.5, 0.5, 1.0);
}

/* Set up as their scripts: RLS on their steps i = 1 + m every (here t = i - 1
 * a multiple of every) with imin < i < icrit: the first at t = imin, none at
 * t = icrit - 1; the LIF neurons start refractory for tau_ref (their
 * t_last = 0). Izhikevich neurons (bias 1000) spike from the start, so r > 0
 * at the first update. */
static bool nc_p_changes(nf_network *net, int32_t learner, int32_t n, int64_t steps) {
    double *p0 = nft_alloc((size_t)n * n, sizeof *p0), *p1 = nft_alloc((size_t)n * n, sizeof *p1);
    NFT_OK(net, nf_learner_get_p_f64(net, learner, p0));
    NFT_OK(net, nf_network_run(net, steps));
    NFT_OK(net, nf_learner_get_p_f64(net, learner, p1));
    const bool changed = memcmp(p0, p1, sizeof *p0 * n * n) != 0;
    free(p0);
    free(p1);
    return changed;
}

NFT_BACKEND_TEST(tasks, nicola_clopath_learns_on_the_scripts_steps, .timeout = 60) {
    nftask_nc_task task = nftask_nc_defaults(NF_MODEL_IZHIKEVICH);
    task.n = 100;
    task.seconds = 0.05;
    task.learn_start = 0.02;   /* imin 500 steps of 0.04 ms; every 20 */
    task.learn_stop = 0.04004; /* icrit 1001: their last update i = 981 (t 980) */
    nf_network *net = nft_network(backend, task.dt, 1, 2017);
    nftask_nc_net ids;
    NFT_OK(net, nftask_nc_build(net, &task, &ids));
    cr_assert_eq(ids.learn_start, 500);
    cr_assert_eq(ids.learn_stop, 1001);
    cr_assert(!nc_p_changes(net, ids.learner, task.n, 500), "updated before step 500");
    cr_assert(nc_p_changes(net, ids.learner, task.n, 1), "no update on step 500 (i 501)");
    cr_assert(!nc_p_changes(net, ids.learner, task.n, 19), "updated on steps 501-519");
    cr_assert(nc_p_changes(net, ids.learner, task.n, 1), "no update on step 520");
    NFT_OK(net, nf_network_run(net, 980 - 521));
    cr_assert(nc_p_changes(net, ids.learner, task.n, 1), "no update on step 980 (i 981)");
    cr_assert(!nc_p_changes(net, ids.learner, task.n, 21), "updated on steps 981-1001");
    nf_network_destroy(net);

    nftask_nc_task lif = nftask_nc_defaults(NF_MODEL_LIF);
    lif.n = 50;
    net = nft_network(backend, lif.dt, 1, 2017);
    NFT_OK(net, nftask_nc_build(net, &lif, &ids));
    float ref[50];
    NFT_OK(net, nf_population_get_state(net, ids.pop, NF_STATE_REFRACTORY, ref));
    for (int i = 0; i < lif.n; i++)
        cr_assert_eq(ref[i], 0.002f, "neuron %d starts with refractory time %g", i, ref[i]);
    nf_network_destroy(net);
}

/* TENSION's sum of sinusoids, sin(8 pi t) sin(pi t), has mean |f| = 0.406 over
 * its 801 steps; full-FORCE at N 300 holds it within 0.04 (a tenth) with
 * learning off (0.023 here), and follows it within 0.03 while learning (0.008).
 * N 150 is too small for this target: testing MAE 0.02-0.39 over seeds 1-10. */
NFT_BACKEND_TEST(tasks, tension_full_force_learns_the_sum_of_sinusoids, .timeout = 180) {
    nf_network *net = nft_network(backend, 0.0025, 1, 2021);
    nftask_tension_task task = nftask_tension_defaults();
    task.n = 300;
    double mean_f = 0.0;
    for (int k = 0; k < task.epoch_steps; k++)
        mean_f += fabs(nftask_tension_target(k * 0.0025)) / task.epoch_steps;
    cr_assert(fabs(mean_f - 0.4058) < 1e-4, "mean |f| %.5f, not 0.4058", mean_f);
    nftask_errors err;
    NFT_OK(net, nftask_tension_run(net, &task, 2021, &err));
    cr_log_info("TENSION sum of sinusoids N 300: training MAE %.4f, testing MAE %.4f "
                "(mean |f| %.3f)",
                err.train, err.test, mean_f);
    cr_assert(err.train < 0.03, "training MAE %.4f is not below 0.03", err.train);
    cr_assert(err.test < 0.1 * mean_f, "testing MAE %.4f is not below a tenth of mean |f| %.3f",
              err.test, mean_f);
    nf_network_destroy(net);
}

static double sd_of(const float *v, int32_t n) {
    double m = 0.0, q = 0.0;
    for (int32_t i = 0; i < n; i++)
        m += v[i] / n;
    for (int32_t i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m) / (n - 1);
    return sqrt(q);
}

/* TENSION's draws at N 400: u_in ~ N(0, 1) apart for each network, u_f ~ N(0, 1),
 * x0 ~ N(0, 0.25^2) in both, the readout from N(0, 1/N) (the seed's own, the same
 * for the same seed); the target at t = 1/16 s is sin(pi/2) sin(pi/16). Each
 * sample standard deviation of 400 normal values lies within 15% of its
 * sigma (7 standard errors). */
NFT_BACKEND_TEST(tasks, tension_draws_are_tensions, .timeout = 60) {
    enum { N = 400 };
    cr_assert(fabs(nftask_tension_target(0.0625) - sin(3.14159265358979323846 / 16)) < 1e-12);
    nftask_tension_task task = nftask_tension_defaults();
    task.n = N;
    task.epochs = 1;
    float *a = malloc(sizeof(float) * N * 4), *b = a + N, *c = b + N, *d = c + N;
    cr_assert(a);
    nftask_ff_net ids, again;
    nf_network *net = nft_network(backend, 0.0025, 1, 7);
    NFT_OK(net, nftask_tension_build(net, &task, 7, &ids));
    NFT_OK(net, nf_connection_get_weights(net, ids.gen_in, a));
    NFT_OK(net, nf_connection_get_weights(net, ids.task_in, b));
    NFT_OK(net, nf_connection_get_weights(net, ids.gen_fb, c));
    double dot = 0.0, max_fb = 0.0;
    for (int i = 0; i < N; i++) {
        dot += (double)a[i] * b[i];
        max_fb = fmax(max_fb, fabs(c[i]));
    }
    const double sd_in_gen = sd_of(a, N), sd_in_task = sd_of(b, N), sd_fb = sd_of(c, N);
    cr_assert(fabs(sd_in_gen - 1) < 0.15 && fabs(sd_in_task - 1) < 0.15,
              "input weights' sd %.3f, %.3f, not 1", sd_in_gen, sd_in_task);
    cr_assert(fabs(dot) / (N * sd_in_gen * sd_in_task) < 0.25,
              "the two networks' input weights are correlated (%.3f): not drawn apart",
              dot / (N * sd_in_gen * sd_in_task));
    cr_assert(fabs(sd_fb - 1) < 0.15 && max_fb > 1.5,
              "feedback weights' sd %.3f, max |u_f| %.3f: not N(0, 1)", sd_fb, max_fb);
    NFT_OK(net, nf_population_get_state(net, ids.gen, NF_STATE_X, a));
    NFT_OK(net, nf_population_get_state(net, ids.task, NF_STATE_X, b));
    cr_assert(fabs(sd_of(a, N) - 0.25) < 0.0375 && fabs(sd_of(b, N) - 0.25) < 0.0375,
              "x0 sd %.4f, %.4f, not 0.25", sd_of(a, N), sd_of(b, N));
    NFT_OK(net, nf_readout_get_weights(net, ids.readout, c));
    const double sd_w = sd_of(c, N);
    cr_assert(fabs(sd_w * sqrt(N) - 1) < 0.15, "readout's initial sd %.4f, not 1/sqrt(N) %.4f",
              sd_w, 1 / sqrt(N));
    nf_network_destroy(net);
    net = nft_network(backend, 0.0025, 1, 7);
    NFT_OK(net, nftask_tension_build(net, &task, 7, &again));
    NFT_OK(net, nf_readout_get_weights(net, again.readout, d));
    cr_assert(memcmp(c, d, sizeof(float) * N) == 0, "the same seed drew another readout");
    nf_network_destroy(net);
    free(a);
}

/* DePasquale's oscillation (N 300, a random half of the steps learning, P in
 * float64 as the task's default): after 40 trials of 2 s the test trials
 * follow the chirp within 0.1, against 0.6 for a zero output (mean |f| over a
 * trial); 20 trials are not enough. */
NFT_BACKEND_TEST(tasks, full_force_oscillation_learns_the_chirp_slow, .timeout = 240) {
    nftask_ff_oscillation_task task = nftask_ff_oscillation_defaults();
    task.train_trials = 40;
    task.test_trials = 2;
    nf_network *net = nft_network(backend, 2.0 / task.trial_steps, 1, 2018);
    double mean_f = 0.0;
    for (int k = 0; k < task.trial_steps; k++)
        mean_f += fabs(nftask_ff_oscillation_target(k, task.trial_steps)) / task.trial_steps;
    nftask_errors err;
    NFT_OK(net, nftask_ff_oscillation_run(net, &task, 2018, &err));
    cr_log_info("full-FORCE oscillation: training MAE %.4f, testing MAE %.4f (mean |f| %.3f)",
                err.train, err.test, mean_f);
    cr_assert(err.train < 0.1, "training MAE %.4f is not below 0.1", err.train);
    cr_assert(err.test < 0.1, "testing MAE %.4f is not below 0.1 (mean |f| %.3f)", err.test,
              mean_f);
    nf_network_destroy(net);
}

// --- batch equivalence: independent networks in one batch

#define EQ_N 80
#define EQ_B 4
#define EQ_TRAIN 400
#define EQ_TEST 100
/* CPU: bit-identical, since each element goes through the same calls as the
 * single network (per-element sgemv, the same CSR loop, P r and rank-1 loops
 * for its own P). CUDA: batched kernels may sum in another order than a batch
 * of 1 (float rounding, 1e-7 relative), and the still chaotic network grows
 * such differences over time; compared over the first EQ_CUDA_STEPS steps to
 * 1e-4. (Not yet run on a GPU.) */
#define EQ_CUDA_ATOL 1e-4
#define EQ_CUDA_STEPS 100

static nftask_sussillo_task eq_task(void) {
    nftask_sussillo_task task = nftask_sussillo_defaults();
    task.n = EQ_N;
    task.dense = 1;
    task.per_batch = 1;
    task.train_steps = EQ_TRAIN;
    task.test_steps = EQ_TEST;
    return task;
}

NFT_BACKEND_TEST(tasks, batch_element_equals_its_single_network, .timeout = 180) {
    const nftask_sussillo_task task = eq_task();
    const int64_t steps = EQ_TRAIN + EQ_TEST;
    const size_t nn = (size_t)EQ_N * EQ_N;
    float *rec = nft_alloc(EQ_B * nn, sizeof *rec), *p = nft_alloc(EQ_B * nn, sizeof *p);
    float fb[EQ_B * EQ_N], x[EQ_B * EQ_N], z[EQ_B];
    float *single_e = nft_alloc((size_t)EQ_B * steps, sizeof *single_e);
    /* Each element: a network built alone from its own seed, with its own alpha. */
    for (int b = 0; b < EQ_B; b++) {
        nf_network *one = nft_network(backend, 0.1, 1, 100 + b);
        nftask_sussillo_net ids;
        NFT_OK(one, nftask_sussillo_build(one, &task, &ids));
        for (size_t i = 0; i < nn; i++)
            p[b * nn + i] = i % (EQ_N + 1) == 0 ? 1.0f / (0.5f * (b + 1)) : 0.0f;
        NFT_OK(one, nf_learner_set_p(one, ids.learner, p + b * nn));
        NFT_OK(one, nf_connection_get_weights(one, ids.recurrent, rec + b * nn));
        NFT_OK(one, nf_connection_get_weights(one, ids.feedback, fb + b * EQ_N));
        NFT_OK(one, nf_population_get_state(one, ids.pop, NF_STATE_X, x + b * EQ_N));
        NFT_OK(one, nf_readout_get_state(one, ids.readout, z + b));
        NFT_OK(one, nf_network_run(one, steps));
        int64_t rows = 0;
        NFT_OK(one, nf_probe_read(one, ids.error_probe, single_e + b * steps, (size_t)steps,
                                  &rows));
        cr_assert_eq(rows, steps);
        nf_network_destroy(one);
    }
    nf_network *net = nft_network(backend, 0.1, EQ_B, 7);
    nftask_sussillo_net ids;
    NFT_OK(net, nftask_sussillo_build(net, &task, &ids));
    NFT_OK(net, nf_connection_set_weights(net, ids.recurrent, rec));
    NFT_OK(net, nf_connection_set_weights(net, ids.feedback, fb));
    NFT_OK(net, nf_population_set_state(net, ids.pop, NF_STATE_X, x));
    NFT_OK(net, nf_readout_set_state(net, ids.readout, z));
    NFT_OK(net, nf_learner_set_p(net, ids.learner, p));
    NFT_OK(net, nf_network_run(net, steps));
    float *e = nft_alloc((size_t)steps * EQ_B, sizeof *e);
    int64_t rows = 0;
    NFT_OK(net, nf_probe_read(net, ids.error_probe, e, (size_t)steps * EQ_B, &rows));
    cr_assert_eq(rows, steps);
    double worst = 0.0;
    for (int b = 0; b < EQ_B; b++)
        for (int64_t t = 0; t < steps; t++) {
            const float one = single_e[b * steps + t], many = e[t * EQ_B + b];
            worst = fmax(worst, fabs((double)one - many));
            if (backend == NF_BACKEND_CPU)
                cr_assert(one == many, "element %d, step %lld: batched e %.9g, single %.9g", b,
                          (long long)t, (double)many, (double)one);
            else if (t < EQ_CUDA_STEPS)
                cr_assert(fabs((double)one - many) <= EQ_CUDA_ATOL,
                          "element %d, step %lld: batched e %.9g, single %.9g", b, (long long)t,
                          (double)many, (double)one);
        }
    /* The elements really differ (else the comparison proves little). */
    cr_assert(e[(steps - 1) * EQ_B] != e[(steps - 1) * EQ_B + 1]);
    cr_log_info("batch equivalence: max |e_batched - e_single| %.3g", worst);
    free(e);
    free(single_e);
    free(rec);
    free(p);
    nf_network_destroy(net);
}

// --- shared weights: one P, elements in order

#define SH_N 5
#define SH_B 3
#define SH_T 6

/* One step of the shared-weights rule in double: every element's error with
 * the weights before the step, then the RLS updates for b in `order`. */
static void shared_step(double *P, double *w, const float *r, const float *f, const int *order) {
    double e[SH_B];
    for (int b = 0; b < SH_B; b++) {
        e[b] = -f[b];
        for (int j = 0; j < SH_N; j++)
            e[b] += w[j] * r[b * SH_N + j];
    }
    for (int o = 0; o < SH_B; o++) {
        const int b = order[o];
        const float *rb = r + b * SH_N;
        double k[SH_N], rk = 0.0;
        for (int i = 0; i < SH_N; i++) {
            k[i] = 0.0;
            for (int j = 0; j < SH_N; j++)
                k[i] += P[i * SH_N + j] * rb[j];
            rk += rb[i] * k[i];
        }
        const double c = 1.0 / (1.0 + rk);
        for (int i = 0; i < SH_N; i++) {
            for (int j = 0; j < SH_N; j++)
                P[i * SH_N + j] -= c * k[i] * k[j];
            w[i] -= c * e[b] * k[i];
        }
    }
}

NFT_BACKEND_TEST(tasks, shared_weights_batch_updates_one_p_element_after_element,
                 .timeout = 30) {
    const float alpha = 0.5f;
    float r[SH_T * SH_B * SH_N], f[SH_T * SH_B];
    unsigned s = 2024u;
    for (int i = 0; i < SH_T * SH_B * SH_N; i++) {
        s = s * 1664525u + 1013904223u;
        r[i] = 0.2f + (float)(s >> 8) / 16777216.0f; /* RELU passes positive inputs */
    }
    for (int i = 0; i < SH_T * SH_B; i++) {
        s = s * 1664525u + 1013904223u;
        f[i] = 2.0f * (float)(s >> 8) / 16777216.0f - 1.0f;
    }
    nf_network *net = nft_network(backend, 0.001, SH_B, 5);
    int32_t readout, learner;
    nft_readout_rls_on_rows(net, SH_N, SH_T, r, f, alpha, NF_PRECISION_F32, &readout, &learner);
    float w[SH_N], P[SH_N * SH_N];
    NFT_OK(net, nf_readout_get_weights(net, readout, w));
    NFT_OK(net, nf_learner_get_p(net, learner, P));

    const int forward[SH_B] = {0, 1, 2}, backward[SH_B] = {2, 1, 0};
    double Pf[SH_N * SH_N] = {0}, wf[SH_N] = {0}, Pb[SH_N * SH_N] = {0}, wb[SH_N] = {0};
    for (int i = 0; i < SH_N; i++)
        Pf[i * SH_N + i] = Pb[i * SH_N + i] = 1.0 / alpha;
    for (int t = 0; t < SH_T; t++) {
        shared_step(Pf, wf, r + t * SH_B * SH_N, f + t * SH_B, forward);
        shared_step(Pb, wb, r + t * SH_B * SH_N, f + t * SH_B, backward);
    }
    double order_gap = 0.0;
    for (int i = 0; i < SH_N; i++) {
        cr_assert(nft_close(wf[i], w[i], 1e-4, 1e-5), "w[%d] %.8g, by hand %.8g", i,
                  (double)w[i], wf[i]);
        order_gap = fmax(order_gap, fabs(wf[i] - wb[i]));
        for (int j = 0; j < SH_N; j++)
            cr_assert(nft_close(Pf[i * SH_N + j], P[i * SH_N + j], 1e-4, 1e-6),
                      "P[%d][%d] %.8g, by hand %.8g", i, j, (double)P[i * SH_N + j],
                      Pf[i * SH_N + j]);
    }
    /* The order matters more than the tolerance, so the test tells orders apart. */
    cr_assert(order_gap > 1e-3, "reversed order changes w by only %.3g", order_gap);
    nf_network_destroy(net);
}
