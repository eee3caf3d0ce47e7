/*
 * The engine's base layer, used by every object's file: failure messages,
 * validation helpers, the id table (lookup, growth) and thin wrappers over
 * the backend's memory (allocate, free, copy in and out, fill). It calls
 * nothing above it: no object file and no backend code but the table.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

// --- errors and validation

void nf__vmessage(char *dst, size_t cap, const char *fn, const char *fmt, va_list ap) {
    if (!cap)
        return;
    char msg[NF_MESSAGE_MAX]; /* the arguments may point into dst */
    vsnprintf(msg, sizeof msg, fmt, ap);
    const size_t len = fn ? strlen(fn) : 0;
    if (!fn || (!strncmp(msg, fn, len) && msg[len] == ':'))
        snprintf(dst, cap, "%s", msg);
    else
        snprintf(dst, cap, "%s: %s", fn, msg);
}

const char *nf__message_detail(const char *msg, const char *fn) {
    const size_t len = fn ? strlen(fn) : 0;
    if (len && !strncmp(msg, fn, len) && msg[len] == ':')
        return msg + len + (msg[len + 1] == ' ' ? 2 : 1);
    return msg;
}

nf_status nf__fail(nf_network *net, nf_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    nf__vmessage(net->error, sizeof net->error, net->api, fmt, ap);
    va_end(ap);
    return st;
}

nf_status nf__backend_fail(nf_network *net, nf_status st, const char *where) {
    if (st == NF_ERR_OUT_OF_MEMORY)
        return nf__fail(net, st, "out of %s memory (%s)", net->be->name, where);
    return nf__fail(net, st, "backend %s failed (%s): %s", net->be->name, where,
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

nf_status nf__count3(nf_network *net, const char *fn, const char *what, int64_t a, int64_t b,
                     int64_t c, size_t elem, size_t *out) {
    size_t ab, abc, bytes;
    if (a < 0 || b < 0 || c < 0 || nf__mul_size((size_t)a, (size_t)b, &ab) ||
        nf__mul_size(ab, (size_t)c, &abc) || nf__mul_size(abc, elem, &bytes) ||
        bytes > (size_t)PTRDIFF_MAX)
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                        "%s: %s of %lld x %lld x %lld values is more than memory can address",
                        fn, what, (long long)a, (long long)b, (long long)c);
    *out = abc;
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

nf_status nf__query(const nf_network *net, const char *fn, const char *arg, int32_t id,
                    nf_object_kind kind, const void *out, int32_t *index) {
    /* a query changes nothing but the last-error message */
    nf_network *mnet = (nf_network *)net;
    nf_object *o = NULL;
    nf_status st = nf__lookup(mnet, fn, arg, id, kind, &o);
    if (st == NF_OK && !out)
        st = nf__fail(mnet, NF_ERR_INVALID_ARGUMENT, "%s: the result pointer must not be NULL",
                      fn);
    if (st == NF_OK)
        *index = o->index;
    return st;
}

nf_status nf__reserve(nf_network *net, void **items, int32_t *capacity, int32_t count,
                      size_t item_size) {
    if (count < *capacity)
        return NF_OK;
    int32_t cap = *capacity ? *capacity * 2 : 8;
    void *grown = realloc(*items, (size_t)cap * item_size);
    if (!grown)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "out of host memory (growing a table to %d "
                        "items)", cap);
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
    net->structure++;
    return id;
}

// --- backend memory

nf_status nf__alloc_bytes(nf_network *net, size_t bytes, void **out) {
    *out = NULL;
    nf_status st = net->be->alloc(net->ctx, bytes, out);
    if (st != NF_OK) {
        *out = NULL;
        char what[64];
        snprintf(what, sizeof what, "allocating %zu bytes", bytes);
        return nf__backend_fail(net, st, what);
    }
    return NF_OK;
}

nf_status nf__alloc(nf_network *net, size_t count, float **out) {
    if (count > SIZE_MAX / sizeof(float)) {
        *out = NULL;
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%zu floats are more than memory can address",
                        count);
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
