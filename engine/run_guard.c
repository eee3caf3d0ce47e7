/*
 * Numeric checks of nf_network_run: the table of every buffer a step changes
 * (population state, output and filters; event connections' post-side state;
 * learned weights; readout z; learners' P and errors), a copy of all of them
 * in one backend store, and one finiteness pass over the checked ones (P,
 * learned weights, z, population state). Rebuilt when objects are added.
 * Entries come in groups: what every step changes, then per learner what
 * only its updates change (P, the weights it alone learns), copied and
 * checked only for stretches where that learner is due (its P settled first:
 * nf__learner_settle). A new kind of state
 * that steps change must be listed in list_group(), or a failed run cannot
 * restore it.
 */
#include <math.h>
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
    free(g->begin);
    free(g->active);
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

/* The learner that changes the weights of readout / connection `index`: its
 * index when there is one, -1 when several do (always copied), -2 when none. */
static int32_t weight_owner(const nf_network *net, bool readout, int32_t index) {
    int32_t owner = -2;
    for (int32_t i = 0; i < net->learners.count; i++) {
        const nf_learner *l = &net->learners.items[i];
        if ((readout ? l->readout_index : l->conn_index) == index)
            owner = owner == -2 ? i : -1;
    }
    return owner;
}

/* Appends (or, with g->host NULL, counts) from n the run state of `group`: -1
 * for what every step changes, a learner's index for what only its updates
 * change (P, the weights only it learns). Returns the new count. */
static int32_t list_group(nf_network *net, int32_t group, int32_t n) {
    nf_guard *g = &net->guard;
    const int64_t batch = net->desc.batch;
    const bool always = group == -1;
    for (int32_t id = 0; id < net->objects.count; id++) {
        const nf_object *o = &net->objects.items[id];
        switch (o->kind) {
        case NF_OBJ_POPULATION: {
            nf_population *p = &net->pops.items[o->index];
            const int64_t c = always ? batch * p->desc.n : 0;
            n = add(g, n, id, "state", p->s0, c, false, true);
            n = add(g, n, id, "state", p->s1, c, false, true);
            n = add(g, n, id, "state", p->s2, c, false, true);
            n = add(g, n, id, "output", p->out, c, false, true);
            n = add(g, n, id, "filter state", p->f0, c, false, true);
            n = add(g, n, id, "filter state", p->f1, c, false, true);
            n = add(g, n, id, "rate sums", p->abs_sum, c, true, false);
            break;
        }
        case NF_OBJ_CONNECTION: {
            nf_connection *c = &net->conns.items[o->index];
            const int64_t post = c->event && always ? batch * c->n_post : 0;
            n = add(g, n, id, "post-side state", c->acc, post, false, false);
            n = add(g, n, id, "post-side state", c->pf0, post, false, false);
            n = add(g, n, id, "post-side state", c->pf1, post, false, false);
            if (weight_owner(net, false, o->index) == group)
                n = add(g, n, id, "weights", c->w, nf__connection_weight_count(c), false, true);
            break;
        }
        case NF_OBJ_READOUT: {
            nf_readout *r = &net->readouts.items[o->index];
            n = add(g, n, id, "z", r->z, always ? batch * r->dim : 0, false, true);
            if (weight_owner(net, true, o->index) == group)
                n = add(g, n, id, "weights", r->w, (int64_t)r->copies * r->dim * r->n, false,
                        true);
            break;
        }
        case NF_OBJ_LEARNER: {
            nf_learner *l = &net->learners.items[o->index];
            const int64_t rows = always ? batch * l->rows : 0;
            if (o->index == group)
                n = add(g, n, id, "P", l->p, (int64_t)l->copies * l->p_count, l->f64, true);
            n = add(g, n, id, "error", l->e, always ? batch * l->dim : 0, false, false);
            n = add(g, n, id, "error", l->row_e, rows, false, false);
            n = add(g, n, id, "error", l->desired_sum, rows, false, false);
            break;
        }
        default: break;
        }
    }
    return n;
}

/* Lists every group in turn (g->begin[group + 1] = its first entry). */
static int32_t list_state(nf_network *net) {
    nf_guard *g = &net->guard;
    int32_t n = 0;
    for (int32_t group = -1; group < net->learners.count; group++) {
        if (g->begin)
            g->begin[group + 1] = n;
        n = list_group(net, group, n);
    }
    if (g->begin)
        g->begin[net->learners.count + 1] = n;
    return n;
}

