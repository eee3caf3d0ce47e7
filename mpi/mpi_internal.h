/*
 * The MPI layer's shared parts: the thread's last error, the agreement on a
 * collective call's outcome (every rank returns the lowest failing rank's
 * status and message), the check that ranks passed the same values, and the
 * slice of the batch each rank holds.
 */
#ifndef NF_MPI_INTERNAL_H
#define NF_MPI_INTERNAL_H

#include <stdbool.h>

#include "neurofuse_mpi.h"

#define NFM_MESSAGE 512
#define NFM_TAG 0x4e46 /* "NF": the tag of the layer's point-to-point messages */

/* Records the thread's last error (nf_mpi_last_error). */
void nfm__set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes a formatted reason into why[NFM_MESSAGE] and returns st. */
nf_status nfm__why(char *why, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An MPI call's error code as NF_ERR_BACKEND with MPI's text in why. */
nf_status nfm__mpi_why(char *why, int code, const char *fn, const char *call);

/* Collective: every rank's local outcome (st, why). NF_OK when every rank
 * succeeded; else, on every rank, the lowest failing rank's status, with
 * "rank r: why" as the thread's last error. */
nf_status nfm__agree(MPI_Comm comm, nf_status st, const char *why);

/* Collective: true on every rank when every rank passed the same v[0..n-1]
 * (n <= 8); names[i] names v[i] in the error set otherwise ("fn: ranks
 * disagree on name[i] (from a to b)"). */
bool nfm__same(MPI_Comm comm, const char *fn, const int64_t *v, const char *const *names, int n);

/* Collective: true on every rank when every rank's bytes data[0..bytes-1]
 * equal rank 0's (compared by a 64-bit hash of the bits and the length: NaN
 * payloads and signed zeros count); else false, with "fn: what differ
 * between ranks (rank r's from rank 0's): every rank must pass the same" (r
 * the lowest rank that differs) as the last error. */
bool nfm__same_bytes(MPI_Comm comm, const char *fn, const char *what, const void *data,
                     size_t bytes);

/* The slice rank r of `ranks` holds of a batch of `batch` elements. */
void nfm__slice(int32_t batch, int ranks, int r, int32_t *first, int32_t *count);

/* Local: NF_OK when MPI is initialized (not finalized) and comm is not
 * MPI_COMM_NULL; else NF_ERR_INVALID_ARGUMENT with the reason as the last
 * error and in message (may be NULL). */
nf_status nfm__usable(const char *fn, MPI_Comm comm, char *message, size_t capacity);

/* The end of a collective call making a network: on success *out = net and
 * message ""; on failure net destroyed and the last error in message. */
nf_status nfm__hand_out(nf_status st, nf_network *net, nf_network **out, char *message,
                        size_t capacity);

/* Collective: checks that every rank passed rank 0's path (not NULL, not too
 * long) and gives every rank rank 0's temporary name beside it in
 * tmp[capacity] (path.nfmpi-PID-N.tmp). Local outcome in why: agree on it. */
nf_status nfm__share_path(const char *fn, const char *path, int rank, MPI_Comm comm, char *tmp,
                          size_t capacity, char *why);

/* Collective: the device this rank uses on `backend` when asked for `device`:
 * on CUDA (or AUTO where a GPU is usable) device 0 means the GPU of the
 * rank's node-local rank, modulo the GPUs it sees; another value is kept.
 * A failure of MPI sets *st and why. */
int32_t nfm__rank_device(MPI_Comm comm, nf_backend backend, int32_t device, const char *fn,
                         char *why, nf_status *st);

/* This rank's view of a sharded network on comm. */
typedef struct nfm_layout {
    int rank, ranks;
    int32_t first, count, global;
} nfm_layout;

/* Local: the layout of net on comm; fails (why) unless net holds exactly
 * this rank's slice of its batch. */
nf_status nfm__layout(const char *fn, const nf_network *net, MPI_Comm comm, nfm_layout *lay,
                      char *why);

/* Collective: takes every unread row of a probe on every rank (nf_probe_read
 * into a new *slice [rows][count][dim], freed by the caller), after checking
 * that the ranks agree on the probe, its dim and its rows and, for a gather,
 * that root is a rank whose dst holds the global rows (capacity floats). On
 * failure nothing is read or allocated, unless the read itself failed. */
nf_status nfm__probe_take(const char *fn, nf_network *net, int32_t probe, bool gather,
                          int root, const float *dst, size_t capacity, MPI_Comm comm,
                          nfm_layout *lay, int32_t *dim, int64_t *rows, float **slice);

/* Collective (every rank's network made): sets the run check of a network this
 * layer made (nf_network_set_run_check): before a run of a changed structure
 * the ranks compare their networks (nf_mpi_network_check_replicated) on a
 * duplicate of comm the network keeps. Local outcome in why: agree on it. */
nf_status nfm__set_run_check(const char *fn, nf_network *net, MPI_Comm comm, char *why);

#endif /* NF_MPI_INTERNAL_H */
