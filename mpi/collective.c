/*
 * Moving batch slices between ranks: an input's rows scattered from the
 * root's global array [steps][batch][dim] (rank r receives [steps][count_r][dim]),
 * a probe's rows gathered into the root's global array [rows][batch][dim].
 * A rank's slice of a global array is `steps` blocks of count_r dim floats,
 * one every batch dim floats, so the root sends or receives it in place as one
 * MPI vector type, without packing; the other side's slice is contiguous.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

/* The vector type of rank r's slice of `rows` global rows of batch x dim floats. */
static int slice_type(int64_t rows, int32_t count, int32_t global, int32_t dim,
                      MPI_Datatype *type) {
    int rc = MPI_Type_create_hvector((int)rows, count * dim,
                                     (MPI_Aint)global * dim * (MPI_Aint)sizeof(float), MPI_FLOAT,
                                     type);
    return rc == MPI_SUCCESS ? MPI_Type_commit(type) : rc;
}

/* Local checks of the sizes MPI's int counts can carry: rows, count dim, batch dim. */
static nf_status check_counts(const char *fn, int64_t rows, const nfm_layout *lay, int32_t dim,
                              char *why) {
    if (rows > INT_MAX || (int64_t)lay->global * dim > INT_MAX)
        return nfm__why(why, NF_ERR_UNSUPPORTED,
                        "%s: %lld rows of %lld floats exceed MPI's int counts: move fewer rows "
                        "at a time",
                        fn, (long long)rows, (long long)lay->global * dim);
    return NF_OK;
}

/* Copies between a rank's contiguous slice and its place in a global array. */
static void copy_slice(float *global_rows, float *slice, int64_t rows, const nfm_layout *lay,
                       int32_t first, int32_t count, int32_t dim, bool to_global) {
    const size_t block = (size_t)count * dim;
    for (int64_t t = 0; t < rows; t++) {
        float *g = global_rows + ((size_t)t * lay->global + first) * dim;
        float *s = slice + (size_t)t * block;
        if (to_global)
            memcpy(g, s, block * sizeof *s);
        else
            memcpy(s, g, block * sizeof *s);
    }
}

/* Root side: sends (scatter) or receives (gather) every other rank's slice in
 * place in the global array, and copies its own. */
static nf_status root_exchange(const char *fn, float *global_rows, float *own, int64_t rows,
                               const nfm_layout *lay, int32_t dim, bool scatter, MPI_Comm comm,
                               char *why) {
    MPI_Request *req = malloc(sizeof *req * (size_t)lay->ranks);
    if (!req)
        return nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    nf_status st = NF_OK;
    int posted = 0, rc = MPI_SUCCESS;
    for (int r = 0; r < lay->ranks && rc == MPI_SUCCESS; r++) {
        int32_t first, count;
        nfm__slice(lay->global, lay->ranks, r, &first, &count);
        if (r == lay->rank) {
            copy_slice(global_rows, own, rows, lay, first, count, dim, !scatter);
            continue;
        }
        MPI_Datatype type;
        if ((rc = slice_type(rows, count, lay->global, dim, &type)) != MPI_SUCCESS)
            break;
        float *at = global_rows + (size_t)first * dim;
        rc = scatter ? MPI_Isend(at, 1, type, r, NFM_TAG, comm, &req[posted])
                     : MPI_Irecv(at, 1, type, r, NFM_TAG, comm, &req[posted]);
        posted += rc == MPI_SUCCESS;
        MPI_Type_free(&type); /* freed once the transfer is done */
    }
    if (rc != MPI_SUCCESS)
        st = nfm__mpi_why(why, rc, fn, scatter ? "MPI_Isend" : "MPI_Irecv");
    rc = MPI_Waitall(posted, req, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS && st == NF_OK)
        st = nfm__mpi_why(why, rc, fn, "MPI_Waitall");
    free(req);
    return st;
}

/* The other side: the rank's contiguous slice, rows blocks of count dim floats. */
static nf_status rank_exchange(const char *fn, float *slice, int64_t rows, const nfm_layout *lay,
                               int32_t dim, bool scatter, int root, MPI_Comm comm, char *why) {
    MPI_Datatype row;
    int rc = MPI_Type_contiguous(lay->count * dim, MPI_FLOAT, &row);
    if (rc == MPI_SUCCESS)
        rc = MPI_Type_commit(&row);
    if (rc != MPI_SUCCESS)
        return nfm__mpi_why(why, rc, fn, "MPI_Type_contiguous");
    rc = scatter ? MPI_Recv(slice, (int)rows, row, root, NFM_TAG, comm, MPI_STATUS_IGNORE)
                 : MPI_Send(slice, (int)rows, row, root, NFM_TAG, comm);
    MPI_Type_free(&row);
    return rc == MPI_SUCCESS ? NF_OK
                             : nfm__mpi_why(why, rc, fn, scatter ? "MPI_Recv" : "MPI_Send");
}