/* (Re)builds the table of run state when objects were added since. */
static nf_status guard_prepare(nf_network *net) {
    nf_guard *g = &net->guard;
    if (g->built_for == net->objects.count)
        return NF_OK;
    nf__guard_free(net);
    const int32_t count = list_state(net);
    g->host = calloc((size_t)count + 1, sizeof *g->host);
    g->ids = calloc((size_t)count + 1, sizeof *g->ids);
    g->what = calloc((size_t)count + 1, sizeof *g->what);
    g->host_flags = calloc((size_t)count + 1, sizeof *g->host_flags);
    g->begin = calloc((size_t)net->learners.count + 2, sizeof *g->begin);
    g->active = calloc((size_t)net->learners.count + 1, sizeof *g->active);
    if (!g->host || !g->ids || !g->what || !g->host_flags || !g->begin || !g->active) {
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

/* 1 when learner l updates at some step of [t0, t0 + steps). */
static bool learner_due_within(const nf_learner *l, int64_t t0, int64_t steps) {
    const nf_learner_desc *d = &l->desc;
    int64_t lo = t0 > d->start ? t0 : d->start, hi = t0 + steps;
    if (d->stop > 0 && d->stop < hi)
        hi = d->stop;
    if (!l->enabled || lo >= hi)
        return false;
    const int64_t first = lo + (d->every - (lo - d->start + 1) % d->every) % d->every;
    return first < hi;
}

/* Chooses the state of the stretch [t0, t0 + steps): every step's, and that
 * of the learners due in it. */
static void guard_select(nf_network *net, int64_t t0, int64_t steps) {
    nf_guard *g = &net->guard;
    g->active[0] = 1;
    for (int32_t i = 0; i < net->learners.count; i++)
        g->active[i + 1] = learner_due_within(&net->learners.items[i], t0, steps);
}

/* The selected learners' P brought up to date (apply), or their owed update
 * forgotten (P restored from the copy, taken up to date). */
static nf_status guard_settle(nf_network *net, bool apply) {
    nf_status st = NF_OK;
    for (int32_t i = 0; i < net->learners.count && st == NF_OK; i++)
        if (net->guard.active[i + 1])
            st = nf__learner_settle(net, &net->learners.items[i], apply);
    return st;
}

/* Copies the selected run state aside (restore 0) or back (restore 1). */
static nf_status guard_copy(nf_network *net, int32_t restore) {
    nf_guard *g = &net->guard;
    nf_status st = guard_settle(net, !restore);
    if (st != NF_OK)
        return st;
    for (int32_t k = 0; k <= net->learners.count; k++) {
        const int32_t b = g->begin[k], n = g->begin[k + 1] - b;
        if (!g->active[k] || n == 0)
            continue;
        st = net->be->state_copy(net->ctx, g->table + b, n, g->store, restore);
        if (st != NF_OK)
            return nf__backend_fail(net, st, "copying the run state");
    }
    return NF_OK;
}

/* *bad = the first checked buffer holding a non-finite value, or -1 (waits
 * for the backend). */
static nf_status guard_check(nf_network *net, int32_t *bad) {
    nf_guard *g = &net->guard;
    *bad = -1;
    if (g->count == 0)
        return NF_OK;
    nf_status st = guard_settle(net, true);
    if (st != NF_OK)
        return st;
    for (int32_t k = 0; k <= net->learners.count; k++) {
        const int32_t b = g->begin[k], n = g->begin[k + 1] - b;
        if (!g->active[k] || n == 0)
            continue;
        st = net->be->state_check(net->ctx, g->table + b, n, g->flags + b);
        if (st != NF_OK)
            return nf__backend_fail(net, st, "checking the run state");
    }
    st = nf__download(net, g->host_flags, g->flags, (size_t)g->count * sizeof(int32_t));
    if (st != NF_OK)
        return st;
    /* The first bad buffer in object order (the groups interleave objects). */
    for (int32_t k = 0; k <= net->learners.count; k++)
        for (int32_t i = g->begin[k]; g->active[k] && i < g->begin[k + 1]; i++)
            if (g->host_flags[i] && (*bad < 0 || g->ids[i] < g->ids[*bad]))
                *bad = i;
    return NF_OK;
}

/* Bytes one step reads or writes, roughly: dense and sparse products, the
 * population state, the readouts, and each learner's P traffic (symv and
 * rank-1: three passes, kept for both backends though the CPU's product
 * applies the previous update's rank-1 part as it reads, two passes) spread
 * over its `every` steps. Event connections,
 * whose cost follows the spikes, count nothing. */
static double step_bytes(const nf_network *net) {
    const double batch = net->desc.batch;
    double bytes = 0.0;
    for (int32_t i = 0; i < net->pops.count; i++)
        bytes += 6.0 * 4.0 * batch * net->pops.items[i].desc.n;
    for (int32_t i = 0; i < net->conns.count; i++) {
        const nf_connection *c = &net->conns.items[i];
        if (!c->event && c->desc.kind == NF_CONNECTION_DENSE)
            bytes += 4.0 * (double)nf__connection_weight_count(c);
        else if (!c->event && c->desc.kind == NF_CONNECTION_SPARSE)
            bytes += 8.0 * (double)nf__connection_weight_count(c);
    }
    for (int32_t i = 0; i < net->readouts.count; i++) {
        const nf_readout *r = &net->readouts.items[i];
        bytes += 4.0 * (double)r->copies * r->dim * r->n;
    }
    for (int32_t i = 0; i < net->learners.count; i++) {
        const nf_learner *l = &net->learners.items[i];
        bytes += 3.0 * (double)l->copies * l->p_count * nf__learner_p_size(l) / l->desc.every;
    }
    return bytes;
}

/* Bytes the selected groups hold. */
static double selected_bytes(const nf_network *net) {
    const nf_guard *g = &net->guard;
    double bytes = 0.0;
    for (int32_t k = 0; k <= net->learners.count; k++)
        for (int32_t i = g->begin[k]; g->active[k] && i < g->begin[k + 1]; i++)
            bytes += (double)g->host[i].count * (g->host[i].f64 ? 8.0 : 4.0);
    return bytes;
}

/* The length of the next checked stretch from t0 (at most `left` steps):
 * NF_CHECK_STEPS, or longer when the state to copy is large next to a step's
 * work; selects its state. */
static int64_t guard_stretch(nf_network *net, int64_t t0, int64_t left) {
    int64_t len = left < NF_CHECK_STEPS ? left : NF_CHECK_STEPS;
    guard_select(net, t0, len);
    /* A copy, a scan and a restore's worth: about 3 passes over the selection,
     * kept near 2% of the stretch's own traffic. */
    const double want = 150.0 * selected_bytes(net) / fmax(step_bytes(net), 1.0);
    const double most = 64.0 * NF_CHECK_STEPS;
    if (want > (double)len && left > len) {
        int64_t grown = (int64_t)fmin(want, most);
        grown = (grown + NF_CHECK_STEPS - 1) / NF_CHECK_STEPS * NF_CHECK_STEPS;
        len = grown < left ? grown : left;
        guard_select(net, t0, len);
    }
    return len;
}

// --- the interface of a checked run

nf_status nf__guard_begin(nf_network *net, int64_t t0, int64_t left, int64_t *len) {
    nf_status st = guard_prepare(net);
    if (st != NF_OK)
        return st;
    *len = guard_stretch(net, t0, left);
    return guard_copy(net, 0);
}

nf_status nf__guard_commit(nf_network *net, int32_t *bad) { return guard_check(net, bad); }

static const char *kind_name(nf_object_kind kind) {
    switch (kind) {
    case NF_OBJ_POPULATION: return "population";
    case NF_OBJ_CONNECTION: return "connection";
    case NF_OBJ_READOUT: return "readout";
    case NF_OBJ_LEARNER: return "learner";
    default: return "object";
    }
}

/* Puts back the copy taken at step t0 for the stretch [t0, t0 + len). */
static nf_status rewind_to(nf_network *net, int64_t t0, int64_t len) {
    guard_select(net, t0, len);
    nf_status st = guard_copy(net, 1);
    if (st == NF_OK && (st = net->be->counter_set(net->ctx, t0)) != NF_OK)
        st = nf__backend_fail(net, st, "rewinding the step counter");
    return st;
}

/* Runs [t0, t0 + len) in stretches of NF_CHECK_STEPS, each copied and checked;
 * *bad_at = the start of the first failing one (its copy is held), or -1. */
static nf_status narrow(nf_network *net, int64_t first, int64_t t0, int64_t len, nf_replays *r,
                        int64_t *bad_at) {
    nf_status st = NF_OK;
    *bad_at = -1;
    for (int64_t a = t0; a < t0 + len && st == NF_OK && *bad_at < 0; a += NF_CHECK_STEPS) {
        const int64_t n = t0 + len - a < NF_CHECK_STEPS ? t0 + len - a : NF_CHECK_STEPS;
        int32_t bad = -1;
        guard_select(net, a, n);
        if ((st = guard_copy(net, 0)) == NF_OK && (st = nf__run_steps(net, r, first, n)) == NF_OK)
            st = guard_check(net, &bad);
        if (bad >= 0)
            *bad_at = a;
    }
    return st;
}

/* The stretch [t0, t0 + len) (its start copy held) ended with a non-finite
 * value: back to its start, to the failing stretch of NF_CHECK_STEPS steps,
 * then step by step (checking a learner's state only after its updates) to
 * the first step that makes one, then back and forward to the end of the step
 * before it. *good = the steps from t0 that stand. */
nf_status nf__guard_locate(nf_network *net, nf_replays *r, int64_t first, int64_t t0,
                          int64_t len, int64_t *good) {
    int32_t bad = -1;
    int64_t at = t0, t = 0;
    nf_status st = rewind_to(net, t0, len);
    if (st == NF_OK && len > NF_CHECK_STEPS) {
        st = narrow(net, first, t0, len, r, &at);
        if (st == NF_OK && at < 0) { /* not reproduced: the stretch stands as run */
            *good = len;
            return NF_OK;
        }
        len = t0 + len - at < NF_CHECK_STEPS ? t0 + len - at : NF_CHECK_STEPS;
        if (st == NF_OK)
            st = rewind_to(net, at, len);
    }
    for (; t < len && st == NF_OK; t++) {
        if ((st = nf__step_once(net, first)) != NF_OK)
            break;
        guard_select(net, at + t, 1);
        if ((st = guard_check(net, &bad)) != NF_OK || bad >= 0)
            break;
    }
    if (st == NF_OK && bad < 0) { /* not reproduced step by step */
        *good = at + len - t0;
        return nf__fail(net, NF_ERR_NUMERIC,
                        "nf_network_run: a non-finite value seen at the check after step %lld "
                        "did not recur step by step; the network is at step count %lld",
                        (long long)(at + len - 1), (long long)(at + len));
    }
    const nf_guard *g = &net->guard;
    const int32_t id = bad >= 0 ? g->ids[bad] : 0;
    const char *what = bad >= 0 ? g->what[bad] : "";
    if (st == NF_OK)
        st = rewind_to(net, at, len);
    if (st == NF_OK)
        st = nf__run_steps(net, r, first, t);
    if (st == NF_OK && net->be->synchronize && (st = net->be->synchronize(net->ctx)) != NF_OK)
        st = nf__backend_fail(net, st, "finishing a rerun");
    if (st != NF_OK)
        return st;
    *good = at + t - t0;
    return nf__fail(net, NF_ERR_NUMERIC,
                    "nf_network_run: %s %d %s became non-finite at step %lld; the network is "
                    "restored to the end of the step before (step count %lld)",
                    kind_name(net->objects.items[id].kind), id, what, (long long)(at + t),
                    (long long)(at + t));
}

// --- an all-or-nothing change outside a run (reset)

/* Selects every group: all the state a step or a reset can change. */
static void guard_select_all(nf_network *net) {
    for (int32_t k = 0; k <= net->learners.count; k++)
        net->guard.active[k] = 1;
}

nf_status nf__guard_save_all(nf_network *net) {
    nf_status st = guard_prepare(net);
    if (st != NF_OK)
        return st;
    guard_select_all(net);
    return guard_copy(net, 0);
}

nf_status nf__guard_restore_all(nf_network *net) {
    guard_select_all(net);
    return guard_copy(net, 1);
}
