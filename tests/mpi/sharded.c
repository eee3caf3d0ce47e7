/*
 * neurofuse_mpi against one process, run by ctest with mpiexec on 1, 2 and 3
 * ranks (a batch of 7, which neither 2 nor 3 divides), CPU backend:
 *  - a sharded network of every kind of draw (tests/window_network.h: LIF,
 *    Nicola & Clopath LIF, theta, Izhikevich, leaky-rate and spiking rate
 *    populations; per-batch and shared generated weights, dense, sparse and
 *    event-driven; a readout learning per element (FORCE) fed back; a shared
 *    readout; a probe of each kind) equals, element for element and bit for
 *    bit, the whole batch run in one process (each rank builds it too: probes,
 *    every state, z, readout and connection weights, P), after 20 steps and
 *    after a reset and 40 more; the first run compares the ranks' networks
 *    (five MPI calls), later runs make no MPI call;
 *  - a probe gathered to the root equals the whole batch's probe; the global
 *    .npy written with MPI-IO equals, byte for byte, nf_probe_write_npy of the
 *    whole batch, reads back with nf_npy_read_f32 and, where python3 has numpy,
 *    with numpy.load;
 *  - scatter then gather of an input's rows is the identity (two roots);
 *  - errors are collective: a bad input on one rank, a root's dst too small
 *    (nothing lost), a descriptor that differs, a batch smaller than the
 *    ranks, a learner of shared weights on more than one rank.
 * Usage: mpiexec -n N nft_mpi_sharded [N]; exit status 0 when every rank passed.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpi/mpi_wn.h"

enum { GLOBAL = 7, STEPS = 40 };

#define OK(call) CHECK((call) == NF_OK, "%s: %s", #call, nf_mpi_last_error())

// --- counting MPI calls (the profiling interface: these wrap the library's calls)

static long mpi_calls;
int MPI_Send(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m) {
    mpi_calls++;
    return PMPI_Send(b, c, t, d, g, m);
}
int MPI_Recv(void *b, int c, MPI_Datatype t, int s, int g, MPI_Comm m, MPI_Status *st) {
    mpi_calls++;
    return PMPI_Recv(b, c, t, s, g, m, st);
}
int MPI_Isend(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m, MPI_Request *r) {
    mpi_calls++;
    return PMPI_Isend(b, c, t, d, g, m, r);
}
int MPI_Irecv(void *b, int c, MPI_Datatype t, int s, int g, MPI_Comm m, MPI_Request *r) {
    mpi_calls++;
    return PMPI_Irecv(b, c, t, s, g, m, r);
}
int MPI_Allreduce(const void *s, void *r, int c, MPI_Datatype t, MPI_Op o, MPI_Comm m) {
    mpi_calls++;
    return PMPI_Allreduce(s, r, c, t, o, m);
}
int MPI_Bcast(void *b, int c, MPI_Datatype t, int root, MPI_Comm m) {
    mpi_calls++;
    return PMPI_Bcast(b, c, t, root, m);
}

static nf_network_desc desc(void) { return nft_wn_desc(GLOBAL, 11); }

static nf_network *sharded(void) {
    nf_network_desc d = desc();
    nf_network *net = NULL;
    char msg[512];
    CHECK(nf_network_create_mpi(&d, MPI_COMM_WORLD, &net, msg, sizeof msg) == NF_OK, "%s", msg);
    return net;
}

/* A folder every rank sees (rank 0 makes it). */
static void shared_folder(char *dir, size_t capacity) {
    if (rank == 0) {
        snprintf(dir, capacity, "/tmp/nft_mpi_XXXXXX");
        if (!mkdtemp(dir))
            dir[0] = '\0';
    }
    MPI_Bcast(dir, (int)capacity, MPI_CHAR, 0, MPI_COMM_WORLD);
}

static unsigned char *slurp(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)*size + 1);
    if (b && fread(b, 1, (size_t)*size, f) != (size_t)*size) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

// --- a sharded network equals the whole batch

