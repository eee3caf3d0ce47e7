/*
 * Checkpoints of a sharded network: one file per rank. Rank r of K saves its
 * slice with the core's nf_network_save to PATH.rank-R-of-K (a whole
 * checkpoint of a batch window, written aside and renamed: each file is whole
 * or untouched), and loading on K ranks gives rank r that file back
 * (nf_network_load). Why per rank and not one global file: the ranks write in
 * parallel without exchanging a byte, each file is an ordinary checkpoint
 * (numpy reads it; nf_network_load loads it alone, as the window it holds),
 * and this layer stays a client of the core's public API: a global .npz would
 * mean merging every per-batch array of the core's format across ranks. The
 * price: a set loads on the number of ranks that saved it (another count is
 * refused, naming the count it needs), and weights shared by the batch are in
 * every rank's file. Loading checks that every file holds its rank's slice of
 * one batch at one step count, so a set mixing two saves is refused.
 */
#define _DEFAULT_SOURCE /* glob */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi_internal.h"

/* path.rank-R-of-K */
static void rank_path(char *out, size_t capacity, const char *path, int rank, int ranks) {
    snprintf(out, capacity, "%s.rank-%d-of-%d", path, rank, ranks);
}

/* Escapes glob's special characters of path into out. */
static void glob_escape(char *out, size_t capacity, const char *path) {
    size_t n = 0;
    for (; *path && n + 2 < capacity; path++) {
        if (strchr("*?[]\\", *path))
            out[n++] = '\\';
        out[n++] = *path;
    }
    out[n] = '\0';
}

/* The rank counts K for which path.rank-0-of-K exists: their number, the one
 * equal to want if any, else the first found, in *k. */
static int saved_counts(const char *path, int want, int *k) {
    char escaped[2 * PATH_MAX], pattern[2 * PATH_MAX + 32];
    glob_escape(escaped, sizeof escaped, path);
    snprintf(pattern, sizeof pattern, "%s.rank-0-of-*", escaped);
    glob_t g;
    int found = 0;
    *k = 0;
    if (glob(pattern, 0, NULL, &g) == 0) {
        const size_t prefix = strlen(path) + strlen(".rank-0-of-");
        for (size_t i = 0; i < g.gl_pathc; i++) {
            char *end = NULL;
            const long n = strtol(g.gl_pathv[i] + prefix, &end, 10);
            if (*end || n < 1 || n > INT_MAX)
                continue;
            found++;
            if (*k != want)
                *k = (int)n;
        }
        globfree(&g);
    }
    return found;
}

/* Removes the files of sets saved at path by another number of ranks than
 * `ranks` (after a save, so that a later load finds one set). */
static void remove_other_sets(const char *path, int ranks) {
    char escaped[2 * PATH_MAX], pattern[2 * PATH_MAX + 32], mine[32];
    glob_escape(escaped, sizeof escaped, path);
    snprintf(pattern, sizeof pattern, "%s.rank-*-of-*", escaped);
    snprintf(mine, sizeof mine, "-of-%d", ranks);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const size_t len = strlen(g.gl_pathv[i]);
        if (len < strlen(mine) || strcmp(g.gl_pathv[i] + len - strlen(mine), mine))
            unlink(g.gl_pathv[i]);
    }
    globfree(&g);
}

nf_status nf_network_save_mpi(nf_network *net, const char *path, MPI_Comm comm) {
    static const char fn[] = "nf_network_save_mpi";
    char why[NFM_MESSAGE] = "", tmp[PATH_MAX] = "", mine[PATH_MAX + 32];
    nfm_layout lay;
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    nf_status st = nfm__agree(comm, nfm__share_path(fn, path, rank, comm, tmp, sizeof tmp, why),
                              why);
    if (st != NF_OK)
        return st;
    st = nfm__layout(fn, net, comm, &lay, why);
    if ((st = nfm__agree(comm, st, why)) != NF_OK)
        return st;
    rank_path(mine, sizeof mine, path, lay.rank, lay.ranks);
    if ((st = nf_network_save(net, mine)) != NF_OK)
        nfm__why(why, st, "%s: %s", fn, nf_network_last_error(net));
    if ((st = nfm__agree(comm, st, why)) == NF_OK && rank == 0)
        remove_other_sets(path, lay.ranks);
    return st;
}

