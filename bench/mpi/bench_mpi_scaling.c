/*
 * Scaling of a batch sharded over MPI ranks (neurofuse_mpi): the time of a
 * run of the batched step on R ranks, each rank running its slice, timed from
 * a barrier to a barrier (the slowest rank), the minimum of `repeats` runs.
 * Kinds lif, force, dense (scaling_nets.h; --plain: one plain network, one
 * matrix-matrix product for the batch, 1 rank).
 * --batch is the global batch; --per-rank makes it per rank (weak scaling).
 * One line of JSON per run on rank 0: the wall time, the CPU time of every rank
 * summed (the work, whatever else loads the machine), and the MPI calls made
 * during the runs (PMPI counters: communication per step is zero).
 * Usage: mpiexec -n R bench_mpi_scaling --kind lif|force|dense --batch B
 *        [--per-rank] [--n N] [--steps S] [--repeats K] [--plain]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse_mpi.h"
#include "scaling_nets.h"

static long mpi_calls;
int MPI_Send(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m) {
    mpi_calls++;
    return PMPI_Send(b, c, t, d, g, m);
}
int MPI_Isend(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m, MPI_Request *r) {
    mpi_calls++;
    return PMPI_Isend(b, c, t, d, g, m, r);
}
int MPI_Allreduce(const void *s, void *r, int c, MPI_Datatype t, MPI_Op o, MPI_Comm m) {
    mpi_calls++;
    return PMPI_Allreduce(s, r, c, t, o, m);
}
int MPI_Bcast(void *b, int c, MPI_Datatype t, int root, MPI_Comm m) {
    mpi_calls++;
    return PMPI_Bcast(b, c, t, root, m);
}

#define TRY(call)                                                                            \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        if (st_ != NF_OK) {                                                                  \
            fprintf(stderr, "%s: %s: %s\n", #call, nf_status_string(st_),                    \
                    nf_network_last_error(net));                                             \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                    \
        }                                                                                    \
    } while (0)

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1, per_rank = 0, plain = 0, repeats = 3;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    const char *kind = "lif";
    int32_t batch = 16, n = 1000;
    int64_t steps = 200;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--kind") && i + 1 < argc)
            kind = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--per-rank"))
            per_rank = 1;
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
            steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--plain"))
            plain = 1;
        else {
            if (rank == 0)
                fprintf(stderr, "usage: mpiexec -n R %s --kind lif|force|dense --batch B "
                                "[--per-rank] [--n N] [--steps S] [--repeats K] [--plain]\n",
                        argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    nf_network_desc d = nf_network_defaults();
    d.batch = per_rank ? batch * ranks : batch;
    d.backend = NF_BACKEND_CPU;
    d.seed = 5;
    nf_network *net = NULL;
    char msg[512];
    nf_status st = plain && ranks == 1 ? nf_network_create_ex(&d, &net, msg, sizeof msg)
                                       : nf_network_create_mpi(&d, MPI_COMM_WORLD, &net, msg,
                                                               sizeof msg);
    if (st != NF_OK) {
        fprintf(stderr, "rank %d: %s\n", rank, msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    char why[1024];
    if (nfbm_build(net, kind, n, why, sizeof why) != NF_OK) {
        fprintf(stderr, "rank %d: %s\n", rank, why);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    TRY(nf_network_run(net, 5)); /* warm-up */
    double best = 1e300, best_cpu = 1e300;
    long calls = 0;
    for (int k = 0; k < repeats; k++) {
        TRY(nf_network_reset(net));
        MPI_Barrier(MPI_COMM_WORLD);
        mpi_calls = 0;
        const double t0 = MPI_Wtime(), c0 = nfbm_cpu_seconds();
        TRY(nf_network_run(net, steps));
        const double c = nfbm_cpu_seconds() - c0;
        calls += mpi_calls;
        MPI_Barrier(MPI_COMM_WORLD);
        const double t = MPI_Wtime() - t0;
        double all_cpu = 0.0;
        PMPI_Allreduce(&c, &all_cpu, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        best = t < best ? t : best;
        best_cpu = all_cpu < best_cpu ? all_cpu : best_cpu;
    }
    long all_calls = 0;
    PMPI_Allreduce(&calls, &all_calls, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("{\"kind\": \"%s\", \"scaling\": \"%s\", \"ranks\": %d, \"plain\": %s, "
               "\"batch\": %d, \"local_batch\": %d, \"n\": %d, \"steps\": %lld, "
               "\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"element_steps_per_s\": %.1f, "
               "\"mpi_calls_during_runs\": %ld}\n",
               kind, per_rank ? "weak" : "strong", ranks, plain && ranks == 1 ? "true" : "false",
               d.batch, nf_network_batch(net), n, (long long)steps, best, best_cpu,
               (double)d.batch * (double)steps / best, all_calls);
    nf_network_destroy(net);
    MPI_Finalize();
    return 0;
}
