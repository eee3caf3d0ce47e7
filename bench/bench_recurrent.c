/*
 * Recurrent network step costs, on the chosen backend:
 *   (a) latency: the FORCE rate network of Sussillo & Abbott, N 1000, batch 1
 *       (LEAKY_RATE tau 1, dt 0.1; dense recurrent weights g/sqrt(p N) N(0,1)
 *       with p 0.1, g 1.5; a readout of dim 1 with given weights; feedback
 *       from the readout with U(-1, 1) weights; no learner): microseconds per
 *       step, median of 5 runs of `steps` steps after a warm-up run.
 *       Target on CUDA: <= 4 us/step.
 *   (b) throughput: a dense recurrent network, batch 256, N 4096, weights
 *       shared by the batch: FLOP/s of the step, counting 2 N^2 batch per step
 *       (the recurrent product; the rest of the step is O(N batch)), against
 *       the same product's rate in the BLAS itself: cuBLAS SGEMM on CUDA
 *       (bench/device_bandwidth.cu), cblas_sgemm on the CPU, with the shape
 *       and layout of the backend's call, best of several after a warm-up.
 * Every run's status is checked, and the final state must be finite.
 * Usage: bench_recurrent [--backend cpu|cuda] [--part a|b|all] [--steps-a S] [--steps-b S]
 *                        [--device D] [--csv]
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "device_bandwidth.h"
#include "neurofuse.h"

#define LATENCY_N 1000
#define LATENCY_TARGET_US 4.0
#define THROUGHPUT_N 4096
#define THROUGHPUT_BATCH 256
#define REPEATS 5

/* A reproducible uniform in [-1, 1) (xorshift64*). */
static float uniform_pm1(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    const uint64_t r = *s * 2685821657736338717ull;
    return (float)((r >> 40) * (2.0 / 16777216.0) - 1.0);
}

/* Prints the failed call and the network's message; returns 1. */
static int fail(nf_network *net, const char *where, nf_status st) {
    fprintf(stderr, "%s: %s: %s\n", where, nf_status_string(st),
            net ? nf_network_last_error(net) : "");
    nf_network_destroy(net);
    return 1;
}

#define TRY(where, call)                                                                     \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        if (st_ != NF_OK)                                                                    \
            return fail(net, where, st_);                                                    \
    } while (0)

typedef struct timing {
    double median, min; /* seconds per step */
} timing;

/* Runs `steps` once to warm up, then REPEATS timed runs; checks the output. */
static int time_runs(nf_network *net, int32_t pop, int64_t steps, timing *out) {
    double times[REPEATS];
    TRY("nf_network_run (warm-up)", nf_network_run(net, steps));
    for (int r = 0; r < REPEATS; r++) {
        const double t = nfb_now();
        TRY("nf_network_run", nf_network_run(net, steps));
        times[r] = (nfb_now() - t) / (double)steps;
    }
    int32_t n = 0;
    TRY("nf_population_size", nf_population_size(net, pop, &n));
    const size_t count = (size_t)nf_network_batch(net) * n;
    float *x = malloc(sizeof *x * count);
    if (!x)
        return fail(net, "malloc", NF_ERR_OUT_OF_MEMORY);
    nf_status st = nf_population_get_state(net, pop, NF_STATE_OUTPUT, x);
    size_t bad = count, nonzero = 0;
    for (size_t i = 0; st == NF_OK && i < count; i++) {
        if (!isfinite(x[i]) && bad == count)
            bad = i;
        nonzero += x[i] != 0.0f;
    }
    free(x);
    if (st != NF_OK)
        return fail(net, "nf_population_get_state(OUTPUT)", st);
    if (bad != count || nonzero == 0) {
        fprintf(stderr, "the network's output after the runs is %s\n",
                bad != count ? "not finite" : "all zero");
        nf_network_destroy(net);
        return 1;
    }
    qsort(times, REPEATS, sizeof *times, nfb_cmp_double);
    out->median = times[REPEATS / 2];
    out->min = times[0];
    return 0;
}