/* What every rank's loaded file must agree on: the batch, the step, the backend. */
static nf_status check_set(const char *fn, const char *path, nf_network *net, MPI_Comm comm,
                           int rank, int ranks, char *why) {
    int32_t first = 0, count = 0, global = 0, want_first = -1, want_count = -1;
    nf_network_batch_window(net, &first, &count, &global);
    if (global >= ranks)
        nfm__slice(global, ranks, rank, &want_first, &want_count);
    nf_status st = NF_OK;
    if (first != want_first || count != want_count)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                      "%s: %s.rank-%d-of-%d holds elements [%d, %d) of a batch of %d, not rank "
                      "%d's slice: it is not a file nf_network_save_mpi wrote on %d ranks",
                      fn, path, rank, ranks, first, first + count, global, rank, ranks);
    int64_t v[6] = {global, nf_network_step_count(net), (int64_t)nf_network_backend(net)}, m[6];
    for (int i = 0; i < 3; i++)
        v[3 + i] = -v[i];
    if ((st = nfm__agree(comm, st, why)) != NF_OK)
        return st;
    MPI_Allreduce(v, m, 6, MPI_INT64_T, MPI_MAX, comm);
    if (m[0] != -m[3] || m[1] != -m[4])
        return nfm__agree(comm,
                          nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                                   "%s: the files of %s are not one save: their batches run "
                                   "from %lld to %lld and their step counts from %lld to %lld "
                                   "(a save was cut short, or files of two saves were mixed)",
                                   fn, path, (long long)-m[3], (long long)m[0],
                                   (long long)-m[4], (long long)m[1]),
                          why);
    if (m[2] != -m[5])
        return nfm__agree(comm,
                          nfm__why(why, NF_ERR_UNSUPPORTED,
                                   "%s: the ranks resolved the backend differently: ask for "
                                   "one backend explicitly",
                                   fn),
                          why);
    return NF_OK;
}

nf_status nf_network_load_mpi(const char *path, nf_backend backend, int32_t device,
                              MPI_Comm comm, nf_network **out, char *message, size_t capacity) {
    static const char fn[] = "nf_network_load_mpi";
    char why[NFM_MESSAGE] = "", tmp[PATH_MAX] = "", mine[PATH_MAX + 32];
    int rank = 0, ranks = 1;
    if (out)
        *out = NULL;
    if (nfm__usable(fn, comm, message, capacity) != NF_OK)
        return NF_ERR_INVALID_ARGUMENT;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &ranks);
    nf_status st = nfm__share_path(fn, path, rank, comm, tmp, sizeof tmp, why);
    if (st == NF_OK && !out)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: out must not be NULL", fn);
    int saved = 0;
    if (st == NF_OK && rank == 0) {
        const int sets = saved_counts(path, ranks, &saved);
        if (sets == 0)
            st = nfm__why(why, NF_ERR_IO,
                          "%s: no sharded checkpoint at %s (no file %s.rank-0-of-K: "
                          "nf_network_save_mpi writes one per rank)",
                          fn, path, path);
        else if (saved != ranks)
            st = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                          "%s: %s was saved by %d rank%s (%s.rank-0-of-%d ...): load it on %d "
                          "rank%s, not %d (each rank's file holds that rank's slice of the "
                          "batch)",
                          fn, path, saved, saved == 1 ? "" : "s", path, saved, saved,
                          saved == 1 ? "" : "s", ranks);
    }
    const int32_t dev = nfm__rank_device(comm, backend, device, fn, why, &st);
    nf_network *net = NULL;
    if ((st = nfm__agree(comm, st, why)) == NF_OK) {
        rank_path(mine, sizeof mine, path, rank, ranks);
        char reason[NFM_MESSAGE] = "";
        if ((st = nf_network_load(mine, backend, dev, &net, reason, sizeof reason)) != NF_OK)
            nfm__why(why, st, "%s: %s", fn, reason);
        if ((st = nfm__agree(comm, st, why)) == NF_OK)
            st = check_set(fn, path, net, comm, rank, ranks, why);
        if (st == NF_OK)
            st = nfm__agree(comm, nfm__set_run_check(fn, net, comm, why), why);
    }
    return nfm__hand_out(st, net, out, message, capacity);
}
