/*
 * neurofuse bench: the throughput suite of bench/ (bench/suite.h) on the CPU
 * and/or CUDA backend, as one table per backend and, with --json, one record
 * per measurement:
 *   step     neuron-steps/s per model at batch x n, bytes per neuron-step and
 *            the fraction of the copy bandwidth measured in the same run;
 *   latency  the N 1000 FORCE rate network, batch 1: us/step;
 *   dense    N 4096 x batch 256 dense recurrent step: FLOP/s, and its
 *            fraction of the BLAS's own SGEMM for the same shape;
 *   force_train  the FORCE network training its readout by RLS every step,
 *            us/step against N (P is N x N: the cost grows as N^2).
 * --svg DIR draws step_cost.svg (against batch x n, slope-1 reference) and
 * force_cost.svg (against N, slope-2 reference). --mpi measures instead the
 * strong and weak scaling of a batch sharded over MPI ranks (mpi/bench_mpi.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/common.h"
#include "bench/device_bandwidth.h"
#include "bench/suite.h"
#include "cli.h"
#include "cli_mpi.h"
#include "engine/atomic_file.h"
#include "scaling_plot.h"

static const char USAGE[] =
    "usage: neurofuse bench [options]\n"
    "  Runs the throughput suite and prints a table per backend.\n"
    "\n"
    "options:\n"
    "  --backend B     cpu, cuda or all (default all: every backend available here)\n"
    "  --quick         one size per model and shorter runs (seconds, not minutes)\n"
    "  --max-log2 N    largest batch x n as a power of two, 10..28 (default 22 on the CPU,\n"
    "                  24 on CUDA)\n"
    "  --device D      CUDA device ordinal (default 0)\n"
    "  --json FILE     also write every measurement to FILE as JSON\n"
    "  --svg DIR       also draw the scaling curves (log-log) into DIR: step_cost.svg\n"
    "                  (step cost vs batch x n), force_cost.svg (training step vs N)\n"
    "  --mpi           instead, the strong and weak scaling of the batched step (LIF,\n"
    "                  FORCE) sharded over 1, 2, 4, ... of the ranks it runs on:\n"
    "                  mpirun -np R neurofuse bench --mpi [--quick] [--json FILE]\n"
    "                  (--backend all means auto there: a GPU per rank when usable)\n"
    "  -h, --help      this help\n";

typedef struct bench_options {
    const char *backend, *json, *svg;
    int quick, mpi;
    int64_t max_log2, device;
} bench_options;

static int handle(void *ctx, int argc, char **argv, int *i) {
    bench_options *o = ctx;
    const char *v;
    int r;
    if (!strcmp(argv[*i], "--quick") || !strcmp(argv[*i], "--mpi")) {
        *(argv[*i][2] == 'q' ? &o->quick : &o->mpi) = 1;
        return CLI_OK;
    }
    if ((r = cli_option(argc, argv, i, "--max-log2", &v)) == 1)
        return cli_parse_int("bench", USAGE, "--max-log2", v, 10, 28, &o->max_log2);
    if (r == 0 && (r = cli_option(argc, argv, i, "--device", &v)) == 1)
        return cli_parse_int("bench", USAGE, "--device", v, 0, 1024, &o->device);
    if (r == 0 && (r = cli_option(argc, argv, i, "--json", &v)) == 1)
        o->json = v;
    if (r == 0 && (r = cli_option(argc, argv, i, "--svg", &v)) == 1)
        o->svg = v;
    if (r == 0 && (r = cli_option(argc, argv, i, "--backend", &v)) == 1) {
        if (strcmp(v, "cpu") && strcmp(v, "cuda") && strcmp(v, "all"))
            return cli_usage_error("bench", USAGE, "--backend must be cpu, cuda or all, got '%s'",
                                   v);
        o->backend = v;
    }
    if (r < 0)
        return cli_usage_error("bench", USAGE, "%s needs a value", argv[*i]);
    return r == 1 ? CLI_OK : -1;
}

/* JSON records, appended as they are measured, and the step costs for --svg. */
typedef struct json_out {
    FILE *f;
    int records;
    cli_series series[16];
    int nseries;
    cli_series force[2]; /* the training step per backend */
    int nforce;
} json_out;

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
    fputc('"', f);
}

/* Starts a record with the fields every record has; the caller adds the rest and "}". */
static void json_record(json_out *j, const char *kind, nf_backend b, const char *device) {
    if (!j->f)
        return;
    fprintf(j->f,
            "%s\n    {\"kind\": \"%s\", \"backend\": \"%s\", \"device\": ", j->records++ ? "," : "",
            kind, nf_backend_name(b));
    json_string(j->f, device);
}

