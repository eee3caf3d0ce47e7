/*
 * Connections pre -> post: validation and construction (what each adds in a
 * step, and the signal it reads, are propagate.c). Weights are [post][pre] (dense) or CSR over [post][pre] (sparse);
 * identity adds scale * pre. From a spiking population (propagation AUTO or
 * EVENT) the weights are stored transposed, W^T [pre][post] or CSC, and the
 * pre's filter runs on the post side: each step acc = W out (only the
 * columns of neurons that spiked), then the post-side filter advances with
 * acc; the current the post population reads is that filter's output, which
 * equals W times the pre's filtered output because the filters are linear.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "weights.h"

/* Size of what a pre object provides. */
static int32_t pre_size(const nf_network *net, const nf_object *o) {
    switch (o->kind) {
    case NF_OBJ_POPULATION: return net->pops.items[o->index].desc.n;
    case NF_OBJ_INPUT: return net->inputs.items[o->index].dim;
    case NF_OBJ_READOUT: return net->readouts.items[o->index].dim;
    default: return 0;
    }
}

static nf_status check_csr(nf_network *net, const char *fn, const nf_connection_desc *d,
                           int32_t n_post, int32_t n_pre) {
    REQUIRE(d->row_ptr, "%s: row_ptr must not be NULL for a sparse connection", fn);
    REQUIRE(d->nnz >= 0, "%s: nnz must be >= 0, got %lld", fn, (long long)d->nnz);
    REQUIRE(d->nnz == 0 || d->col_idx, "%s: col_idx must not be NULL (nnz %lld)", fn,
            (long long)d->nnz);
    REQUIRE(d->row_ptr[0] == 0, "%s: row_ptr[0] must be 0, got %d", fn, d->row_ptr[0]);
    for (int32_t i = 0; i < n_post; i++) {
        REQUIRE(d->row_ptr[i + 1] >= d->row_ptr[i],
                "%s: row_ptr must not decrease, row_ptr[%d] = %d < row_ptr[%d] = %d", fn, i + 1,
                d->row_ptr[i + 1], i, d->row_ptr[i]);
        REQUIRE(d->row_ptr[i + 1] <= d->nnz, "%s: row_ptr[%d] = %d exceeds nnz %lld", fn, i + 1,
                d->row_ptr[i + 1], (long long)d->nnz);
        for (int32_t k = d->row_ptr[i]; k < d->row_ptr[i + 1]; k++) {
            REQUIRE(d->col_idx[k] >= 0 && d->col_idx[k] < n_pre,
                    "%s: col_idx[%d] = %d is outside [0, %d) (row %d)", fn, k, d->col_idx[k],
                    n_pre, i);
            REQUIRE(k == d->row_ptr[i] || d->col_idx[k] > d->col_idx[k - 1],
                    "%s: col_idx must increase within a row, row %d has %d after %d", fn, i,
                    d->col_idx[k], d->col_idx[k - 1]);
        }
    }
    REQUIRE(d->row_ptr[n_post] == d->nnz, "%s: row_ptr[%d] = %d must equal nnz %lld", fn, n_post,
            d->row_ptr[n_post], (long long)d->nnz);
    return NF_OK;
}

