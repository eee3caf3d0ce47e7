/*
 * One global .npy file of a sharded probe, written collectively with MPI-IO:
 * numpy's format 1.0 as the core library writes it (engine/npy.c: the magic,
 * version 1.0, a little-endian uint16 header length, the dict
 * {'descr': '<f4', 'fortran_order': False, 'shape': (rows, batch, dim), }
 * padded with spaces and a '\n' so that the data starts at a multiple of 64
 * bytes, then little-endian float32 in C order). Rank 0 writes the header;
 * rank r's slab of row t, count_r dim floats, lies at
 * header + ((t batch + first_r) dim) 4 bytes, which a file view (a vector of
 * rows blocks, one every batch dim floats) turns into one collective write.
 * The file is written beside `path` under a temporary name and renamed over
 * it by rank 0 once every rank has written, so path is whole or untouched.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi_internal.h"

#define NPY_ALIGN 64

/* The header for a (rows, batch, dim) float32 array into h (256 bytes); its length. */
static int npy_header(char *h, int64_t rows, int32_t batch, int32_t dim) {
    int len = snprintf(h + 10, 246, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld, "
                                    "%d, %d), }",
                       (long long)rows, batch, dim);
    int total = (10 + len + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    memset(h + 10 + len, ' ', (size_t)(total - 10 - len));
    h[total - 1] = '\n';
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)((total - 10) & 0xff);
    h[9] = (char)((total - 10) >> 8);
    return total;
}

/* The values as little-endian bytes, in place. */
static void to_little_endian(float *v, size_t count) {
    const uint32_t one = 1;
    unsigned char little;
    memcpy(&little, &one, 1);
    if (little)
        return;
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        unsigned char b[4];
        memcpy(&u, &v[i], 4);
        for (int k = 0; k < 4; k++)
            b[k] = (unsigned char)(u >> (8 * k));
        memcpy(&v[i], b, 4);
    }
}

nf_status nfm__share_path(const char *fn, const char *path, int rank, MPI_Comm comm, char *tmp,
                          size_t capacity, char *why) {
    static unsigned serial;
    struct {
        int ok;
        char path[PATH_MAX];
        char tmp[PATH_MAX];
    } *m = calloc(1, sizeof *m);
    if (!m)
        return nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (rank == 0 && path) {
        m->ok = strlen(path) + 32 < PATH_MAX;
        snprintf(m->path, sizeof m->path, "%s", path);
        snprintf(m->tmp, sizeof m->tmp, "%s.nfmpi-%ld-%u.tmp", path, (long)getpid(), serial++);
    }
    int rc = MPI_Bcast(m, (int)sizeof *m, MPI_BYTE, 0, comm);
    nf_status st = NF_OK;
    if (rc != MPI_SUCCESS)
        st = nfm__mpi_why(why, rc, fn, "MPI_Bcast");
    else if (!path)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: path must not be NULL", fn);
    else if (!m->ok)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: rank 0's path is NULL or too long", fn);
    else if (strcmp(m->path, path) != 0)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                      "%s: the path '%s' differs from rank 0's '%s': every rank passes the same",
                      fn, path, m->path);
    snprintf(tmp, capacity, "%s", m->tmp);
    free(m);
    return st;
}

/* Writes the header (rank 0) and every rank's slab into the open file. */
static nf_status write_slabs(const char *fn, MPI_File fh, const nfm_layout *lay, int32_t dim,
                             int64_t rows, float *slab, char *why) {
    char header[256];
    const int hlen = npy_header(header, rows, lay->global, dim);
    int rc = MPI_SUCCESS;
    nf_status st = NF_OK;
    if (lay->rank == 0)
        rc = MPI_File_write_at(fh, 0, header, hlen, MPI_BYTE, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS)
        st = nfm__mpi_why(why, rc, fn, "MPI_File_write_at (header)");
    if (rows == 0)
        return st;
    /* Every rank takes part in the collective calls below, even after a failure. */
    MPI_Datatype block, file;
    const MPI_Aint row_bytes = (MPI_Aint)lay->global * dim * (MPI_Aint)sizeof(float);
    MPI_Type_contiguous(lay->count * dim, MPI_FLOAT, &block);
    MPI_Type_commit(&block);
    MPI_Type_create_hvector((int)rows, 1, row_bytes, block, &file);
    MPI_Type_commit(&file);
    const MPI_Offset at = hlen + (MPI_Offset)lay->first * dim * (MPI_Offset)sizeof(float);
    /* "native": the bytes as they are in memory, already little-endian */
    rc = MPI_File_set_view(fh, at, MPI_FLOAT, file, "native", MPI_INFO_NULL);
    if (rc != MPI_SUCCESS && st == NF_OK)
        st = nfm__mpi_why(why, rc, fn, "MPI_File_set_view");
    to_little_endian(slab, (size_t)rows * lay->count * dim);
    rc = MPI_File_write_all(fh, slab, (int)rows, block, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS && st == NF_OK)
        st = nfm__mpi_why(why, rc, fn, "MPI_File_write_all");
    MPI_Type_free(&file);
    MPI_Type_free(&block);
    return st;
}

nf_status nf_mpi_probe_write_npy(nf_network *net, int32_t probe, const char *path,
                                 MPI_Comm comm) {
    static const char fn[] = "nf_mpi_probe_write_npy";
    char why[NFM_MESSAGE] = "", tmp[PATH_MAX] = "";
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    nf_status st = nfm__agree(comm, nfm__share_path(fn, path, rank, comm, tmp, sizeof tmp, why), why);
    if (st != NF_OK)
        return st;
    nfm_layout lay;
    int32_t dim = 0;
    int64_t rows = 0;
    float *slab = NULL;
    if ((st = nfm__probe_take(fn, net, probe, false, 0, NULL, 0, comm, &lay, &dim, &rows,
                              &slab)) != NF_OK)
        return st;
    if (rank == 0)
        MPI_File_delete(tmp, MPI_INFO_NULL); /* a stale file of that name: ignore errors */
    MPI_Barrier(comm);
    MPI_File fh;
    int rc = MPI_File_open(comm, tmp, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    if (rc != MPI_SUCCESS)
        st = nfm__mpi_why(why, rc, fn, "MPI_File_open");
    if (rc == MPI_SUCCESS) { /* opened everywhere (MPI_File_open is collective) */
        st = write_slabs(fn, fh, &lay, dim, rows, slab, why);
        rc = MPI_File_sync(fh);
        if (rc != MPI_SUCCESS && st == NF_OK)
            st = nfm__mpi_why(why, rc, fn, "MPI_File_sync");
        rc = MPI_File_close(&fh);
        if (rc != MPI_SUCCESS && st == NF_OK)
            st = nfm__mpi_why(why, rc, fn, "MPI_File_close");
    }
    if (st == NF_ERR_BACKEND)
        st = NF_ERR_IO; /* the file's MPI-IO errors are I/O errors */
    free(slab);
    if ((st = nfm__agree(comm, st, why)) != NF_OK) {
        if (rank == 0)
            MPI_File_delete(tmp, MPI_INFO_NULL);
        return st;
    }
    if (rank == 0 && rename(tmp, path) != 0) {
        st = nfm__why(why, NF_ERR_IO, "%s: renaming %s to %s: %s", fn, tmp, path,
                      strerror(errno));
        MPI_File_delete(tmp, MPI_INFO_NULL);
    }
    return nfm__agree(comm, st, why);
}
