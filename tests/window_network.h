/*
 * A network of every kind of random draw, built the same way on a whole batch
 * and on a window of it (nf_network_create_window, or a rank's slice of an
 * MPI-sharded network), and the comparison of a window with the same
 * elements of the whole: probes, every state variable, readout z and
 * weights, connection weights and learner P, bit for bit. Used by
 * tests/test_window.c (no MPI) and tests/mpi/sharded.c (with MPI).
 *
 * The network: an input drive[t][g][8] and a target[t][g][2] (functions of the
 * global element g, so a window takes its slice); a nengo LIF, a leaky-rate
 * reservoir (normal x), a Nicola & Clopath LIF, a theta, an Izhikevich, a
 * spiking tanh and a spiking leaky-rate population; dense, sparse and
 * event-driven connections with per-batch and shared generated weights and
 * masks (NORMAL and UNIFORM, p < 1, zero-mean rows); a per-batch readout with
 * an initial z, fed back, learning per element (FORCE); a shared readout; a
 * probe of each kind. Sizes are odd so draws start at odd stream positions.
 */
#ifndef NFT_WINDOW_NETWORK_H
#define NFT_WINDOW_NETWORK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse.h"

/* The reservoir is large enough that a BLAS's matrix-matrix product rounds an
 * element's sums differently for different batch sizes (OpenBLAS 0.3.21). */
enum { NFT_WN_POPS = 7, NFT_WN_CONNS = 10, NFT_WN_PROBES = 12, NFT_WN_DRIVE = 8, NFT_WN_RES = 301 };

typedef struct nft_wn {
    int32_t first, count, global; /* the window */
    int32_t drive, target;
    int32_t pops[NFT_WN_POPS];
    int32_t conns[NFT_WN_CONNS];
    int32_t conn_per_batch[NFT_WN_CONNS];
    int32_t readout, readout_shared, learner;
    int32_t probes[NFT_WN_PROBES];
    int32_t n_conns, n_probes;
} nft_wn;

/* The descriptor of a batch of `batch` on the CPU backend with `seed`. */
static nf_network_desc nft_wn_desc(int32_t batch, uint64_t seed) {
    nf_network_desc d = nf_network_defaults();
    d.batch = batch;
    d.seed = seed;
    d.backend = NF_BACKEND_CPU;
    return d;
}

static float nft_wn_drive(int64_t t, int32_t g, int32_t j) {
    return 1.2f + sinf(0.11f * (float)t + 0.7f * (float)g + 0.3f * (float)j);
}

static float nft_wn_target(int64_t t, int32_t g, int32_t j) {
    return 0.5f * sinf(0.05f * (float)t + (float)g) + 0.2f * (float)j;
}

/* Sets the rows [steps][count][dim] of the window's slice of f(t, g, j). */
static nf_status nft_wn_set(nf_network *net, const nft_wn *w, int32_t input, int32_t dim,
                            int64_t steps, float (*f)(int64_t, int32_t, int32_t)) {
    float *v = malloc((size_t)steps * w->count * dim * sizeof *v);
    if (!v)
        return NF_ERR_OUT_OF_MEMORY;
    for (int64_t t = 0; t < steps; t++)
        for (int32_t b = 0; b < w->count; b++)
            for (int32_t j = 0; j < dim; j++)
                v[((size_t)t * w->count + b) * dim + j] = f(t, w->first + b, j);
    nf_status st = nf_input_set(net, input, steps, v);
    free(v);
    return st;
}

#define NFT_WN_TRY(call)                                                                     \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        if (st_ != NF_OK) {                                                                  \
            snprintf(why, capacity, "%s -> %s: %s", #call, nf_status_string(st_),            \
                     nf_network_last_error(net));                                            \
            return st_;                                                                      \
        }                                                                                    \
    } while (0)

static nf_status nft_wn_connect(nf_network *net, nft_wn *w, int32_t pre, int32_t post,
                                const nf_connection_desc *cd) {
    w->conn_per_batch[w->n_conns] = cd->per_batch;
    return nf_connect(net, pre, post, cd, &w->conns[w->n_conns++]);
}

/* Builds the network on `net` (a window or the whole batch) and sets `steps`
 * rows of its inputs. On failure the reason is in why. */
