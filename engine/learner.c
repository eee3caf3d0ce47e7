/*
 * FORCE learners (recursive least squares), P(0) = I/alpha over the
 * presynaptic population's filtered output r:
 *   READOUT   e = z - f; W_out learns, and optionally the rows of a recurrent
 *             connection with e_i = row_scale[i] . e (internal FORCE);
 *   CURRENTS  e_i = (W r)_i - J_d,i with J_d the summed contributions of the
 *             desired connections (full-FORCE's target-generating network).
 * On due steps, per element: k = P r; c = 1/(1 + r.k); P -= c k k^T;
 * every learning row W_i -= c e_i k (Nicola & Clopath: e_i k).
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
    return d;
}

void nf__learner_free(nf_network *net, nf_learner *l) {
    float *bufs[] = {l->p, l->k, l->e, l->row_e, l->row_scale, l->desired_sum};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        nf__free(net, bufs[i]);
    l->p = l->k = l->e = l->row_e = l->row_scale = l->desired_sum = NULL;
}

/* Uploads I/alpha into every copy of P. */
static nf_status p_identity(nf_network *net, nf_learner *l) {
    const size_t nn = (size_t)l->n * l->n;
    float *host = calloc(nn, sizeof *host);
    if (!host)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_learner_add: out of host memory");
    for (int32_t i = 0; i < l->n; i++)
        host[(size_t)i * l->n + i] = 1.0f / l->desc.alpha;
    nf_status st = NF_OK;
    for (int32_t c = 0; c < l->copies && st == NF_OK; c++)
        st = nf__upload(net, l->p + c * nn, host, nn * sizeof *host);
    free(host);
    return st;
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
    REQUIRE(d->every >= 1, "%s: every must be >= 1, got %d", fn, d->every);
    REQUIRE(d->start >= 0, "%s: start must be >= 0, got %lld", fn, (long long)d->start);
    REQUIRE(d->stop == 0 || d->stop > d->start, "%s: stop must be 0 or > start (%lld), got %lld",
            fn, (long long)d->start, (long long)d->stop);
    REQUIRE(d->rule == NF_RLS_SUSSILLO_ABBOTT || d->rule == NF_RLS_NICOLA_CLOPATH,
            "%s: rule %d is not an nf_rls_rule", fn, (int)d->rule);
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
    REQUIRE(d->desired && d->n_desired >= 1 && d->n_desired <= NF_LEARNER_MAX_DESIRED,
            "%s: desired must list 1 to %d connections, got %d", fn, NF_LEARNER_MAX_DESIRED,
            d->desired ? d->n_desired : 0);
    for (int32_t i = 0; i < d->n_desired; i++) {
        nf_object *o;
        if ((st = nf__lookup(net, fn, "desired[i]", d->desired[i], NF_OBJ_CONNECTION, &o)))
            return st;
        const nf_connection *dc = &net->conns.items[o->index];
        REQUIRE(dc->n_post == c->n_post,
                "%s: desired[%d] (connection %d) feeds %d neurons, the learning connection %d",
                fn, i, d->desired[i], dc->n_post, c->n_post);
        l->desired[i] = o->index;
    }
    l->conn_index = net->objects.items[d->connection].index;
    l->pop = c->pre;
    l->copies = c->copies;
    l->n = c->n_pre;
    l->rows = c->n_post;
    return NF_OK;
}

static nf_status learner_buffers(nf_network *net, const nf_learner_desc *d, nf_learner *l) {
    const size_t batch = (size_t)net->desc.batch;
    nf_status st = nf__alloc(net, (size_t)l->copies * l->n * l->n, &l->p);
    if (st == NF_OK)
        st = nf__alloc(net, batch * (l->n + 1), &l->k);
    if (st == NF_OK && d->kind == NF_LEARNER_READOUT)
        st = nf__alloc(net, batch * l->dim, &l->e);
    if (st == NF_OK && l->conn_index >= 0)
        st = nf__alloc(net, batch * l->rows, &l->row_e);
    if (st == NF_OK && d->kind == NF_LEARNER_CURRENTS)
        st = nf__alloc(net, batch * l->rows, &l->desired_sum);
    if (st == NF_OK && d->kind == NF_LEARNER_READOUT && l->conn_index >= 0) {
        const size_t count = (size_t)l->rows * l->dim;
        st = nf__alloc(net, count, &l->row_scale);
        if (st == NF_OK)
            st = d->row_scale ? nf__upload(net, l->row_scale, d->row_scale, count * sizeof(float))
                              : nf__fill(net, l->row_scale, 1.0f, count);
    }
    if (st == NF_OK)
        st = p_identity(net, l);
    return st;
}

nf_status nf_learner_add(nf_network *net, const nf_learner_desc *d, int32_t *id) {
    static const char fn[] = "nf_learner_add";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(d, "%s: desc must not be NULL", fn);
    REQUIRE(id, "%s: id must not be NULL", fn);
    REQUIRE(d->kind == NF_LEARNER_READOUT || d->kind == NF_LEARNER_CURRENTS,
            "%s: kind %d is not an nf_learner_kind", fn, (int)d->kind);
    nf_status st = check_common(net, fn, d);
    if (st != NF_OK)
        return st;
    nf_learner l = {.desc = *d, .readout_index = -1, .conn_index = -1, .enabled = true};
    l.desc.row_scale = NULL;
    l.desc.desired = NULL;
    st = d->kind == NF_LEARNER_READOUT ? plan_readout(net, fn, d, &l)
                                       : plan_currents(net, fn, d, &l);
    if (st != NF_OK)
        return st;
    if ((double)l.copies * l.n * l.n > (double)(INT64_C(1) << 38))
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: %d P matrices of %d x %d are too large",
                        fn, l.copies, l.n, l.n);
    if ((st = NF_RESERVE_OBJECT(net, net->learners)) != NF_OK)
        return st;
    if ((st = learner_buffers(net, d, &l)) != NF_OK) {
        nf__learner_free(net, &l);
        return st;
    }
    net->learners.items[net->learners.count] = l;
    *id = nf__object_push(net, NF_OBJ_LEARNER, net->learners.count++);
    return NF_OK;
}

