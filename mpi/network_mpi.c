/*
 * Sharded networks: the split of a batch over the ranks of a communicator
 * (contiguous slices, sizes differing by at most one), the creation of each
 * rank's slice as a batch window of the core library (keyed draws, element by
 * element products: the same bits whatever the number of ranks), the GPU of
 * each rank (its node-local rank's), and the agreement every collective call
 * of this layer ends with (a failure anywhere is a failure everywhere, with
 * the failing rank's message).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mpi_internal.h"

static _Thread_local char last_error[NFM_MESSAGE];

const char *nf_mpi_last_error(void) { return last_error; }

void nfm__set_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

nf_status nfm__why(char *why, nf_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, NFM_MESSAGE, fmt, ap);
    va_end(ap);
    return st;
}

nf_status nfm__mpi_why(char *why, int code, const char *fn, const char *call) {
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(code, text, &len);
    return nfm__why(why, NF_ERR_BACKEND, "%s: %s failed: %s", fn, call, text);
}

nf_status nfm__agree(MPI_Comm comm, nf_status st, const char *why) {
    int rank = 0, ranks = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &ranks);
    int mine = st == NF_OK ? ranks : rank, bad = ranks;
    int rc = MPI_Allreduce(&mine, &bad, 1, MPI_INT, MPI_MIN, comm);
    if (rc != MPI_SUCCESS) {
        char text[NFM_MESSAGE];
        nf_status s = nfm__mpi_why(text, rc, "neurofuse_mpi", "MPI_Allreduce");
        nfm__set_error("rank %d: %s", rank, text);
        return s;
    }
    if (bad == ranks)
        return NF_OK;
    struct {
        int status;
        char why[NFM_MESSAGE];
    } m = {(int)st, ""};
    if (rank == bad)
        snprintf(m.why, sizeof m.why, "%s", why ? why : "");
    rc = MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, bad, comm);
    if (rc != MPI_SUCCESS) {
        char text[NFM_MESSAGE];
        nf_status s = nfm__mpi_why(text, rc, "neurofuse_mpi", "MPI_Bcast");
        nfm__set_error("rank %d: %s", rank, text);
        return s;
    }
    nfm__set_error("rank %d: %s", bad, m.why);
    return (nf_status)m.status;
}

bool nfm__same(MPI_Comm comm, const char *fn, const int64_t *v, const char *const *names, int n) {
    int64_t in[16] = {0}, out[16] = {0};
    for (int i = 0; i < n; i++) {
        in[i] = v[i];
        in[n + i] = v[i] == INT64_MIN ? INT64_MAX : -v[i];
    }
    if (MPI_Allreduce(in, out, 2 * n, MPI_INT64_T, MPI_MAX, comm) != MPI_SUCCESS) {
        nfm__set_error("%s: MPI_Allreduce failed", fn);
        return false;
    }
    for (int i = 0; i < n; i++)
        if (out[i] != -out[n + i]) {
            nfm__set_error("%s: the ranks disagree on %s (from %lld to %lld): every rank must "
                           "pass the same",
                           fn, names[i], (long long)-out[n + i], (long long)out[i]);
            return false;
        }
    return true;
}

/* FNV-1a over the bytes, then over the length. */
static uint64_t hash_bytes(const void *data, size_t bytes) {
    const unsigned char *b = data;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < bytes; i++)
        h = (h ^ b[i]) * 0x100000001b3u;
    for (size_t i = 0; i < sizeof bytes; i++)
        h = (h ^ ((bytes >> (8 * i)) & 0xff)) * 0x100000001b3u;
    return h;
}

bool nfm__same_bytes(MPI_Comm comm, const char *fn, const char *what, const void *data,
                     size_t bytes) {
    int rank = 0, ranks = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &ranks);
    const uint64_t mine = hash_bytes(data, bytes);
    uint64_t first = mine;
    int lowest = ranks;
    int rc = MPI_Bcast(&first, 1, MPI_UINT64_T, 0, comm);
    const int differs = first != mine ? rank : ranks;
    if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(&differs, &lowest, 1, MPI_INT, MPI_MIN, comm);
    if (rc != MPI_SUCCESS) {
        nfm__set_error("%s: MPI_Bcast or MPI_Allreduce failed comparing %s", fn, what);
        return false;
    }
    if (lowest == ranks)
        return true;
    nfm__set_error("%s: %s differ between ranks (rank %d's from rank 0's): every rank must pass "
                   "the same",
                   fn, what, lowest);
    return false;
}

