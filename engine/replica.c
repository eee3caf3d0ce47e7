/*
 * Replicas: the digests of what a network's batch shares, object by object
 * (nf_network_object_digest: parameters read through the checkpoint's field
 * tables, and the shared arrays as they are now), by which processes holding
 * windows of one batch compare their networks; and the run check
 * nf_network_run calls before a run when the structure changed since the
 * check last passed (nf_network_set_run_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "internal.h"

#define FNV_OFFSET 0xcbf29ce484222325u
#define FNV_PRIME  0x100000001b3u

/* FNV-1a over bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *data, size_t bytes) {
    const unsigned char *b = data;
    for (size_t i = 0; i < bytes; i++)
        h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

/* The fields of `table` in `object`, arrays left out (their values are parts). */
static uint64_t fields(uint64_t h, const nf_ckpt_table *table, const void *object) {
    for (int32_t i = 0; i < table->count; i++) {
        const nf_ckpt_field *f = &table->fields[i];
        if (f->type != NF_CKPT_ARRAY)
            h = fnv(h, (const char *)object + f->offset, f->size);
    }
    return h;
}

/* Adds a part named `name` hashing bytes of backend memory (host: already here). */
static nf_status part(nf_network *net, nf_object_digest *d, const char *name, const void *src,
                      size_t bytes, bool host) {
    void *copy = host ? NULL : malloc(bytes + 1);
    if (!host && !copy)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_object_digest: out of host "
                                                   "memory (%zu bytes)", bytes);
    nf_status st = host ? NF_OK : nf__download(net, copy, src, bytes);
    if (st == NF_OK) {
        const int32_t k = d->parts++;
        snprintf(d->part[k], sizeof d->part[k], "%s", name);
        d->hash[k] = fnv(fnv(FNV_OFFSET, host ? src : copy, bytes), &bytes, sizeof bytes);
    }
    free(copy);
    return st;
}

static nf_status connection_parts(nf_network *net, int32_t id, const nf_connection *c,
                                  nf_object_digest *d) {
    nf_status st = NF_OK;
    if (!c->desc.per_batch) {
        const size_t count = (size_t)nf__connection_weight_count(c);
        float *w = malloc(count * sizeof *w + 1);
        if (!w)
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_object_digest: out of host "
                                                       "memory (%zu floats)", count);
        st = nf__connection_get_weights(net, "nf_network_object_digest", id, w);
        if (st == NF_OK)
            st = part(net, d, "weights", w, count * sizeof *w, true);
        free(w);
    }
    if (st == NF_OK && c->desc.kind == NF_CONNECTION_SPARSE) {
        const size_t ptrs = (size_t)(c->event ? c->n_pre : c->n_post) + 1;
        int32_t *idx = malloc((ptrs + (size_t)c->nnz) * sizeof *idx);
        if (!idx)
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_object_digest: out of host "
                                                       "memory (%zu indices)", ptrs + c->nnz);
        st = nf__download(net, idx, c->index_ptr, ptrs * sizeof *idx);
        if (st == NF_OK && c->nnz > 0)
            st = nf__download(net, idx + ptrs, c->index, (size_t)c->nnz * sizeof *idx);
        if (st == NF_OK)
            st = part(net, d, "structure", idx, (ptrs + (size_t)c->nnz) * sizeof *idx, true);
        free(idx);
    }
    return st;
}

static nf_status learner_parts(nf_network *net, const nf_learner *l, nf_object_digest *d) {
    nf_status st = NF_OK;
    if (l->row_scale)
        st = part(net, d, "row scale", l->row_scale,
                  (size_t)l->rows * l->dim * sizeof(float), false);
    if (st != NF_OK || l->desc.kind != NF_LEARNER_MASKED || !l->h_row_ptr)
        return st;
    const size_t ptrs = (size_t)l->rows + 1;
    int32_t *idx = malloc((ptrs + (size_t)l->nnz) * sizeof *idx);
    if (!idx)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_object_digest: out of host "
                                                   "memory (%zu indices)", ptrs + l->nnz);
    memcpy(idx, l->h_row_ptr, ptrs * sizeof *idx);
    if (l->nnz > 0)
        st = nf__download(net, idx + ptrs, l->col, (size_t)l->nnz * sizeof *idx);
    if (st == NF_OK)
        st = part(net, d, "mask", idx, (ptrs + (size_t)l->nnz) * sizeof *idx, true);
    free(idx);
    return st;
}

