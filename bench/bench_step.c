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
 * steps). The target: LIF at batch x n >= 2^24 at >= 85% of the copy.
 * Usage: bench_step [--backend cpu|cuda] [--csv] [--max-log2 N] [--device D]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

#include "common.h"
#include "device_bandwidth.h"
#include "neurofuse.h"

#define TARGET_LOG2 24
#define TARGET_FRACTION 0.85

typedef struct bench_model {
    const char *name;
    nf_model model;
    int spiking;      /* rate model through the spiking conversion */
    int state_floats; /* model state variables read and written per neuron (s0, s1) */
    nf_filter_kind filter;
    int filter_floats; /* filter state variables read and written per neuron (f0, f1) */
} bench_model;

static const bench_model MODELS[] = {
    {"relu", NF_MODEL_RELU, 0, 0, NF_FILTER_NONE, 0},
    {"relu-spiking", NF_MODEL_RELU, 1, 1, NF_FILTER_NONE, 0},
    {"softlif", NF_MODEL_SOFTLIF_RATE, 0, 0, NF_FILTER_NONE, 0},
    {"leaky-rate", NF_MODEL_LEAKY_RATE, 0, 1, NF_FILTER_NONE, 0},
    {"lif", NF_MODEL_LIF, 0, 2, NF_FILTER_NONE, 0},
    {"lif-lowpass", NF_MODEL_LIF, 0, 2, NF_FILTER_LOWPASS, 1},
    {"izhikevich", NF_MODEL_IZHIKEVICH, 0, 2, NF_FILTER_NONE, 0},
    {"theta", NF_MODEL_THETA, 0, 1, NF_FILTER_NONE, 0},
};

/* Bytes one neuron-step must move through memory, counted honestly:
 * the step's input is written by the zero fill (4) and read by the step (4);
 * the output is written (4); each model and filter state variable is read and
 * written (8 each); gain and bias (8) are read once per step for the whole
 * batch, so 8 / batch per neuron-step. */
static double bytes_per_neuron_step(const bench_model *m, int32_t batch) {
    return 4.0 * (1 + 1 + 1) + 8.0 * (m->state_floats + m->filter_floats) + 8.0 / batch;
}

/* Steps per timed run: enough that a run's fixed costs stay small. On CUDA a
 * multiple of 64, the steps recorded into one graph (engine/run.c), so that a
 * run records one graph and replays it. */
static int64_t steps_for(nf_backend backend, double elements) {
    if (backend == NF_BACKEND_CUDA) {
        int64_t steps = (int64_t)(8.6e9 / elements); /* 2^33 neuron-steps */
        steps = steps < 256 ? 256 : steps > 16384 ? 16384 : steps;
        return steps / 64 * 64;
    }
    int64_t steps = (int64_t)(2e7 / elements);
    return steps < 5 ? 5 : steps;
}

typedef struct timing {
    double median, min; /* seconds per step */
} timing;

