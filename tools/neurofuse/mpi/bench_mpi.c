/*
 * neurofuse bench --mpi: strong and weak scaling of the batched step of a
 * batch sharded over MPI ranks (neurofuse_mpi), on 1, 2, 4, ... and all R
 * ranks of MPI_COMM_WORLD, in one run: the first k ranks form a communicator
 * and run their slices of a batch (strong: the same global batch for every k;
 * weak: the same batch per rank), timed from a barrier to a barrier (the
 * slowest rank). The networks are bench/mpi's (scaling_nets.h: lif, force).
 * Every (network, k) is measured once per round and the rounds interleave
 * them (1, 2, 4, ..., 1, 2, 4, ...), so a change of the machine's load
 * touches them alike; the table gives the minimum and the median of the
 * rounds, the efficiency against 1 rank from the minima (strong: t1 / (k tk),
 * weak: t1 / tk) and the same ratio of CPU time summed over the ranks (the
 * work sharding adds, whatever else loads the machine). Ranks not in a
 * measurement wait in a sleeping barrier, not a spinning one.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/common.h"
#include "bench/mpi/scaling_nets.h"
#include "engine/atomic_file.h"
#include "neurofuse_mpi.h"
#include "tools/neurofuse/cli.h"
#include "tools/neurofuse/cli_mpi.h"

#define MAX_K      24 /* rank counts: powers of two up to 2^22 and R */
#define MAX_ROUNDS 7

typedef struct bm_case {
    const char *kind;
    int weak;
    int32_t n, per; /* per: the batch per rank of R (strong) or per rank of k (weak) */
    int64_t steps;
} bm_case;

typedef struct bm_run {
    nf_network *net;
    int32_t batch;
    double wall[MAX_ROUNDS], cpu[MAX_ROUNDS];
} bm_run;

/* A barrier that sleeps while it waits (Open MPI's spins, taking a core). */
static void quiet_barrier(MPI_Comm comm) {
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(comm, &req);
    const struct timespec nap = {0, 200000};
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
        nanosleep(&nap, NULL);
}