static nf_status nft_wn_build(nf_network *net, int64_t steps, nft_wn *w, char *why,
                              size_t capacity) {
    memset(w, 0, sizeof *w);
    NFT_WN_TRY(nf_network_batch_window(net, &w->first, &w->count, &w->global));
    NFT_WN_TRY(nf_input_add(net, NFT_WN_DRIVE, &w->drive));
    NFT_WN_TRY(nf_input_add(net, 2, &w->target));

    nf_population_desc pd[NFT_WN_POPS];
    pd[0] = nf_population_defaults(NF_MODEL_LIF, 13);
    pd[0].filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.005f};
    pd[1] = nf_population_defaults(NF_MODEL_LEAKY_RATE, NFT_WN_RES);
    pd[1].tau = 0.01f;
    pd[1].x_init_scale = 0.7f;
    pd[2] = nf_population_defaults(NF_MODEL_LIF, 7);
    NFT_WN_TRY(nf_lif_form_apply(&pd[2], NF_LIF_NICOLA_CLOPATH));
    pd[2].filter = (nf_filter_desc){.kind = NF_FILTER_DOUBLE_EXP, .tau_rise = 0.002f,
                                    .tau_decay = 0.02f};
    pd[3] = nf_population_defaults(NF_MODEL_THETA, 6);
    pd[4] = nf_population_defaults(NF_MODEL_IZHIKEVICH, 5);
    pd[5] = nf_population_defaults(NF_MODEL_TANH, 9);
    pd[5].spiking = 1;
    pd[5].filter = (nf_filter_desc){.kind = NF_FILTER_ALPHA, .tau = 0.004f};
    pd[6] = nf_population_defaults(NF_MODEL_LEAKY_RATE, 11);
    pd[6].tau = 0.02f;
    pd[6].x_init_scale = 0.3f;
    pd[6].spiking = 1;
    for (int i = 0; i < NFT_WN_POPS; i++)
        NFT_WN_TRY(nf_population_add(net, &pd[i], &w->pops[i]));

    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL; /* drive -> LIF: per element, masked */
    cd.per_batch = 1;
    cd.p = 0.5f;
    cd.scale = 2.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->drive, w->pops[0], &cd));
    cd = nf_connection_defaults(); /* reservoir recurrence: shared, masked */
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.2f;
    cd.p = 0.3f;
    cd.scale = 0.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->pops[1], w->pops[1], &cd));
    cd = nf_connection_defaults(); /* LIF -> reservoir: sparse, per-element values, event */
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.per_batch = 1;
    cd.p = 0.4f;
    cd.low = -0.1f;
    cd.high = 0.1f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->pops[0], w->pops[1], &cd));
    cd = nf_connection_defaults(); /* drive -> NC LIF: shared, dense product */
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = 0.0f;
    cd.high = 30.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->drive, w->pops[2], &cd));
    cd = nf_connection_defaults(); /* LIF -> NC LIF: per element, masked, zero-mean, event */
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.per_batch = 1;
    cd.p = 0.6f;
    cd.low = -5.0f;
    cd.high = 10.0f;
    cd.zero_mean_rows = 1;
    cd.propagation = NF_PROPAGATION_EVENT;
    NFT_WN_TRY(nft_wn_connect(net, w, w->pops[0], w->pops[2], &cd));
    cd = nf_connection_defaults(); /* drive -> theta: shared sparse, masked */
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.p = 0.7f;
    cd.low = -1.0f;
    cd.high = 1.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->drive, w->pops[3], &cd));
    cd = nf_connection_defaults(); /* drive -> Izhikevich: per element, unmasked */
    cd.init = NF_WEIGHTS_NORMAL;
    cd.per_batch = 1;
    cd.scale = 100.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->drive, w->pops[4], &cd));
    cd = nf_connection_defaults(); /* drive -> spiking tanh, spiking leaky: shared */
    cd.init = NF_WEIGHTS_NORMAL;
    cd.scale = 1.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->drive, w->pops[5], &cd));
    NFT_WN_TRY(nft_wn_connect(net, w, w->drive, w->pops[6], &cd));

    nf_readout_desc rd = {.per_batch = 1, .z_init_scale = 0.3f};
    NFT_WN_TRY(nf_readout_add(net, w->pops[1], 2, &rd, &w->readout));
    cd = nf_connection_defaults(); /* z fed back into the reservoir, per element */
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.per_batch = 1;
    cd.low = -1.0f;
    cd.high = 1.0f;
    NFT_WN_TRY(nft_wn_connect(net, w, w->readout, w->pops[1], &cd));
    nf_readout_desc rs = {.per_batch = 0, .z_init_scale = 0.2f};
    NFT_WN_TRY(nf_readout_add(net, w->pops[5], 3, &rs, &w->readout_shared));
    nf_learner_desc ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_READOUT;
    ld.readout = w->readout;
    ld.target = w->target;
    ld.every = 2;
    NFT_WN_TRY(nf_learner_add(net, &ld, &w->learner));

    const struct {
        int32_t target;
        nf_probe_kind what;
        int32_t every;
    } probes[NFT_WN_PROBES] = {
        {w->pops[0], NF_PROBE_OUTPUT, 1},   {w->pops[0], NF_PROBE_FILTERED, 2},
        {w->pops[1], NF_PROBE_STATE, 3},    {w->pops[2], NF_PROBE_FILTERED, 1},
        {w->pops[3], NF_PROBE_STATE, 1},    {w->pops[4], NF_PROBE_OUTPUT, 1},
        {w->pops[5], NF_PROBE_OUTPUT, 1},   {w->pops[6], NF_PROBE_STATE, 1},
        {w->readout, NF_PROBE_OUTPUT, 1},   {w->learner, NF_PROBE_ERROR, 1},
        {w->drive, NF_PROBE_INPUT, 5},      {w->readout_shared, NF_PROBE_OUTPUT, 1},
    };
    for (int i = 0; i < NFT_WN_PROBES; i++)
        NFT_WN_TRY(nf_probe_add(net, probes[i].target, probes[i].what, probes[i].every,
                                &w->probes[w->n_probes++]));
    NFT_WN_TRY(nft_wn_set(net, w, w->drive, NFT_WN_DRIVE, steps, nft_wn_drive));
    NFT_WN_TRY(nft_wn_set(net, w, w->target, 2, steps, nft_wn_target));
    return NF_OK;
}

