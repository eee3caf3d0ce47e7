/*
 * Setting weights and parameters on a sharded network, collectively. Values
 * the batch shares (a shared connection's or readout's weights, a
 * population's gains and biases) are replicated on every rank: before any
 * rank sets them the ranks compare their values bit for bit (a 64-bit hash
 * of the bits, nfm__same_bytes) and refuse, on every rank, values that
 * differ. Per-batch weights are each rank's own slice and are not compared.
 * Each rank keeps its old values until every rank has set the new ones: on a
 * failure anywhere every rank puts the old values back.
 */
#include <stdlib.h>

#include "mpi_internal.h"

typedef nf_status (*get_fn)(nf_network *net, int32_t id, float *w);
typedef nf_status (*set_fn)(nf_network *net, int32_t id, const float *w);

/* One object's values: `parts` arrays (the weights, read and written by get
 * and set; or, parts 2, a population's gains and biases) of `count` floats
 * each on this rank, values[k] NULL for a part left as it is. */
typedef struct target {
    int32_t id;
    int parts;
    const float *values[2];
    const char *names[2];
    size_t count;
    bool shared;
    get_fn get;
    set_fn set;
} target;

static nf_status get_parts(nf_network *net, const target *t, float *const *out) {
    return t->parts == 1 ? t->get(net, t->id, out[0])
                         : nf_population_get_gain_bias(net, t->id, out[0], out[1]);
}

static nf_status set_parts(nf_network *net, const target *t, const float *const *in) {
    return t->parts == 1 ? t->set(net, t->id, in[0])
                         : nf_population_set_gain_bias(net, t->id, in[0], in[1]);
}

/* Local: a weights setter needs w (gains and biases may each be NULL). */
static nf_status check_given(const char *fn, const target *t, char *why) {
    if (t->parts == 1 && !t->values[0])
        return nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: w must not be NULL", fn);
    return NF_OK;
}

/* The collective steps every setter shares: agree on the lookups (st, why),
 * on the id and on what is given, compare shared values, keep the old ones,
 * set, and put the old ones back everywhere if any rank failed. */
static nf_status set_replicated(const char *fn, nf_network *net, const target *t, nf_status st,
                                char *why, MPI_Comm comm) {
    if (st == NF_OK)
        st = check_given(fn, t, why);
    nfm_layout lay;
    if (st == NF_OK)
        st = nfm__layout(fn, net, comm, &lay, why);
    if ((st = nfm__agree(comm, st, why)) != NF_OK)
        return st;
    const int64_t same[] = {lay.global, t->id, t->shared, t->values[0] != NULL,
                            t->parts > 1 && t->values[1] != NULL,
                            t->shared ? (int64_t)t->count : 0};
    const char *const names[] = {"the batch", "the id", "whether the values are shared",
                                 t->names[0], t->parts > 1 ? t->names[1] : "(none)",
                                 "the value count"};
    if (!nfm__same(comm, fn, same, names, 6))
        return NF_ERR_INVALID_ARGUMENT;
    for (int k = 0; k < t->parts && t->shared; k++)
        if (t->values[k] && !nfm__same_bytes(comm, fn, t->names[k], t->values[k],
                                             t->count * sizeof(float)))
            return NF_ERR_INVALID_ARGUMENT;

    float *old = malloc((size_t)t->parts * t->count * sizeof *old + 1);
    float *out[2] = {old, old ? old + t->count : NULL};
    if (!old)
        st = nfm__why(why, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory (%zu floats)", fn,
                      (size_t)t->parts * t->count);
    else if ((st = get_parts(net, t, out)) != NF_OK)
        nfm__why(why, st, "%s: %s", fn, nf_network_last_error(net));
    if ((st = nfm__agree(comm, st, why)) == NF_OK) {
        if ((st = set_parts(net, t, t->values)) != NF_OK)
            nfm__why(why, st, "%s: %s", fn, nf_network_last_error(net));
        if ((st = nfm__agree(comm, st, why)) != NF_OK) {
            const float *back[2] = {t->values[0] ? out[0] : NULL,
                                    t->parts > 1 && t->values[1] ? out[1] : NULL};
            set_parts(net, t, back); /* the old values, where new ones were given */
        }
    }
    free(old);
    return st;
}

// --- weights of connections and readouts

/* One weight array, shared unless per-batch; found: the lookup's status
 * (count and per_batch set when NF_OK). */
static nf_status set_weights(const char *fn, nf_network *net, int32_t id, const float *w,
                             nf_status found, int64_t count, int32_t per_batch, get_fn get,
                             set_fn set, MPI_Comm comm) {
    char why[NFM_MESSAGE] = "";
    const nf_status st =
        found == NF_OK ? NF_OK
                       : nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: %s", fn,
                                  net ? nf_network_last_error(net) : "net is NULL");
    const target t = {.id = id, .parts = 1, .values = {w}, .names = {"the weights"},
                      .count = (size_t)count, .shared = !per_batch, .get = get, .set = set};
    return set_replicated(fn, net, &t, st, why, comm);
}

nf_status nf_mpi_connection_set_weights(nf_network *net, int32_t conn, const float *w,
                                        MPI_Comm comm) {
    int64_t count = 0;
    int32_t per_batch = 0;
    nf_status found = net ? nf_connection_weight_count(net, conn, &count) : NF_ERR_INVALID_ARGUMENT;
    if (found == NF_OK)
        found = nf_connection_per_batch(net, conn, &per_batch);
    return set_weights("nf_mpi_connection_set_weights", net, conn, w, found, count, per_batch,
                       nf_connection_get_weights, nf_connection_set_weights, comm);
}

nf_status nf_mpi_readout_set_weights(nf_network *net, int32_t readout, const float *w,
                                     MPI_Comm comm) {
    int64_t count = 0;
    int32_t per_batch = 0;
    const nf_status found = net ? nf_readout_weight_count(net, readout, &count, &per_batch)
                                : NF_ERR_INVALID_ARGUMENT;
    return set_weights("nf_mpi_readout_set_weights", net, readout, w, found, count, per_batch,
                       nf_readout_get_weights, nf_readout_set_weights, comm);
}

// --- gains and biases

nf_status nf_mpi_population_set_gain_bias(nf_network *net, int32_t pop, const float *gains,
                                          const float *biases, MPI_Comm comm) {
    static const char fn[] = "nf_mpi_population_set_gain_bias";
    char why[NFM_MESSAGE] = "";
    int32_t n = 0;
    nf_status st = NF_OK;
    if (!net || nf_population_size(net, pop, &n) != NF_OK)
        st = nfm__why(why, NF_ERR_INVALID_ARGUMENT, "%s: %s", fn,
                      net ? nf_network_last_error(net) : "net is NULL");
    const target t = {.id = pop, .parts = 2, .values = {gains, biases},
                      .names = {"the gains", "the biases"}, .count = (size_t)n, .shared = true};
    return set_replicated(fn, net, &t, st, why, comm);
}
