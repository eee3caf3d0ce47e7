/*
 * The ranks' networks compared as a whole: every value the batch shares, given
 * by a descriptor or set later (parameters, gains and biases, shared weights,
 * sparse structure, learners' row scales and masks), and the structure (the
 * objects, their kinds, in creation order), by the core's digests
 * (nf_network_object_digest) against rank 0's. nf_mpi_network_check_replicated
 * does it when called; the run check set on every network this layer makes
 * does it before the first run after the structure changed (the core calls
 * it from nf_network_run), on a duplicate of the communicator kept with the
 * network, so runs of an unchanged network make no MPI call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

/* Local: this rank's digests, [0] the network's, [1 + id] object id's. */
static nf_status digests(const char *fn, nf_network *net, int32_t count, nf_object_digest *d,
                         char *why) {
    for (int32_t id = -1; id < count; id++) {
        const nf_status st = nf_network_object_digest(net, id, &d[1 + id]);
        if (st != NF_OK)
            return nfm__why(why, st, "%s: %s", fn, nf_network_last_error(net));
    }
    return NF_OK;
}

/* Local: the first difference of mine[0..n] from rank 0's root[0..n0] in
 * creation order (the network, objects, then their count), as why. */
static nf_status compare(const char *fn, const nf_object_digest *mine, int32_t n,
                         const nf_object_digest *root, int32_t n0, int rank, char *why) {
    static const char rule[] = "every rank must build the same network with the same values";
    for (int32_t i = 0; i <= n && i <= n0; i++) {
        const nf_object_digest *a = &mine[i], *b = &root[i];
        char name[48] = "the network";
        if (i > 0)
            snprintf(name, sizeof name, "%s %d", a->kind, i - 1);
        if (strcmp(a->kind, b->kind) != 0)
            return nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                            "%s: object %d is a %s on rank %d and a %s on rank 0: %s", fn, i - 1,
                            a->kind, rank, b->kind, rule);
        if (a->parts != b->parts)
            return nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                            "%s: %s (%s) differs between ranks (rank %d's from rank 0's): %s",
                            fn, name, a->parts > b->parts ? a->part[b->parts] : b->part[a->parts],
                            rank, rule);
        for (int k = 0; k < a->parts; k++)
            if (strcmp(a->part[k], b->part[k]) != 0 || a->hash[k] != b->hash[k])
                return nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                                "%s: %s (%s) differs between ranks (rank %d's from rank 0's): "
                                "%s",
                                fn, name, a->part[k], rank, rule);
    }
    if (n != n0)
        return nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                        "%s: rank %d has %d objects, rank 0 has %d (%s %d is on %s only): %s", fn,
                        rank, n, n0, (n > n0 ? mine : root)[1 + (n < n0 ? n : n0)].kind,
                        n < n0 ? n : n0, n > n0 ? "that rank" : "rank 0", rule);
    return NF_OK;
}

/* Collective: the comparison on comm, fn naming the function called. Each
 * step's local outcome is agreed on before data moves on. */
static nf_status check(const char *fn, nf_network *net, MPI_Comm comm) {
    char why[NFM_MESSAGE] = "";
    nfm_layout lay;
    nf_status st = nfm__layout(fn, net, comm, &lay, why);
    const int32_t n = st == NF_OK ? nf_network_object_count(net) : 0;
    nf_object_digest *mine = calloc((size_t)n + 1, sizeof *mine), *root = NULL;
    if (st == NF_OK && !mine)
        st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (st == NF_OK)
        st = digests(fn, net, n, mine, why);
    int32_t n0 = n;
    if ((st = nfm__agree(comm, st, why)) == NF_OK) {
        int rc = MPI_Bcast(&n0, 1, MPI_INT32_T, 0, comm);
        if (rc != MPI_SUCCESS)
            st = nfm__mpi_why(why, rc, fn, "MPI_Bcast");
        else if (!(root = lay.rank == 0 ? mine : calloc((size_t)n0 + 1, sizeof *root)))
            st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        if ((st = nfm__agree(comm, st, why)) == NF_OK) {
            rc = MPI_Bcast(root, (int)(((size_t)n0 + 1) * sizeof *root), MPI_BYTE, 0, comm);
            st = rc != MPI_SUCCESS ? nfm__mpi_why(why, rc, fn, "MPI_Bcast")
                                   : compare(fn, mine, n, root, n0, lay.rank, why);
            st = nfm__agree(comm, st, why);
        }
    }
    if (root != mine)
        free(root);
    free(mine);
    return st;
}

nf_status nf_mpi_network_check_replicated(nf_network *net, MPI_Comm comm) {
    static const char fn[] = "nf_mpi_network_check_replicated";
    if (nfm__usable(fn, comm, NULL, 0) != NF_OK)
        return NF_ERR_INVALID_ARGUMENT;
    return check(fn, net, comm);
}

// --- the run check of the networks this layer makes

static nf_status run_check(nf_network *net, void *context, char *message, size_t capacity) {
    const nf_status st = check("nf_mpi_network_check_replicated", net, *(MPI_Comm *)context);
    if (st != NF_OK)
        snprintf(message, capacity, "%s", nf_mpi_last_error());
    return st;
}

static void release(void *context) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
        MPI_Comm_free(context);
    free(context);
}

/* MPI_Comm_dup is collective: every rank calls it before anything local can
 * fail, and a rank that fails afterwards frees its duplicate again. */
nf_status nfm__set_run_check(const char *fn, nf_network *net, MPI_Comm comm, char *why) {
    MPI_Comm dup;
    const int rc = MPI_Comm_dup(comm, &dup);
    if (rc != MPI_SUCCESS)
        return nfm__mpi_why(why, rc, fn, "MPI_Comm_dup");
    MPI_Comm *kept = malloc(sizeof *kept);
    if (!kept) {
        MPI_Comm_free(&dup);
        return nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    *kept = dup;
    const nf_status st = nf_network_set_run_check(net, run_check, kept, release);
    if (st != NF_OK) {
        release(kept);
        return nfm__why(why, st, "%s: %s", fn, nf_network_last_error(net));
    }
    return NF_OK;
}
