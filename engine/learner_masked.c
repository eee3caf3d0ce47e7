/*
 * MASKED learners (BioFORCE, TENSION's constrained model): the learning
 * synapses of a sparse connection (its CSR entries) or of a dense one (its
 * mask, or its nonzero weights), listed row by row: row i has K_i of them,
 * from inputs col in increasing order, at w_index within one weight copy, and
 * its own P_i (K_i x K_i) at p_off[i], p_off[i+1] = p_off[i] + K_i^2.
 * The error of row i is (W r)_i - f_i (a target input of dim rows) or
 * (W r)_i - J_d,i (desired connections); see learner.c and nf_rls_masked_args.
 * The check of desired connections, shared with CURRENTS learners, is here.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void nf__masked_plan_free(nf_masked_plan *plan) {
    free(plan->col);
    free(plan->w_index);
    free(plan->p_off);
    memset(plan, 0, sizeof *plan);
}

static nf_status host_oom(nf_network *net, const char *fn) {
    return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
}

/* The error source: a target input of dim rows, or desired connections. */
static nf_status plan_error(nf_network *net, const char *fn, const nf_learner_desc *d,
                            nf_learner *l) {
    if (d->target < 0)
        return nf__learner_check_desired(net, fn, d, l);
    REQUIRE(d->n_desired == 0 && !d->desired,
            "%s: a MASKED learner takes a target or desired connections, not both (target %d, "
            "n_desired %d)", fn, d->target, d->n_desired);
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "target", d->target, NF_OBJ_INPUT, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(net->inputs.items[o->index].dim == l->rows,
            "%s: target %d has dim %d, expected one value per row of connection %d (%d)", fn,
            d->target, net->inputs.items[o->index].dim, d->connection, l->rows);
    l->target_index = o->index;
    return NF_OK;
}

/* Which synapses of a dense connection learn: the mask, or the nonzero weights. */
static nf_status dense_mask(nf_network *net, const char *fn, const nf_learner_desc *d,
                            const nf_connection *c, uint8_t *learns) {
    const size_t per = (size_t)c->n_post * c->n_pre;
    if (d->mask) {
        for (size_t e = 0; e < per; e++)
            learns[e] = d->mask[e] != 0;
        return NF_OK;
    }
    float *w = malloc(per * c->copies * sizeof *w + 1);
    if (!w)
        return host_oom(net, fn);
    nf_status st = nf__download(net, w, c->w, per * c->copies * sizeof *w);
    for (size_t e = 0; e < per && st == NF_OK; e++) {
        learns[e] = 0;
        for (int32_t k = 0; k < c->copies; k++)
            learns[e] |= w[k * per + e] != 0.0f;
    }
    free(w);
    return st;
}

/* Lists the learning synapses into l->h_row_ptr and plan (col, w_index). */
static nf_status list_synapses(nf_network *net, const char *fn, const nf_learner_desc *d,
                               const nf_connection *c, nf_learner *l, nf_masked_plan *plan) {
    const int32_t rows = c->n_post, n = c->n_pre;
    if (!(l->h_row_ptr = calloc((size_t)rows + 1, sizeof *l->h_row_ptr)))
        return host_oom(net, fn);
    nf_status st = NF_OK;
    if (c->desc.kind == NF_CONNECTION_SPARSE) {
        l->nnz = c->nnz;
        plan->col = malloc((size_t)c->nnz * sizeof *plan->col + 1);
        plan->w_index = malloc((size_t)c->nnz * sizeof *plan->w_index + 1);
        if (!plan->col || !plan->w_index)
            return host_oom(net, fn);
        st = nf__download(net, l->h_row_ptr, c->index_ptr, ((size_t)rows + 1) * sizeof(int32_t));
        if (st == NF_OK)
            st = nf__download(net, plan->col, c->index, (size_t)c->nnz * sizeof(int32_t));
        for (int64_t s = 0; s < c->nnz; s++)
            plan->w_index[s] = s;
        return st;
    }
    uint8_t *learns = malloc((size_t)rows * n + 1);
    if (!learns)
        return host_oom(net, fn);
    if ((st = dense_mask(net, fn, d, c, learns)) == NF_OK) {
        int64_t nnz = 0;
        for (size_t e = 0; e < (size_t)rows * n; e++)
            nnz += learns[e];
        l->nnz = nnz;
        plan->col = malloc((size_t)nnz * sizeof *plan->col + 1);
        plan->w_index = malloc((size_t)nnz * sizeof *plan->w_index + 1);
        if (nnz > INT32_MAX)
            st = nf__fail(net, NF_ERR_INVALID_ARGUMENT, "%s: %lld learning synapses, at most %d",
                          fn, (long long)nnz, INT32_MAX);
        else if (!plan->col || !plan->w_index)
            st = host_oom(net, fn);
        for (int32_t i = 0, s = 0; i < rows && st == NF_OK; i++) {
            for (int32_t j = 0; j < n; j++)
                if (learns[(size_t)i * n + j]) {
                    plan->col[s] = j;
                    plan->w_index[s++] = (int64_t)i * n + j;
                }
            l->h_row_ptr[i + 1] = s;
        }
    }
    free(learns);
    return st;
}