/* Compares a window's array of `count` copies of `per` values with copies
 * [first, first + count) of the whole's (or the single shared copy). Returns 0
 * when bit-identical, else 1 with the first difference in why. */
static int nft_wn_diff(const float *whole, const float *win, const nft_wn *w, int64_t rows,
                       int64_t per, int shared, const char *what, char *why, size_t capacity) {
    const int64_t copies = shared ? 1 : w->count, whole_copies = shared ? 1 : w->global;
    const int64_t first = shared ? 0 : w->first;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t b = 0; b < copies; b++)
            for (int64_t i = 0; i < per; i++) {
                const float x = win[(r * copies + b) * per + i];
                const float ref = whole[(r * whole_copies + first + b) * per + i];
                if (memcmp(&x, &ref, sizeof x) != 0) {
                    snprintf(why, capacity,
                             "%s: row %lld element %lld (global %lld) value %lld: window %.9g, "
                             "whole batch %.9g",
                             what, (long long)r, (long long)b, (long long)(first + b),
                             (long long)i, (double)x, (double)ref);
                    return 1;
                }
            }
    return 0;
}

/* Reads one probe of both networks (all their rows) and compares them. */
static int nft_wn_compare_probe(nf_network *whole, nf_network *win, const nft_wn *w, int k,
                                char *why, size_t capacity) {
    int64_t rows_whole = 0, rows_win = 0, size_whole = 0, size_win = 0;
    if (nf_probe_rows(whole, w->probes[k], &rows_whole) != NF_OK ||
        nf_probe_rows(win, w->probes[k], &rows_win) != NF_OK ||
        nf_probe_row_size(whole, w->probes[k], &size_whole) != NF_OK ||
        nf_probe_row_size(win, w->probes[k], &size_win) != NF_OK || rows_whole != rows_win ||
        size_whole / w->global != size_win / w->count) {
        snprintf(why, capacity, "probe %d: rows %lld and %lld, row sizes %lld and %lld", k,
                 (long long)rows_whole, (long long)rows_win, (long long)size_whole,
                 (long long)size_win);
        return 1;
    }
    float *a = malloc((size_t)(rows_whole * size_whole + 1) * sizeof *a);
    float *b = malloc((size_t)(rows_win * size_win + 1) * sizeof *b);
    int bad = !a || !b;
    int64_t got;
    bad = bad || nf_probe_read(whole, w->probes[k], a, (size_t)(rows_whole * size_whole),
                               &got) != NF_OK;
    bad = bad || nf_probe_read(win, w->probes[k], b, (size_t)(rows_win * size_win), &got) != NF_OK;
    char what[32];
    snprintf(what, sizeof what, "probe %d", k);
    if (bad)
        snprintf(why, capacity, "%s: reading failed", what);
    else
        bad = nft_wn_diff(a, b, w, rows_whole, size_whole / w->global, 0, what, why, capacity);
    free(a);
    free(b);
    return bad;
}

