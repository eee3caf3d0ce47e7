/*
 * FORCE learners (recursive least squares), P(0) = I/alpha over the
 * presynaptic population's filtered output r:
 *   READOUT   e = z - f; W_out learns, and optionally the rows of a recurrent
 *             connection with e_i = row_scale[i] . e (internal FORCE);
 *   CURRENTS  e_i = (W r)_i - J_d,i with J_d the summed contributions of the
 *             desired connections (full-FORCE's target-generating network);
 *   MASKED    e_i = (W r)_i - f_i (a per-row target input) or - J_d,i, every
 *             row with its own P_i over its connected inputs (learner_masked.c).
 * On due steps, per element: k = P r; c = 1/(1 + r.k); P -= c k k^T;
 * every learning row W_i -= c e_i k (Nicola & Clopath: e_i k). On the CPU
 * the P -= c k k^T of READOUT and CURRENTS learners waits in `owed` for the
 * next product (kernels/cpu/rls.c): nf__learner_settle before reading P.
 * P access and its initial value are in learner_p.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

nf_learner_desc nf_learner_defaults(void) {
    nf_learner_desc d = {0};
    d.kind = NF_LEARNER_READOUT;
    d.readout = -1;
    d.target = -1;
    d.connection = -1;
    d.alpha = 1.0f;
    d.every = 1;
    d.rule = NF_RLS_SUSSILLO_ABBOTT;
    d.p_precision = NF_PRECISION_F32;
    return d;
}

void nf__learner_free(nf_network *net, nf_learner *l) {
    void *bufs[] = {l->p, l->k, l->owed, l->e, l->row_e, l->row_scale, l->desired_sum,
                    l->row_ptr, l->col, l->w_index, l->p_off};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        nf__free(net, bufs[i]);
    free(l->h_row_ptr);
    l->p = l->k = l->owed = NULL;
    l->e = l->row_e = l->row_scale = l->desired_sum = NULL;
    l->row_ptr = l->col = l->h_row_ptr = NULL;
    l->w_index = l->p_off = NULL;
}

/* Checks a learning connection: dense, not event-driven, from the population pop. */
static nf_status check_learning_connection(nf_network *net, const char *fn, int32_t id,
                                           int32_t pop, int32_t copies, nf_connection **out) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "connection", id, NF_OBJ_CONNECTION, &o);
    if (st != NF_OK)
        return st;
    nf_connection *c = &net->conns.items[o->index];
    REQUIRE(c->desc.kind == NF_CONNECTION_DENSE && !c->event,
            "%s: connection %d must be dense and not event-driven to learn", fn, id);
    REQUIRE(pop < 0 || c->pre == pop,
            "%s: connection %d must come from population %d, whose output the learner's P "
            "is over; it comes from %d", fn, id, pop, c->pre);
    REQUIRE(copies < 0 || c->copies == copies,
            "%s: connection %d has %d weight copies, the readout %d (per_batch must agree)", fn,
            id, c->copies, copies);
    *out = c;
    return NF_OK;
}

static nf_status check_common(nf_network *net, const char *fn, const nf_learner_desc *d) {
    REQUIRE(isfinite(d->alpha) && d->alpha > 0.0f, "%s: alpha must be > 0, got %g", fn,
            (double)d->alpha);
    REQUIRE(d->p_precision == NF_PRECISION_F64 ? isfinite(1.0 / (double)d->alpha)
                                               : isfinite((float)(1.0 / (double)d->alpha)),
            "%s: alpha %g is too small: P(0) = I/alpha overflows P's precision", fn,
            (double)d->alpha);
    REQUIRE(d->every >= 1, "%s: every must be >= 1, got %d", fn, d->every);
    REQUIRE(d->start >= 0, "%s: start must be >= 0, got %lld", fn, (long long)d->start);
    REQUIRE(d->stop == 0 || d->stop > d->start, "%s: stop must be 0 or > start (%lld), got %lld",
            fn, (long long)d->start, (long long)d->stop);
    REQUIRE(d->rule == NF_RLS_SUSSILLO_ABBOTT || d->rule == NF_RLS_NICOLA_CLOPATH,
            "%s: rule %d is not an nf_rls_rule", fn, (int)d->rule);
    REQUIRE(d->p_precision == NF_PRECISION_F32 || d->p_precision == NF_PRECISION_F64,
            "%s: p_precision %d is not an nf_precision (NF_PRECISION_F32 or _F64)", fn,
            (int)d->p_precision);
    REQUIRE(!d->mask || d->kind == NF_LEARNER_MASKED,
            "%s: mask is for NF_LEARNER_MASKED learners only (kind %d)", fn, (int)d->kind);
    return NF_OK;
}

