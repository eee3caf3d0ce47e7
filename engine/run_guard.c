/*
 * Numeric checks of nf_network_run: the table of every buffer a step changes
 * (population state, output and filters; event connections' post-side state;
 * learned weights; readout z; learners' P and errors), a copy of all of them
 * in one backend store, and one finiteness pass over the checked ones (P,
 * learned weights, z, population state). Rebuilt when objects are added.
 * A new kind of state that steps change must be listed in list_state(), or a
 * failed run cannot restore it.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void nf__guard_free(nf_network *net) {
    nf_guard *g = &net->guard;
    nf__free(net, g->table);
    nf__free(net, g->flags);
    nf__free(net, g->store);
    free(g->host);
    free(g->ids);
    free(g->what);
    free(g->host_flags);
    memset(g, 0, sizeof *g);
    g->built_for = -1;
}

/* Appends an entry when room is given (else only counts); returns the new count. */
static int32_t add(nf_guard *g, int32_t n, int32_t id, const char *what, void *ptr,
                   int64_t count, bool f64, bool check) {
    if (!ptr || count <= 0)
        return n;
    if (g->host) {
        g->host[n] = (nf_state_ref){.ptr = ptr, .count = count, .f64 = f64, .check = check};
        g->ids[n] = id;
        g->what[n] = what;
    }
    return n + 1;
}

static bool readout_learned(const nf_network *net, int32_t index) {
    for (int32_t i = 0; i < net->learners.count; i++)
        if (net->learners.items[i].readout_index == index)
            return true;
    return false;
}

static bool connection_learned(const nf_network *net, int32_t index) {
    for (int32_t i = 0; i < net->learners.count; i++)
        if (net->learners.items[i].conn_index == index)
            return true;
    return false;
}

/* Lists the run state in object order; with g->host NULL only counts it. */
static int32_t list_state(nf_network *net) {
    nf_guard *g = &net->guard;
    const int64_t batch = net->desc.batch;
    int32_t n = 0;
    for (int32_t id = 0; id < net->objects.count; id++) {
        const nf_object *o = &net->objects.items[id];
        switch (o->kind) {
        case NF_OBJ_POPULATION: {
            nf_population *p = &net->pops.items[o->index];
            const int64_t c = batch * p->desc.n;
            n = add(g, n, id, "state", p->s0, c, false, true);
            n = add(g, n, id, "state", p->s1, c, false, true);
            n = add(g, n, id, "output", p->out, c, false, true);
            n = add(g, n, id, "filter state", p->f0, c, false, true);
            n = add(g, n, id, "filter state", p->f1, c, false, true);
            break;
        }
        case NF_OBJ_CONNECTION: {
            nf_connection *c = &net->conns.items[o->index];
            const int64_t post = batch * c->n_post;
            if (c->event) {
                n = add(g, n, id, "post-side state", c->acc, post, false, false);
                n = add(g, n, id, "post-side state", c->pf0, post, false, false);
                n = add(g, n, id, "post-side state", c->pf1, post, false, false);
            }
            if (connection_learned(net, o->index))
                n = add(g, n, id, "weights", c->w, nf__connection_weight_count(c), false, true);
            break;
        }
        case NF_OBJ_READOUT: {
            nf_readout *r = &net->readouts.items[o->index];
            n = add(g, n, id, "z", r->z, batch * r->dim, false, true);
            if (readout_learned(net, o->index))
                n = add(g, n, id, "weights", r->w, (int64_t)r->copies * r->dim * r->n, false,
                        true);
            break;
        }
        case NF_OBJ_LEARNER: {
            nf_learner *l = &net->learners.items[o->index];
            n = add(g, n, id, "P", l->p, (int64_t)l->copies * l->p_count, l->f64, true);
            n = add(g, n, id, "error", l->e, batch * l->dim, false, false);
            n = add(g, n, id, "error", l->row_e, batch * l->rows, false, false);
            n = add(g, n, id, "error", l->desired_sum, batch * l->rows, false, false);
            break;
        }
        default: break;
        }
    }
    return n;
}

nf_status nf__guard_prepare(nf_network *net) {
    nf_guard *g = &net->guard;
    if (g->built_for == net->objects.count)
        return NF_OK;
    nf__guard_free(net);
    const int32_t count = list_state(net);
    g->host = calloc((size_t)count + 1, sizeof *g->host);
    g->ids = calloc((size_t)count + 1, sizeof *g->ids);
    g->what = calloc((size_t)count + 1, sizeof *g->what);
    g->host_flags = calloc((size_t)count + 1, sizeof *g->host_flags);
    if (!g->host || !g->ids || !g->what || !g->host_flags) {
        nf__guard_free(net);
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_run: out of host memory");
    }
    g->count = list_state(net);
    int64_t bytes = 0;
    for (int32_t i = 0; i < g->count; i++) {
        g->host[i].offset = bytes;
        bytes += (g->host[i].count * (g->host[i].f64 ? 8 : 4) + 7) / 8 * 8;
    }
    const size_t table_bytes = (size_t)g->count * sizeof *g->table;
    nf_status st = nf__alloc_bytes(net, (size_t)bytes, &g->store);
    if (st == NF_OK)
        st = nf__alloc_bytes(net, table_bytes, (void **)&g->table);
    if (st == NF_OK)
        st = nf__alloc_bytes(net, (size_t)g->count * sizeof(int32_t), (void **)&g->flags);
    if (st == NF_OK)
        st = nf__upload(net, g->table, g->host, table_bytes);
    if (st != NF_OK) {
        nf__guard_free(net);
        return st;
    }
    g->built_for = net->objects.count;
    return NF_OK;
}

nf_status nf__guard_copy(nf_network *net, int32_t restore) {
    nf_guard *g = &net->guard;
    if (g->count == 0)
        return NF_OK;
    nf_status st = net->be->state_copy(net->ctx, g->table, g->count, g->store, restore);
    return st == NF_OK ? st : nf__backend_fail(net, st, "nf_network_run: run state copy");
}

nf_status nf__guard_check(nf_network *net, int32_t *bad) {
    nf_guard *g = &net->guard;
    *bad = -1;
    if (g->count == 0)
        return NF_OK;
    nf_status st = net->be->state_check(net->ctx, g->table, g->count, g->flags);
    if (st != NF_OK)
        return nf__backend_fail(net, st, "nf_network_run: numeric check");
    if ((st = nf__download(net, g->host_flags, g->flags, (size_t)g->count * sizeof(int32_t))))
        return st;
    for (int32_t i = 0; i < g->count && *bad < 0; i++)
        if (g->host_flags[i])
            *bad = i;
    return NF_OK;
}
