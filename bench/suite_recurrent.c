/*
 * Recurrent network step costs (see suite.h): (a) the Sussillo & Abbott rate
 * network (LEAKY_RATE tau 1, dt 0.1; dense recurrent g/sqrt(p N) N(0,1), p
 * 0.1, g 1.5; a readout of dim 1 with given weights; feedback U(-1, 1); no
 * learner), N 1000, batch 1; the same network training its readout by RLS
 * every step (P n x n) at a chosen N; (b) a dense recurrent network, N 4096,
 * batch 256, shared weights; and cblas_sgemm's rate for (b)'s product shape.
 */
#include "kernels/cpu/cblas_select.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "suite.h"

/* A reproducible uniform in [-1, 1) (xorshift64*). */
static float uniform_pm1(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    const uint64_t r = *s * 2685821657736338717ull;
    return (float)((r >> 40) * (2.0 / 16777216.0) - 1.0);
}

#define TRY(where, call)                                                                           \
    do {                                                                                           \
        nf_status st_ = (call);                                                                    \
        if (st_ != NF_OK)                                                                          \
            return nfb_fail(net, where, st_);                                                          \
    } while (0)

/* Runs `steps` once to warm up, then REPEATS timed runs; checks the output. */
static int time_runs(nf_network *net, int32_t pop, int64_t steps, nfb_timing *out) {
    double times[NFB_REPEATS];
    TRY("nf_network_run (warm-up)", nf_network_run(net, steps));
    for (int r = 0; r < NFB_REPEATS; r++) {
        const double t = nfb_now();
        TRY("nf_network_run", nf_network_run(net, steps));
        times[r] = (nfb_now() - t) / (double)steps;
    }
    int32_t n = 0;
    TRY("nf_population_size", nf_population_size(net, pop, &n));
    const size_t count = (size_t)nf_network_batch(net) * n;
    float *x = malloc(sizeof *x * count);
    if (!x)
        return nfb_fail(net, "malloc", NF_ERR_OUT_OF_MEMORY);
    nf_status st = nf_population_get_state(net, pop, NF_STATE_OUTPUT, x);
    size_t bad = count, nonzero = 0;
    for (size_t i = 0; st == NF_OK && i < count; i++) {
        if (!isfinite(x[i]) && bad == count)
            bad = i;
        nonzero += x[i] != 0.0f;
    }
    free(x);
    if (st != NF_OK)
        return nfb_fail(net, "nf_population_get_state(OUTPUT)", st);
    if (bad != count || nonzero == 0) {
        fprintf(stderr, "the network's output after the runs is %s\n",
                bad != count ? "not finite" : "all zero");
        nf_network_destroy(net);
        return 1;
    }
    qsort(times, NFB_REPEATS, sizeof *times, nfb_cmp_double);
    out->median = times[NFB_REPEATS / 2];
    out->min = times[0];
    return 0;
}

/* n leaky tanh units (tau 1, dt 0.1, x0 ~ 0.5 N(0, 1)) with dense recurrent
 * weights g/sqrt(p n) N(0, 1) of probability p, g 1.5; NULL (after printing
 * why) on failure. */
static nf_network *leaky_network(nf_backend backend, int32_t device, int32_t batch, int32_t n,
                                 uint64_t seed, float p, int32_t *pop) {
    nf_network_desc nd = nf_network_defaults();
    nd.backend = backend;
    nd.device = device;
    nd.batch = batch;
    nd.dt = 0.1;
    nd.seed = seed;
    nf_network *net = nfb_network_create(&nd);
    if (!net)
        return NULL;
    nf_status st;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    pd.tau = 1.0f;
    pd.x_init_scale = 0.5f;
    const char *where = "nf_population_add";
    if ((st = nf_population_add(net, &pd, pop)) == NF_OK) {
        nf_connection_desc cd = nf_connection_defaults();
        cd.kind = NF_CONNECTION_DENSE;
        cd.init = NF_WEIGHTS_NORMAL;
        cd.g = 1.5f;
        cd.p = p;
        cd.scale = 0.0f; /* g / sqrt(p N) */
        int32_t recurrent;
        where = "nf_connect (recurrent)";
        st = nf_connect(net, *pop, *pop, &cd, &recurrent);
    }
    if (st != NF_OK) {
        nfb_fail(net, where, st);
        return NULL;
    }
    return net;
}

