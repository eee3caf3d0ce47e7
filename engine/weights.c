/*
 * Connection weights: generation from the seed and the caller-facing copies.
 * Generated weights, per copy (one copy, or one per batch element):
 *   NORMAL   w = scale N(0,1) [u < p], scale 0 meaning g / sqrt(p n_pre)
 *   UNIFORM  w = U[low, high) [u < p]
 * drawn as all values first (copies x post x pre), then, when p < 1, the mask
 * uniforms u (one mask per copy for dense; one shared mask for sparse, whose
 * structure the batch shares). Per-batch values and masks are keyed by the
 * global batch element (nf__draw_uniform_batched), shared ones drawn whole.
 * zero_mean_rows subtracts from each row's connected weights their mean.
 * Sparse generated weights keep the connected entries as CSR.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weights.h"

void nf__host_weights_free(nf_host_weights *h) {
    free(h->row_ptr);
    free(h->col);
    free(h->values);
    memset(h, 0, sizeof *h);
}

int64_t nf__connection_weight_count(const nf_connection *c) {
    switch (c->desc.kind) {
    case NF_CONNECTION_DENSE: return (int64_t)c->copies * c->n_post * c->n_pre;
    case NF_CONNECTION_SPARSE: return (int64_t)c->copies * c->nnz;
    default: return 1;
    }
}

/* Out of host memory for a buffer of `bytes` (the message names the call, NF_ENTER). */
static nf_status host_oom(nf_network *net, size_t bytes) {
    return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "out of host memory (%zu bytes)", bytes);
}

/* Draws `copies` x `per` values on the backend and brings them to host memory:
 * batched, one draw per batch element of the window (copies = its batch), keyed
 * by the global element; else one shared draw. */
static nf_status draw_to_host(nf_network *net, bool normal, bool batched, uint64_t offset,
                              float std, float lo, float hi, size_t per, size_t copies,
                              float **out) {
    const size_t count = per * copies;
    float *dev, *host = malloc(count * sizeof *host + 1);
    if (!host)
        return host_oom(net, count * sizeof *host);
    nf_status st = nf__alloc(net, count, &dev);
    if (st == NF_OK) {
        if (batched)
            st = normal ? nf__draw_normal_batched(net, offset, dev, per, std)
                        : nf__draw_uniform_batched(net, offset, dev, per, lo, hi);
        else
            st = normal ? nf__draw_normal(net, offset, dev, count, std)
                        : nf__draw_uniform(net, offset, dev, count, lo, hi);
        if (st == NF_OK)
            st = nf__download(net, host, dev, count * sizeof *host);
        nf__free(net, dev);
    }
    if (st != NF_OK) {
        free(host);
        return st;
    }
    *out = host;
    return NF_OK;
}

/* Generated dense weights [copies][post][pre]; mask_copies masks are drawn. */
static nf_status generate(nf_network *net, const nf_connection_desc *d, const nf_connection *c,
                          uint64_t offset, int32_t mask_copies, float **values, float **mask,
                          uint64_t *span) {
    const size_t per = (size_t)c->n_post * c->n_pre, count = per * c->copies;
    const bool normal = d->init == NF_WEIGHTS_NORMAL;
    const float std = d->scale > 0.0f ? d->scale : (float)(d->g / sqrt((double)d->p * c->n_pre));
    /* per batch element: the values, and a dense connection's masks (a sparse one's is shared) */
    const bool batched = d->per_batch, mask_batched = batched && d->kind == NF_CONNECTION_DENSE;
    nf_status st = draw_to_host(net, normal, batched, offset, std, d->low, d->high, per,
                                (size_t)c->copies, values);
    *span = batched ? nf__rng_span_batched(net, per) : nf__rng_span(count);
    *mask = NULL;
    if (st != NF_OK || d->p >= 1.0f)
        return st;
    st = draw_to_host(net, false, mask_batched, offset + *span, 0, 0.0f, 1.0f, per,
                      (size_t)mask_copies, mask);
    *span += mask_batched ? nf__rng_span_batched(net, per) : nf__rng_span(per * mask_copies);
    if (st != NF_OK) {
        free(*values);
        *values = NULL;
    }
    return st;
}