void nfm__slice(int32_t batch, int ranks, int r, int32_t *first, int32_t *count) {
    const int32_t base = batch / ranks, extra = batch % ranks;
    *count = base + (r < extra ? 1 : 0);
    *first = r * base + (r < extra ? r : extra);
}

nf_status nf_mpi_local_size(int32_t batch, MPI_Comm comm, int32_t *first, int32_t *count) {
    int ranks = 0, rank = 0;
    if (comm == MPI_COMM_NULL || !first || !count) {
        nfm__set_error("nf_mpi_local_size: %s", comm == MPI_COMM_NULL ? "comm is MPI_COMM_NULL"
                                                                      : "NULL output pointer");
        return NF_ERR_INVALID_ARGUMENT;
    }
    MPI_Comm_size(comm, &ranks);
    MPI_Comm_rank(comm, &rank);
    if (batch < ranks) {
        nfm__set_error("nf_mpi_local_size: a batch of %d cannot be split over %d ranks (every "
                       "rank holds at least one element)",
                       batch, ranks);
        return NF_ERR_INVALID_ARGUMENT;
    }
    nfm__slice(batch, ranks, rank, first, count);
    return NF_OK;
}

nf_status nf_mpi_local_batch(const nf_network *net, int32_t *first, int32_t *count) {
    if (!net) {
        nfm__set_error("nf_mpi_local_batch: net is NULL");
        return NF_ERR_INVALID_ARGUMENT;
    }
    return nf_network_batch_window(net, first, count, NULL);
}

nf_status nfm__layout(const char *fn, const nf_network *net, MPI_Comm comm, nfm_layout *lay,
                      char *why) {
    memset(lay, 0, sizeof *lay);
    MPI_Comm_rank(comm, &lay->rank);
    MPI_Comm_size(comm, &lay->ranks);
    if (!net)
        return nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: net is NULL", fn);
    nf_network_batch_window(net, &lay->first, &lay->count, &lay->global);
    int32_t first = -1, count = -1;
    if (lay->global >= lay->ranks)
        nfm__slice(lay->global, lay->ranks, lay->rank, &first, &count);
    if (first != lay->first || count != lay->count)
        return nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                        "%s: the network holds elements [%d, %d) of a batch of %d, not this "
                        "rank's slice of it over %d ranks: create it with "
                        "nf_network_create_mpi on this communicator",
                        fn, lay->first, lay->first + lay->count, lay->global, lay->ranks);
    return NF_OK;
}

// --- creation

/* Rank 0's descriptor, which every rank's must equal (the device may differ). */
typedef struct desc_key {
    double dt;
    uint64_t seed;
    int32_t batch;
    int32_t backend;
    int32_t valid;
} desc_key;

nf_status nfm__usable(const char *fn, MPI_Comm comm, char *message, size_t capacity) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized && comm != MPI_COMM_NULL)
        return NF_OK;
    nfm__set_error("%s: %s", fn,
                   comm == MPI_COMM_NULL ? "comm is MPI_COMM_NULL"
                                         : "MPI is not initialized (call MPI_Init first)");
    if (message && capacity)
        snprintf(message, capacity, "%s", last_error);
    return NF_ERR_INVALID_ARGUMENT;
}

nf_status nfm__hand_out(nf_status st, nf_network *net, nf_network **out, char *message,
                        size_t capacity) {
    if (st != NF_OK) {
        nf_network_destroy(net);
        if (message && capacity)
            snprintf(message, capacity, "%s", nf_mpi_last_error());
        return st;
    }
    if (message && capacity)
        message[0] = '\0';
    *out = net;
    return NF_OK;
}

