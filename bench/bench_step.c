/*
 * Population step throughput: neuron-steps per second for each model across
 * sizes batch x n from 2^10 up to 2^max-log2 (default 2^22 on the CPU, 2^24 on
 * CUDA), with the bytes a step must move per neuron and the fraction of the
 * copy bandwidth measured in the same run that this reaches. The baseline is
 * host memcpy on the CPU and a device-to-device cudaMemcpyAsync on CUDA (both
 * counted as bytes read + written). Median (and min) of 5 timed runs after a
 * warm-up run; each run is nf_network_run(steps), host clock around it (the
 * run ends with a synchronize), so it includes the run's fixed costs (on CUDA
 * the capture and instantiation of one graph of 64 steps, amortised over >= 256
 * steps). The goal: LIF at batch x n >= 2^24 at >= 85% of the copy.
 * Usage: bench_step [--backend cpu|cuda] [--csv] [--max-log2 N] [--device D]
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

#define TARGET_LOG2     24
#define TARGET_FRACTION 0.85

int main(int argc, char **argv) {
    nf_backend backend = NF_BACKEND_CPU;
    int csv = 0, max_log2 = -1;
    int32_t device = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv"))
            csv = 1;
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc && !strcmp(argv[i + 1], "cpu")) {
            backend = NF_BACKEND_CPU;
            i++;
        } else if (!strcmp(argv[i], "--backend") && i + 1 < argc && !strcmp(argv[i + 1], "cuda")) {
            backend = NF_BACKEND_CUDA;
            i++;
        } else if (!strcmp(argv[i], "--max-log2") && i + 1 < argc)
            max_log2 = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--device") && i + 1 < argc)
            device = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: %s [--backend cpu|cuda] [--csv] [--max-log2 N (10..28)] "
                    "[--device D]\n",
                    argv[0]);
            return 2;
        }
    }
    if (max_log2 < 0)
        max_log2 = backend == NF_BACKEND_CUDA ? 24 : 22;
    if (max_log2 < 10 || max_log2 > 28) {
        fprintf(stderr, "--max-log2 must be in 10..28, got %d\n", max_log2);
        return 2;
    }
    if (!nf_backend_available(backend)) {
        fprintf(stderr, "backend %s is not available here\n", nf_backend_name(backend));
        return 1;
    }

    char name[256], err[512];
    double bw;
    if (backend == NF_BACKEND_CUDA) {
        bw = nfb_device_copy_bandwidth(device, name, sizeof name, err, sizeof err);
        if (bw <= 0.0) {
            fprintf(stderr, "device copy bandwidth: %s\n", err);
            return 1;
        }
    } else {
        nfb_cpu_name(name, sizeof name);
        bw = nfb_host_copy_bandwidth();
        if (bw <= 0.0) {
            fprintf(stderr, "host memcpy bandwidth could not be measured\n");
            return 1;
        }
    }
    const char *baseline = backend == NF_BACKEND_CUDA ? "device-to-device cudaMemcpyAsync, 1 GiB"
                                                      : "host memcpy, 256 MiB";

    /* Sizes 2^10, 2^14, 2^18, 2^22 up to max_log2, and max_log2 itself. */
    int sizes[8], nsizes = 0;
    for (int lg = 10; lg <= max_log2; lg += 4)
        sizes[nsizes++] = lg;
    if (sizes[nsizes - 1] != max_log2)
        sizes[nsizes++] = max_log2;

    if (csv)
        printf("model,backend,device,batch,n,us_per_step,us_per_step_min,neuron_steps_per_s,"
               "bytes_per_neuron_step,gb_per_s,copy_gb_per_s,fraction_of_copy\n");
    else
        printf("backend %s, device %s\ncopy bandwidth %.2f GB/s (%s; bytes read + written)\n"
               "bytes per neuron-step: 4 (input written by the fill) + 4 (read by the step) + 4 "
               "(output written)\n  + 8 per model state variable + 8 per filter state variable "
               "(read + written) + 8/batch (gain, bias)\n"
               "median and min of 5 runs after a warm-up\n\n"
               "%-13s %6s %6s %6s %11s %11s %14s %8s %8s\n",
               nf_backend_name(backend), name, bw / 1e9, baseline, "model", "batch", "n", "bytes",
               "us/step", "min us", "neuron-steps/s", "GB/s", "of copy");

    double target_fraction = -1.0;
    int32_t target_batch = 0, target_n = 0;
    for (int k = 0; k < nfb_step_model_count; k++) {
        const nfb_step_model *m = &nfb_step_models[k];
        for (int s = 0; s < nsizes; s++) {
            const int lg = sizes[s];
            int32_t batch, n;
            nfb_size_split(lg, &batch, &n);
            nfb_timing t;
            if (nfb_time_step(backend, device, m, batch, n,
                              nfb_step_steps(backend, (double)batch * n), &t))
                return 1;
            const double rate = (double)batch * n / t.median;
            const double bytes = nfb_bytes_per_neuron_step(m, batch);
            const double gbs = rate * bytes / 1e9;
            const double fraction = gbs * 1e9 / bw;
            if (m->model == NF_MODEL_LIF && m->filter == NF_FILTER_NONE && lg >= TARGET_LOG2) {
                target_fraction = fraction; /* the largest size >= 2^24 wins */
                target_batch = batch;
                target_n = n;
            }
            if (csv)
                printf("%s,%s,\"%s\",%d,%d,%.3f,%.3f,%.4g,%.3f,%.3f,%.3f,%.4f\n", m->name,
                       nf_backend_name(backend), name, batch, n, t.median * 1e6, t.min * 1e6, rate,
                       bytes, gbs, bw / 1e9, fraction);
            else
                printf("%-13s %6d %6d %6.2f %11.3f %11.3f %14.4g %8.2f %7.1f%%\n", m->name, batch,
                       n, bytes, t.median * 1e6, t.min * 1e6, rate, gbs, 100.0 * fraction);
            fflush(stdout);
        }
    }
    if (!csv) {
        if (target_fraction < 0.0)
            printf("\ntarget (lif at batch x n >= 2^%d, >= %.0f%% of copy): not measured "
                   "(--max-log2 %d)\n",
                   TARGET_LOG2, 100.0 * TARGET_FRACTION, max_log2);
        else
            printf("\ntarget (lif at batch x n >= 2^%d, >= %.0f%% of copy): %.1f%% at batch %d "
                   "x n %d on %s: %s\n",
                   TARGET_LOG2, 100.0 * TARGET_FRACTION, 100.0 * target_fraction, target_batch,
                   target_n, nf_backend_name(backend),
                   target_fraction >= TARGET_FRACTION ? "MET" : "NOT MET");
    }
    return 0;
}