/* A readout of dim 1 from pop (weights w, or zeros when NULL; z0 ~ 0.5 N(0, 1))
 * fed back through U(-1, 1) weights; prints why and destroys net on failure. */
static int add_feedback_readout(nf_network *net, int32_t pop, const float *w, int32_t *readout) {
    int32_t feedback;
    nf_readout_desc rd = {.weights = w, .z_init_scale = 0.5f};
    TRY("nf_readout_add", nf_readout_add(net, pop, 1, &rd, readout));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_DENSE;
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    TRY("nf_connect (feedback)", nf_connect(net, *readout, pop, &cd, &feedback));
    return 0;
}

int nfb_time_force_latency(nf_backend backend, int32_t device, int64_t steps, nfb_timing *out) {
    int32_t pop, readout;
    nf_network *net = leaky_network(backend, device, 1, NFB_LATENCY_N, 1, 0.1f, &pop);
    if (!net)
        return 1;
    float w_out[NFB_LATENCY_N];
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < NFB_LATENCY_N; i++)
        w_out[i] = uniform_pm1(&s) / sqrtf((float)NFB_LATENCY_N);
    if (add_feedback_readout(net, pop, w_out, &readout))
        return 1;
    if (time_runs(net, pop, steps, out))
        return 1; /* time_runs destroyed the network */
    nf_network_destroy(net);
    return 0;
}

int nfb_time_force_train(nf_backend backend, int32_t device, int32_t n, int64_t steps,
                         nfb_timing *out) {
    int32_t pop, readout, target, learner;
    nf_network *net = leaky_network(backend, device, 1, n, 3, 0.1f, &pop);
    if (!net)
        return 1;
    if (add_feedback_readout(net, pop, NULL, &readout))
        return 1;
    const float f = 0.5f; /* held every step: the cost does not depend on the target */
    TRY("nf_input_add (target)", nf_input_add(net, 1, &target));
    TRY("nf_input_set (target)", nf_input_set(net, target, 1, &f));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    ld.target = target;
    TRY("nf_learner_add", nf_learner_add(net, &ld, &learner));
    if (time_runs(net, pop, steps, out))
        return 1;
    nf_network_destroy(net);
    return 0;
}

int nfb_time_dense_throughput(nf_backend backend, int32_t device, int64_t steps, nfb_timing *out) {
    int32_t pop;
    nf_network *net =
        leaky_network(backend, device, NFB_THROUGHPUT_BATCH, NFB_THROUGHPUT_N, 2, 1.0f, &pop);
    if (!net)
        return 1;
    if (time_runs(net, pop, steps, out))
        return 1;
    nf_network_destroy(net);
    return 0;
}

/* Best of NFB_REPEATS after a warm-up (the shape of kernels/cpu/products.c). */
double nfb_cblas_sgemm_flops(int rows, int batch, int cols) {
    float *w = malloc(sizeof *w * (size_t)rows * cols);
    float *x = malloc(sizeof *x * (size_t)batch * cols);
    float *y = malloc(sizeof *y * (size_t)batch * rows);
    double best = 0.0;
    if (w && x && y) {
        uint64_t s = 0x2545f4914f6cdd1dull;
        for (size_t i = 0; i < (size_t)rows * cols; i++)
            w[i] = uniform_pm1(&s) / 64.0f;
        for (size_t i = 0; i < (size_t)batch * cols; i++)
            x[i] = uniform_pm1(&s);
        for (size_t i = 0; i < (size_t)batch * rows; i++)
            y[i] = uniform_pm1(&s);
        for (int r = 0; r < 1 + NFB_REPEATS; r++) {
            const double t = nfb_now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, rows, cols, 1.0f, x, cols,
                        w, cols, 1.0f, y, rows);
            const double dt = nfb_now() - t;
            if (r > 0 && (best == 0.0 || dt < best))
                best = dt;
        }
        for (size_t i = 0; i < (size_t)batch * rows; i++)
            if (!isfinite(y[i]))
                best = 0.0;
    }
    free(w);
    free(x);
    free(y);
    return best > 0.0 ? 2.0 * rows * (double)batch * cols / best : 0.0;
}