static nf_status check_connection(nf_network *net, const char *fn, const nf_connection_desc *d,
                                  int32_t n_pre, int32_t n_post, int copies) {
    REQUIRE(d->kind >= NF_CONNECTION_DENSE && d->kind <= NF_CONNECTION_IDENTITY,
            "%s: kind %d is not an nf_connection_kind", fn, (int)d->kind);
    REQUIRE(d->init >= NF_WEIGHTS_GIVEN && d->init <= NF_WEIGHTS_ZERO,
            "%s: init %d is not an nf_weights_init", fn, (int)d->init);
    REQUIRE(d->propagation >= NF_PROPAGATION_AUTO && d->propagation <= NF_PROPAGATION_EVENT,
            "%s: propagation %d is not an nf_propagation", fn, (int)d->propagation);
    if (d->kind == NF_CONNECTION_IDENTITY) {
        REQUIRE(n_pre == n_post, "%s: an identity connection needs n_pre == n_post, got %d and %d",
                fn, n_pre, n_post);
        REQUIRE(!d->per_batch, "%s: an identity connection is shared by the batch (per_batch 0)",
                fn);
        REQUIRE(isfinite(d->scale), "%s: scale must be finite, got %g", fn, (double)d->scale);
        return NF_OK;
    }
    if (d->init == NF_WEIGHTS_NORMAL) {
        REQUIRE(isfinite(d->g), "%s: g must be finite, got %g", fn, (double)d->g);
        REQUIRE(isfinite(d->scale) && d->scale >= 0.0f, "%s: scale must be >= 0, got %g", fn,
                (double)d->scale);
    }
    if (d->init == NF_WEIGHTS_UNIFORM)
        REQUIRE(isfinite(d->low) && isfinite(d->high) && d->low <= d->high,
                "%s: low and high must be finite with low <= high, got [%g, %g]", fn,
                (double)d->low, (double)d->high);
    if (d->init == NF_WEIGHTS_NORMAL || d->init == NF_WEIGHTS_UNIFORM)
        REQUIRE(d->p > 0.0f && d->p <= 1.0f, "%s: p must be in (0, 1], got %g", fn,
                (double)d->p);
    if (d->kind == NF_CONNECTION_SPARSE && d->init != NF_WEIGHTS_NORMAL &&
        d->init != NF_WEIGHTS_UNIFORM) {
        nf_status st = check_csr(net, fn, d, n_post, n_pre);
        if (st != NF_OK)
            return st;
    }
    if (d->init == NF_WEIGHTS_GIVEN) {
        int64_t count = (int64_t)copies *
                        (d->kind == NF_CONNECTION_DENSE ? (int64_t)n_post * n_pre : d->nnz);
        REQUIRE(d->weights || count == 0, "%s: weights must not be NULL (init GIVEN)", fn);
        return nf__check_finite(net, fn, "weights", d->weights, (size_t)count);
    }
    return NF_OK;
}

void nf__connection_free(nf_network *net, nf_connection *c) {
    void *bufs[] = {c->w, c->index_ptr, c->index, c->acc, c->pf0, c->pf1, c->spikes};
    for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
        nf__free(net, bufs[k]);
    free(c->perm);
    c->w = c->acc = c->pf0 = c->pf1 = NULL;
    c->index_ptr = c->index = c->spikes = NULL;
    c->perm = NULL;
}

/* Allocates the connection's backend storage and uploads the host weights. */
static nf_status build_storage(nf_network *net, nf_connection *c, const nf_host_weights *h) {
    const size_t batch_post = (size_t)net->desc.batch * c->n_post;
    nf_status st = NF_OK;
    if (c->desc.kind == NF_CONNECTION_SPARSE) {
        c->nnz = h->nnz;
        const int32_t ptr_len = (c->event ? c->n_pre : c->n_post) + 1;
        st = nf__alloc_bytes(net, (size_t)ptr_len * sizeof(int32_t), (void **)&c->index_ptr);
        if (st == NF_OK)
            st = nf__alloc_bytes(net, (size_t)c->nnz * sizeof(int32_t), (void **)&c->index);
        if (st == NF_OK && c->event)
            st = nf__sparse_transpose_index(net, c, h);
        else if (st == NF_OK) {
            st = nf__upload(net, c->index_ptr, h->row_ptr, (size_t)ptr_len * sizeof(int32_t));
            if (st == NF_OK)
                st = nf__upload(net, c->index, h->col, (size_t)c->nnz * sizeof(int32_t));
        }
    }
    if (st == NF_OK && c->desc.kind != NF_CONNECTION_IDENTITY)
        st = nf__alloc(net, (size_t)nf__connection_weight_count(c), &c->w);
    if (st == NF_OK && c->desc.kind != NF_CONNECTION_IDENTITY)
        st = nf__weights_store(net, c, h->values);
    if (st == NF_OK && c->event) {
        const nf_population *pre = &net->pops.items[net->objects.items[c->pre].index];
        const int fvars = nf__filter_vars(pre->desc.filter.kind);
        st = nf__alloc(net, batch_post, &c->acc);
        if (st == NF_OK)
            st = nf__alloc_bytes(net, (size_t)net->desc.batch * (c->n_pre + 1) * sizeof(int32_t),
                                 (void **)&c->spikes);
        if (st == NF_OK && fvars >= 1)
            st = nf__alloc(net, batch_post, &c->pf0);
        if (st == NF_OK && fvars >= 2)
            st = nf__alloc(net, batch_post, &c->pf1);
        if (st == NF_OK)
            st = nf__event_resync(net, c);
    }
    return st;
}