/* Times one model at batch x n; 0 on success, else prints why and returns 1. */
static int time_step(nf_backend backend, int32_t device, const bench_model *m, int32_t batch,
                     int32_t n, timing *out) {
    nf_network_desc nd = nf_network_defaults();
    nd.batch = batch;
    nd.backend = backend;
    nd.device = device;
    nd.dt = m->model == NF_MODEL_IZHIKEVICH ? 0.04 : 1e-4;
    nf_network *net = NULL;
    char message[512];
    nf_status st = nf_network_create_ex(&nd, &net, message, sizeof message);
    if (st != NF_OK) {
        fprintf(stderr, "%s batch %d n %d: nf_network_create: %s: %s\n", m->name, batch, n,
                nf_status_string(st), message);
        return 1;
    }
    nf_population_desc pd = nf_population_defaults(m->model, n);
    pd.spiking = m->spiking;
    pd.bias = m->model == NF_MODEL_IZHIKEVICH ? 1000.0f
              : m->model == NF_MODEL_THETA    ? 0.01f
                                              : 1.5f;
    if (m->filter != NF_FILTER_NONE)
        pd.filter = (nf_filter_desc){.kind = m->filter, .tau = 0.005f};
    int32_t pop;
    const double elements = (double)batch * n;
    const int64_t steps = steps_for(backend, elements);
    double times[5];
    float *check = NULL;
    const char *where = "nf_population_add";
    if ((st = nf_population_add(net, &pd, &pop)) != NF_OK)
        goto fail;
    where = "nf_network_run";
    if ((st = nf_network_run(net, steps)) != NF_OK) /* warm-up */
        goto fail;
    for (int r = 0; r < 5; r++) {
        double t = nfb_now();
        st = nf_network_run(net, steps);
        times[r] = (nfb_now() - t) / steps;
        if (st != NF_OK)
            goto fail;
    }
    /* The steps computed something: every output is finite. */
    where = "nf_population_get_state(OUTPUT)";
    check = malloc(sizeof *check * (size_t)batch * n);
    if (!check) {
        fprintf(stderr, "%s: out of host memory for the output check\n", m->name);
        nf_network_destroy(net);
        return 1;
    }
    if ((st = nf_population_get_state(net, pop, NF_STATE_OUTPUT, check)) != NF_OK)
        goto fail;
    for (size_t i = 0; i < (size_t)batch * n; i++)
        if (!isfinite(check[i])) {
            fprintf(stderr, "%s batch %d n %d: output %zu is %g after %lld steps\n", m->name,
                    batch, n, i, check[i], (long long)(6 * steps));
            free(check);
            nf_network_destroy(net);
            return 1;
        }
    free(check);
    nf_network_destroy(net);
    qsort(times, 5, sizeof *times, nfb_cmp_double);
    out->median = times[2];
    out->min = times[0];
    return 0;
fail:
    fprintf(stderr, "%s batch %d n %d: %s: %s: %s\n", m->name, batch, n, where,
            nf_status_string(st), nf_network_last_error(net));
    free(check);
    nf_network_destroy(net);
    return 1;
}

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
        } else if (!strcmp(argv[i], "--backend") && i + 1 < argc &&
                   !strcmp(argv[i + 1], "cuda")) {
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
               nf_backend_name(backend), name, bw / 1e9, baseline, "model", "batch", "n",
               "bytes", "us/step", "min us", "neuron-steps/s", "GB/s", "of copy");

    double target_fraction = -1.0;
    int32_t target_batch = 0, target_n = 0;
    for (size_t k = 0; k < sizeof MODELS / sizeof *MODELS; k++) {
        const bench_model *m = &MODELS[k];
        for (int s = 0; s < nsizes; s++) {
            const int lg = sizes[s];
            const int32_t n = lg <= 12 ? (1 << lg) : 4096, batch = (int32_t)((1L << lg) / n);
            timing t;
            if (time_step(backend, device, m, batch, n, &t))
                return 1;
            const double rate = (double)batch * n / t.median;
            const double bytes = bytes_per_neuron_step(m, batch);
            const double gbs = rate * bytes / 1e9;
            const double fraction = gbs * 1e9 / bw;
            if (m->model == NF_MODEL_LIF && m->filter == NF_FILTER_NONE && lg >= TARGET_LOG2) {
                target_fraction = fraction; /* the largest size >= 2^24 wins */
                target_batch = batch;
                target_n = n;
            }
            if (csv)
                printf("%s,%s,\"%s\",%d,%d,%.3f,%.3f,%.4g,%.3f,%.3f,%.3f,%.4f\n", m->name,
                       nf_backend_name(backend), name, batch, n, t.median * 1e6, t.min * 1e6,
                       rate, bytes, gbs, bw / 1e9, fraction);
            else
                printf("%-13s %6d %6d %6.2f %11.3f %11.3f %14.4g %8.2f %7.1f%%\n", m->name,
                       batch, n, bytes, t.median * 1e6, t.min * 1e6, rate, gbs,
                       100.0 * fraction);
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