/* Applies the mask (u < p) and, when asked, zero-mean rows, in place. */
static void apply_mask(const nf_connection_desc *d, const nf_connection *c, float *values,
                       const float *mask, int32_t mask_copies) {
    const size_t per = (size_t)c->n_post * c->n_pre;
    for (int32_t k = 0; k < c->copies; k++) {
        float *w = values + k * per;
        const float *m = mask ? mask + (mask_copies > 1 ? k * per : 0) : NULL;
        for (int32_t i = 0; i < c->n_post; i++) {
            double sum = 0.0;
            int64_t connected = 0;
            for (int32_t j = 0; j < c->n_pre; j++) {
                size_t e = (size_t)i * c->n_pre + j;
                if (m && !(m[e] < d->p))
                    w[e] = 0.0f;
                else {
                    sum += w[e];
                    connected++;
                }
            }
            if (!d->zero_mean_rows || connected == 0)
                continue;
            const float mean = (float)(sum / connected);
            for (int32_t j = 0; j < c->n_pre; j++) {
                size_t e = (size_t)i * c->n_pre + j;
                if (!m || m[e] < d->p)
                    w[e] -= mean;
            }
        }
    }
}

/* Keeps the masked entries of dense [copies][post][pre] as CSR (shared mask). */
static nf_status compress(nf_network *net, const nf_connection *c, const float *dense,
                          const float *mask, float p, nf_host_weights *h) {
    const size_t per = (size_t)c->n_post * c->n_pre;
    int64_t nnz = 0;
    for (size_t e = 0; e < per; e++)
        nnz += !mask || mask[e] < p;
    if (nnz > INT32_MAX)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY,
                        "nf_connect: %lld synapses exceed a sparse connection's int32 index",
                        (long long)nnz);
    h->nnz = nnz;
    h->row_ptr = malloc(((size_t)c->n_post + 1) * sizeof *h->row_ptr);
    h->col = malloc((size_t)nnz * sizeof *h->col + 1);
    h->values = malloc((size_t)nnz * c->copies * sizeof *h->values + 1);
    if (!h->row_ptr || !h->col || !h->values)
        return host_oom(net, (size_t)nnz * (c->copies + 1) * 4);
    int64_t k = 0;
    h->row_ptr[0] = 0;
    for (int32_t i = 0; i < c->n_post; i++) {
        for (int32_t j = 0; j < c->n_pre; j++) {
            size_t e = (size_t)i * c->n_pre + j;
            if (mask && !(mask[e] < p))
                continue;
            h->col[k] = j;
            for (int32_t b = 0; b < c->copies; b++)
                h->values[(size_t)b * nnz + k] = dense[b * per + e];
            k++;
        }
        h->row_ptr[i + 1] = (int32_t)k;
    }
    return NF_OK;
}

