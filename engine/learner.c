/*
 * FORCE learners (recursive least squares). A readout learner compares the
 * readout z = W_out r with a target input f each step, e = z - f, and on its
 * due steps updates P (P(0) = I/alpha) and W_out:
 *   k = P r; c = 1/(1 + r.k); P -= c k k^T; W_out -= c e k^T (or e k^T).
 * r is the readout population's filtered output of the same step.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

nf_learner_desc nf_learner_defaults(void) {
    nf_learner_desc d = {0};
    d.kind = NF_LEARNER_READOUT;
    d.readout = -1;
    d.target = -1;
    d.alpha = 1.0f;
    d.every = 1;
    d.rule = NF_RLS_SUSSILLO_ABBOTT;
    return d;
}

void nf__learner_free(nf_network *net, nf_learner *l) {
    nf__free(net, l->p);
    nf__free(net, l->e);
    nf__free(net, l->k);
    l->p = l->e = l->k = NULL;
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

nf_status nf_learner_add(nf_network *net, const nf_learner_desc *d, int32_t *id) {
    static const char fn[] = "nf_learner_add";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(d, "%s: desc must not be NULL", fn);
    REQUIRE(id, "%s: id must not be NULL", fn);
    REQUIRE(d->kind == NF_LEARNER_READOUT, "%s: kind %d is not an nf_learner_kind", fn,
            (int)d->kind);
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
    REQUIRE(isfinite(d->alpha) && d->alpha > 0.0f, "%s: alpha must be > 0, got %g", fn,
            (double)d->alpha);
    REQUIRE(d->every >= 1, "%s: every must be >= 1, got %d", fn, d->every);
    REQUIRE(d->start >= 0, "%s: start must be >= 0, got %lld", fn, (long long)d->start);
    REQUIRE(d->stop == 0 || d->stop > d->start, "%s: stop must be 0 or > start (%lld), got %lld",
            fn, (long long)d->start, (long long)d->stop);
    REQUIRE(d->rule == NF_RLS_SUSSILLO_ABBOTT || d->rule == NF_RLS_NICOLA_CLOPATH,
            "%s: rule %d is not an nf_rls_rule", fn, (int)d->rule);
    if ((double)r->copies * r->n * r->n > (double)(INT64_C(1) << 38))
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: %d P matrices of %d x %d are too large",
                        fn, r->copies, r->n, r->n);
    if ((st = NF_RESERVE_OBJECT(net, net->learners)) != NF_OK)
        return st;
    nf_learner l = {.desc = *d, .readout_index = ro->index, .copies = r->copies, .n = r->n,
                    .dim = r->dim, .enabled = true};
    const size_t batch = (size_t)net->desc.batch;
    st = nf__alloc(net, (size_t)l.copies * l.n * l.n, &l.p);
    if (st == NF_OK)
        st = nf__alloc(net, batch * l.dim, &l.e);
    if (st == NF_OK)
        st = nf__alloc(net, batch * (l.n + 1), &l.k);
    if (st == NF_OK)
        st = p_identity(net, &l);
    if (st != NF_OK) {
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
    for (int32_t c = 0; c < l->copies; c++)
        for (int32_t i = 0; i < l->n; i++)
            for (int32_t j = 0; j < i; j++) {
                const float *pc = p + (size_t)c * l->n * l->n;
                REQUIRE(pc[(size_t)i * l->n + j] == pc[(size_t)j * l->n + i],
                        "%s: p must be symmetric, copy %d has p[%d][%d] = %g != p[%d][%d] = %g",
                        fn, c, i, j, (double)pc[(size_t)i * l->n + j], j, i,
                        (double)pc[(size_t)j * l->n + i]);
            }
    return nf__upload(net, l->p, p, count * sizeof(float));
}

nf_status nf__learners_step(nf_network *net) {
    for (int32_t i = 0; i < net->learners.count; i++) {
        nf_learner *l = &net->learners.items[i];
        nf_readout *r = &net->readouts.items[l->readout_index];
        const nf_input *f = &net->inputs.items[net->objects.items[l->desc.target].index];
        nf_rls_args a = {.batch = net->desc.batch, .n = l->n, .dim = l->dim,
                         .per_batch = l->copies > 1, .rule = l->desc.rule,
                         .enabled = l->enabled, .every = l->desc.every,
                         .start = l->desc.start, .stop = l->desc.stop, .p = l->p, .w = r->w,
                         .r = nf__signal(net, r->pop), .z = r->z,
                         .target = nf__input_row(net, f), .e = l->e, .k = l->k};
        nf_status st = net->be->rls_update(net->ctx, &a);
        if (st != NF_OK)
            return nf__backend_fail(net, st, "nf_network_run: learning");
    }
    return NF_OK;
}