/* (a): the N 1000 FORCE network; microseconds per step. */
static int bench_latency(nf_backend backend, int32_t device, int64_t steps, timing *out) {
    nf_network_desc nd = nf_network_defaults();
    nd.backend = backend;
    nd.device = device;
    nd.batch = 1;
    nd.dt = 0.1;
    nd.seed = 1;
    nf_network *net = NULL;
    char message[512];
    nf_status st = nf_network_create_ex(&nd, &net, message, sizeof message);
    if (st != NF_OK) {
        fprintf(stderr, "nf_network_create: %s: %s\n", nf_status_string(st), message);
        return 1;
    }
    int32_t pop, recurrent, readout, feedback;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, LATENCY_N);
    pd.tau = 1.0f;
    pd.x_init_scale = 0.5f;
    TRY("nf_population_add", nf_population_add(net, &pd, &pop));

    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_DENSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 0.1f;
    cd.scale = 0.0f; /* g / sqrt(p N) */
    TRY("nf_connect (recurrent)", nf_connect(net, pop, pop, &cd, &recurrent));

    float w_out[LATENCY_N];
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < LATENCY_N; i++)
        w_out[i] = uniform_pm1(&s) / sqrtf((float)LATENCY_N);
    nf_readout_desc rd = {.weights = w_out, .z_init_scale = 0.5f};
    TRY("nf_readout_add", nf_readout_add(net, pop, 1, &rd, &readout));

    cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_DENSE;
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    TRY("nf_connect (feedback)", nf_connect(net, readout, pop, &cd, &feedback));

    if (time_runs(net, pop, steps, out))
        return 1; /* time_runs destroyed the network */
    nf_network_destroy(net);
    return 0;
}

/* (b): batch 256, N 4096, shared dense recurrent weights; seconds per step. */
static int bench_throughput(nf_backend backend, int32_t device, int64_t steps, timing *out) {
    nf_network_desc nd = nf_network_defaults();
    nd.backend = backend;
    nd.device = device;
    nd.batch = THROUGHPUT_BATCH;
    nd.dt = 0.1;
    nd.seed = 2;
    nf_network *net = NULL;
    char message[512];
    nf_status st = nf_network_create_ex(&nd, &net, message, sizeof message);
    if (st != NF_OK) {
        fprintf(stderr, "nf_network_create: %s: %s\n", nf_status_string(st), message);
        return 1;
    }
    int32_t pop, recurrent;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, THROUGHPUT_N);
    pd.tau = 1.0f;
    pd.x_init_scale = 0.5f;
    TRY("nf_population_add", nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_DENSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 1.0f;
    cd.scale = 0.0f;
    TRY("nf_connect (recurrent)", nf_connect(net, pop, pop, &cd, &recurrent));
    if (time_runs(net, pop, steps, out))
        return 1;
    nf_network_destroy(net);
    return 0;
}

/* FLOP/s of cblas_sgemm for the CPU backend's dense call (kernels/cpu/products.c):
 * y[batch][rows] += x[batch][cols] W[rows][cols]^T, best of 5 after a warm-up; 0 on failure. */