nf_status nf__weights_build(nf_network *net, const nf_connection_desc *d, const nf_connection *c,
                            uint64_t offset, nf_host_weights *h, uint64_t *span) {
    *span = 0;
    memset(h, 0, sizeof *h);
    if (d->kind == NF_CONNECTION_IDENTITY)
        return NF_OK;
    const bool sparse = d->kind == NF_CONNECTION_SPARSE;
    if (d->init == NF_WEIGHTS_NORMAL || d->init == NF_WEIGHTS_UNIFORM) {
        const int32_t mask_copies = sparse ? 1 : c->copies;
        float *dense, *mask;
        nf_status st = generate(net, d, c, offset, mask_copies, &dense, &mask, span);
        if (st != NF_OK)
            return st;
        apply_mask(d, c, dense, mask, mask_copies);
        /* a scale or bounds near float's limit overflow: refuse, never store inf */
        const size_t drawn = (size_t)c->copies * c->n_post * c->n_pre;
        for (size_t i = 0; i < drawn; i++)
            if (!isfinite(dense[i])) {
                const double bad = dense[i]; /* named in the message, after the free */
                free(dense);
                free(mask);
                return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                                "nf_connect: generated weight %zu is not finite (%g): the %s "
                                "overflows float; use a smaller %s",
                                i, bad,
                                d->init == NF_WEIGHTS_NORMAL ? "scale" : "range",
                                d->init == NF_WEIGHTS_NORMAL ? "scale or g" : "low and high");
            }
        if (sparse)
            st = compress(net, c, dense, mask, d->p, h);
        free(mask);
        if (sparse) {
            free(dense);
            return st;
        }
        h->values = dense;
        return NF_OK;
    }
    /* GIVEN or ZERO: the caller's structure and values. */
    h->nnz = sparse ? d->nnz : 0;
    const size_t count = sparse ? (size_t)h->nnz * c->copies
                                : (size_t)c->copies * c->n_post * c->n_pre;
    h->values = calloc(count + 1, sizeof *h->values);
    if (sparse) {
        h->row_ptr = malloc(((size_t)c->n_post + 1) * sizeof *h->row_ptr);
        h->col = malloc((size_t)h->nnz * sizeof *h->col + 1);
    }
    if (!h->values || (sparse && (!h->row_ptr || !h->col)))
        return host_oom(net, count * sizeof(float));
    if (sparse) {
        memcpy(h->row_ptr, d->row_ptr, ((size_t)c->n_post + 1) * sizeof *h->row_ptr);
        memcpy(h->col, d->col_idx, (size_t)h->nnz * sizeof *h->col);
    }
    if (d->init == NF_WEIGHTS_GIVEN && count)
        memcpy(h->values, d->weights, count * sizeof *h->values);
    return NF_OK;
}

nf_status nf__sparse_transpose_index(nf_network *net, nf_connection *c, const nf_host_weights *h) {
    const int64_t nnz = h->nnz;
    int32_t *col_ptr = calloc((size_t)c->n_pre + 1, sizeof *col_ptr);
    int32_t *row = malloc((size_t)nnz * sizeof *row + 1);
    c->perm = malloc((size_t)nnz * sizeof *c->perm + 1);
    if (!col_ptr || !row || !c->perm) {
        free(col_ptr);
        free(row);
        return host_oom(net, (size_t)nnz * 16);
    }
    for (int64_t k = 0; k < nnz; k++)
        col_ptr[h->col[k] + 1]++;
    for (int32_t j = 0; j < c->n_pre; j++)
        col_ptr[j + 1] += col_ptr[j];
    int32_t *next = malloc(((size_t)c->n_pre + 1) * sizeof *next);
    if (!next) {
        free(col_ptr);
        free(row);
        return host_oom(net, (size_t)c->n_pre * 4);
    }
    memcpy(next, col_ptr, ((size_t)c->n_pre + 1) * sizeof *next);
    for (int32_t i = 0; i < c->n_post; i++)
        for (int32_t k = h->row_ptr[i]; k < h->row_ptr[i + 1]; k++) {
            int32_t at = next[h->col[k]]++;
            row[at] = i;
            c->perm[at] = k;
        }
    nf_status st = nf__upload(net, c->index_ptr, col_ptr, ((size_t)c->n_pre + 1) * sizeof *col_ptr);
    if (st == NF_OK)
        st = nf__upload(net, c->index, row, (size_t)nnz * sizeof *row);
    free(next);
    free(col_ptr);
    free(row);
    return st;
}

/* Reorders between the caller's order and the stored order of an event
 * connection (to_stored) or back. */
static void reorder(const nf_connection *c, const float *src, float *dst, bool to_stored) {
    if (c->desc.kind == NF_CONNECTION_SPARSE) {
        for (int32_t b = 0; b < c->copies; b++)
            for (int64_t p = 0; p < c->nnz; p++) {
                size_t stored = (size_t)b * c->nnz + p, given = (size_t)b * c->nnz + c->perm[p];
                if (to_stored)
                    dst[stored] = src[given];
                else
                    dst[given] = src[stored];
            }
        return;
    }
    const size_t per = (size_t)c->n_post * c->n_pre;
    for (int32_t b = 0; b < c->copies; b++)
        for (int32_t i = 0; i < c->n_post; i++)
            for (int32_t j = 0; j < c->n_pre; j++) {
                size_t given = b * per + (size_t)i * c->n_pre + j;
                size_t stored = b * per + (size_t)j * c->n_post + i;
                if (to_stored)
                    dst[stored] = src[given];
                else
                    dst[given] = src[stored];
            }
}

