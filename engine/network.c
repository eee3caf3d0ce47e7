/*
 * The network object: creation (resolving the backend), destruction (the
 * owner that frees every object) and its read-only properties. The base
 * layer every engine file uses (messages, lookup, backend memory) is core.c.
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

/* Creates the window [first, first + count) of a network of d->batch elements
 * (the whole batch for nf_network_create). */
static nf_status create(const char *fn, const nf_network_desc *d, int32_t first, int32_t count,
                        bool window, nf_network **out, char *message, size_t capacity) {
    char why[256] = "";
    nf_status st = NF_ERR_INVALID_ARGUMENT;
    if (out)
        *out = NULL;
    if (!out)
        snprintf(why, sizeof why, "%s: out must not be NULL", fn);
    else if (!d)
        snprintf(why, sizeof why, "%s: desc must not be NULL", fn);
    else if (!(d->dt > 0.0) || !isfinite(d->dt) || !isfinite((float)d->dt) ||
             !((float)d->dt > 0.0f) || !isfinite((float)(1.0 / d->dt)))
        snprintf(why, sizeof why,
                 "%s: dt must be > 0 and, with 1/dt, a finite float, got %g", fn, d->dt);
    else if (d->batch < 1)
        snprintf(why, sizeof why, "%s: batch must be >= 1, got %d", fn, d->batch);
    else if (first < 0 || count < 1 || first > d->batch - count)
        snprintf(why, sizeof why,
                 "%s: the window of %d elements from element %d must lie in the batch of %d "
                 "(first >= 0, count >= 1, first + count <= batch)",
                 fn, count, first, d->batch);
    else if (d->backend != NF_BACKEND_AUTO && d->backend != NF_BACKEND_CPU &&
             d->backend != NF_BACKEND_CUDA)
        snprintf(why, sizeof why, "%s: backend %d is not an nf_backend", fn, (int)d->backend);
    else if (d->device < 0)
        snprintf(why, sizeof why, "%s: device must be >= 0, got %d", fn, d->device);
    else
        st = NF_OK;
    if (st != NF_OK) {
        write_message(message, capacity, why);
        return st;
    }

    nf_backend chosen;
    const nf_backend_i *be;
    st = nf__backend_select(fn, d->backend, d->device, &chosen, &be, why,
                            sizeof why);
    if (st != NF_OK) {
        write_message(message, capacity, why);
        return st;
    }

    nf_network *net = calloc(1, sizeof *net);
    if (!net) {
        snprintf(why, sizeof why, "%s: out of host memory (%zu bytes)", fn, sizeof *net);
        write_message(message, capacity, why);
        return NF_ERR_OUT_OF_MEMORY;
    }
    st = be->init(d->device, &net->ctx);
    if (st != NF_OK) {
        snprintf(why, sizeof why, "%s: backend %s failed to start (%s)", fn, be->name,
                 nf_status_string(st));
        write_message(message, capacity, why);
        free(net);
        return st;
    }
    net->desc = *d;
    net->desc.batch = count; /* every object holds the window's elements */
    net->batch_first = first;
    net->batch_global = d->batch;
    net->window = window;
    net->dt = d->dt;
    net->mode = NF_MODE_SPIKING;
    net->backend = chosen;
    net->be = be;
    net->guard.built_for = -1;
    net->checked = -1;
    net->api = fn;
    *out = net;
    write_message(message, capacity, "");
    return NF_OK;
}

nf_status nf_network_create_ex(const nf_network_desc *d, nf_network **out, char *message,
                               size_t capacity) {
    return create(__func__, d, 0, d ? d->batch : 0, false, out, message, capacity);
}

nf_status nf_network_create_window(const nf_network_desc *d, int32_t first, int32_t count,
                                   nf_network **out, char *message, size_t capacity) {
    return create(__func__, d, first, count, true, out, message, capacity);
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
    nf__run_check_release(net);
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

nf_status nf_network_batch_window(const nf_network *net, int32_t *first, int32_t *count,
                                  int32_t *global) {
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    if (first)
        *first = net->batch_first;
    if (count)
        *count = net->desc.batch;
    if (global)
        *global = net->batch_global;
    return NF_OK;
}

double nf_network_dt(const nf_network *net) { return net ? net->dt : 0.0; }

int64_t nf_network_step_count(const nf_network *net) { return net ? net->step : 0; }