/* Object `id`'s parameters hash and its parts. */
static nf_status object_digest(nf_network *net, int32_t id, nf_object_digest *d) {
    static const char *const kinds[] = {"network", "population", "input", "connection",
                                        "readout", "probe", "learner"};
    const nf_object *o = id < 0 ? NULL : &net->objects.items[id];
    snprintf(d->kind, sizeof d->kind, "%s", kinds[o ? o->kind : 0]);
    snprintf(d->part[0], sizeof d->part[0], "parameters");
    d->parts = 1;
    uint64_t h = FNV_OFFSET;
    if (!o) {
        const int32_t whole[3] = {(int32_t)net->mode, net->batch_global, (int32_t)net->backend};
        h = fnv(fnv(fnv(h, &net->dt, sizeof net->dt), &net->desc.seed, sizeof net->desc.seed),
                whole, sizeof whole);
        d->hash[0] = h;
        return NF_OK;
    }
    switch (o->kind) {
    case NF_OBJ_POPULATION: {
        const nf_population *p = &net->pops.items[o->index];
        d->hash[0] = fields(h, &nf__ckpt_population_desc, &p->desc);
        const size_t bytes = (size_t)p->desc.n * sizeof(float);
        nf_status st = part(net, d, "gains", p->gain, bytes, false);
        return st == NF_OK ? part(net, d, "biases", p->bias, bytes, false) : st;
    }
    case NF_OBJ_INPUT:
        d->hash[0] = fnv(h, &net->inputs.items[o->index].dim, sizeof(int32_t));
        return NF_OK;
    case NF_OBJ_CONNECTION: {
        const nf_connection *c = &net->conns.items[o->index];
        d->hash[0] = fields(fields(h, &nf__ckpt_connection_desc, &c->desc),
                            &nf__ckpt_connection_run, c);
        return connection_parts(net, id, c, d);
    }
    case NF_OBJ_READOUT: {
        const nf_readout *r = &net->readouts.items[o->index];
        const int32_t v[3] = {r->pop, r->dim, r->per_batch};
        d->hash[0] = fnv(fnv(h, v, sizeof v), &r->z_init_scale, sizeof r->z_init_scale);
        return r->per_batch ? NF_OK
                            : part(net, d, "weights", r->w,
                                   (size_t)r->dim * r->n * sizeof(float), false);
    }
    case NF_OBJ_LEARNER: {
        const nf_learner *l = &net->learners.items[o->index];
        h = fields(fields(h, &nf__ckpt_learner_desc, &l->desc), &nf__ckpt_learner_run, l);
        d->hash[0] = fnv(h, l->desired, (size_t)l->desc.n_desired * sizeof *l->desired);
        return learner_parts(net, l, d);
    }
    case NF_OBJ_PROBE: {
        const nf_probe *p = &net->probes.items[o->index];
        const int32_t v[4] = {p->target, (int32_t)p->what, (int32_t)p->state, p->every};
        d->hash[0] = fnv(h, v, sizeof v);
        return NF_OK;
    }
    }
    return NF_OK;
}

int32_t nf_network_object_count(const nf_network *net) { return net ? net->objects.count : 0; }

nf_status nf_network_object_digest(nf_network *net, int32_t id, nf_object_digest *out) {
    NF_ENTER(net);
    static const char fn[] = "nf_network_object_digest";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(out, "%s: out must not be NULL", fn);
    REQUIRE(id >= -1 && id < net->objects.count,
            "%s: id %d is neither -1 (the network) nor an object (0 .. %d)", fn, id,
            net->objects.count - 1);
    nf_object_digest d;
    memset(&d, 0, sizeof d);
    nf_status st = object_digest(net, id, &d);
    if (st == NF_OK)
        *out = d;
    return st;
}

// --- the run check

void nf__run_check_release(nf_network *net) {
    if (net->run_check_release)
        net->run_check_release(net->run_check_context);
    net->run_check = NULL;
    net->run_check_context = NULL;
    net->run_check_release = NULL;
}

nf_status nf_network_set_run_check(nf_network *net, nf_run_check check, void *context,
                                   void (*release)(void *context)) {
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    if (net->run_checking)
        return nf__fail(net, NF_ERR_STATE, "nf_network_set_run_check: called from the run check");
    nf__run_check_release(net);
    net->run_check = check;
    net->run_check_context = check ? context : NULL;
    net->run_check_release = check ? release : NULL;
    net->checked = -1;
    return NF_OK;
}

nf_status nf__run_check(nf_network *net, const char *fn) {
    if (net->run_checking)
        return nf__fail(net, NF_ERR_STATE, "%s: called from the run check", fn);
    if (!net->run_check || net->checked == net->structure)
        return NF_OK;
    char why[NF_MESSAGE_MAX] = "";
    net->run_checking = true;
    const nf_status st = net->run_check(net, net->run_check_context, why, sizeof why);
    net->run_checking = false;
    net->api = fn; /* the check may have called other functions */
    if (st != NF_OK)
        return nf__fail(net, st, "%s: %s", fn, why[0] ? why : nf_status_string(st));
    net->checked = net->structure;
    return NF_OK;
}