static double cblas_sgemm_flops(int rows, int batch, int cols) {
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
        for (int r = 0; r < 1 + REPEATS; r++) {
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

int main(int argc, char **argv) {
    nf_backend backend = NF_BACKEND_CPU;
    int part_a = 1, part_b = 1, csv = 0;
    int64_t steps_a = -1, steps_b = -1;
    int32_t device = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc && !strcmp(argv[i + 1], "cpu")) {
            backend = NF_BACKEND_CPU;
            i++;
        } else if (!strcmp(argv[i], "--backend") && i + 1 < argc &&
                   !strcmp(argv[i + 1], "cuda")) {
            backend = NF_BACKEND_CUDA;
            i++;
        } else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
            const char *p = argv[++i];
            part_a = !strcmp(p, "a") || !strcmp(p, "all");
            part_b = !strcmp(p, "b") || !strcmp(p, "all");
            if (!part_a && !part_b) {
                fprintf(stderr, "--part must be a, b or all, got %s\n", p);
                return 2;
            }
        } else if (!strcmp(argv[i], "--steps-a") && i + 1 < argc)
            steps_a = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--steps-b") && i + 1 < argc)
            steps_b = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--device") && i + 1 < argc)
            device = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--csv"))
            csv = 1;
        else {
            fprintf(stderr,
                    "usage: %s [--backend cpu|cuda] [--part a|b|all] [--steps-a S] "
                    "[--steps-b S] [--device D] [--csv]\n",
                    argv[0]);
            return 2;
        }
    }
    const int cuda = backend == NF_BACKEND_CUDA;
    /* CPU defaults keep the whole run under a minute on two shared cores. */
    if (steps_a < 0)
        steps_a = cuda ? 10000 : 1000;
    if (steps_b < 0)
        steps_b = cuda ? 1024 : 3;
    if (steps_a < 1 || steps_b < 1) {
        fprintf(stderr, "--steps-a and --steps-b must be >= 1\n");
        return 2;
    }
    if (!nf_backend_available(backend)) {
        fprintf(stderr, "backend %s is not available here\n", nf_backend_name(backend));
        return 1;
    }
    char name[256] = "", err[512] = "";
    if (!cuda)
        nfb_cpu_name(name, sizeof name);
    else if (nfb_device_copy_bandwidth(device, name, sizeof name, err, sizeof err) <= 0.0) {
        fprintf(stderr, "CUDA device %d: %s\n", device, err);
        return 1;
    }
    if (csv)
        printf("part,backend,device,n,batch,steps,us_per_step,us_per_step_min,flop_per_s,"
               "blas_flop_per_s,fraction_of_blas\n");
    else
        printf("backend %s, device %s\n", nf_backend_name(backend), name);

    int status = 0;
    if (part_a) {
        timing t;
        if (bench_latency(backend, device, steps_a, &t))
            return 1;
        const double us = t.median * 1e6;
        if (csv)
            printf("a,%s,\"%s\",%d,1,%lld,%.3f,%.3f,,,\n", nf_backend_name(backend), name,
                   LATENCY_N, (long long)steps_a, us, t.min * 1e6);
        else {
            printf("\n(a) FORCE rate network, N %d, batch 1, dense recurrent (p 0.1, g 1.5), "
                   "readout dim 1, feedback U(-1, 1)\n"
                   "    %lld steps per run, median (min) of %d runs after a warm-up\n"
                   "    %.3f us/step (min %.3f)\n",
                   LATENCY_N, (long long)steps_a, REPEATS, us, t.min * 1e6);
            if (cuda)
                printf("    target <= %.1f us/step on CUDA: %s\n", LATENCY_TARGET_US,
                       us <= LATENCY_TARGET_US ? "MET" : "NOT MET");
        }
        fflush(stdout);
    }
    if (part_b) {
        timing t;
        if (bench_throughput(backend, device, steps_b, &t))
            return 1;
        const double flop = 2.0 * THROUGHPUT_N * (double)THROUGHPUT_N * THROUGHPUT_BATCH;
        const double rate = flop / t.median, rate_best = flop / t.min;
        double blas;
        const char *blas_name;
        if (cuda) {
            blas = nfb_cublas_sgemm_flops(device, THROUGHPUT_N, THROUGHPUT_BATCH, THROUGHPUT_N,
                                          err, sizeof err);
            blas_name = "cuBLAS SGEMM (OP_T, OP_N, m 4096, n 256, k 4096, beta 1)";
        } else {
            blas = cblas_sgemm_flops(THROUGHPUT_N, THROUGHPUT_BATCH, THROUGHPUT_N);
            snprintf(err, sizeof err, "cblas_sgemm produced a non-finite value or no time");
            blas_name = "cblas_sgemm (row-major, NoTrans x Trans, 256 x 4096 x 4096, beta 1)";
        }
        if (blas <= 0.0) {
            fprintf(stderr, "BLAS reference: %s\n", err);
            status = 1;
        }
        if (csv)
            printf("b,%s,\"%s\",%d,%d,%lld,%.3f,%.3f,%.4g,%.4g,%.4f\n", nf_backend_name(backend),
                   name, THROUGHPUT_N, THROUGHPUT_BATCH, (long long)steps_b, t.median * 1e6,
                   t.min * 1e6, rate, blas, blas > 0.0 ? rate / blas : 0.0);
        else {
            printf("\n(b) dense recurrent network, N %d, batch %d, shared weights; "
                   "2 N^2 batch = %.3g FLOP per step\n"
                   "    %lld steps per run, median (min) of %d runs after a warm-up\n"
                   "    %.1f us/step (min %.1f): %.2f GFLOP/s (best run %.2f)\n",
                   THROUGHPUT_N, THROUGHPUT_BATCH, flop, (long long)steps_b, REPEATS,
                   t.median * 1e6, t.min * 1e6, rate / 1e9, rate_best / 1e9);
            if (blas > 0.0)
                printf("    %s: %.2f GFLOP/s (best of several)\n"
                       "    step / BLAS: %.1f%% (median step), %.1f%% (best step)\n",
                       blas_name, blas / 1e9, 100.0 * rate / blas, 100.0 * rate_best / blas);
        }
    }
    return status;
}