/* Fills the shape of a READOUT learner from its descriptor. */
static nf_status plan_readout(nf_network *net, const char *fn, const nf_learner_desc *d,
                              nf_learner *l) {
    nf_object *ro, *to;
    nf_status st = nf__lookup(net, fn, "readout", d->readout, NF_OBJ_READOUT, &ro);
    if (st == NF_OK)
        st = nf__lookup(net, fn, "target", d->target, NF_OBJ_INPUT, &to);
    if (st != NF_OK)
        return st;
    const nf_readout *r = &net->readouts.items[ro->index];
    const nf_input *in = &net->inputs.items[to->index];
    REQUIRE(in->dim == r->dim, "%s: target %d has dim %d, the readout has dim %d", fn, d->target,
            in->dim, r->dim);
    l->readout_index = ro->index;
    l->pop = r->pop;
    l->copies = r->copies;
    l->n = r->n;
    l->dim = r->dim;
    if (d->connection >= 0) {
        nf_connection *c = NULL;
        if ((st = check_learning_connection(net, fn, d->connection, r->pop, r->copies, &c)))
            return st;
        l->conn_index = net->objects.items[d->connection].index;
        l->rows = c->n_post;
        if (d->row_scale)
            st = nf__check_finite(net, fn, "row_scale", d->row_scale,
                                  (size_t)l->rows * l->dim);
    }
    return st;
}

/* Fills the shape of a CURRENTS learner from its descriptor. */
static nf_status plan_currents(nf_network *net, const char *fn, const nf_learner_desc *d,
                               nf_learner *l) {
    nf_connection *c = NULL;
    nf_status st = check_learning_connection(net, fn, d->connection, -1, -1, &c);
    if (st != NF_OK)
        return st;
    REQUIRE(net->objects.items[c->pre].kind == NF_OBJ_POPULATION,
            "%s: connection %d must come from a population", fn, d->connection);
    l->conn_index = net->objects.items[d->connection].index;
    l->pop = c->pre;
    l->copies = c->copies;
    l->n = c->n_pre;
    l->rows = c->n_post;
    return nf__learner_check_desired(net, fn, d, l);
}

static nf_status learner_buffers(nf_network *net, const nf_learner_desc *d, nf_learner *l,
                                 const nf_masked_plan *plan) {
    const size_t batch = (size_t)net->desc.batch, psize = nf__learner_p_size(l);
    const bool masked = d->kind == NF_LEARNER_MASKED;
    const size_t k_count = masked ? (size_t)(l->nnz + l->rows)
                                  : (size_t)(l->f64 ? 3 * l->n + 1 : 2 * l->n + 1);
    nf_status st = nf__alloc_bytes(net, (size_t)l->copies * l->p_count * psize, &l->p);
    if (st == NF_OK)
        st = nf__alloc_bytes(net, batch * k_count * psize, &l->k);
    if (st == NF_OK && !masked && net->be->rls_settle) /* zeroed: nothing owed */
        st = nf__alloc_bytes(net, (size_t)l->copies * (l->n + 2) * psize, &l->owed);
    if (st == NF_OK && d->kind == NF_LEARNER_READOUT)
        st = nf__alloc(net, batch * l->dim, &l->e);
    if (st == NF_OK && l->conn_index >= 0)
        st = nf__alloc(net, batch * l->rows, &l->row_e);
    if (st == NF_OK && d->kind != NF_LEARNER_READOUT && l->target_index < 0)
        st = nf__alloc(net, batch * l->rows, &l->desired_sum);
    if (st == NF_OK && d->kind == NF_LEARNER_READOUT && l->conn_index >= 0) {
        const size_t count = (size_t)l->rows * l->dim;
        st = nf__alloc(net, count, &l->row_scale);
        if (st == NF_OK)
            st = d->row_scale ? nf__upload(net, l->row_scale, d->row_scale, count * sizeof(float))
                              : nf__fill(net, l->row_scale, 1.0f, count);
    }
    if (st == NF_OK && masked)
        st = nf__learner_masked_buffers(net, l, plan);
    if (st == NF_OK && !net->restoring) /* else nf_network_load sets P */
        st = nf__learner_p_identity(net, l);
    return st;
}

