/*
 * Sequence-layer throughput: a SpikingActivation (relu) over a long
 * sequence, alone and chained with a Lowpass (one fused pass), and a Lowpass
 * alone, in neuron-steps per second, counting only the input read and the
 * output written (8 bytes per neuron-step; the state stays in registers or
 * cache), against the copy bandwidth measured in the same run (host memcpy on
 * the CPU; a device-to-device cudaMemcpyAsync on CUDA, where the data are
 * device buffers: NF_MEMORY_DEVICE). Median and min of 5 timed applies after
 * a warm-up. The goal: 3e11 neuron-steps/s for SpikingActivation on
 * an H100, which only a GPU run can check.
 * Usage: bench_sequence [--backend cpu|cuda] [--csv] [--units U] [--batch B] [--time T]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "device_bandwidth.h"
#include "neurofuse.h"

#define REPEATS 5
#define TARGET_RATE 3e11

typedef struct config {
    const char *name;
    nf_layer_kind kinds[2];
    int32_t count;
} config;

static const config configs[] = {
    {"spiking-relu", {NF_LAYER_SPIKING_ACTIVATION}, 1},
    {"spiking+lowpass", {NF_LAYER_SPIKING_ACTIVATION, NF_LAYER_LOWPASS}, 2},
    {"lowpass", {NF_LAYER_LOWPASS}, 1},
};

static int fail(const char *what, nf_layer *layer) {
    fprintf(stderr, "%s: %s\n", what, layer ? nf_layer_last_error(layer) : "");
    return 1;
}

/* Times one configuration; *median and *min in seconds per apply. */
static int time_config(const config *c, nf_backend backend, int32_t batch, int32_t units,
                       int64_t time, const float *in, float *out, nf_memory memory,
                       double *median, double *min) {
    nf_layer *layers[2] = {NULL, NULL};
    for (int32_t k = 0; k < c->count; k++) {
        nf_layer_desc d = nf_layer_defaults(c->kinds[k], units);
        d.backend = backend;
        d.stateful = 1;
        char msg[512];
        if (nf_layer_create_ex(&d, &layers[k], msg, sizeof msg) != NF_OK) {
            fprintf(stderr, "nf_layer_create: %s\n", msg);
            nf_layer_destroy(layers[0]);
            return 1;
        }
    }
    double t[REPEATS + 1];
    int rc = 0;
    for (int r = 0; r <= REPEATS && !rc; r++) {
        const double t0 = nfb_now();
        if (nf_layer_chain_apply(layers, c->count, in, out, batch, time, units,
                                 NF_LAYOUT_TIME_MAJOR, memory, 1) != NF_OK)
            rc = fail("nf_layer_chain_apply", layers[0]);
        t[r] = nfb_now() - t0;
    }
    if (!rc) {
        qsort(t + 1, REPEATS, sizeof *t, nfb_cmp_double); /* t[0] is the warm-up */
        *median = t[1 + REPEATS / 2];
        *min = t[1];
    }
    nf_layer_destroy(layers[0]);
    nf_layer_destroy(layers[1]);
    return rc;
}