/* A new curve for --svg named "what (backend)", dashed for CUDA; NULL when full. */
static cli_series *new_curve(cli_series *curves, int *count, int capacity, const char *what,
                             nf_backend b) {
    if (*count >= capacity)
        return NULL;
    cli_series *c = &curves[(*count)++];
    snprintf(c->name, sizeof c->name, "%s (%s)", what, nf_backend_name(b));
    c->dashed = b == NF_BACKEND_CUDA;
    c->count = 0;
    return c;
}

static void add_point(cli_series *c, double x, double y) {
    if (c && c->count < CLI_SERIES_POINTS) {
        c->x[c->count] = x;
        c->y[c->count++] = y;
    }
}

/* A record of a network's timing: n, batch, steps, us/step (median, min); the
 * caller adds any other field and the closing brace. */
static void json_timing(json_out *j, const char *kind, nf_backend b, const char *device, int32_t n,
                        int32_t batch, int64_t steps, const nfb_timing *t) {
    json_record(j, kind, b, device);
    if (j->f)
        fprintf(j->f,
                ", \"n\": %d, \"batch\": %d, \"steps\": %lld, \"us_per_step\": %.6g, "
                "\"us_per_step_min\": %.6g",
                n, batch, (long long)steps, t->median * 1e6, t->min * 1e6);
}

/* The step table: every model at each size. */
static int bench_steps(const bench_options *o, nf_backend b, const char *device, double copy_bw,
                       json_out *j) {
    const int cuda = b == NF_BACKEND_CUDA;
    const int max_log2 = o->max_log2 ? (int)o->max_log2 : cuda ? 24 : 22;
    int sizes[8], count = 0;
    if (o->quick)
        sizes[count++] = max_log2 < (cuda ? 20 : 14) ? max_log2 : cuda ? 20 : 14;
    else {
        for (int lg = 10; lg <= max_log2; lg += 4)
            sizes[count++] = lg;
        if (sizes[count - 1] != max_log2)
            sizes[count++] = max_log2;
    }
    printf("\npopulation step throughput (median of %d runs after a warm-up)\n"
           "%-13s %6s %6s %8s %11s %14s %8s %8s\n",
           NFB_REPEATS, "model", "batch", "n", "bytes", "us/step", "neuron-steps/s", "GB/s",
           "of copy");
    for (int k = 0; k < nfb_step_model_count; k++) {
        const nfb_step_model *m = &nfb_step_models[k];
        cli_series *curve = new_curve(j->series, &j->nseries, 16, m->name, b);
        for (int s = 0; s < count; s++) {
            int32_t batch, n;
            nfb_size_split(sizes[s], &batch, &n);
            int64_t steps = nfb_step_steps(b, (double)batch * n);
            if (o->quick)
                steps = cuda ? 256 : steps / 4 > 5 ? steps / 4 : 5;
            nfb_timing t;
            if (nfb_time_step(b, (int32_t)o->device, m, batch, n, steps, &t))
                return CLI_FAILED;
            const double rate = (double)batch * n / t.median;
            const double bytes = nfb_bytes_per_neuron_step(m, batch);
            const double gbs = rate * bytes / 1e9, fraction = gbs * 1e9 / copy_bw;
            add_point(curve, (double)batch * n, t.median * 1e6);
            printf("%-13s %6d %6d %8.2f %11.3f %14.4g %8.2f %7.1f%%\n", m->name, batch, n, bytes,
                   t.median * 1e6, rate, gbs, 100.0 * fraction);
            fflush(stdout);
            json_record(j, "step", b, device);
            if (j->f)
                fprintf(j->f,
                        ", \"model\": \"%s\", \"batch\": %d, \"n\": %d, \"steps\": %lld, "
                        "\"us_per_step\": %.6g, \"us_per_step_min\": %.6g, "
                        "\"neuron_steps_per_s\": %.6g, \"bytes_per_neuron_step\": %.4g, "
                        "\"gb_per_s\": %.6g, \"copy_gb_per_s\": %.6g, \"fraction_of_copy\": "
                        "%.4f}",
                        m->name, batch, n, (long long)steps, t.median * 1e6, t.min * 1e6, rate,
                        bytes, gbs, copy_bw / 1e9, fraction);
        }
    }
    return CLI_OK;
}