nf_status nf_learner_add(nf_network *net, const nf_learner_desc *d, int32_t *id) {
    NF_ENTER(net);
    static const char fn[] = "nf_learner_add";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(d, "%s: desc must not be NULL", fn);
    REQUIRE(id, "%s: id must not be NULL", fn);
    REQUIRE(d->kind == NF_LEARNER_READOUT || d->kind == NF_LEARNER_CURRENTS ||
                d->kind == NF_LEARNER_MASKED,
            "%s: kind %d is not an nf_learner_kind", fn, (int)d->kind);
    nf_status st = check_common(net, fn, d);
    if (st != NF_OK)
        return st;
    nf_learner l = {.desc = *d, .readout_index = -1, .conn_index = -1, .target_index = -1,
                    .enabled = true, .f64 = d->p_precision == NF_PRECISION_F64};
    l.desc.row_scale = NULL;
    l.desc.desired = NULL;
    l.desc.mask = NULL;
    nf_masked_plan plan = {0};
    switch (d->kind) {
    case NF_LEARNER_READOUT: st = plan_readout(net, fn, d, &l); break;
    case NF_LEARNER_CURRENTS: st = plan_currents(net, fn, d, &l); break;
    default: st = nf__learner_plan_masked(net, fn, d, &l, &plan); break;
    }
    if (st == NF_OK && d->kind != NF_LEARNER_MASKED)
        l.p_count = (int64_t)l.n * l.n;
    if (st == NF_OK && net->desc.batch < net->batch_global &&
        !(l.readout_index >= 0 ? net->readouts.items[l.readout_index].per_batch
                               : net->conns.items[l.conn_index].desc.per_batch))
        st = nf__fail(net, NF_ERR_UNSUPPORTED,
                      "%s: weights shared by the batch learn with one P updated element after "
                      "element, which a window of %d of the batch's %d elements cannot "
                      "reproduce: make the weights per batch element, or hold the whole batch",
                      fn, net->desc.batch, net->batch_global);
    size_t p_values;
    if (st == NF_OK)
        st = nf__count3(net, fn, "P", l.copies, l.p_count, 1, nf__learner_p_size(&l), &p_values);
    if (st == NF_OK)
        st = NF_RESERVE_OBJECT(net, net->learners);
    if (st == NF_OK)
        st = learner_buffers(net, d, &l, &plan);
    nf__masked_plan_free(&plan);
    if (st != NF_OK) {
        nf__learner_free(net, &l);
        return st;
    }
    net->learners.items[net->learners.count] = l;
    *id = nf__object_push(net, NF_OBJ_LEARNER, net->learners.count++);
    return NF_OK;
}

nf_status nf_learner_set_enabled(nf_network *net, int32_t learner, int enabled) {
    NF_ENTER(net);
    nf_learner *l = NULL;
    nf_status st = net ? nf__learner_find(net, "nf_learner_set_enabled", learner, &l)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        l->enabled = enabled != 0;
    return st;
}

/* y = W x over the batch (beta 0), W with `copies` copies of [rows][cols]. */
static nf_status product(nf_network *net, const float *w, int32_t copies, int32_t rows,
                         int32_t cols, const float *x, float *y) {
    nf_dense_args a = {.batch = net->desc.batch, .rows = rows, .cols = cols,
                       .per_batch = copies > 1, .per_element = net->window, .beta = 0.0f,
                       .w = w, .x = x, .y = y};
    return net->be->dense(net->ctx, &a);
}

/* row_e -= the summed contributions of the desired connections (J_d). */
static nf_status subtract_desired(nf_network *net, nf_learner *l) {
    const size_t count = (size_t)net->desc.batch * l->rows;
    nf_status st = net->be->fill(net->ctx, l->desired_sum, 0.0f, count);
    for (int32_t i = 0; i < l->desc.n_desired && st == NF_OK; i++)
        st = nf__connection_contribute(net, &net->conns.items[l->desired[i]], l->desired_sum);
    if (st == NF_OK)
        st = net->be->axpy(net->ctx, l->row_e, l->desired_sum, -1.0f, count);
    return st;
}

