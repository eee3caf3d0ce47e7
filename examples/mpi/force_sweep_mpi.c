/*
 * A parameter sweep of FORCE networks sharded over MPI ranks: GRID x GRID
 * Sussillo & Abbott networks (per-batch recurrent weights, readouts and P),
 * a grid of the recurrent gain g (1.0 .. 2.4) and the RLS regulariser alpha
 * (P(0) = I/alpha, 0.01 .. 100), as examples/force_sweep.c, but the batch is
 * split over the ranks (neurofuse_mpi): each rank trains its slice, the
 * target is scattered from rank 0, each network's readout z (every 10th step)
 * goes into one .npy of shape (rows, GRID^2, 1) written collectively, and rank
 * 0 prints (g, alpha, training MAE, testing MAE) per network. The numbers are
 * the same bits whatever the number of ranks.
 * Usage: mpiexec -n R force_sweep_mpi [--grid G] [--n N] [--train-steps T]
 *        [--test-steps T] [--seed S] [--backend cpu|cuda] [--out FILE.npy]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse_mpi.h"

#define P 0.1f      /* connection probability of the recurrent weights */
#define G_DRAW 1.5f /* the gain they are drawn with */
#define EVERY 2     /* RLS every EVERY steps */
#define Z_EVERY 10  /* z recorded every Z_EVERY steps */

typedef struct sweep_net {
    int32_t pop, recurrent, readout, feedback, target, learner, error_probe, z_probe;
} sweep_net;

/* f(t) = (1.3/1.5)(sin(pi t/60) + sin(2 pi t/60)/2 + sin(3 pi t/60)/6 + sin(4 pi t/60)/3). */
static double target(double t) {
    const double pi = 3.14159265358979323846, w = pi / 60.0;
    return (1.3 / 1.5) * (sin(w * t) + sin(2 * w * t) / 2 + sin(3 * w * t) / 6 +
                          sin(4 * w * t) / 3);
}

/* Builds this rank's slice of the sweep: every element its own network. */
static nf_status build(nf_network *net, int32_t n, int64_t train_steps, int64_t steps,
                       int32_t batch, sweep_net *ids) {
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    pd.tau = 1.0f;
    pd.x_init_scale = 0.5f;
    nf_status st = nf_population_add(net, &pd, &ids->pop);
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.per_batch = 1;
    cd.g = G_DRAW;
    cd.p = P;
    if (st == NF_OK)
        st = nf_connect(net, ids->pop, ids->pop, &cd, &ids->recurrent);
    nf_readout_desc rd = {.z_init_scale = 0.5f, .per_batch = 1};
    if (st == NF_OK)
        st = nf_readout_add(net, ids->pop, 1, &rd, &ids->readout);
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    cd.per_batch = 1;
    if (st == NF_OK)
        st = nf_connect(net, ids->readout, ids->pop, &cd, &ids->feedback);
    if (st == NF_OK)
        st = nf_input_add(net, 1, &ids->target);

    /* The target, [steps][batch][1] on rank 0, scattered: each rank gets its slice.
     * Collective: every rank takes part even after a failure above (then it fails). */
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    float *f = NULL;
    if (rank == 0) {
        f = malloc(sizeof *f * (size_t)steps * batch + 1);
        for (int64_t t = 0; f && t < steps; t++)
            for (int32_t b = 0; b < batch; b++)
                f[t * batch + b] = (float)target((double)(t + 1) * nf_network_dt(net));
    }
    const nf_status scattered = nf_mpi_input_scatter(net, st == NF_OK ? ids->target : -1,
                                                     steps, f, 0, MPI_COMM_WORLD);
    free(f);
    if (st == NF_OK)
        st = scattered;
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = ids->readout;
    ld.target = ids->target;
    ld.every = EVERY;
    ld.stop = train_steps;
    if (st == NF_OK)
        st = nf_learner_add(net, &ld, &ids->learner);
    if (st == NF_OK)
        st = nf_probe_add(net, ids->learner, NF_PROBE_ERROR, 1, &ids->error_probe);
    if (st == NF_OK)
        st = nf_probe_add(net, ids->readout, NF_PROBE_OUTPUT, Z_EVERY, &ids->z_probe);
    return st;
}

/* Local element b is global element first + b: its gain and alpha from the grid. */
static nf_status sweep(nf_network *net, const sweep_net *ids, int32_t n, int32_t grid) {
    int32_t first = 0, count = 0;
    int64_t weights = 0;
    nf_status st = nf_mpi_local_batch(net, &first, &count);
    if (st == NF_OK)
        st = nf_connection_weight_count(net, ids->recurrent, &weights);
    if (st != NF_OK)
        return st;
    const size_t un = (size_t)n, per = (size_t)weights / (size_t)count;
    float *w = malloc(sizeof *w * (size_t)weights + 1);
    float *p = calloc((size_t)count * un * un + 1, sizeof *p);
    if (!w || !p) {
        free(w);
        free(p);
        return NF_ERR_OUT_OF_MEMORY;
    }
    st = nf_connection_get_weights(net, ids->recurrent, w);
    for (int32_t b = 0; b < count; b++) {
        const int32_t g_index = (first + b) / grid, a_index = (first + b) % grid;
        const float g = 1.0f + 0.2f * (float)g_index;
        const float alpha = powf(10.0f, -2.0f + 4.0f * (float)a_index / (float)(grid - 1));
        for (size_t i = 0; i < per; i++)
            w[b * per + i] *= g / G_DRAW;
        for (size_t i = 0; i < un; i++)
            p[(b * un + i) * un + i] = 1.0f / alpha;
    }
    if (st == NF_OK)
        st = nf_connection_set_weights(net, ids->recurrent, w);
    if (st == NF_OK)
        st = nf_learner_set_p(net, ids->learner, p);
    free(w);
    free(p);
    return st;
}

