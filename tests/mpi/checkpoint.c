/*
 * Checkpoints of a sharded network (nf_network_save_mpi, nf_network_load_mpi),
 * run by ctest with mpiexec on 1, 2 and 3 ranks, CPU backend, a batch of 7
 * (which neither 2 nor 3 divides), the network of every kind of draw
 * (tests/window_network.h):
 *  - run 15 steps, save on K ranks (one file per rank, PATH.rank-R-of-K, each
 *    an ordinary checkpoint of the rank's slice), load on K ranks, run 10
 *    more: probes (every row since step 0), states, z, weights and P equal,
 *    bit for bit, the whole batch run 25 steps in one process;
 *  - loading on another number of ranks is refused on every rank, naming the
 *    count the set needs; a save on fewer ranks replaces the set (the other
 *    count's files removed); no checkpoint at a path, ranks passing different
 *    paths, and a set mixing two saves (one rank's file from a later step)
 *    are refused on every rank with the reason.
 * Usage: mpiexec -n N nft_mpi_checkpoint [N]; exit status 0 when every rank passed.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi/mpi_wn.h"

enum { GLOBAL = 7, STEPS = 40, BEFORE = 15, AFTER = 10 };

static nf_network_desc desc(void) { return nft_wn_desc(GLOBAL, 23); }

/* The whole batch in this process, or this rank's slice; built, run `steps`. */
static nf_network *made(int whole, int64_t steps, nft_wn *w) {
    const nf_network_desc d = desc();
    nf_network *net = nft_mpi_wn(&d, whole, STEPS, w);
    if (net)
        CHECK(nf_network_run(net, steps) == NF_OK, "run: %s", nf_network_last_error(net));
    return net;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Loads path on comm expecting `want`, with `words` in the message. */
static void refused(const char *path, MPI_Comm comm, nf_status want, const char *words) {
    nf_network *net = (nf_network *)&net;
    char msg[1024] = "";
    const nf_status st = nf_network_load_mpi(path, NF_BACKEND_CPU, 0, comm, &net, msg, sizeof msg);
    CHECK(st == want && !net && strstr(msg, words) && !strcmp(msg, nf_mpi_last_error()),
          "load of %s: %s '%s', expected %s with '%s'", path, nf_status_string(st), msg,
          nf_status_string(want), words);
    if (st == NF_OK)
        nf_network_destroy(net);
}

int main(int argc, char **argv) {
    nft_mpi_start(argc, argv);
    char dir[256] = "", path[320], mine[400], why[512] = "";
    if (rank == 0 && !mkdtemp(strcpy(dir, "/tmp/nft_mpi_ckpt_XXXXXX")))
        dir[0] = '\0';
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    snprintf(path, sizeof path, "%s/net.npz", dir);

    nft_wn ww, ws;
    nf_network *whole = made(1, BEFORE, &ww), *net = made(0, BEFORE, &ws);
    nf_status st = nf_network_save_mpi(net, path, MPI_COMM_WORLD);
    if (st == NF_ERR_UNSUPPORTED) { /* a library built without libzip: no checkpoints */
        if (rank == 0)
            printf("skipped: %s\n", nf_mpi_last_error());
        MPI_Finalize();
        return 0;
    }
    CHECK(st == NF_OK, "save: %s", nf_mpi_last_error());
    snprintf(mine, sizeof mine, "%s.rank-%d-of-%d", path, rank, ranks);
    CHECK(exists(mine), "no file %s", mine);

    /* loaded on K ranks, it runs on as the whole batch in one process */
    nf_network *loaded = NULL;
    char msg[1024];
    st = nf_network_load_mpi(path, NF_BACKEND_CPU, 0, MPI_COMM_WORLD, &loaded, msg, sizeof msg);
    CHECK(st == NF_OK && loaded, "load: %s", msg);
    if (loaded && whole) {
        int32_t first = -1, count = -1;
        nf_mpi_local_batch(loaded, &first, &count);
        CHECK(first == ws.first && count == ws.count, "loaded slice [%d, +%d)", first, count);
        CHECK(nf_network_step_count(loaded) == BEFORE, "loaded at step %lld",
              (long long)nf_network_step_count(loaded));
        CHECK(nf_network_run(loaded, AFTER) == NF_OK, "%s", nf_network_last_error(loaded));
        CHECK(nf_network_run(whole, AFTER) == NF_OK, "%s", nf_network_last_error(whole));
        CHECK(nft_wn_compare(whole, loaded, &ws, why, sizeof why) == 0,
              "loaded and run on: %s", why);
    }

    refused(dir, MPI_COMM_WORLD, NF_ERR_IO, "no sharded checkpoint");
    {
        nf_network *none = (nf_network *)&none;
        char other[400];
        snprintf(other, sizeof other, "%s%s", path, rank == ranks - 1 && ranks > 1 ? "x" : "");
        st = nf_network_load_mpi(other, NF_BACKEND_CPU, 0, MPI_COMM_WORLD, &none, msg,
                                 sizeof msg);
        if (ranks > 1)
            CHECK(st == NF_ERR_INVALID_ARGUMENT && !none && strstr(msg, "differs from rank 0"),
                  "paths differ: %s '%s'", nf_status_string(st), msg);
        else
            nf_network_destroy(none);
    }
    if (ranks > 1) {
        /* files of two saves: the last rank's from 3 steps later */
        if (rank == ranks - 1) {
            nf_network_run(net, 3);
            CHECK(nf_network_save(net, mine) == NF_OK, "%s", nf_network_last_error(net));
        }
        refused(path, MPI_COMM_WORLD, NF_ERR_INVALID_ARGUMENT, "are not one save");

        /* another number of ranks */
        char words[128];
        MPI_Comm fewer;
        MPI_Comm_split(MPI_COMM_WORLD, rank < ranks - 1 ? 0 : MPI_UNDEFINED, rank, &fewer);
        snprintf(words, sizeof words, "was saved by %d ranks", ranks);
        if (fewer != MPI_COMM_NULL)
            refused(path, fewer, NF_ERR_INVALID_ARGUMENT, words);
        /* a save on fewer ranks replaces the set */
        nft_wn wf;
        nf_network *small = NULL;
        if (fewer != MPI_COMM_NULL) {
            nf_network_desc d = desc();
            CHECK(nf_network_create_mpi(&d, fewer, &small, msg, sizeof msg) == NF_OK, "%s", msg);
            CHECK(small && nft_wn_build(small, STEPS, &wf, msg, sizeof msg) == NF_OK, "%s", msg);
            CHECK(nf_network_save_mpi(small, path, fewer) == NF_OK, "%s", nf_mpi_last_error());
        }
        MPI_Barrier(MPI_COMM_WORLD);
        CHECK(!exists(mine), "%s left after a save on %d ranks", mine, ranks - 1);
        snprintf(words, sizeof words, "load it on %d rank%s, not %d", ranks - 1,
                 ranks == 2 ? "" : "s", ranks);
        refused(path, MPI_COMM_WORLD, NF_ERR_INVALID_ARGUMENT, words);
        nf_network_destroy(small);
        if (fewer != MPI_COMM_NULL)
            MPI_Comm_free(&fewer);
    }

    nf_network_destroy(loaded);
    nf_network_destroy(net);
    nf_network_destroy(whole);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0 && dir[0]) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0, "%s", cmd);
    }
    char what[64];
    snprintf(what, sizeof what, "sharded checkpoints on %d ranks (batch %d)", ranks, GLOBAL);
    return nft_mpi_finish(what);
}
