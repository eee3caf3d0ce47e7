/*
 * The network object: creation (resolving the backend), destruction, the
 * last-error message, the id table, and thin wrappers over backend memory.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

nf_network_desc nf_network_defaults(void) {
    nf_network_desc d = {.dt = 0.001, .batch = 1, .seed = 0, .backend = NF_BACKEND_AUTO,
                         .device = 0};
    return d;
}

static void write_message(char *message, size_t capacity, const char *text) {
    if (message && capacity > 0)
        snprintf(message, capacity, "%s", text);
}

nf_status nf_network_create_ex(const nf_network_desc *d, nf_network **out, char *message,
                               size_t capacity) {
    char why[256] = "";
    nf_status st = NF_ERR_INVALID_ARGUMENT;
    if (out)
        *out = NULL;
    if (!out)
        snprintf(why, sizeof why, "nf_network_create: out must not be NULL");
    else if (!d)
        snprintf(why, sizeof why, "nf_network_create: desc must not be NULL");
    else if (!(d->dt > 0.0) || !isfinite(d->dt))
        snprintf(why, sizeof why, "nf_network_create: dt must be finite and > 0, got %g", d->dt);
    else if (d->batch < 1)
        snprintf(why, sizeof why, "nf_network_create: batch must be >= 1, got %d", d->batch);
    else if (d->backend != NF_BACKEND_AUTO && d->backend != NF_BACKEND_CPU &&
             d->backend != NF_BACKEND_CUDA)
        snprintf(why, sizeof why, "nf_network_create: backend %d is not an nf_backend",
                 (int)d->backend);
    else if (d->device < 0)
        snprintf(why, sizeof why, "nf_network_create: device must be >= 0, got %d", d->device);
    else
        st = NF_OK;
    if (st != NF_OK) {
        write_message(message, capacity, why);
        return st;
    }

    nf_backend chosen;
    const nf_backend_i *be;
    st = nf__backend_select("nf_network_create", d->backend, d->device, &chosen, &be, why,
                            sizeof why);
    if (st != NF_OK) {
        write_message(message, capacity, why);
        return st;
    }

    nf_network *net = calloc(1, sizeof *net);
    if (!net) {
        write_message(message, capacity, "nf_network_create: out of memory");
        return NF_ERR_OUT_OF_MEMORY;
    }
    st = be->init(d->device, &net->ctx);
    if (st != NF_OK) {
        snprintf(why, sizeof why, "nf_network_create: backend %s failed to start (%s)",
                 be->name, nf_status_string(st));
        write_message(message, capacity, why);
        free(net);
        return st;
    }
    net->desc = *d;
    net->dt = d->dt;
    net->mode = NF_MODE_SPIKING;
    net->backend = chosen;
    net->be = be;
    net->guard.built_for = -1;
    *out = net;
    write_message(message, capacity, "");
    return NF_OK;
}

nf_status nf_network_create(const nf_network_desc *d, nf_network **out) {
    return nf_network_create_ex(d, out, NULL, 0);
}

void nf_network_destroy(nf_network *net) {
    if (!net)
        return;
    for (int32_t i = 0; i < net->pops.count; i++)
        nf__population_free(net, &net->pops.items[i]);
    for (int32_t i = 0; i < net->inputs.count; i++) {
        nf__free(net, net->inputs.items[i].values);
        nf__free(net, net->inputs.items[i].stage);
    }
    for (int32_t i = 0; i < net->conns.count; i++)
        nf__connection_free(net, &net->conns.items[i]);
    for (int32_t i = 0; i < net->readouts.count; i++) {
        nf__free(net, net->readouts.items[i].w);
        nf__free(net, net->readouts.items[i].z);
    }
    for (int32_t i = 0; i < net->probes.count; i++)
        nf__free(net, net->probes.items[i].buf);
    for (int32_t i = 0; i < net->learners.count; i++)
        nf__learner_free(net, &net->learners.items[i]);
    nf__guard_free(net);
    free(net->energy_devices);
    free(net->objects.items);
    free(net->pops.items);
    free(net->inputs.items);
    free(net->conns.items);
    free(net->readouts.items);
    free(net->probes.items);
    free(net->learners.items);
    net->be->shutdown(net->ctx);
    free(net);
}

const char *nf_network_last_error(const nf_network *net) {
    return net ? net->error : "nf_network_last_error: net is NULL";
}

nf_backend nf_network_backend(const nf_network *net) {
    return net ? net->backend : NF_BACKEND_AUTO;
}

int32_t nf_network_batch(const nf_network *net) { return net ? net->desc.batch : 0; }

double nf_network_dt(const nf_network *net) { return net ? net->dt : 0.0; }

int64_t nf_network_step_count(const nf_network *net) { return net ? net->step : 0; }

// --- errors and validation

nf_status nf__fail(nf_network *net, nf_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(net->error, sizeof net->error, fmt, ap);
    va_end(ap);
    return st;
}

nf_status nf__backend_fail(nf_network *net, nf_status st, const char *where) {
    if (st == NF_ERR_OUT_OF_MEMORY)
        return nf__fail(net, st, "%s: out of %s memory", where, net->be->name);
    return nf__fail(net, st, "%s: backend %s: %s", where, net->be->name,
                    net->be->last_error(net->ctx));
}

nf_status nf__check_finite(nf_network *net, const char *fn, const char *what, const float *v,
                           size_t count) {
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]))
            return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                            "%s: %s[%zu] must be finite, got %g", fn, what, i, (double)v[i]);
    return NF_OK;
}

static const char *object_kind_name(nf_object_kind kind) {
    switch (kind) {
    case NF_OBJ_POPULATION: return "a population";
    case NF_OBJ_INPUT: return "an input";
    case NF_OBJ_CONNECTION: return "a connection";
    case NF_OBJ_READOUT: return "a readout";
    case NF_OBJ_PROBE: return "a probe";
    case NF_OBJ_LEARNER: return "a learner";
    }
    return "an object";
}

nf_status nf__lookup(nf_network *net, const char *fn, const char *arg, int32_t id,
                     nf_object_kind kind, nf_object **out) {
    if (id < 0 || id >= net->objects.count)
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                        "%s: %s %d does not exist (ids are 0..%d)", fn, arg, id,
                        net->objects.count - 1);
    nf_object *o = &net->objects.items[id];
    if (kind && o->kind != kind)
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT, "%s: %s %d is %s, expected %s", fn, arg,
                        id, object_kind_name(o->kind), object_kind_name(kind));
    *out = o;
    return NF_OK;
}

nf_status nf__reserve(nf_network *net, void **items, int32_t *capacity, int32_t count,
                      size_t item_size) {
    if (count < *capacity)
        return NF_OK;
    int32_t cap = *capacity ? *capacity * 2 : 8;
    void *grown = realloc(*items, (size_t)cap * item_size);
    if (!grown)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "out of host memory growing a table");
    *items = grown;
    *capacity = cap;
    return NF_OK;
}

nf_status nf__reserve_object(nf_network *net, void **items, int32_t *capacity, int32_t count,
                             size_t item_size) {
    nf_status st = NF_RESERVE(net, net->objects);
    if (st != NF_OK)
        return st;
    return nf__reserve(net, items, capacity, count, item_size);
}

int32_t nf__object_push(nf_network *net, nf_object_kind kind, int32_t index) {
    int32_t id = net->objects.count++;
    net->objects.items[id] = (nf_object){.kind = kind, .index = index};
    return id;
}

// --- backend memory

nf_status nf__alloc_bytes(nf_network *net, size_t bytes, void **out) {
    *out = NULL;
    nf_status st = net->be->alloc(net->ctx, bytes, out);
    if (st != NF_OK) {
        *out = NULL;
        return nf__backend_fail(net, st, "allocating");
    }
    return NF_OK;
}

nf_status nf__alloc(nf_network *net, size_t count, float **out) {
    if (count > SIZE_MAX / sizeof(float)) {
        *out = NULL;
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "allocating: %zu floats is too many", count);
    }
    return nf__alloc_bytes(net, count * sizeof(float), (void **)out);
}

void nf__free(nf_network *net, void *p) {
    if (p)
        net->be->free(net->ctx, p);
}

nf_status nf__upload(nf_network *net, void *dst, const void *src, size_t bytes) {
    nf_status st = net->be->upload(net->ctx, dst, src, bytes);
    return st == NF_OK ? st : nf__backend_fail(net, st, "copying to the backend");
}

nf_status nf__download(nf_network *net, void *dst, const void *src, size_t bytes) {
    nf_status st = net->be->download(net->ctx, dst, src, bytes);
    return st == NF_OK ? st : nf__backend_fail(net, st, "copying from the backend");
}

nf_status nf__fill(nf_network *net, float *dst, float value, size_t count) {
    nf_status st = net->be->fill(net->ctx, dst, value, count);
    return st == NF_OK ? st : nf__backend_fail(net, st, "filling a buffer");
}
