/*
 * FORCE training step costs (network step + readout + RLS), on the chosen backend.
 * The network: N leaky tanh units, x += (dt/tau)(-x + W r + u z), dt 0.0025,
 * tau 10 dt (TENSION's echo-state network), dense W = 1.5/sqrt(N) N(0,1),
 * feedback u ~ U(-1, 1), readout z = w.r of dim 1 from 0, and a READOUT
 * learner on every step (k = P r; c = 1/(1 + r.k); P -= c k k^T; w -= c e k)
 * against a sine target.
 *   (a) latency: N 750, batch 1, one P: microseconds per step with learning
 *       on, and off for comparison. Target on CUDA: <= 10 us/step (TENSION
 *       took about 2 ms per step on a GPU).
 *   (b) throughput: 256 independent networks of N 500 (per-batch W, u, w and
 *       P): the RLS's share of the step, t(on) - t(off), against the bytes it
 *       must move: P read and written, 2 * 4 N^2 per network per update; as a
 *       fraction of the copy bandwidth (host memcpy on the CPU, device-to-device
 *       copy on CUDA, bytes read + written). Target on CUDA: >= 70%.
 * Each timing is the median (and min) of 5 runs of `steps` steps after a
 * warm-up run, with the host clock around each run (a run ends synchronized);
 * after the runs every readout value must be finite, and in (a) P too.
 * Usage: bench_force [--backend cpu|cuda] [--part a|b|all] [--steps-a S] [--steps-b S]
 *                    [--device D]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "device_bandwidth.h"
#include "neurofuse.h"

#define RUNS 5
#define LATENCY_N 750
#define LATENCY_TARGET_US 10.0
#define BATCH_N 500
#define BATCH 256
#define BANDWIDTH_TARGET 0.70

typedef struct force_net {
    nf_network *net;
    int32_t readout, learner;
    int32_t n, batch;
} force_net;

typedef struct median_min {
    double median, min; /* seconds per step */
} median_min;

static int report(nf_network *net, const char *what, nf_status st) {
    fprintf(stderr, "%s: %s: %s\n", what, nf_status_string(st),
            net ? nf_network_last_error(net) : "");
    return 1;
}

/* Builds the network with a target of `rows` steps; returns 1 on failure. */
static int force_build(nf_backend backend, int32_t device, int32_t batch, int32_t n,
                       int64_t rows, force_net *f) {
    nf_network_desc nd = nf_network_defaults();
    nd.backend = backend;
    nd.device = device;
    nd.batch = batch;
    nd.dt = 0.0025;
    nd.seed = 750;
    memset(f, 0, sizeof *f);
    f->n = n;
    f->batch = batch;
    if (!(f->net = nfb_network_create(&nd)))
        return 1;
    nf_network *net = f->net;
    nf_status st;
    const int per_batch = batch > 1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    pd.tau = 0.025f;
    pd.x_init_scale = 0.5f;
    int32_t pop, rec, fb, target;
    if ((st = nf_population_add(net, &pd, &pop)) != NF_OK)
        return report(net, "nf_population_add", st);
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 1.0f;
    cd.scale = 0.0f;
    cd.per_batch = per_batch;
    if ((st = nf_connect(net, pop, pop, &cd, &rec)) != NF_OK)
        return report(net, "nf_connect (recurrent)", st);
    nf_readout_desc rd = {.per_batch = per_batch};
    if ((st = nf_readout_add(net, pop, 1, &rd, &f->readout)) != NF_OK)
        return report(net, "nf_readout_add", st);
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    cd.per_batch = per_batch;
    if ((st = nf_connect(net, f->readout, pop, &cd, &fb)) != NF_OK)
        return report(net, "nf_connect (feedback)", st);
    float *values = malloc(sizeof *values * (size_t)rows * batch);
    if (!values)
        return report(net, "malloc (target)", NF_ERR_OUT_OF_MEMORY);
    for (int64_t t = 0; t < rows; t++)
        for (int32_t b = 0; b < batch; b++)
            values[t * batch + b] = (float)sin(6.283185307179586 * 2.0 * (double)t * nd.dt);
    st = nf_input_add(net, 1, &target);
    if (st == NF_OK)
        st = nf_input_set(net, target, rows, values);
    free(values);
    if (st != NF_OK)
        return report(net, "nf_input_set (target)", st);
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = f->readout;
    ld.target = target;
    if ((st = nf_learner_add(net, &ld, &f->learner)) != NF_OK)
        return report(net, "nf_learner_add", st);
    return 0;
}

/* Times RUNS runs of `steps` steps (after a warm-up run) with learning on or off. */
static int force_time(force_net *f, int learning, int64_t steps, median_min *out) {
    double t[RUNS];
    nf_status st = nf_learner_set_enabled(f->net, f->learner, learning);
    if (st == NF_OK)
        st = nf_network_run(f->net, steps);
    for (int r = 0; r < RUNS && st == NF_OK; r++) {
        const double t0 = nfb_now();
        st = nf_network_run(f->net, steps);
        t[r] = (nfb_now() - t0) / (double)steps;
    }
    if (st != NF_OK)
        return report(f->net, "nf_network_run", st);
    qsort(t, RUNS, sizeof *t, nfb_cmp_double);
    out->median = t[RUNS / 2];
    out->min = t[0];
    return 0;
}