/* (a) latency and (b) dense throughput against the BLAS. */
static int bench_recurrent(const bench_options *o, nf_backend b, const char *device, json_out *j) {
    const int cuda = b == NF_BACKEND_CUDA;
    const int32_t dev = (int32_t)o->device;
    const int64_t steps_a = cuda ? (o->quick ? 2048 : 10000) : (o->quick ? 200 : 1000);
    const int64_t steps_b = cuda ? (o->quick ? 128 : 1024) : (o->quick ? 1 : 3);
    nfb_timing t;
    if (nfb_time_force_latency(b, dev, steps_a, &t))
        return CLI_FAILED;
    printf("\nFORCE rate network, N %d, batch 1 (Sussillo & Abbott, no learning): %.3f us/step "
           "(min %.3f, %lld steps per run)\n",
           NFB_LATENCY_N, t.median * 1e6, t.min * 1e6, (long long)steps_a);
    json_timing(j, "latency", b, device, NFB_LATENCY_N, 1, steps_a, &t);
    if (j->f)
        fputc('}', j->f);
    fflush(stdout);

    if (nfb_time_dense_throughput(b, dev, steps_b, &t))
        return CLI_FAILED;
    const double flop = 2.0 * NFB_THROUGHPUT_N * (double)NFB_THROUGHPUT_N * NFB_THROUGHPUT_BATCH;
    char err[512] = "";
    const double blas =
        cuda ? nfb_cublas_sgemm_flops(dev, NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH, NFB_THROUGHPUT_N,
                                      err, sizeof err)
             : nfb_cblas_sgemm_flops(NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH, NFB_THROUGHPUT_N);
    printf("dense recurrent network, N %d x batch %d: %.1f us/step, %.2f GFLOP/s", NFB_THROUGHPUT_N,
           NFB_THROUGHPUT_BATCH, t.median * 1e6, flop / t.median / 1e9);
    if (blas > 0.0)
        printf(", %.1f%% of %s SGEMM (%.2f GFLOP/s)\n", 100.0 * flop / t.median / blas,
               cuda ? "cuBLAS" : "cblas", blas / 1e9);
    else
        printf(" (BLAS reference failed: %s)\n", err[0] ? err : "no time");
    json_timing(j, "dense", b, device, NFB_THROUGHPUT_N, NFB_THROUGHPUT_BATCH, steps_b, &t);
    if (j->f)
        fprintf(j->f,
                ", \"flop_per_s\": %.6g, \"blas_flop_per_s\": %.6g, \"fraction_of_blas\": %.4f}",
                flop / t.median, blas, blas > 0.0 ? flop / t.median / blas : 0.0);
    return CLI_OK;
}

/* The FORCE training step against N. */
static int bench_training(const bench_options *o, nf_backend b, const char *device, json_out *j) {
    const int cuda = b == NF_BACKEND_CUDA;
    static const int32_t sizes[] = {256, 512, 1024, 2048};
    const int count = o->quick ? 3 : 4;
    cli_series *curve = new_curve(j->force, &j->nforce, 2, "FORCE training", b);
    printf("\nFORCE training step (network + readout RLS every step, P N x N float32)\n"
           "%6s %11s %14s %8s\n",
           "N", "us/step", "ns per N^2", "steps");
    for (int k = 0; k < count; k++) {
        const int32_t n = sizes[k];
        const double n2 = (double)n * n;
        int64_t steps = (int64_t)((o->quick ? 2e7 : 1e8) / n2);
        steps = cuda ? (o->quick ? 256 : 1024) : steps < 5 ? 5 : steps;
        nfb_timing t;
        if (nfb_time_force_train(b, (int32_t)o->device, n, steps, &t))
            return CLI_FAILED;
        printf("%6d %11.2f %14.3f %8lld\n", n, t.median * 1e6, t.median * 1e9 / n2,
               (long long)steps);
        fflush(stdout);
        add_point(curve, n, t.median * 1e6);
        json_timing(j, "force_train", b, device, n, 1, steps, &t);
        if (j->f)
            fputc('}', j->f);
    }
    return CLI_OK;
}

/* Writes both scaling figures into dir (created when missing). */
static int write_svgs(const char *dir, json_out *j) {
    char path[4096], err[512];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "neurofuse bench: cannot create '%s': %s\n", dir, strerror(errno));
        return CLI_FAILED;
    }
    snprintf(path, sizeof path, "%s/step_cost.svg", dir);
    if (cli_scaling_write(path, "neurofuse bench: population step cost", "batch x n",
                          "us per step (median)", j->series, j->nseries, 1.0, err,
                          sizeof err) != 0) {
        fprintf(stderr, "neurofuse bench: %s\n", err);
        return CLI_FAILED;
    }
    printf("wrote %s\n", path);
    snprintf(path, sizeof path, "%s/force_cost.svg", dir);
    if (cli_scaling_write(path, "neurofuse bench: FORCE training step (RLS every step)",
                          "N (neurons; P is N x N)", "us per step (median)", j->force, j->nforce,
                          2.0, err, sizeof err) != 0) {
        fprintf(stderr, "neurofuse bench: %s\n", err);
        return CLI_FAILED;
    }
    printf("wrote %s\n", path);
    return CLI_OK;
}