nf_connection_desc nf_connection_defaults(void) {
    nf_connection_desc d = {0};
    d.kind = NF_CONNECTION_DENSE;
    d.init = NF_WEIGHTS_GIVEN;
    d.g = 1.0f;
    d.p = 1.0f;
    d.scale = 1.0f;
    d.propagation = NF_PROPAGATION_AUTO;
    return d;
}

nf_status nf_connect(nf_network *net, int32_t pre, int32_t post, const nf_connection_desc *d,
                     int32_t *id) {
    NF_ENTER(net);
    static const char fn[] = "nf_connect";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_object *opre, *opost;
    nf_status st = nf__lookup(net, fn, "pre", pre, 0, &opre);
    if (st == NF_OK)
        st = nf__lookup(net, fn, "post", post, NF_OBJ_POPULATION, &opost);
    if (st != NF_OK)
        return st;
    const int32_t post_index = opost->index;
    REQUIRE(opre->kind == NF_OBJ_POPULATION || opre->kind == NF_OBJ_INPUT ||
                opre->kind == NF_OBJ_READOUT,
            "%s: pre %d must be a population, an input or a readout", fn, pre);
    REQUIRE(d, "%s: desc must not be NULL", fn);
    REQUIRE(id, "%s: id must not be NULL", fn);
    nf_connection c = {.desc = *d, .pre = pre, .post = post};
    c.desc.weights = NULL;
    c.desc.row_ptr = c.desc.col_idx = NULL;
    c.n_pre = pre_size(net, opre);
    c.n_post = net->pops.items[opost->index].desc.n;
    c.copies = d->per_batch ? net->desc.batch : 1;
    /* What is stored, by kind: identity one weight; given sparse nnz per
     * copy; dense, and generated sparse (drawn dense, then kept), the matrix. */
    size_t stored;
    if (d->kind == NF_CONNECTION_IDENTITY)
        st = nf__count3(net, fn, "identity weights", 1, 1, 1, sizeof(float), &stored);
    else if (d->kind == NF_CONNECTION_SPARSE && d->init == NF_WEIGHTS_GIVEN)
        st = nf__count3(net, fn, "sparse weights", c.copies, d->nnz > 0 ? d->nnz : 0, 1,
                        sizeof(float), &stored);
    else
        st = nf__count3(net, fn, "weights", c.copies, c.n_post, c.n_pre, sizeof(float), &stored);
    if (st == NF_OK)
        st = nf__count3(net, fn, "post-side state", net->desc.batch, c.n_post, 1, sizeof(float),
                        &stored);
    if (st != NF_OK || (st = check_connection(net, fn, d, c.n_pre, c.n_post, c.copies)) != NF_OK)
        return st;

    const bool pre_spikes = opre->kind == NF_OBJ_POPULATION &&
                            nf__population_spikes(&net->pops.items[opre->index]);
    if (d->propagation == NF_PROPAGATION_EVENT) {
        REQUIRE(pre_spikes, "%s: propagation EVENT needs a spiking pre population; pre %d is "
                "not one", fn, pre);
        REQUIRE(d->kind != NF_CONNECTION_IDENTITY,
                "%s: propagation EVENT is for dense or sparse connections, not identity", fn);
    }
    c.event = d->kind != NF_CONNECTION_IDENTITY && pre_spikes &&
              d->propagation != NF_PROPAGATION_DENSE;
    if ((st = NF_RESERVE_OBJECT(net, net->conns)) != NF_OK)
        return st;

    nf_host_weights h = {0};
    uint64_t span = 0;
    st = nf__weights_build(net, d, &c, net->rng_next, &h, &span);
    if (st == NF_OK)
        st = build_storage(net, &c, &h);
    nf__host_weights_free(&h);
    if (st != NF_OK) {
        nf__connection_free(net, &c);
        return st;
    }
    net->rng_next += span;
    nf_population *to = &net->pops.items[post_index];
    if (to->feeds++ == 0)
        to->feed = net->conns.count;
    net->conns.items[net->conns.count] = c;
    *id = nf__object_push(net, NF_OBJ_CONNECTION, net->conns.count++);
    return NF_OK;
}
