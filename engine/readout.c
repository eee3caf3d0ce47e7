/*
 * Readouts z = W_out s from a population's filtered output s: W_out is
 * [dim][n], shared by the batch or one per element; z is [batch][dim] and
 * starts at 0 or N(0, z_init_scale^2) from the seed. A connection from a
 * readout to a population feeds z back (U z) on the next step.
 */
#include <float.h>
#include <math.h>

#include "internal.h"

nf_status nf_readout_add(nf_network *net, int32_t pop, int32_t dim, const nf_readout_desc *d,
                         int32_t *id) {
    NF_ENTER(net);
    static const char fn[] = "nf_readout_add";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "pop", pop, NF_OBJ_POPULATION, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(dim >= 1, "%s: dim must be >= 1, got %d", fn, dim);
    REQUIRE(id, "%s: id must not be NULL", fn);
    nf_readout_desc none = {0};
    if (!d)
        d = &none;
    /* normal draws reach about 6.7 standard deviations: z stays finite */
    REQUIRE(isfinite(d->z_init_scale) && d->z_init_scale >= 0.0f &&
                d->z_init_scale <= FLT_MAX / 8.0f,
            "%s: z_init_scale must be in [0, %g], got %g", fn, (double)(FLT_MAX / 8.0f),
            (double)d->z_init_scale);
    nf_readout r = {.pop = pop, .dim = dim, .n = net->pops.items[o->index].desc.n,
                    .copies = d->per_batch ? net->desc.batch : 1,
                    .per_batch = d->per_batch != 0, .z_init_scale = d->z_init_scale};
    const size_t wcount = (size_t)r.copies * dim * r.n;
    const size_t zcount = (size_t)net->desc.batch * dim;
    if (d->weights && (st = nf__check_finite(net, fn, "weights", d->weights, wcount)) != NF_OK)
        return st;
    if ((st = NF_RESERVE_OBJECT(net, net->readouts)) != NF_OK)
        return st;
    r.rng_offset = net->rng_next;
    st = nf__alloc(net, wcount, &r.w);
    if (st == NF_OK)
        st = nf__alloc(net, zcount, &r.z);
    if (st == NF_OK && d->weights)
        st = nf__upload(net, r.w, d->weights, wcount * sizeof(float));
    if (st == NF_OK && r.z_init_scale > 0.0f)
        st = nf__draw_normal_batched(net, r.rng_offset, r.z, (size_t)dim, r.z_init_scale);
    if (st != NF_OK) {
        nf__free(net, r.w);
        nf__free(net, r.z);
        return st;
    }
    if (r.z_init_scale > 0.0f)
        net->rng_next += nf__rng_span_batched(net, (size_t)dim);
    net->readouts.items[net->readouts.count] = r;
    *id = nf__object_push(net, NF_OBJ_READOUT, net->readouts.count++);
    return NF_OK;
}

/* Resolves a readout id; every readout call starts here. */
static nf_status find_readout(nf_network *net, const char *fn, int32_t readout, const void *p,
                              nf_readout **out) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "readout", readout, NF_OBJ_READOUT, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(p, "%s: the value array must not be NULL", fn);
    *out = &net->readouts.items[o->index];
    return NF_OK;
}

nf_status nf_readout_set_weights(nf_network *net, int32_t readout, const float *w) {
    NF_ENTER(net);
    static const char fn[] = "nf_readout_set_weights";
    nf_readout *r = NULL;
    nf_status st = net ? find_readout(net, fn, readout, w, &r) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    const size_t count = (size_t)r->copies * r->dim * r->n;
    if ((st = nf__check_finite(net, fn, "w", w, count)) != NF_OK)
        return st;
    return nf__upload(net, r->w, w, count * sizeof(float));
}

nf_status nf_readout_weight_count(const nf_network *net, int32_t readout, int64_t *count,
                                  int32_t *per_batch) {
    NF_ENTER(net);
    int32_t i;
    nf_status st = net ? nf__query(net, "nf_readout_weight_count", "readout", readout,
                                   NF_OBJ_READOUT, count, &i)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    const nf_readout *r = &net->readouts.items[i];
    *count = (int64_t)r->copies * r->dim * r->n;
    if (per_batch)
        *per_batch = r->per_batch;
    return NF_OK;
}

nf_status nf_readout_get_weights(nf_network *net, int32_t readout, float *w) {
    NF_ENTER(net);
    nf_readout *r = NULL;
    nf_status st = net ? find_readout(net, "nf_readout_get_weights", readout, w, &r)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    return nf__download(net, w, r->w, (size_t)r->copies * r->dim * r->n * sizeof(float));
}

nf_status nf_readout_set_state(nf_network *net, int32_t readout, const float *z) {
    NF_ENTER(net);
    static const char fn[] = "nf_readout_set_state";
    nf_readout *r = NULL;
    nf_status st = net ? find_readout(net, fn, readout, z, &r) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    const size_t count = (size_t)net->desc.batch * r->dim;
    if ((st = nf__check_finite(net, fn, "z", z, count)) != NF_OK)
        return st;
    return nf__upload(net, r->z, z, count * sizeof(float));
}

nf_status nf_readout_get_state(nf_network *net, int32_t readout, float *z) {
    NF_ENTER(net);
    nf_readout *r = NULL;
    nf_status st = net ? find_readout(net, "nf_readout_get_state", readout, z, &r)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    return nf__download(net, z, r->z, (size_t)net->desc.batch * r->dim * sizeof(float));
}