nf_status nf_mpi_input_scatter(nf_network *net, int32_t input, int64_t steps,
                               const float *values, int root, MPI_Comm comm) {
    static const char fn[] = "nf_mpi_input_scatter";
    char why[NFM_MESSAGE] = "";
    nfm_layout lay;
    int32_t dim = 0;
    nf_status st = nfm__layout(fn, net, comm, &lay, why);
    if (st == NF_OK && nf_input_size(net, input, &dim) != NF_OK)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s", nf_network_last_error(net));
    if (st == NF_OK && steps < 1)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: steps must be >= 1, got %lld", fn,
                      (long long)steps);
    if (st == NF_OK && (root < 0 || root >= lay.ranks))
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: root %d is not a rank of the %d", fn,
                      root, lay.ranks);
    if (st == NF_OK && lay.rank == root && !values)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: values must not be NULL on the root",
                      fn);
    if (st == NF_OK)
        st = check_counts(fn, steps, &lay, dim, why);
    if ((st = nfm__agree(comm, st, why)) != NF_OK)
        return st;
    const int64_t same[] = {lay.global, input, dim, steps, root};
    const char *const names[] = {"the batch", "the input", "the input's dim", "steps", "root"};
    if (!nfm__same(comm, fn, same, names, 5))
        return NF_ERR_INVALID_ARGUMENT;

    float *slice = malloc((size_t)steps * lay.count * dim * sizeof *slice);
    if (!slice)
        st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory (%lld floats)", fn,
                      (long long)steps * lay.count * dim);
    if ((st = nfm__agree(comm, st, why)) == NF_OK) {
        st = lay.rank == root
                 ? root_exchange(fn, (float *)values, slice, steps, &lay, dim, true, comm, why)
                 : rank_exchange(fn, slice, steps, &lay, dim, true, root, comm, why);
        const nf_status set = st == NF_OK ? nf_input_set(net, input, steps, slice) : NF_OK;
        if (set != NF_OK)
            st = nfm__why(why, set, "%s", nf_network_last_error(net));
        st = nfm__agree(comm, st, why);
    }
    free(slice);
    return st;
}

nf_status nfm__probe_take(const char *fn, nf_network *net, int32_t probe, bool gather,
                          int root, const float *dst, size_t capacity, MPI_Comm comm,
                          nfm_layout *lay,
                          int32_t *dim, int64_t *rows, float **slice) {
    char why[NFM_MESSAGE] = "";
    int64_t row = 0, held = 0;
    *slice = NULL;
    nf_status st = nfm__layout(fn, net, comm, lay, why);
    if (st == NF_OK && (nf_probe_row_size(net, probe, &row) != NF_OK ||
                        nf_probe_rows(net, probe, &held) != NF_OK))
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s", nf_network_last_error(net));
    if (st == NF_OK && gather && (root < 0 || root >= lay->ranks))
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: root %d is not a rank of the %d", fn,
                      root, lay->ranks);
    *dim = lay->count > 0 ? (int32_t)(row / lay->count) : 0;
    if (st == NF_OK)
        st = check_counts(fn, held, lay, *dim, why);
    if ((st = nfm__agree(comm, st, why)) != NF_OK)
        return st;
    const int64_t same[] = {lay->global, probe, *dim, held, root};
    const char *const names[] = {"the batch", "the probe", "the probe's dim", "the rows held",
                                 "root"};
    if (!nfm__same(comm, fn, same, names, 5))
        return NF_ERR_INVALID_ARGUMENT;
    const size_t whole = (size_t)held * lay->global * *dim, mine = (size_t)held * lay->count * *dim;
    if (gather && lay->rank == root && held > 0 && (!dst || capacity < whole))
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                      "%s: dst holds %zu floats on the root, the %lld rows need %zu", fn,
                      dst ? capacity : 0, (long long)held, whole);
    *slice = malloc(mine * sizeof **slice + 1);
    if (st == NF_OK && !*slice)
        st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory (%zu floats)", fn, mine);
    if ((st = nfm__agree(comm, st, why)) == NF_OK) {
        int64_t got = 0;
        const nf_status read = nf_probe_read(net, probe, *slice, mine, &got);
        if (read != NF_OK)
            st = nfm__why(why, read, "%s", nf_network_last_error(net));
        st = nfm__agree(comm, st, why);
    }
    if (st != NF_OK) {
        free(*slice);
        *slice = NULL;
        return st;
    }
    *rows = held;
    return NF_OK;
}

nf_status nf_mpi_probe_gather(nf_network *net, int32_t probe, float *dst, size_t capacity,
                              int64_t *rows, int root, MPI_Comm comm) {
    static const char fn[] = "nf_mpi_probe_gather";
    char why[NFM_MESSAGE] = "";
    nfm_layout lay;
    int32_t dim = 0;
    int64_t held = 0;
    float *slice = NULL;
    nf_status st = nfm__probe_take(fn, net, probe, true, root, dst, capacity, comm, &lay, &dim,
                                   &held, &slice);
    if (st != NF_OK)
        return st;
    if (held > 0) {
        st = lay.rank == root ? root_exchange(fn, dst, slice, held, &lay, dim, false, comm, why)
                              : rank_exchange(fn, slice, held, &lay, dim, false, root, comm, why);
        st = nfm__agree(comm, st, why);
    }
    free(slice);
    if (st == NF_OK && rows)
        *rows = held;
    return st;
}
