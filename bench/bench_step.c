/*
 * Population step throughput: neuron-steps per second for each model across
 * sizes batch x n from 2^10 to 2^22, on the chosen backend, with the bytes a
 * step must move per neuron (input fill and read, state read and write,
 * output write) and the fraction of the memcpy bandwidth measured in the same
 * run that this reaches. Median of 5 repeats after a warm-up.
 * Usage: bench_step [--backend cpu|cuda] [--csv] [--max-log2 N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

typedef struct bench_model {
    const char *name;
    nf_model model;
    int spiking;      /* rate model through the spiking conversion */
    int state_floats; /* state variables read and written per neuron */
} bench_model;

static const bench_model MODELS[] = {
    {"relu", NF_MODEL_RELU, 0, 0},          {"relu-spiking", NF_MODEL_RELU, 1, 1},
    {"softlif", NF_MODEL_SOFTLIF_RATE, 0, 0}, {"leaky-rate", NF_MODEL_LEAKY_RATE, 0, 1},
    {"lif", NF_MODEL_LIF, 0, 2},            {"izhikevich", NF_MODEL_IZHIKEVICH, 0, 2},
    {"theta", NF_MODEL_THETA, 0, 1},
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Host memcpy bandwidth (bytes read + written per second) over 256 MiB. */
static double copy_bandwidth(void) {
    const size_t bytes = (size_t)256 << 20;
    char *a = malloc(bytes), *b = malloc(bytes);
    if (!a || !b)
        return 0.0;
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = now();
        memcpy(b, a, bytes);
        t = now() - t;
        best = t < best ? t : best;
    }
    free(a);
    free(b);
    return 2.0 * bytes / best;
}

/* Seconds per step (median of 5) for one model at batch x n; < 0 on error. */
static double time_step(nf_backend backend, const bench_model *m, int32_t batch, int32_t n) {
    nf_network_desc nd = nf_network_defaults();
    nd.batch = batch;
    nd.backend = backend;
    nd.dt = m->model == NF_MODEL_IZHIKEVICH ? 0.04 : 1e-4;
    nf_network *net = NULL;
    if (nf_network_create(&nd, &net) != NF_OK)
        return -1.0;
    nf_population_desc pd = nf_population_defaults(m->model, n);
    pd.spiking = m->spiking;
    pd.bias = m->model == NF_MODEL_IZHIKEVICH ? 1000.0f
              : m->model == NF_MODEL_THETA    ? 0.01f
                                              : 1.5f;
    int32_t pop;
    if (nf_population_add(net, &pd, &pop) != NF_OK) {
        fprintf(stderr, "%s\n", nf_network_last_error(net));
        nf_network_destroy(net);
        return -1.0;
    }
    const double elements = (double)batch * n;
    int64_t steps = (int64_t)(2e7 / elements);
    steps = steps < 5 ? 5 : steps;
    nf_network_run(net, steps); /* warm-up */
    double times[5];
    for (int r = 0; r < 5; r++) {
        double t = now();
        nf_network_run(net, steps);
        times[r] = (now() - t) / steps;
    }
    nf_network_destroy(net);
    qsort(times, 5, sizeof *times, cmp_double);
    return times[2];
}

int main(int argc, char **argv) {
    nf_backend backend = NF_BACKEND_CPU;
    int csv = 0, max_log2 = 22;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv"))
            csv = 1;
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
            backend = !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
        else if (!strcmp(argv[i], "--max-log2") && i + 1 < argc)
            max_log2 = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--backend cpu|cuda] [--csv] [--max-log2 N]\n", argv[0]);
            return 2;
        }
    }
    if (!nf_backend_available(backend)) {
        fprintf(stderr, "backend %s is not available here\n", nf_backend_name(backend));
        return 1;
    }
    const double bw = copy_bandwidth();
    if (csv)
        printf("model,backend,batch,n,us_per_step,neuron_steps_per_s,bytes_per_neuron,"
               "gb_per_s,fraction_of_copy\n");
    else
        printf("backend %s, memcpy bandwidth %.2f GB/s (read + write)\n\n%-14s %8s %6s %12s "
               "%14s %8s %8s\n",
               nf_backend_name(backend), bw / 1e9, "model", "batch", "n", "us/step",
               "neuron-steps/s", "GB/s", "of copy");
    for (size_t k = 0; k < sizeof MODELS / sizeof *MODELS; k++) {
        const bench_model *m = &MODELS[k];
        for (int lg = 10; lg <= max_log2; lg += 4) {
            const int32_t n = lg <= 12 ? (1 << lg) : 4096, batch = (1 << lg) / n;
            double t = time_step(backend, m, batch, n);
            if (t < 0)
                return 1;
            const double rate = (double)batch * n / t;
            const double bytes = 4.0 * (3 + 2 * m->state_floats); /* fill, read, out; state */
            const double gbs = rate * bytes / 1e9;
            if (csv)
                printf("%s,%s,%d,%d,%.3f,%.4g,%.0f,%.3f,%.3f\n", m->name,
                       nf_backend_name(backend), batch, n, t * 1e6, rate, bytes, gbs,
                       gbs * 1e9 / bw);
            else
                printf("%-14s %8d %6d %12.3f %14.4g %8.2f %7.0f%%\n", m->name, batch, n, t * 1e6,
                       rate, gbs, 100.0 * gbs * 1e9 / bw);
        }
    }
    return 0;
}