nf_status nf__weights_store(nf_network *net, nf_connection *c, const float *values) {
    const size_t count = (size_t)nf__connection_weight_count(c);
    if (!c->event)
        return nf__upload(net, c->w, values, count * sizeof(float));
    float *tmp = malloc(count * sizeof *tmp + 1);
    if (!tmp)
        return host_oom(net, count * sizeof *tmp);
    reorder(c, values, tmp, true);
    nf_status st = nf__upload(net, c->w, tmp, count * sizeof *tmp);
    free(tmp);
    return st;
}

// --- public weight access

static nf_status find_connection(nf_network *net, const char *fn, int32_t conn, const void *w,
                                 nf_connection **out) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "conn", conn, NF_OBJ_CONNECTION, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(w, "%s: w must not be NULL", fn);
    *out = &net->conns.items[o->index];
    return NF_OK;
}

/* The connection a query of fn writing to out asks about, or NULL (the
 * reason in *st and net's last error). */
static const nf_connection *queried(const nf_network *net, const char *fn, int32_t conn,
                                    const void *out, nf_status *st) {
    int32_t i;
    *st = net ? nf__query(net, fn, "conn", conn, NF_OBJ_CONNECTION, out, &i)
              : NF_ERR_INVALID_ARGUMENT;
    return *st == NF_OK ? &net->conns.items[i] : NULL;
}

nf_status nf_connection_weight_count(const nf_network *net, int32_t conn, int64_t *count) {
    NF_ENTER(net);
    nf_status st;
    const nf_connection *c = queried(net, "nf_connection_weight_count", conn, count, &st);
    if (c)
        *count = nf__connection_weight_count(c);
    return st;
}

nf_status nf_connection_per_batch(const nf_network *net, int32_t conn, int32_t *per_batch) {
    NF_ENTER(net);
    nf_status st;
    const nf_connection *c = queried(net, "nf_connection_per_batch", conn, per_batch, &st);
    if (c)
        *per_batch = c->desc.per_batch != 0;
    return st;
}

nf_status nf_connection_set_weights(nf_network *net, int32_t conn, const float *w) {
    NF_ENTER(net);
    static const char fn[] = "nf_connection_set_weights";
    nf_connection *c = NULL;
    nf_status st = net ? find_connection(net, fn, conn, w, &c) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    const size_t count = (size_t)nf__connection_weight_count(c);
    if ((st = nf__check_finite(net, fn, "w", w, count)) != NF_OK)
        return st;
    if (c->desc.kind == NF_CONNECTION_IDENTITY) {
        c->desc.scale = w[0];
        return NF_OK;
    }
    st = nf__weights_store(net, c, w);
    if (st == NF_OK && c->event)
        st = nf__event_resync(net, c);
    return st;
}

nf_status nf_connection_get_weights(nf_network *net, int32_t conn, float *w) {
    NF_ENTER(net);
    return net ? nf__connection_get_weights(net, "nf_connection_get_weights", conn, w)
               : NF_ERR_INVALID_ARGUMENT;
}

nf_status nf__connection_get_weights(nf_network *net, const char *fn, int32_t conn, float *w) {
    nf_connection *c = NULL;
    nf_status st = find_connection(net, fn, conn, w, &c);
    if (st != NF_OK)
        return st;
    if (c->desc.kind == NF_CONNECTION_IDENTITY) {
        w[0] = c->desc.scale;
        return NF_OK;
    }
    const size_t count = (size_t)nf__connection_weight_count(c);
    if (!c->event)
        return nf__download(net, w, c->w, count * sizeof(float));
    float *tmp = malloc(count * sizeof *tmp + 1);
    if (!tmp)
        return host_oom(net, count * sizeof *tmp);
    st = nf__download(net, tmp, c->w, count * sizeof *tmp);
    if (st == NF_OK)
        reorder(c, tmp, w, false);
    free(tmp);
    return st;
}