/* The node-local rank (ranks sharing memory with this one). */
static int node_rank(MPI_Comm comm, const char *fn, char *why, nf_status *st) {
    MPI_Comm node = MPI_COMM_NULL;
    int rank = 0;
    int rc = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    if (rc != MPI_SUCCESS) {
        *st = nfm__mpi_why(why, rc, fn, "MPI_Comm_split_type");
        return 0;
    }
    MPI_Comm_rank(node, &rank);
    MPI_Comm_free(&node);
    return rank;
}

int32_t nfm__rank_device(MPI_Comm comm, nf_backend backend, int32_t device, const char *fn,
                         char *why, nf_status *st) {
    const int local = node_rank(comm, fn, why, st);
    if (backend == NF_BACKEND_CPU || device != 0)
        return device;
    nf_device_info info;
    nf_device_query(NF_BACKEND_CUDA, 0, &info);
    return info.count > 0 ? local % info.count : device;
}

nf_status nf_network_create_mpi(const nf_network_desc *d, MPI_Comm comm, nf_network **out,
                                char *message, size_t capacity) {
    static const char fn[] = "nf_network_create_mpi";
    char why[NFM_MESSAGE] = "";
    if (out)
        *out = NULL;
    if (nfm__usable(fn, comm, message, capacity) != NF_OK)
        return NF_ERR_INVALID_ARGUMENT;
    int rank = 0, ranks = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &ranks);

    nf_status st = NF_OK;
    if (!out)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: out must not be NULL", fn);
    else if (!d)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: desc must not be NULL", fn);
    desc_key key = {0}, root;
    if (d)
        key = (desc_key){.dt = d->dt, .seed = d->seed, .batch = d->batch,
                         .backend = (int32_t)d->backend, .valid = st == NF_OK};
    root = key;
    int rc = MPI_Bcast(&root, (int)sizeof root, MPI_BYTE, 0, comm);
    if (rc != MPI_SUCCESS && st == NF_OK)
        st = nfm__mpi_why(why, rc, fn, "MPI_Bcast");
    if (st == NF_OK && root.valid &&
        (memcmp(&root.dt, &key.dt, sizeof key.dt) != 0 || root.seed != key.seed ||
         root.batch != key.batch || root.backend != key.backend))
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT,
                      "%s: the descriptor differs from rank 0's (dt %g, batch %d, seed %llu, "
                      "backend %d here; %g, %d, %llu, %d on rank 0): every rank passes the same",
                      fn, key.dt, key.batch, (unsigned long long)key.seed, key.backend, root.dt,
                      root.batch, (unsigned long long)root.seed, root.backend);
    nf_network_desc rd = d ? *d : nf_network_defaults();
    rd.device = nfm__rank_device(comm, rd.backend, rd.device, fn, why, &st);
    int32_t first = 0, count = 0;
    if (st == NF_OK && nf_mpi_local_size(d->batch, comm, &first, &count) != NF_OK)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s", nf_mpi_last_error());
    nf_network *net = NULL;
    if (st == NF_OK)
        st = nf_network_create_window(&rd, first, count, &net, why, NFM_MESSAGE);
    st = nfm__agree(comm, st, why);
    int32_t backends[2] = {0, 0}, seen[2] = {0, 0};
    if (st == NF_OK) {
        /* AUTO must resolve to one backend everywhere: results are bits of one backend. */
        backends[0] = (int32_t)nf_network_backend(net);
        backends[1] = -backends[0];
        rc = MPI_Allreduce(backends, seen, 2, MPI_INT32_T, MPI_MAX, comm);
        if (rc != MPI_SUCCESS)
            st = nfm__agree(comm, nfm__mpi_why(why, rc, fn, "MPI_Allreduce"), why);
        else if (seen[0] != -seen[1]) {
            st = NF_ERR_UNSUPPORTED;
            nfm__set_error("rank %d: %s: the ranks resolved the backend differently (%s on some, "
                           "%s on others): ask for one backend explicitly",
                           rank, fn, nf_backend_name((nf_backend)seen[0]),
                           nf_backend_name((nf_backend)-seen[1]));
        }
    }
    if (st == NF_OK)
        st = nfm__agree(comm, nfm__set_run_check(fn, net, comm, why), why);
    return nfm__hand_out(st, net, out, message, capacity);
}