static nf_status find_learner(nf_network *net, const char *fn, int32_t learner,
                              nf_learner **out) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "learner", learner, NF_OBJ_LEARNER, &o);
    if (st == NF_OK)
        *out = &net->learners.items[o->index];
    return st;
}

nf_status nf_learner_set_enabled(nf_network *net, int32_t learner, int enabled) {
    nf_learner *l = NULL;
    nf_status st = net ? find_learner(net, "nf_learner_set_enabled", learner, &l)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        l->enabled = enabled != 0;
    return st;
}

nf_status nf_learner_get_p(nf_network *net, int32_t learner, float *p) {
    static const char fn[] = "nf_learner_get_p";
    nf_learner *l = NULL;
    nf_status st = net ? find_learner(net, fn, learner, &l) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    REQUIRE(p, "%s: p must not be NULL", fn);
    return nf__download(net, p, l->p, (size_t)l->copies * l->n * l->n * sizeof(float));
}

nf_status nf_learner_set_p(nf_network *net, int32_t learner, const float *p) {
    static const char fn[] = "nf_learner_set_p";
    nf_learner *l = NULL;
    nf_status st = net ? find_learner(net, fn, learner, &l) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    REQUIRE(p, "%s: p must not be NULL", fn);
    const size_t count = (size_t)l->copies * l->n * l->n;
    if ((st = nf__check_finite(net, fn, "p", p, count)) != NF_OK)
        return st;
    for (int32_t c = 0; c < l->copies; c++) {
        const float *pc = p + (size_t)c * l->n * l->n;
        for (int32_t i = 0; i < l->n; i++)
            for (int32_t j = 0; j < i; j++)
                REQUIRE(pc[(size_t)i * l->n + j] == pc[(size_t)j * l->n + i],
                        "%s: p must be symmetric, copy %d has p[%d][%d] = %g != p[%d][%d] = %g",
                        fn, c, i, j, (double)pc[(size_t)i * l->n + j], j, i,
                        (double)pc[(size_t)j * l->n + i]);
    }
    return nf__upload(net, l->p, p, count * sizeof(float));
}

/* y = W x over the batch (beta 0), W with `copies` copies of [rows][cols]. */
static nf_status product(nf_network *net, const float *w, int32_t copies, int32_t rows,
                         int32_t cols, const float *x, float *y) {
    nf_dense_args a = {.batch = net->desc.batch, .rows = rows, .cols = cols,
                       .per_batch = copies > 1, .beta = 0.0f, .w = w, .x = x, .y = y};
    return net->be->dense(net->ctx, &a);
}

/* This step's errors of one learner. */
static nf_status learner_errors(nf_network *net, nf_learner *l, const float *r) {
    const nf_backend_i *be = net->be;
    const size_t batch = (size_t)net->desc.batch;
    nf_connection *c = l->conn_index >= 0 ? &net->conns.items[l->conn_index] : NULL;
    nf_status st;
    if (l->desc.kind == NF_LEARNER_READOUT) {
        const nf_readout *ro = &net->readouts.items[l->readout_index];
        const nf_input *f = &net->inputs.items[net->objects.items[l->desc.target].index];
        st = be->copy(net->ctx, l->e, ro->z, batch * l->dim * sizeof(float));
        if (st == NF_OK)
            st = be->axpy(net->ctx, l->e, nf__input_row(net, f), -1.0f, batch * l->dim);
        if (st == NF_OK && c)
            st = product(net, l->row_scale, 1, l->rows, l->dim, l->e, l->row_e);
        return st;
    }
    st = product(net, c->w, c->copies, l->rows, l->n, r, l->row_e);
    if (st == NF_OK)
        st = be->fill(net->ctx, l->desired_sum, 0.0f, batch * l->rows);
    for (int32_t i = 0; i < l->desc.n_desired && st == NF_OK; i++)
        st = nf__connection_contribute(net, &net->conns.items[l->desired[i]], l->desired_sum);
    if (st == NF_OK)
        st = be->axpy(net->ctx, l->row_e, l->desired_sum, -1.0f, batch * l->rows);
    return st;
}

nf_status nf__learners_step(nf_network *net) {
    for (int32_t i = 0; i < net->learners.count; i++) {
        nf_learner *l = &net->learners.items[i];
        const float *r = nf__signal(net, l->pop);
        nf_status st = learner_errors(net, l, r);
        nf_rls_args a = {.batch = net->desc.batch, .n = l->n, .per_batch = l->copies > 1,
                         .rule = l->desc.rule, .enabled = l->enabled, .every = l->desc.every,
                         .start = l->desc.start, .stop = l->desc.stop, .p = l->p, .r = r,
                         .k = l->k};
        if (l->desc.kind == NF_LEARNER_READOUT)
            a.target[a.targets++] = (nf_rls_target){
                .w = net->readouts.items[l->readout_index].w, .e = l->e, .rows = l->dim};
        if (l->conn_index >= 0)
            a.target[a.targets++] = (nf_rls_target){
                .w = net->conns.items[l->conn_index].w, .e = l->row_e, .rows = l->rows};
        if (st == NF_OK)
            st = net->be->rls_update(net->ctx, &a);
        if (st != NF_OK)
            return nf__backend_fail(net, st, "nf_network_run: learning");
    }
    return NF_OK;
}