static void sharded_equals_whole(void) {
    char why[512] = "";
    nft_wn ww, ws;
    const nf_network_desc d = desc();
    nf_network *whole = nft_mpi_wn(&d, 1, STEPS, &ww), *net = nft_mpi_wn(&d, 0, STEPS, &ws);
    if (!whole || !net) {
        nf_network_destroy(whole);
        nf_network_destroy(net);
        return;
    }
    int32_t first = -1, count = -1;
    OK(nf_mpi_local_batch(net, &first, &count));
    CHECK(first == ws.first && count == ws.count && nf_network_batch(net) == count,
          "local batch %d %d", first, count);
    CHECK(nft_wn_compare_state(whole, net, &ws, why, sizeof why) == 0, "at creation: %s", why);

    /* the first run compares the ranks' networks (two MPI_Bcast, three
     * MPI_Allreduce: nf_mpi_network_check_replicated); runs of the unchanged
     * network after it make no MPI call */
    nf_network_run(whole, STEPS / 2);
    mpi_calls = 0;
    CHECK(nf_network_run(net, 1) == NF_OK, "run: %s", nf_network_last_error(net));
    CHECK(mpi_calls == 5, "%ld MPI calls during the first run, expected 5", mpi_calls);
    mpi_calls = 0;
    CHECK(nf_network_run(net, STEPS / 2 - 1) == NF_OK, "run: %s", nf_network_last_error(net));
    CHECK(mpi_calls == 0, "%ld MPI calls during a run", mpi_calls);

    /* probe 0 gathered to the root; probe 8 (z) written as one .npy */
    int64_t row = 0, rows = 0;
    nf_probe_row_size(whole, ww.probes[0], &row);
    const size_t cap = (size_t)(STEPS / 2) * row;
    float *ref = malloc(cap * sizeof *ref), *got = malloc(cap * sizeof *got);
    nf_probe_read(whole, ww.probes[0], ref, cap, &rows);
    mpi_calls = 0;
    OK(nf_mpi_probe_gather(net, ws.probes[0], got, cap, &rows, 0, MPI_COMM_WORLD));
    CHECK(rows == STEPS / 2, "gathered %lld rows", (long long)rows);
    if (rank == 0)
        CHECK(memcmp(ref, got, cap * sizeof *ref) == 0, "gathered probe differs");
    if (rank == 0)
        printf("gather of %lld rows: %ld MPI calls on rank 0\n", (long long)rows, mpi_calls);
    free(ref);
    free(got);

    char dir[256], mine[300], theirs[300];
    shared_folder(dir, sizeof dir);
    snprintf(mine, sizeof mine, "%s/z.npy", dir);
    snprintf(theirs, sizeof theirs, "%s/z_whole.npy", dir);
    OK(nf_mpi_probe_write_npy(net, ws.probes[8], mine, MPI_COMM_WORLD));
    if (rank == 0) {
        CHECK(nf_probe_write_npy(whole, ww.probes[8], theirs) == NF_OK, "%s",
              nf_network_last_error(whole));
        long a_size = 0, b_size = 0;
        unsigned char *a = slurp(mine, &a_size), *b = slurp(theirs, &b_size);
        CHECK(a && b && a_size == b_size && memcmp(a, b, (size_t)a_size) == 0,
              "the global .npy (%ld bytes) differs from the whole batch's (%ld bytes)", a_size,
              b_size);
        free(a);
        free(b);
        float *data = NULL;
        int32_t ndim = 0;
        int64_t shape[NF_NPY_MAX_DIMS];
        char msg[256];
        CHECK(nf_npy_read_f32(mine, &data, &ndim, shape, msg, sizeof msg) == NF_OK, "%s", msg);
        CHECK(ndim == 3 && shape[0] == STEPS / 2 && shape[1] == GLOBAL && shape[2] == 2,
              "read back shape");
        nf_npy_free(data);
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "python3 -c 'import numpy' 2>/dev/null || exit 77; python3 -c \"import numpy; "
                 "a = numpy.load('%s'); b = numpy.load('%s'); "
                 "assert a.shape == (%d, %d, 2) and a.dtype == numpy.float32, a.shape; "
                 "assert (a.view(numpy.uint32) == b.view(numpy.uint32)).all()\"",
                 mine, theirs, STEPS / 2, GLOBAL);
        int rc = system(cmd);
        if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
            printf("numpy check: skipped (python3 without numpy)\n");
        else if (WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
            printf("numpy.load read the global .npy: shape (%d, %d, 2), the whole batch's bits\n",
                   STEPS / 2, GLOBAL);
        else
            CHECK(0, "numpy.load check failed");
        remove(mine);
        remove(theirs);
        rmdir(dir);
    } else { /* the whole batch's rows of that probe, read by rank 0 only: drop them */
        int64_t zrow = 0, zrows = 0;
        nf_probe_row_size(whole, ww.probes[8], &zrow);
        float *drop = malloc((size_t)(STEPS / 2) * zrow * sizeof *drop);
        nf_probe_read(whole, ww.probes[8], drop, (size_t)(STEPS / 2) * zrow, &zrows);
        free(drop);
    }
    CHECK(nft_wn_compare(whole, net, &ws, why, sizeof why) == 0, "after %d steps: %s",
          STEPS / 2, why);

    CHECK(nf_network_reset(whole) == NF_OK && nf_network_reset(net) == NF_OK, "reset");
    nf_network_run(whole, STEPS);
    CHECK(nf_network_run(net, STEPS) == NF_OK, "run: %s", nf_network_last_error(net));
    CHECK(nft_wn_compare(whole, net, &ws, why, sizeof why) == 0, "after a reset and %d steps: %s",
          STEPS, why);
    nf_network_destroy(net);
    nf_network_destroy(whole);
}

// --- scatter and gather

