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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "device_bandwidth.h"
#include "neurofuse.h"
#include "suite.h"

#define LATENCY_TARGET_US 4.0

int main(int argc, char **argv) {
    /* CPU defaults keep the whole run under a minute on two shared cores. */
    const int64_t default_a[2] = {1000, 10000}, default_b[2] = {3, 1024};
    nfb_part_args args;
    const int bad = nfb_part_args_parse(argc, argv, 1, default_a, default_b, &args);
    if (bad)
        return bad;
    const nf_backend backend = args.backend;
    const int cuda = backend == NF_BACKEND_CUDA, part_a = args.part_a, part_b = args.part_b;
    const int csv = args.csv;
    const int64_t steps_a = args.steps_a, steps_b = args.steps_b;
    const int32_t device = args.device;
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
        nfb_timing t;
        if (nfb_time_force_latency(backend, device, steps_a, &t))
            return 1;
        const double us = t.median * 1e6;
        if (csv)
            printf("a,%s,\"%s\",%d,1,%lld,%.3f,%.3f,,,\n", nf_backend_name(backend), name,
                   NFB_LATENCY_N, (long long)steps_a, us, t.min * 1e6);
        else {
            printf("\n(a) FORCE rate network, N %d, batch 1, dense recurrent (p 0.1, g 1.5), "
                   "readout dim 1, feedback U(-1, 1)\n"
                   "    %lld steps per run, median (min) of %d runs after a warm-up\n"
                   "    %.3f us/step (min %.3f)\n",
                   NFB_LATENCY_N, (long long)steps_a, NFB_REPEATS, us, t.min * 1e6);
            if (cuda)
                printf("    target <= %.1f us/step on CUDA: %s\n", LATENCY_TARGET_US,
                       us <= LATENCY_TARGET_US ? "MET" : "NOT MET");
        }
        fflush(stdout);
    }
    if (part_b) {
        nfb_timing t;
        if (nfb_time_dense_throughput(backend, device, steps_b, &t))
            return 1;
        const double flop =
            2.0 * NFB_THROUGHPUT_N * (double)NFB_THROUGHPUT_N * NFB_THROUGHPUT_BATCH;
        const double rate = flop / t.median, rate_best = flop / t.min;
        double blas;
        const char *blas_name;
        if (cuda) {
            blas = nfb_cublas_sgemm_flops(device, NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH,
                                          NFB_THROUGHPUT_N, err, sizeof err);
            blas_name = "cuBLAS SGEMM (OP_T, OP_N, m 4096, n 256, k 4096, beta 1)";
        } else {
            blas = nfb_cblas_sgemm_flops(NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH, NFB_THROUGHPUT_N);
            snprintf(err, sizeof err, "cblas_sgemm produced a non-finite value or no time");
            blas_name = "cblas_sgemm (row-major, NoTrans x Trans, 256 x 4096 x 4096, beta 1)";
        }
        if (blas <= 0.0) {
            fprintf(stderr, "BLAS reference: %s\n", err);
            status = 1;
        }
        if (csv)
            printf("b,%s,\"%s\",%d,%d,%lld,%.3f,%.3f,%.4g,%.4g,%.4f\n", nf_backend_name(backend),
                   name, NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH, (long long)steps_b, t.median * 1e6,
                   t.min * 1e6, rate, blas, blas > 0.0 ? rate / blas : 0.0);
        else {
            printf("\n(b) dense recurrent network, N %d, batch %d, shared weights; "
                   "2 N^2 batch = %.3g FLOP per step\n"
                   "    %lld steps per run, median (min) of %d runs after a warm-up\n"
                   "    %.1f us/step (min %.1f): %.2f GFLOP/s (best run %.2f)\n",
                   NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH, flop, (long long)steps_b, NFB_REPEATS,
                   t.median * 1e6, t.min * 1e6, rate / 1e9, rate_best / 1e9);
            if (blas > 0.0)
                printf("    %s: %.2f GFLOP/s (best of several)\n"
                       "    step / BLAS: %.1f%% (median step), %.1f%% (best step)\n",
                       blas_name, blas / 1e9, 100.0 * rate / blas, 100.0 * rate_best / blas);
        }
    }
    return status;
}
