/*
 * What flows along connections in a timestep: the signal each object emits
 * (a population's filtered output, an input's row, a readout's z), a
 * connection's contribution W signal to the
 * post population's input (dense, sparse, identity, or an event connection's
 * post-side filter output), and, for an event-driven connection, the
 * propagation of this step's spikes and the post-side filter update, and
 * bringing that post-side state back in line with the pre population's state
 * when it is set or redrawn; and the event connection whose sum a population
 * reads directly as its input.
 */
#include "internal.h"

const float *nf__signal(const nf_network *net, int32_t pre_id) {
    const nf_object *o = &net->objects.items[pre_id];
    switch (o->kind) {
    case NF_OBJ_POPULATION: {
        const nf_population *p = &net->pops.items[o->index];
        return p->f0 ? p->f0 : p->out;
    }
    case NF_OBJ_INPUT: return nf__input_row(net, &net->inputs.items[o->index]);
    case NF_OBJ_READOUT: return net->readouts.items[o->index].z;
    default: return NULL;
    }
}

/* y = W x on an event connection (from +0, y not read), only the nonzero x
 * counted. */
static nf_status event_sum(nf_network *net, const nf_connection *c, const float *x, float *y) {
    nf_event_args a = {.batch = net->desc.batch, .pre = c->n_pre, .post = c->n_post,
                       .per_batch = c->copies > 1, .nnz = c->nnz, .col_ptr = c->index_ptr,
                       .row = c->index, .wt = c->w, .x = x, .y = y, .spikes = c->spikes};
    nf_status st = net->be->event(net->ctx, &a);
    return st == NF_OK ? st : nf__backend_fail(net, st, "event-driven propagation");
}

/* A population fed by one event connection without a post-side filter reads
 * that connection's acc itself: the assembled input would be +0 + acc, which
 * is acc (acc is never -0: its sum starts at +0). */
const nf_connection *nf__sole_event_feed(const nf_network *net, const nf_population *p) {
    if (p->feeds != 1)
        return NULL;
    const nf_connection *c = &net->conns.items[p->feed];
    return c->event && !c->pf0 ? c : NULL;
}

nf_status nf__connection_contribute(nf_network *net, const nf_connection *c, float *y) {
    const int32_t batch = net->desc.batch;
    const float *x = nf__signal(net, c->pre);
    if (c->event)
        return net->be->axpy(net->ctx, y, c->pf0 ? c->pf0 : c->acc, 1.0f,
                             (size_t)batch * c->n_post);
    switch (c->desc.kind) {
    case NF_CONNECTION_IDENTITY:
        return net->be->axpy(net->ctx, y, x, c->desc.scale, (size_t)batch * c->n_post);
    case NF_CONNECTION_SPARSE: {
        nf_sparse_args a = {.batch = batch, .rows = c->n_post, .cols = c->n_pre,
                            .per_batch = c->copies > 1, .nnz = c->nnz, .row_ptr = c->index_ptr,
                            .col = c->index, .val = c->w, .x = x, .y = y};
        return net->be->sparse(net->ctx, &a);
    }
    default: {
        nf_dense_args a = {.batch = batch, .rows = c->n_post, .cols = c->n_pre,
                           .per_batch = c->copies > 1, .per_element = net->window,
                           .beta = 1.0f, .w = c->w, .x = x, .y = y};
        return net->be->dense(net->ctx, &a);
    }
    }
}

nf_status nf__connection_propagate_events(nf_network *net, nf_connection *c) {
    const nf_population *pre = &net->pops.items[net->objects.items[c->pre].index];
    const size_t count = (size_t)net->desc.batch * c->n_post;
    nf_status st = event_sum(net, c, pre->out, c->acc);
    if (st == NF_OK && c->pf0) {
        /* the pre's filter constants, made by its step just before */
        st = net->be->filter_step(net->ctx, &pre->step_filter, c->acc, c->pf0, c->pf1, count);
    }
    return st;
}

nf_status nf__event_resync(nf_network *net, nf_connection *c) {
    const nf_population *pre = &net->pops.items[net->objects.items[c->pre].index];
    float *targets[] = {c->pf0 ? c->pf0 : c->acc, c->pf1};
    const float *sources[] = {c->pf0 ? pre->f0 : pre->out, pre->f1};
    for (int k = 0; k < 2; k++) {
        if (!targets[k])
            continue;
        nf_status st = event_sum(net, c, sources[k], targets[k]);
        if (st != NF_OK)
            return st;
    }
    return NF_OK;
}

nf_status nf__event_resync_from(nf_network *net, int32_t pop_id) {
    for (int32_t i = 0; i < net->conns.count; i++) {
        nf_connection *c = &net->conns.items[i];
        if (c->event && c->pre == pop_id) {
            nf_status st = nf__event_resync(net, c);
            if (st != NF_OK)
                return st;
        }
    }
    return NF_OK;
}