/* Gets `count` floats of both networks through get(net, id, dst) and compares them. */
static int nft_wn_compare_get(nf_network *whole, nf_network *win, const nft_wn *w, int32_t id,
                              int64_t whole_count, int64_t win_count, int shared,
                              nf_status (*get)(nf_network *, int32_t, float *), const char *what,
                              char *why, size_t capacity) {
    float *a = malloc((size_t)(whole_count + 1) * sizeof *a);
    float *b = malloc((size_t)(win_count + 1) * sizeof *b);
    int bad = !a || !b || get(whole, id, a) != NF_OK || get(win, id, b) != NF_OK;
    if (bad)
        snprintf(why, capacity, "%s: reading failed", what);
    else
        bad = nft_wn_diff(a, b, w, 1, shared ? win_count : win_count / w->count, shared, what,
                          why, capacity);
    free(a);
    free(b);
    return bad;
}

static nf_status nft_wn_get_z(nf_network *n, int32_t id, float *z) {
    return nf_readout_get_state(n, id, z);
}
static nf_status nft_wn_get_readout_w(nf_network *n, int32_t id, float *wt) {
    return nf_readout_get_weights(n, id, wt);
}
static nf_status nft_wn_get_conn_w(nf_network *n, int32_t id, float *wt) {
    return nf_connection_get_weights(n, id, wt);
}
static nf_status nft_wn_get_p(nf_network *n, int32_t id, float *p) {
    return nf_learner_get_p(n, id, p);
}

/* Compares everything but the probes: every state variable each population
 * has, readout z and weights, connection weights, the learner's P. */
static int nft_wn_compare_state(nf_network *whole, nf_network *win, const nft_wn *w, char *why,
                                size_t capacity) {
    char what[64];
    for (int i = 0; i < NFT_WN_POPS; i++) {
        int32_t n = 0;
        nf_population_size(win, w->pops[i], &n);
        for (int k = 0; k < NF_STATE_KIND_COUNT; k++) {
            float *a = malloc((size_t)w->global * n * sizeof *a);
            float *b = malloc((size_t)w->count * n * sizeof *b);
            nf_status sa = nf_population_get_state(whole, w->pops[i], (nf_state_kind)k, a);
            nf_status sb = nf_population_get_state(win, w->pops[i], (nf_state_kind)k, b);
            snprintf(what, sizeof what, "population %d state %d", i, k);
            int bad = sa != sb;
            if (bad)
                snprintf(why, capacity, "%s: statuses %d and %d", what, sa, sb);
            else if (sa == NF_OK)
                bad = nft_wn_diff(a, b, w, 1, n, 0, what, why, capacity);
            free(a);
            free(b);
            if (bad)
                return 1;
        }
    }
    if (nft_wn_compare_get(whole, win, w, w->readout, (int64_t)w->global * 2,
                           (int64_t)w->count * 2, 0, nft_wn_get_z, "readout z", why, capacity) ||
        nft_wn_compare_get(whole, win, w, w->readout_shared, (int64_t)w->global * 3,
                           (int64_t)w->count * 3, 0, nft_wn_get_z, "shared readout z", why,
                           capacity) ||
        nft_wn_compare_get(whole, win, w, w->readout, (int64_t)w->global * 2 * NFT_WN_RES,
                           (int64_t)w->count * 2 * NFT_WN_RES, 0, nft_wn_get_readout_w,
                           "learned readout weights", why, capacity))
        return 1;
    for (int c = 0; c < w->n_conns; c++) {
        int64_t cw = 0, cb = 0;
        nf_connection_weight_count(whole, w->conns[c], &cw);
        nf_connection_weight_count(win, w->conns[c], &cb);
        snprintf(what, sizeof what, "connection %d weights", c);
        if (nft_wn_compare_get(whole, win, w, w->conns[c], cw, cb, !w->conn_per_batch[c],
                               nft_wn_get_conn_w, what, why, capacity))
            return 1;
    }
    int64_t pw = 0, pb = 0;
    nf_learner_p_count(whole, w->learner, &pw);
    nf_learner_p_count(win, w->learner, &pb);
    return nft_wn_compare_get(whole, win, w, w->learner, pw, pb, 0, nft_wn_get_p, "learner P",
                              why, capacity);
}

/* Compares every probe (reading their rows) and then the state. */
static int nft_wn_compare(nf_network *whole, nf_network *win, const nft_wn *w, char *why,
                          size_t capacity) {
    for (int k = 0; k < w->n_probes; k++)
        if (nft_wn_compare_probe(whole, win, w, k, why, capacity))
            return 1;
    return nft_wn_compare_state(whole, win, w, why, capacity);
}

#endif /* NFT_WINDOW_NETWORK_H */
