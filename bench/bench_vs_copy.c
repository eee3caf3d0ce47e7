/*
 * A step or a sequence pass against a host memcpy of the same bytes, timed
 * alternately in one run (work, copy, work, copy, ...), so that both see the
 * same load on a shared machine. Prints each round and then the fraction of
 * the copy's speed the work reaches (copy time / work time for the same bytes):
 * the median of the rounds' fractions, their min and max, and the ratio of the
 * two minimum times.
 *   lif       one nengo LIF population (bias 1.5, no filter) at batch x n =
 *             2^log2 (n 4096), `steps` steps per run; bytes per neuron-step as
 *             bench_step counts them: 28 + 8 / batch
 *   lif-lowpass  the same with a Lowpass filter (tau 5 ms): 36 + 8 / batch
 *   sequence  a stateful SpikingActivation (relu) over batch 16 x units 4096 x
 *             time 256, time-major, as bench_sequence: 8 bytes per neuron-step
 *             (input read, output written)
 * Usage: bench_vs_copy [--case lif|lif-lowpass|sequence] [--log2 N] [--steps S]
 *                      [--rounds R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "neurofuse.h"

#define MAX_ROUNDS 101

typedef struct work {
    nf_network *net; /* lif cases */
    nf_layer *layer; /* sequence */
    float *in, *out;
    int32_t batch, units;
    int64_t time, steps;
} work;

static int run_work(work *w) {
    if (w->net) {
        const nf_status st = nf_network_run(w->net, w->steps);
        return st == NF_OK ? 0 : nfb_fail(w->net, "nf_network_run", st);
    }
    if (nf_layer_apply(w->layer, w->in, w->out, w->batch, w->time, w->units,
                       NF_LAYOUT_TIME_MAJOR, NF_MEMORY_HOST, 1) != NF_OK) {
        fprintf(stderr, "nf_layer_apply: %s\n", nf_layer_last_error(w->layer));
        return 1;
    }
    return 0;
}

static int setup_lif(work *w, int log2, int lowpass) {
    w->units = log2 <= 12 ? (1 << log2) : 4096;
    w->batch = (int32_t)((1L << log2) / w->units);
    nf_network_desc nd = nf_network_defaults();
    nd.batch = w->batch;
    nd.dt = 1e-4;
    if (!(w->net = nfb_network_create(&nd)))
        return 1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, w->units);
    pd.bias = 1.5f;
    if (lowpass)
        pd.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.005f};
    int32_t pop;
    nf_status st = nf_population_add(w->net, &pd, &pop);
    return st == NF_OK ? 0 : nfb_fail(w->net, "nf_population_add", st);
}

static int setup_sequence(work *w) {
    w->batch = 16;
    w->units = 4096;
    w->time = 256;
    const size_t count = (size_t)w->batch * w->units * w->time;
    w->in = malloc(count * sizeof(float));
    w->out = malloc(count * sizeof(float));
    if (!w->in || !w->out)
        return fprintf(stderr, "out of host memory\n"), 1;
    for (size_t i = 0; i < count; i++) /* as bench_sequence: relu input 0..~500 Hz */
        w->in[i] = (float)((i * 2654435761u) % 1000) * 0.5f;
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, w->units);
    d.stateful = 1;
    char msg[512];
    if (nf_layer_create_ex(&d, &w->layer, msg, sizeof msg) != NF_OK)
        return fprintf(stderr, "nf_layer_create: %s\n", msg), 1;
    return 0;
}

int main(int argc, char **argv) {
    const char *name = "lif";
    int log2 = 22, rounds = 11;
    int64_t steps = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--case") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "--log2") && i + 1 < argc)
            log2 = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
            steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else
            return fprintf(stderr, "usage: %s [--case lif|lif-lowpass|sequence] [--log2 N] "
                                   "[--steps S] [--rounds R]\n", argv[0]), 2;
    }
    const int lif = !strcmp(name, "lif"), lowpass = !strcmp(name, "lif-lowpass");
    if ((!lif && !lowpass && strcmp(name, "sequence")) || log2 < 10 || log2 > 26 ||
        steps < 1 || rounds < 1 || rounds > MAX_ROUNDS)
        return fprintf(stderr, "--case lif|lif-lowpass|sequence, --log2 10..26, --steps >= 1, "
                               "--rounds 1..%d\n", MAX_ROUNDS), 2;
    work w = {.steps = steps};
    if (lif || lowpass ? setup_lif(&w, log2, lowpass) : setup_sequence(&w))
        return 1;
    /* the bytes one run of the work must move, read + written */
    double bytes;
    if (lif || lowpass)
        bytes = (double)steps * w.batch * w.units * (28.0 + 8.0 * lowpass + 8.0 / w.batch);
    else
        bytes = 8.0 * w.batch * w.units * (double)w.time;
    const size_t half = (size_t)(bytes / 2.0); /* a memcpy reads and writes it */
    char *src = malloc(half), *dst = malloc(half);
    if (!src || !dst)
        return fprintf(stderr, "out of host memory for the copy\n"), 1;
    memset(src, 1, half);
    memset(dst, 2, half);
    char cpu[256];
    nfb_cpu_name(cpu, sizeof cpu);
    printf("case %s on %s: %.1f MB read + written per run (", name, cpu, bytes / 1e6);
    if (w.net)
        printf("batch %d x n %d, %lld steps)\n", w.batch, w.units, (long long)steps);
    else
        printf("batch %d x units %d x time %lld)\n", w.batch, w.units, (long long)w.time);
    printf("%6s %12s %12s %10s\n", "round", "work ms", "memcpy ms", "fraction");
    if (run_work(&w)) /* warm-up */
        return 1;
    memcpy(dst, src, half);
    double tw[MAX_ROUNDS], tc[MAX_ROUNDS], fr[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        double t = nfb_now();
        if (run_work(&w))
            return 1;
        tw[r] = nfb_now() - t;
        t = nfb_now();
        memcpy(dst, src + (r & 1), half - 1);
        tc[r] = nfb_now() - t;
        fr[r] = tc[r] / tw[r];
        printf("%6d %12.3f %12.3f %9.1f%%\n", r, tw[r] * 1e3, tc[r] * 1e3, 100.0 * fr[r]);
    }
    qsort(tw, (size_t)rounds, sizeof *tw, nfb_cmp_double);
    qsort(tc, (size_t)rounds, sizeof *tc, nfb_cmp_double);
    qsort(fr, (size_t)rounds, sizeof *fr, nfb_cmp_double);
    printf("fraction of memcpy: median %.1f%%, min %.1f%%, max %.1f%%; min times %.3f / %.3f ms "
           "= %.1f%%\n",
           100.0 * fr[rounds / 2], 100.0 * fr[0], 100.0 * fr[rounds - 1], tc[0] * 1e3,
           tw[0] * 1e3, 100.0 * tc[0] / tw[0]);
    nf_network_destroy(w.net);
    nf_layer_destroy(w.layer);
    free(w.in);
    free(w.out);
    free(src);
    free(dst);
    return 0;
}