/* This step's errors of one learner. */
static nf_status learner_errors(nf_network *net, nf_learner *l, const float *r) {
    const nf_backend_i *be = net->be;
    const size_t batch = (size_t)net->desc.batch;
    nf_connection *c = l->conn_index >= 0 ? &net->conns.items[l->conn_index] : NULL;
    nf_status st;
    switch (l->desc.kind) {
    case NF_LEARNER_READOUT: {
        const nf_readout *ro = &net->readouts.items[l->readout_index];
        const nf_input *f = &net->inputs.items[net->objects.items[l->desc.target].index];
        st = be->copy(net->ctx, l->e, ro->z, batch * l->dim * sizeof(float));
        if (st == NF_OK)
            st = be->axpy(net->ctx, l->e, nf__input_row(net, f), -1.0f, batch * l->dim);
        if (st == NF_OK && c)
            st = product(net, l->row_scale, 1, l->rows, l->dim, l->e, l->row_e);
        return st;
    }
    case NF_LEARNER_CURRENTS:
        st = product(net, c->w, c->copies, l->rows, l->n, r, l->row_e);
        return st == NF_OK ? subtract_desired(net, l) : st;
    default:
        st = be->fill(net->ctx, l->row_e, 0.0f, batch * l->rows);
        if (st == NF_OK)
            st = nf__connection_contribute(net, c, l->row_e);
        if (st != NF_OK || l->target_index < 0)
            return st == NF_OK ? subtract_desired(net, l) : st;
        return be->axpy(net->ctx, l->row_e,
                        nf__input_row(net, &net->inputs.items[l->target_index]), -1.0f,
                        batch * l->rows);
    }
}

/* The masked RLS step of one learner. */
static nf_status masked_update(nf_network *net, nf_learner *l, const float *r) {
    const nf_connection *c = &net->conns.items[l->conn_index];
    nf_rls_masked_args a = {
        .batch = net->desc.batch, .rows = l->rows, .n = l->n, .per_batch = l->copies > 1,
        .rule = l->desc.rule, .enabled = l->enabled, .f64 = l->f64, .every = l->desc.every,
        .start = l->desc.start, .stop = l->desc.stop, .nnz = l->nnz, .p_total = l->p_count,
        .w_stride = nf__connection_weight_count(c) / c->copies, .max_k = l->max_k,
        .row_ptr = l->row_ptr, .col = l->col, .w_index = l->w_index, .p_off = l->p_off,
        .p = l->p, .w = c->w, .r = r, .e = l->row_e, .k = l->k};
    return net->be->rls_masked(net->ctx, &a);
}

nf_status nf__learners_step(nf_network *net) {
    for (int32_t i = 0; i < net->learners.count; i++) {
        nf_learner *l = &net->learners.items[i];
        const float *r = nf__signal(net, l->pop);
        nf_status st = learner_errors(net, l, r);
        if (st == NF_OK && l->desc.kind == NF_LEARNER_MASKED) {
            st = masked_update(net, l, r);
        } else if (st == NF_OK) {
            nf_rls_args a = {.batch = net->desc.batch, .n = l->n, .per_batch = l->copies > 1,
                             .rule = l->desc.rule, .enabled = l->enabled, .f64 = l->f64,
                             .every = l->desc.every, .start = l->desc.start,
                             .stop = l->desc.stop, .p = l->p, .r = r, .k = l->k,
                             .owed = l->owed};
            if (l->desc.kind == NF_LEARNER_READOUT)
                a.target[a.targets++] = (nf_rls_target){
                    .w = net->readouts.items[l->readout_index].w, .e = l->e, .rows = l->dim};
            if (l->conn_index >= 0)
                a.target[a.targets++] = (nf_rls_target){
                    .w = net->conns.items[l->conn_index].w, .e = l->row_e, .rows = l->rows};
            st = net->be->rls_update(net->ctx, &a);
        }
        if (st != NF_OK)
            return nf__backend_fail(net, st, "learning");
    }
    return NF_OK;
}