static int bench_backend(const bench_options *o, nf_backend b, json_out *j) {
    char device[256], err[512] = "";
    double copy_bw;
    if (b == NF_BACKEND_CUDA)
        copy_bw = nfb_device_copy_bandwidth((int)o->device, device, sizeof device, err, sizeof err);
    else {
        nfb_cpu_name(device, sizeof device);
        copy_bw = nfb_host_copy_bandwidth();
    }
    if (copy_bw <= 0.0) {
        fprintf(stderr, "neurofuse bench: %s copy bandwidth: %s\n", nf_backend_name(b),
                err[0] ? err : "could not be measured");
        return CLI_FAILED;
    }
    printf("\n== backend %s: %s\ncopy bandwidth %.2f GB/s (%s, bytes read + written)\n",
           nf_backend_name(b), device, copy_bw / 1e9,
           b == NF_BACKEND_CUDA ? "device-to-device cudaMemcpyAsync, 1 GiB"
                                : "host memcpy, 256 MiB");
    json_record(j, "copy", b, device);
    if (j->f)
        fprintf(j->f, ", \"copy_gb_per_s\": %.6g}", copy_bw / 1e9);
    int st = bench_steps(o, b, device, copy_bw, j);
    if (st == CLI_OK)
        st = bench_recurrent(o, b, device, j);
    return st != CLI_OK ? st : bench_training(o, b, device, j);
}

int cli_bench(int argc, char **argv) {
    bench_options o = {.backend = "all"};
    int st = cli_parse("bench", USAGE, argc, argv, handle, &o);
    if (st != CLI_OK)
        return st == -2 ? CLI_OK : st;
    if (o.mpi && o.svg)
        return cli_usage_error("bench", USAGE, "--svg draws the throughput suite, not --mpi");
    if (o.mpi)
        return cli_bench_mpi(o.quick, o.backend, o.json);
    if (cli_mpi_ranks() > 1)
        return cli_usage_error("bench", USAGE,
                               "started on %d MPI ranks: --mpi measures the sharded batch; the "
                               "throughput suite runs in one process",
                               cli_mpi_ranks());
    printf("neurofuse %s bench%s\n", nf_version(), o.quick ? " (quick)" : "");
    nf_backend list[2];
    int count = 0;
    if (strcmp(o.backend, "cuda"))
        list[count++] = NF_BACKEND_CPU;
    if (strcmp(o.backend, "cpu")) {
        if (nf_backend_available(NF_BACKEND_CUDA))
            list[count++] = NF_BACKEND_CUDA;
        else if (!strcmp(o.backend, "cuda")) {
            fprintf(stderr, "neurofuse bench: the cuda backend is not available here (no "
                            "usable CUDA device)\n");
            return CLI_FAILED;
        } else
            printf("backend cuda: skipped (no usable CUDA device)\n");
    }
    json_out j = {0};
    nf_atomic_file json_file; /* whole or not at all: no 0-byte or cut JSON on failure */
    char why[512];
    if (o.json) {
        if (nf__atomic_open(&json_file, o.json, why, sizeof why) != NF_OK) {
            fprintf(stderr, "neurofuse bench: %s\n", why);
            return CLI_FAILED;
        }
        j.f = json_file.f;
    }
    if (j.f)
        fprintf(j.f, "{\"neurofuse\": \"%s\", \"quick\": %s, \"results\": [", nf_version(),
                o.quick ? "true" : "false");
    for (int k = 0; k < count && st == CLI_OK; k++)
        st = bench_backend(&o, list[k], &j);
    if (j.f) {
        fprintf(j.f, "\n]}\n");
        if (st != CLI_OK) {
            nf__atomic_abort(&json_file);
            return st;
        }
        if (nf__atomic_commit(&json_file, why, sizeof why) != NF_OK) {
            fprintf(stderr, "neurofuse bench: %s\n", why);
            return CLI_FAILED;
        }
        printf("\nwrote %s\n", o.json);
    }
    if (o.svg && st == CLI_OK)
        st = write_svgs(o.svg, &j);
    return st;
}