nf_status nf__learner_plan_masked(nf_network *net, const char *fn, const nf_learner_desc *d,
                                  nf_learner *l, nf_masked_plan *plan) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "connection", d->connection, NF_OBJ_CONNECTION, &o);
    if (st != NF_OK)
        return st;
    const nf_connection *c = &net->conns.items[o->index];
    REQUIRE((c->desc.kind == NF_CONNECTION_DENSE || c->desc.kind == NF_CONNECTION_SPARSE) &&
                !c->event,
            "%s: connection %d must be dense or sparse and not event-driven (propagation "
            "DENSE) to learn", fn, d->connection);
    REQUIRE(net->objects.items[c->pre].kind == NF_OBJ_POPULATION,
            "%s: connection %d must come from a population", fn, d->connection);
    REQUIRE(!d->mask || c->desc.kind == NF_CONNECTION_DENSE,
            "%s: mask is for a dense connection; connection %d is sparse (its CSR entries learn)",
            fn, d->connection);
    l->conn_index = o->index;
    l->pop = c->pre;
    l->copies = c->copies;
    l->n = c->n_pre;
    l->rows = c->n_post;
    if ((st = plan_error(net, fn, d, l)) != NF_OK)
        return st;
    if ((st = list_synapses(net, fn, d, c, l, plan)) != NF_OK)
        return st;
    if (!(plan->p_off = malloc((size_t)l->rows * sizeof *plan->p_off + 1)))
        return host_oom(net, fn);
    int64_t total = 0;
    for (int32_t i = 0; i < l->rows; i++) {
        const int32_t k = l->h_row_ptr[i + 1] - l->h_row_ptr[i];
        plan->p_off[i] = total;
        total += (int64_t)k * k;
        if (k > l->max_k)
            l->max_k = k;
    }
    l->p_count = total;
    return NF_OK;
}

nf_status nf__learner_masked_buffers(nf_network *net, nf_learner *l, const nf_masked_plan *plan) {
    const size_t rows = (size_t)l->rows, nnz = (size_t)l->nnz;
    nf_status st = nf__alloc_bytes(net, (rows + 1) * sizeof(int32_t), (void **)&l->row_ptr);
    if (st == NF_OK)
        st = nf__alloc_bytes(net, nnz * sizeof(int32_t), (void **)&l->col);
    if (st == NF_OK)
        st = nf__alloc_bytes(net, nnz * sizeof(int64_t), (void **)&l->w_index);
    if (st == NF_OK)
        st = nf__alloc_bytes(net, rows * sizeof(int64_t), (void **)&l->p_off);
    if (st == NF_OK)
        st = nf__upload(net, l->row_ptr, l->h_row_ptr, (rows + 1) * sizeof(int32_t));
    if (st == NF_OK)
        st = nf__upload(net, l->col, plan->col, nnz * sizeof(int32_t));
    if (st == NF_OK)
        st = nf__upload(net, l->w_index, plan->w_index, nnz * sizeof(int64_t));
    if (st == NF_OK)
        st = nf__upload(net, l->p_off, plan->p_off, rows * sizeof(int64_t));
    return st;
}

nf_status nf__learner_check_desired(nf_network *net, const char *fn, const nf_learner_desc *d,
                                    nf_learner *l) {
    REQUIRE(d->desired && d->n_desired >= 1 && d->n_desired <= NF_LEARNER_MAX_DESIRED,
            "%s: desired must list 1 to %d connections, got %d", fn, NF_LEARNER_MAX_DESIRED,
            d->desired ? d->n_desired : 0);
    for (int32_t i = 0; i < d->n_desired; i++) {
        nf_object *o;
        nf_status st = nf__lookup(net, fn, "desired[i]", d->desired[i], NF_OBJ_CONNECTION, &o);
        if (st != NF_OK)
            return st;
        const nf_connection *dc = &net->conns.items[o->index];
        REQUIRE(dc->n_post == l->rows,
                "%s: desired[%d] (connection %d) feeds %d neurons, the learning connection %d",
                fn, i, d->desired[i], dc->n_post, l->rows);
        l->desired[i] = o->index;
    }
    return NF_OK;
}