int main(int argc, char **argv) {
    nf_backend backend = NF_BACKEND_CPU;
    int csv = 0;
    int32_t units = 4096, batch = -1;
    int64_t time = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv"))
            csv = 1;
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            const char *b = argv[++i];
            backend = !strcmp(b, "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
            if (strcmp(b, "cuda") && strcmp(b, "cpu"))
                return fprintf(stderr, "--backend cpu|cuda, got %s\n", b), 2;
        } else if (!strcmp(argv[i], "--units") && i + 1 < argc)
            units = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--time") && i + 1 < argc)
            time = atoll(argv[++i]);
        else
            return fprintf(stderr, "usage: %s [--backend cpu|cuda] [--csv] [--units U] "
                                   "[--batch B] [--time T]\n", argv[0]), 2;
    }
    const int cuda = backend == NF_BACKEND_CUDA;
    if (batch < 0)
        batch = cuda ? 256 : 16;
    if (time < 0)
        time = cuda ? 1024 : 256; /* CUDA: 2^30 neuron-steps, 4 GiB in and 4 GiB out */
    if (units < 1 || batch < 1 || time < 1)
        return fprintf(stderr, "units, batch and time must be >= 1\n"), 2;
    if (!nf_backend_available(backend))
        return fprintf(stderr, "backend %s is not available here\n", nf_backend_name(backend)),
               1;
    char name[256], err[512];
    const double bw = cuda ? nfb_device_copy_bandwidth(0, name, sizeof name, err, sizeof err)
                           : nfb_host_copy_bandwidth();
    if (!cuda)
        nfb_cpu_name(name, sizeof name);
    if (bw <= 0.0)
        return fprintf(stderr, "copy bandwidth: %s\n", cuda ? err : "not measurable"), 1;

    const size_t count = (size_t)batch * units * time, bytes = count * sizeof(float);
    float *h_in = malloc(bytes), *in = NULL, *out = NULL;
    if (!h_in)
        return fprintf(stderr, "out of host memory\n"), 1;
    for (size_t i = 0; i < count; i++) /* relu input 0..~500 Hz, a few spikes per 8 steps */
        h_in[i] = (float)((i * 2654435761u) % 1000) * 0.5f;
    if (cuda) {
        in = nfb_device_buffer(h_in, bytes);
        out = nfb_device_buffer(NULL, bytes);
        if (!in || !out)
            return fprintf(stderr, "device buffers of %zu bytes could not be made\n", bytes), 1;
    } else {
        in = h_in;
        out = malloc(bytes);
        if (!out)
            return fprintf(stderr, "out of host memory\n"), 1;
    }
    if (csv)
        printf("config,backend,device,batch,units,time,s_per_apply,s_min,neuron_steps_per_s,"
               "gb_per_s,copy_gb_per_s,fraction_of_copy\n");
    else
        printf("backend %s, device %s, %s buffers\ncopy bandwidth %.2f GB/s (bytes read + "
               "written)\nbatch %d x units %d x time %lld, time-major; 8 bytes per "
               "neuron-step (input read, output written)\nmedian and min of %d applies after "
               "a warm-up\n\n%-16s %12s %12s %14s %8s %8s\n",
               nf_backend_name(backend), name, cuda ? "device" : "host", bw / 1e9, batch, units,
               (long long)time, REPEATS, "config", "ms/apply", "min ms", "neuron-steps/s",
               "GB/s", "of copy");
    double spiking_rate = 0.0;
    for (size_t k = 0; k < sizeof configs / sizeof *configs; k++) {
        double med, mn;
        if (time_config(&configs[k], backend, batch, units, time, in, out,
                        cuda ? NF_MEMORY_DEVICE : NF_MEMORY_HOST, &med, &mn))
            return 1;
        const double rate = (double)count / med, gbs = rate * 8.0 / 1e9;
        if (k == 0)
            spiking_rate = rate;
        if (csv)
            printf("%s,%s,\"%s\",%d,%d,%lld,%.6g,%.6g,%.4g,%.3f,%.3f,%.4f\n", configs[k].name,
                   nf_backend_name(backend), name, batch, units, (long long)time, med, mn, rate,
                   gbs, bw / 1e9, gbs * 1e9 / bw);
        else
            printf("%-16s %12.3f %12.3f %14.4g %8.2f %7.1f%%\n", configs[k].name, med * 1e3,
                   mn * 1e3, rate, gbs, 100.0 * gbs * 1e9 / bw);
    }
    if (!csv)
        printf("\ntarget (SpikingActivation >= %.0e neuron-steps/s on an H100): %s (%.3g here)\n",
               TARGET_RATE,
               cuda ? (spiking_rate >= TARGET_RATE ? "MET on this GPU" : "NOT MET on this GPU")
                    : "needs a GPU run",
               spiking_rate);
    if (cuda) {
        nfb_device_free(in);
        nfb_device_free(out);
    } else {
        free(out);
    }
    free(h_in);
    return 0;
}
