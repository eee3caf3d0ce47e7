/*
 * Checkpoint speed: nf_network_save and nf_network_load of a FORCE network of
 * N leaky tanh units (default 10,000: its P alone is N^2 float32, 400 MB),
 * sparse recurrent weights (p 0.1) and a readout with output feedback,
 * against copying the same bytes with the system's tools in the same run:
 *   save  vs  cp FILE COPY && sync COPY  (both end with the bytes on disk:
 *             nf_network_save writes a temporary file, fsyncs it and renames it)
 *   load  vs  cat FILE > /dev/null       (both read the file, from the page
 *             cache after the save) and vs cp without sync
 * MB/s are file bytes per second (1 MB = 10^6 bytes). Each figure is the
 * median (and the best) of R runs. After loading, the network is checked
 * to hold the same P and readout weights as the saved one.
 * Usage: bench_checkpoint [--n N] [--runs R] [--file PATH] [--backend cpu|cuda]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "neurofuse.h"

static void check(nf_network *net, nf_status st, const char *what) {
    if (st != NF_OK) {
        fprintf(stderr, "bench_checkpoint: %s: %s: %s\n", what, nf_status_string(st),
                net ? nf_network_last_error(net) : "");
        exit(1);
    }
}

/* Median and best of `runs` timings of a shell command (seconds). */
static void time_command(const char *cmd, int runs, double *median, double *best) {
    double *t = malloc((size_t)runs * sizeof *t);
    for (int r = 0; r < runs; r++) {
        const double t0 = nfb_now();
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_checkpoint: '%s' failed\n", cmd);
            exit(1);
        }
        t[r] = nfb_now() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, nfb_cmp_double);
    *median = t[runs / 2];
    *best = t[0];
    free(t);
}

int main(int argc, char **argv) {
    int32_t n = 10000;
    int runs = 3;
    const char *path = "/tmp/nf_bench_checkpoint.npz";
    nf_backend backend = NF_BACKEND_CPU;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--file"))
            path = argv[i + 1];
        else if (!strcmp(argv[i], "--backend"))
            backend = !strcmp(argv[i + 1], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    }
    if (n < 10 || runs < 1) {
        fprintf(stderr, "usage: bench_checkpoint [--n N >= 10] [--runs R >= 1] [--file PATH] "
                        "[--backend cpu|cuda]\n");
        return 2;
    }
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.1;
    nd.seed = 1;
    nd.backend = backend;
    nf_network *net = NULL;
    check(net, nf_network_create(&nd, &net), "nf_network_create");
    int32_t pop, c, readout, input, learner;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    pd.x_init_scale = 0.5f;
    check(net, nf_population_add(net, &pd, &pop), "population");
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 0.1f;
    cd.scale = 0.0f; /* g / sqrt(p N) */
    check(net, nf_connect(net, pop, pop, &cd, &c), "recurrent weights");
    check(net, nf_readout_add(net, pop, 1, NULL, &readout), "readout");
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    check(net, nf_connect(net, readout, pop, &cd, &c), "feedback");
    check(net, nf_input_add(net, 1, &input), "target");
    const float f = 0.5f;
    check(net, nf_input_set(net, input, 1, &f), "target");
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    ld.target = input;
    check(net, nf_learner_add(net, &ld, &learner), "learner");
    check(net, nf_network_run(net, 2), "two learning steps");

    double *save = malloc((size_t)runs * sizeof *save), *load = malloc((size_t)runs * sizeof *load);
    nf_network *m = NULL;
    for (int r = 0; r < runs; r++) {
        double t0 = nfb_now();
        check(net, nf_network_save(net, path), "nf_network_save");
        save[r] = nfb_now() - t0;
        nf_network_destroy(m);
        char msg[1024];
        t0 = nfb_now();
        if (nf_network_load(path, backend, 0, &m, msg, sizeof msg) != NF_OK) {
            fprintf(stderr, "bench_checkpoint: %s\n", msg);
            return 1;
        }
        load[r] = nfb_now() - t0;
    }
    /* the loaded network holds the saved P and readout weights */
    int64_t count;
    check(net, nf_learner_p_count(net, learner, &count), "P count");
    float *a = malloc((size_t)count * sizeof *a), *b = malloc((size_t)count * sizeof *b);
    check(net, nf_learner_get_p(net, learner, a), "P");
    check(m, nf_learner_get_p(m, learner, b), "loaded P");
    int same = !memcmp(a, b, (size_t)count * sizeof *a);
    check(net, nf_readout_get_weights(net, readout, a), "weights");
    check(m, nf_readout_get_weights(m, readout, b), "loaded weights");
    same = same && !memcmp(a, b, (size_t)n * sizeof *a);
    free(a);
    free(b);
    if (!same) {
        fprintf(stderr, "bench_checkpoint: the loaded network differs from the saved one\n");
        return 1;
    }
    nf_network_destroy(m);
    nf_network_destroy(net);

    struct stat sb;
    if (stat(path, &sb) != 0)
        return 1;
    const double mb = (double)sb.st_size / 1e6;
    char cmd[3 * 4096];
    double cp_sync, cp_sync_best, cp, cp_best, cat, cat_best;
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.cp' && sync '%s.cp'", path, path, path);
    time_command(cmd, runs, &cp_sync, &cp_sync_best);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.cp'", path, path);
    time_command(cmd, runs, &cp, &cp_best);
    snprintf(cmd, sizeof cmd, "cat '%s' > /dev/null", path);
    time_command(cmd, runs, &cat, &cat_best);
    snprintf(cmd, sizeof cmd, "rm -f '%s.cp'", path);
    if (system(cmd) != 0)
        return 1;
    qsort(save, (size_t)runs, sizeof *save, nfb_cmp_double);
    qsort(load, (size_t)runs, sizeof *load, nfb_cmp_double);
    printf("FORCE network of %d units (P %d x %d float32, sparse recurrent p 0.1) on %s; file "
           "%s, %.1f MB; median (best) of %d runs\n\n", n, n, n,
           nf_backend_name(backend), path, mb, runs);
    printf("| operation | seconds | MB/s | vs the system tool |\n|---|---|---|---|\n");
    printf("| nf_network_save (fsync) | %.3f (%.3f) | %.0f (%.0f) | %.2fx cp + sync |\n",
           save[runs / 2], save[0], mb / save[runs / 2], mb / save[0], cp_sync / save[runs / 2]);
    printf("| cp + sync | %.3f (%.3f) | %.0f (%.0f) | |\n", cp_sync, cp_sync_best, mb / cp_sync,
           mb / cp_sync_best);
    printf("| nf_network_load | %.3f (%.3f) | %.0f (%.0f) | %.2fx cat, %.2fx cp |\n",
           load[runs / 2], load[0], mb / load[runs / 2], mb / load[0], cat / load[runs / 2],
           cp / load[runs / 2]);
    printf("| cat > /dev/null | %.3f (%.3f) | %.0f (%.0f) | |\n", cat, cat_best, mb / cat,
           mb / cat_best);
    printf("| cp (no sync) | %.3f (%.3f) | %.0f (%.0f) | |\n", cp, cp_best, mb / cp, mb / cp_best);
    free(save);
    free(load);
    remove(path);
    return 0;
}