/* Every readout value finite, and (check_p) every value of P. */
static int force_check(force_net *f, int check_p) {
    const size_t pn = check_p ? (size_t)f->n * f->n : 0;
    float *v = malloc(sizeof *v * ((size_t)f->batch + pn));
    if (!v)
        return report(f->net, "malloc (check)", NF_ERR_OUT_OF_MEMORY);
    nf_status st = nf_readout_get_state(f->net, f->readout, v);
    if (st == NF_OK && check_p)
        st = nf_learner_get_p(f->net, f->learner, v + f->batch);
    size_t bad = 0;
    for (size_t i = 0; st == NF_OK && i < (size_t)f->batch + pn; i++)
        bad += !isfinite(v[i]);
    free(v);
    if (st != NF_OK)
        return report(f->net, "reading the result", st);
    if (bad) {
        fprintf(stderr, "%zu readout or P values are not finite after the runs\n", bad);
        return 1;
    }
    return 0;
}

/* Builds, times with learning on then off, checks; destroys the network. */
static int force_measure(nf_backend backend, int32_t device, int32_t batch, int32_t n,
                         int64_t steps, median_min *on, median_min *off) {
    force_net f;
    int fail = force_build(backend, device, batch, n, 2 * (RUNS + 1) * steps, &f);
    if (!fail)
        fail = force_time(&f, 1, steps, on) || force_check(&f, batch == 1) ||
               force_time(&f, 0, steps, off);
    nf_network_destroy(f.net);
    return fail;
}

int main(int argc, char **argv) {
    /* CPU defaults keep the whole run near a minute on two shared cores. */
    const int64_t default_a[2] = {500, 10240}, default_b[2] = {8, 256};
    nfb_part_args args;
    const int bad = nfb_part_args_parse(argc, argv, 0, default_a, default_b, &args);
    if (bad)
        return bad;
    const nf_backend backend = args.backend;
    const int cuda = backend == NF_BACKEND_CUDA, part_a = args.part_a, part_b = args.part_b;
    const int64_t steps_a = args.steps_a, steps_b = args.steps_b;
    const int32_t device = args.device;
    char name[256] = "", err[512] = "";
    double copy_bw = 0.0;
    if (cuda)
        copy_bw = nfb_device_copy_bandwidth(device, name, sizeof name, err, sizeof err);
    else {
        nfb_cpu_name(name, sizeof name);
        copy_bw = nfb_host_copy_bandwidth();
        snprintf(err, sizeof err, "host memcpy failed");
    }
    if (copy_bw <= 0.0) {
        fprintf(stderr, "copy bandwidth: %s\n", err);
        return 1;
    }
    printf("backend %s, device %s\n", nf_backend_name(backend), name);

    if (part_a) {
        median_min on, off;
        if (force_measure(backend, device, 1, LATENCY_N, steps_a, &on, &off))
            return 1;
        printf("\n(a) FORCE step, N %d, batch 1, one P, RLS every step; %lld steps per run, "
               "median (min) of %d runs\n"
               "    learning on:  %.3f us/step (min %.3f)\n"
               "    learning off: %.3f us/step (min %.3f)\n",
               LATENCY_N, (long long)steps_a, RUNS, on.median * 1e6, on.min * 1e6,
               off.median * 1e6, off.min * 1e6);
        if (cuda)
            printf("    target <= %.0f us/step on CUDA: %s\n", LATENCY_TARGET_US,
                   on.median * 1e6 <= LATENCY_TARGET_US ? "MET" : "NOT MET");
        fflush(stdout);
    }
    if (part_b) {
        median_min on, off;
        if (force_measure(backend, device, BATCH, BATCH_N, steps_b, &on, &off))
            return 1;
        const double bytes = (double)BATCH * 2.0 * 4.0 * BATCH_N * BATCH_N;
        const double rls = on.median - off.median, rls_best = on.min - off.min;
        printf("\n(b) %d independent networks of N %d (per-batch W, u, w, P), RLS every step; "
               "%lld steps per run, median (min) of %d runs\n"
               "    learning on:  %.1f us/step (min %.1f)\n"
               "    learning off: %.1f us/step (min %.1f)\n",
               BATCH, BATCH_N, (long long)steps_b, RUNS, on.median * 1e6, on.min * 1e6,
               off.median * 1e6, off.min * 1e6);
        if (rls <= 0.0)
            printf("    the RLS's share is lost in the noise (on - off = %.1f us)\n", rls * 1e6);
        else
            printf("    RLS: %.1f us/step, P read + written %.3g bytes/step: %.2f GB/s "
                   "(min-based %.2f GB/s)\n"
                   "    copy bandwidth %.2f GB/s: RLS at %.1f%% of it\n",
                   rls * 1e6, bytes, bytes / rls / 1e9,
                   rls_best > 0.0 ? bytes / rls_best / 1e9 : 0.0, copy_bw / 1e9,
                   100.0 * bytes / rls / copy_bw);
        if (cuda)
            printf("    target >= %.0f%% of the copy bandwidth on CUDA: %s\n",
                   100.0 * BANDWIDTH_TARGET,
                   rls > 0.0 && bytes / rls >= BANDWIDTH_TARGET * copy_bw ? "MET" : "NOT MET");
    }
    return 0;
}