static double median(const double *v, int n) {
    double s[MAX_ROUNDS];
    memcpy(s, v, sizeof *v * (size_t)n);
    qsort(s, (size_t)n, sizeof *s, nfb_cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static double minimum(const double *v, int n) {
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

/* Creates and builds every (case, k) network on the first k ranks; agreed. */
static nf_status setup(const bm_case *cases, int ncases, const int *ks, int nk,
                       const MPI_Comm *comms, nf_backend backend, bm_run *runs, char *why,
                       size_t capacity) {
    const int R = cli_mpi_ranks(), rank = cli_mpi_rank();
    nf_status st = NF_OK;
    for (int c = 0; c < ncases && st == NF_OK; c++)
        for (int j = 0; j < nk && st == NF_OK; j++) {
            bm_run *run = &runs[c * nk + j];
            run->batch = cases[c].per * (cases[c].weak ? ks[j] : R);
            if (rank < ks[j]) {
                nf_network_desc d = nf_network_defaults();
                d.batch = run->batch;
                d.backend = backend;
                d.seed = 5;
                st = nf_network_create_mpi(&d, comms[j], &run->net, why, capacity);
                if (st == NF_OK)
                    st = nfbm_build(run->net, cases[c].kind, cases[c].n, why, capacity);
                if (st == NF_OK && (st = nf_network_run(run->net, 5)) != NF_OK) /* warm-up */
                    snprintf(why, capacity, "%s", nf_network_last_error(run->net));
            }
            /* every rank learns of a failure before the next collective creation */
            st = cli_mpi_agree(st, why, capacity);
        }
    return st;
}

/* One timed run of runs[j] on the first ks[j] ranks; agreed over every rank. */
static nf_status measure(bm_run *run, int k, MPI_Comm comm, int64_t steps, int round, char *why,
                         size_t capacity) {
    nf_status st = NF_OK;
    quiet_barrier(MPI_COMM_WORLD);
    if (cli_mpi_rank() < k) {
        st = nf_network_reset(run->net);
        MPI_Barrier(comm);
        const double t0 = MPI_Wtime(), c0 = nfbm_cpu_seconds();
        if (st == NF_OK)
            st = nf_network_run(run->net, steps);
        const double cpu = nfbm_cpu_seconds() - c0;
        MPI_Barrier(comm);
        run->wall[round] = MPI_Wtime() - t0;
        MPI_Reduce(&cpu, &run->cpu[round], 1, MPI_DOUBLE, MPI_SUM, 0, comm);
        if (st != NF_OK)
            snprintf(why, capacity, "%s", nf_network_last_error(run->net));
    }
    return cli_mpi_agree(st, why, capacity);
}

static void report(const bm_case *cs, const int *ks, int nk, const bm_run *runs, int rounds,
                   FILE *json, int *records) {
    const double t1 = minimum(runs[0].wall, rounds), c1 = minimum(runs[0].cpu, rounds);
    for (int j = 0; j < nk; j++) {
        const bm_run *r = &runs[j];
        const double tmin = minimum(r->wall, rounds), tmed = median(r->wall, rounds);
        const double cmin = minimum(r->cpu, rounds);
        const double scale = cs->weak ? 1.0 : (double)ks[j];
        const double eff = t1 / (scale * tmin);
        const double cpu_eff = cs->weak ? c1 * ks[j] / cmin : c1 / cmin;
        const double rate = (double)r->batch * (double)cs->steps / tmin;
        printf("%-6s %-7s %5d %7d %7d %6d %11.2f %11.2f %15.4g %7.2f %8.2f\n", cs->kind,
               cs->weak ? "weak" : "strong", ks[j], r->batch, (r->batch + ks[j] - 1) / ks[j],
               cs->n, 1e6 * tmin / cs->steps, 1e6 * tmed / cs->steps, rate, eff, cpu_eff);
        if (json)
            fprintf(json,
                    "%s\n    {\"kind\": \"mpi_scaling\", \"net\": \"%s\", \"scaling\": \"%s\", "
                    "\"ranks\": %d, \"batch\": %d, \"n\": %d, \"steps\": %lld, \"rounds\": %d, "
                    "\"us_per_step\": %.6g, \"us_per_step_min\": %.6g, "
                    "\"element_steps_per_s\": %.6g, \"efficiency\": %.4f, "
                    "\"cpu_efficiency\": %.4f}",
                    (*records)++ ? "," : "", cs->kind, cs->weak ? "weak" : "strong", ks[j],
                    r->batch, cs->n, (long long)cs->steps, rounds, 1e6 * tmed / cs->steps,
                    1e6 * tmin / cs->steps, rate, eff, cpu_eff);
    }
    fflush(stdout);
}

int cli_bench_mpi(int quick, const char *backend_name, const char *json) {
    const int R = cli_mpi_ranks(), rank = cli_mpi_rank();
    const nf_backend backend = !strcmp(backend_name, "cpu")    ? NF_BACKEND_CPU
                               : !strcmp(backend_name, "cuda") ? NF_BACKEND_CUDA
                                                               : NF_BACKEND_AUTO;
    const bm_case cases[] = {
        {"lif", 0, quick ? 1000 : 2000, quick ? 4 : 16, quick ? 40 : 300},
        {"lif", 1, quick ? 1000 : 2000, quick ? 4 : 16, quick ? 40 : 300},
        {"force", 0, quick ? 100 : 300, quick ? 2 : 4, quick ? 40 : 200},
        {"force", 1, quick ? 100 : 300, quick ? 2 : 4, quick ? 40 : 200},
    };
    enum { NCASES = sizeof cases / sizeof *cases };
    const int rounds = quick ? 3 : 5;
    int ks[MAX_K], nk = 0;
    for (int k = 1; k < R && nk < MAX_K - 1; k *= 2)
        ks[nk++] = k;
    ks[nk++] = R;
    MPI_Comm comms[MAX_K];
    for (int j = 0; j < nk; j++)
        MPI_Comm_split(MPI_COMM_WORLD, rank < ks[j] ? 0 : MPI_UNDEFINED, rank, &comms[j]);
    bm_run runs[NCASES * MAX_K];
    memset(runs, 0, sizeof runs);
    char why[1024] = "";
    int status = CLI_OK;
    nf_atomic_file file;
    FILE *out = NULL;
    if (rank == 0 && json && nf__atomic_open(&file, json, why, sizeof why) == NF_OK)
        out = file.f;
    nf_status st = cli_mpi_agree(rank == 0 && json && !out ? NF_ERR_IO : NF_OK, why, sizeof why);
    if (st == NF_OK)
        st = setup(cases, NCASES, ks, nk, comms, backend, runs, why, sizeof why);
    for (int round = 0; round < rounds && st == NF_OK; round++)
        for (int c = 0; c < NCASES && st == NF_OK; c++)
            for (int j = 0; j < nk && st == NF_OK; j++)
                st = measure(&runs[c * nk + j], ks[j], comms[j], cases[c].steps, round, why,
                             sizeof why);
    if (st != NF_OK) {
        fprintf(stderr, "neurofuse bench --mpi: %s: %s\n", nf_status_string(st), why);
        status = CLI_FAILED;
    } else if (rank == 0) {
        const char *threads = getenv("OMP_NUM_THREADS");
        printf("neurofuse %s bench --mpi%s: %d MPI rank%s, backend %s, OpenMP threads per "
               "rank: %s\n",
               nf_version(), quick ? " (quick)" : "", R, R > 1 ? "s" : "",
               nf_backend_name(nf_network_backend(runs[0].net)),
               threads ? threads : "unset (every core each)");
        if (R == 1)
            printf("(one rank: start it as mpirun -np R neurofuse bench --mpi to scale)\n");
        printf("batched step of a batch sharded over the first k ranks; min and median of %d "
               "interleaved rounds;\nefficiency against 1 rank (strong t1/(k tk), weak t1/tk), "
               "of wall time and of CPU time summed over the ranks\n"
               "%-6s %-7s %5s %7s %7s %6s %11s %11s %15s %7s %8s\n",
               rounds, "net", "scaling", "ranks", "batch", "/rank", "n", "us/step min",
               "us/step med", "element-steps/s", "eff", "cpu eff");
        int records = 0;
        if (out)
            fprintf(out, "{\"neurofuse\": \"%s\", \"quick\": %s, \"mpi_ranks\": %d, "
                         "\"results\": [",
                    nf_version(), quick ? "true" : "false", R);
        for (int c = 0; c < NCASES; c++)
            report(&cases[c], ks, nk, &runs[c * nk], rounds, out, &records);
        if (out) {
            fprintf(out, "\n]}\n");
            if (nf__atomic_commit(&file, why, sizeof why) != NF_OK) {
                fprintf(stderr, "neurofuse bench: %s\n", why);
                status = CLI_FAILED;
            } else
                printf("\nwrote %s\n", json);
            out = NULL;
        }
    }
    if (out)
        nf__atomic_abort(&file);
    for (int i = 0; i < NCASES * MAX_K; i++)
        nf_network_destroy(runs[i].net);
    for (int j = 0; j < nk; j++)
        if (comms[j] != MPI_COMM_NULL)
            MPI_Comm_free(&comms[j]);
    return status;
}