static void scatter_gather_round_trip(void) {
    enum { T = 5, DIM = 3 };
    for (int root = 0; root < ranks; root += ranks > 1 ? ranks - 1 : 1) {
        nf_network *net = sharded();
        if (!net)
            return;
        int32_t in, probe;
        nf_input_add(net, DIM, &in);
        nf_probe_add(net, in, NF_PROBE_INPUT, 1, &probe);
        float values[T][GLOBAL][DIM], back[T][GLOBAL][DIM];
        for (int t = 0; t < T; t++)
            for (int g = 0; g < GLOBAL; g++)
                for (int j = 0; j < DIM; j++)
                    values[t][g][j] = (float)(t * 100 + g * 10 + j);
        memset(back, 0, sizeof back);
        OK(nf_mpi_input_scatter(net, in, T, rank == root ? &values[0][0][0] : NULL, root,
                                MPI_COMM_WORLD));
        nf_network_run(net, T);
        int64_t rows = 0;
        OK(nf_mpi_probe_gather(net, probe, rank == root ? &back[0][0][0] : NULL,
                               rank == root ? sizeof back / sizeof(float) : 0, &rows, root,
                               MPI_COMM_WORLD));
        CHECK(rows == T, "rows %lld", (long long)rows);
        if (rank == root)
            CHECK(memcmp(values, back, sizeof back) == 0, "scatter then gather (root %d)", root);
        nf_network_destroy(net);
    }
}

// --- errors are collective

static void errors_are_collective(void) {
    nf_network *net = sharded();
    if (!net)
        return;
    int32_t in, probe;
    nf_input_add(net, 2, &in);
    nf_probe_add(net, in, NF_PROBE_INPUT, 1, &probe);
    float v[GLOBAL * 2] = {0};
    const int bad_rank = ranks - 1;
    nf_status st = nf_mpi_input_scatter(net, rank == bad_rank ? in + 100 : in, 1, v, 0,
                                        MPI_COMM_WORLD);
    char expect[32];
    snprintf(expect, sizeof expect, "rank %d: ", bad_rank);
    CHECK(st == NF_ERR_INVALID_ARGUMENT && strncmp(nf_mpi_last_error(), expect, strlen(expect)) == 0,
          "a bad input on rank %d: %s, '%s'", bad_rank, nf_status_string(st), nf_mpi_last_error());

    nf_network_run(net, 3);
    float small[4];
    int64_t rows = -1;
    st = nf_mpi_probe_gather(net, probe, small, 4, &rows, 0, MPI_COMM_WORLD);
    CHECK(st == NF_ERR_INVALID_ARGUMENT && strstr(nf_mpi_last_error(), "rank 0: ") != NULL,
          "a dst too small: %s '%s'", nf_status_string(st), nf_mpi_last_error());
    nf_probe_rows(net, probe, &rows);
    CHECK(rows == 3, "rows lost by a refused gather: %lld", (long long)rows);

    /* a learner of weights the batch shares */
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 4);
    int32_t pop, readout, learner;
    nf_population_add(net, &pd, &pop);
    nf_readout_desc rd = {.per_batch = 0};
    nf_readout_add(net, pop, 2, &rd, &readout);
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    ld.target = in;
    st = nf_learner_add(net, &ld, &learner);
    CHECK(st == (ranks > 1 ? NF_ERR_UNSUPPORTED : NF_OK), "a shared learner on %d ranks: %s",
          ranks, nf_status_string(st));
    nf_network_destroy(net);

    /* a descriptor that differs on the last rank, and a batch smaller than the ranks */
    nf_network_desc d = desc();
    if (rank == ranks - 1 && ranks > 1)
        d.seed = 12;
    char msg[512] = "";
    net = (nf_network *)&d;
    st = nf_network_create_mpi(&d, MPI_COMM_WORLD, &net, msg, sizeof msg);
    CHECK(ranks == 1 ? st == NF_OK : (st == NF_ERR_INVALID_ARGUMENT && net == NULL &&
                                      strstr(msg, "differs from rank 0") != NULL),
          "a differing seed: %s '%s'", nf_status_string(st), msg);
    nf_network_destroy(st == NF_OK ? net : NULL);
    d = desc();
    d.batch = ranks - 1;
    st = nf_network_create_mpi(&d, MPI_COMM_WORLD, &net, msg, sizeof msg);
    CHECK(st == NF_ERR_INVALID_ARGUMENT && net == NULL, "a batch of %d on %d ranks: %s '%s'",
          d.batch, ranks, nf_status_string(st), msg);
}

int main(int argc, char **argv) {
    nft_mpi_start(argc, argv);
    sharded_equals_whole();
    scatter_gather_round_trip();
    errors_are_collective();
    char what[64];
    snprintf(what, sizeof what, "neurofuse_mpi on %d ranks (batch %d)", ranks, GLOBAL);
    return nft_mpi_finish(what);
}