/* Each local element's mean |e| over training and testing: scores [count][2]. */
static nf_status score(nf_network *net, const sweep_net *ids, int64_t train_steps,
                       int64_t steps, int32_t count, double *scores) {
    float *e = malloc(sizeof *e * (size_t)steps * count + 1);
    if (!e)
        return NF_ERR_OUT_OF_MEMORY;
    int64_t rows = 0;
    nf_status st = nf_probe_read(net, ids->error_probe, e, (size_t)steps * count, &rows);
    for (int32_t b = 0; b < count && st == NF_OK; b++) {
        double train = 0.0, test = 0.0;
        for (int64_t t = 0; t < rows; t++)
            *(t < train_steps ? &train : &test) += fabs(e[t * count + b]);
        scores[2 * b] = train_steps > 0 ? train / (double)train_steps : 0.0;
        scores[2 * b + 1] = steps > train_steps ? test / (double)(steps - train_steps) : 0.0;
    }
    free(e);
    return st;
}

static int usage(const char *argv0, int rank) {
    if (rank == 0)
        fprintf(stderr,
                "usage: mpiexec -n R %s [--grid G] [--n N] [--train-steps T] [--test-steps T] "
                "[--seed S] [--backend cpu|cuda] [--out FILE.npy]\n",
                argv0);
    return 2;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    int32_t grid = 8, n = 300;
    int64_t train_steps = 14400, test_steps = 2400;
    const char *out = "force_sweep_mpi.npy";
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.1;
    nd.seed = 64;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--grid") && i + 1 < argc)
            grid = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--train-steps") && i + 1 < argc)
            train_steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--test-steps") && i + 1 < argc)
            test_steps = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            nd.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
            nd.backend = !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else {
            MPI_Finalize();
            return usage(argv[0], rank);
        }
    }
    if (grid < 2 || n < 1 || train_steps < 0 || test_steps < 0 ||
        train_steps + test_steps < 1) {
        MPI_Finalize();
        return usage(argv[0], rank);
    }
    nd.batch = grid * grid;
    const int64_t steps = train_steps + test_steps;

    nf_network *net = NULL;
    char msg[512];
    nf_status st = nf_network_create_mpi(&nd, MPI_COMM_WORLD, &net, msg, sizeof msg);
    sweep_net ids;
    int32_t first = 0, count = 0;
    double t0 = MPI_Wtime(), t1 = t0;
    if (st == NF_OK) {
        nf_mpi_local_batch(net, &first, &count);
        st = build(net, n, train_steps, steps, nd.batch, &ids);
        /* build's calls are each collective or local and fail on every rank or none,
         * except the local ones: agree before going on */
        int bad = st != NF_OK, any = 0;
        MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (any && st == NF_OK)
            st = NF_ERR_STATE;
        snprintf(msg, sizeof msg, "%s", bad ? nf_network_last_error(net) : "another rank failed");
    }
    if (st == NF_OK && (st = sweep(net, &ids, n, grid)) != NF_OK)
        snprintf(msg, sizeof msg, "%s", nf_network_last_error(net));
    if (st == NF_OK) {
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        if ((st = nf_network_run(net, steps)) != NF_OK)
            snprintf(msg, sizeof msg, "%s", nf_network_last_error(net));
        MPI_Barrier(MPI_COMM_WORLD);
        t1 = MPI_Wtime();
    }
    if (st == NF_OK && (st = nf_mpi_probe_write_npy(net, ids.z_probe, out, MPI_COMM_WORLD)) != NF_OK)
        snprintf(msg, sizeof msg, "%s", nf_mpi_last_error());
    double *local = calloc((size_t)2 * (count > 0 ? count : 1), sizeof *local);
    double *all = rank == 0 ? calloc((size_t)2 * nd.batch + 1, sizeof *all) : NULL;
    if (st == NF_OK && (st = score(net, &ids, train_steps, steps, count, local)) != NF_OK)
        snprintf(msg, sizeof msg, "%s", nf_network_last_error(net));
    int bad = st != NF_OK, any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        if (bad)
            fprintf(stderr, "rank %d: %s: %s\n", rank, nf_status_string(st), msg);
    } else {
        /* the scores of every slice to rank 0, [batch][2] */
        int *counts = malloc(sizeof *counts * (size_t)ranks);
        int *displs = malloc(sizeof *displs * (size_t)ranks);
        for (int r = 0; r < ranks; r++) {
            int32_t f = 0, c = 0;
            const int32_t base = nd.batch / ranks, extra = nd.batch % ranks;
            c = base + (r < extra);
            f = r * base + (r < extra ? r : extra);
            counts[r] = 2 * c;
            displs[r] = 2 * f;
        }
        MPI_Gatherv(local, 2 * count, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            printf("%d FORCE networks on %d ranks (%s), %lld steps in %.3f s; z in %s\n",
                   nd.batch, ranks, nf_backend_name(nf_network_backend(net)),
                   (long long)steps, t1 - t0, out);
            printf("%6s %9s %12s %12s\n", "g", "alpha", "train MAE", "test MAE");
            for (int32_t b = 0; b < nd.batch; b++)
                printf("%6.2f %9.3g %12.5f %12.5f\n", 1.0 + 0.2 * (b / grid),
                       pow(10.0, -2.0 + 4.0 * (b % grid) / (grid - 1)), all[2 * b],
                       all[2 * b + 1]);
        }
        free(counts);
        free(displs);
    }
    free(local);
    free(all);
    nf_network_destroy(net);
    MPI_Finalize();
    return any ? 1 : 0;
}
