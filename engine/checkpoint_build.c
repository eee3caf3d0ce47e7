/*
 * The network a checkpoint describes, rebuilt object by object in id order
 * through the same calls that built it (nf_population_add, nf_connect with
 * the saved weights given, nf_readout_add, nf_learner_add with its saved
 * structure, nf_probe_add), so that every descriptor is validated as it was;
 * then the state those calls do not set is restored from the members (state
 * variables, filter and post-side filter state, z, P, rate sums, unread probe
 * rows) and from the metadata (stream positions, input cursors, probe starts,
 * the step count). Each descriptor starts from its *_defaults(), so a key an
 * older file lacks keeps the default.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

#ifdef NF_HAVE_LIBZIP

#include "checkpoint_load.h"

static void member_name(char *buf, size_t cap, const char *kind, int32_t id, const char *array) {
    snprintf(buf, cap, "%s_%d/%s.npy", kind, id, array);
}

static nf_status fields(nf_loader *ld, const char *prefix, const nf_ckpt_table *t, void *obj) {
    char why[256];
    nf_status st = nf__ckpt_read_fields(&ld->meta, prefix, t, obj, why, sizeof why);
    return st == NF_OK ? st : nf__load_fail(ld, st, "member '%s': %s", NF_CKPT_METADATA, why);
}

/* A required integer key `<prefix>.<field>` in [lo, hi]. */
static nf_status required(nf_loader *ld, const char *prefix, const char *field, int64_t lo,
                          int64_t hi, int64_t *out) {
    char key[96], why[256];
    snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", field);
    nf_status st = nf__ckpt_meta_i64(&ld->meta, key, lo, hi, out, why, sizeof why);
    return st == NF_OK ? st : nf__load_fail(ld, st, "member '%s': %s", NF_CKPT_METADATA, why);
}

/* The object `id` (< the objects built so far) if it is of `kind`, else NULL. */
static void *object_of(nf_loader *ld, int64_t id, nf_object_kind kind) {
    nf_network *net = ld->net;
    if (id < 0 || id >= net->objects.count || net->objects.items[id].kind != kind)
        return NULL;
    const int32_t i = net->objects.items[id].index;
    switch (kind) {
    case NF_OBJ_POPULATION: return &net->pops.items[i];
    case NF_OBJ_CONNECTION: return &net->conns.items[i];
    case NF_OBJ_READOUT: return &net->readouts.items[i];
    default: return NULL;
    }
}

// --- populations and inputs

static nf_status build_population(nf_loader *ld, int32_t id, const char *prefix) {
    nf_network *net = ld->net;
    int64_t model, n;
    nf_status st = required(ld, prefix, "model", INT32_MIN, INT32_MAX, &model);
    if (st == NF_OK)
        st = required(ld, prefix, "n", 1, INT32_MAX, &n);
    if (st != NF_OK)
        return st;
    nf_population_desc d = nf_population_defaults((nf_model)model, (int32_t)n);
    if ((st = fields(ld, prefix, &nf__ckpt_population_desc, &d)) != NF_OK)
        return st;
    const int64_t one[1] = {d.n}, two[2] = {ld->batch, d.n};
    char name[96];
    size_t bytes;
    /* the output member bounds every [batch][n] buffer the population allocates */
    member_name(name, sizeof name, "population", id, "output");
    if (!nf__load_bytes(NF_CKPT_F4, 2, two, &bytes))
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "%s: batch x n is too large", prefix);
    if ((st = nf__load_precheck(ld, name, bytes)) != NF_OK)
        return st;
    float *gains = NULL, *biases = NULL;
    member_name(name, sizeof name, "population", id, "gains");
    st = nf__load_array(ld, name, NF_CKPT_F4, 1, one, (void **)&gains);
    member_name(name, sizeof name, "population", id, "biases");
    if (st == NF_OK)
        st = nf__load_array(ld, name, NF_CKPT_F4, 1, one, (void **)&biases);
    d.gains = gains;
    d.biases = biases;
    int32_t got;
    if (st == NF_OK && (st = nf_population_add(net, &d, &got)) != NF_OK)
        st = nf__load_object_fail(ld, id, "population", st);
    free(gains);
    free(biases);
    if (st != NF_OK)
        return st;
    nf_population *p = &net->pops.items[net->pops.count - 1];
    for (int k = 0; k < NF_STATE_KIND_COUNT && st == NF_OK; k++) {
        float *slot = nf__state_slot(p, (nf_state_kind)k);
        char array[48];
        nf__ckpt_state_member((nf_state_kind)k, array, sizeof array);
        member_name(name, sizeof name, "population", id, array);
        if (slot)
            st = nf__load_upload(ld, name, NF_CKPT_F4, 2, two, slot,
                                 k == NF_STATE_OUTPUT ? NF_CKPT_ANY : NF_CKPT_FINITE);
    }
    int64_t stats = 0;
    if (st == NF_OK)
        st = required(ld, prefix, "rate_stats", 0, 1, &stats);
    if (st == NF_OK && stats) {
        if ((st = nf_population_rate_stats_enable(net, id, 1)) != NF_OK)
            return nf__load_object_fail(ld, id, "population", st);
        member_name(name, sizeof name, "population", id, "rate_sums");
        st = nf__load_upload(ld, name, NF_CKPT_F8, 2, two, p->abs_sum, NF_CKPT_ANY);
    }
    nf_population run = {.rng_offset = p->rng_offset};
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_population_run, &run);
    if (st == NF_OK && (run.rate_from < 0 || run.rate_from > ld->run.step))
        st = nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                           "%s.rate_from = %lld is outside [0, run.step = %lld]", prefix,
                           (long long)run.rate_from, (long long)ld->run.step);
    p->rng_offset = run.rng_offset;
    p->rate_from = run.rate_from;
    return st;
}

static nf_status build_input(nf_loader *ld, int32_t id, const char *prefix) {
    nf_network *net = ld->net;
    int64_t dim, steps, cursor;
    nf_status st = required(ld, prefix, "dim", 1, INT32_MAX, &dim);
    if (st == NF_OK)
        st = required(ld, prefix, "steps", 1, INT64_MAX, &steps);
    if (st == NF_OK)
        st = required(ld, prefix, "cursor", 0, steps > 1 ? steps : 0, &cursor);
    if (st != NF_OK)
        return st;
    const int64_t shape[3] = {steps, ld->batch, dim};
    char name[96];
    member_name(name, sizeof name, "input", id, "values");
    float *values = NULL;
    int32_t got;
    if ((st = nf__load_array(ld, name, NF_CKPT_F4, 3, shape, (void **)&values)) != NF_OK)
        return st;
    if ((st = nf_input_add(net, (int32_t)dim, &got)) != NF_OK ||
        (st = nf_input_set(net, got, steps, values)) != NF_OK)
        st = nf__load_object_fail(ld, id, "input", st);
    free(values);
    if (st == NF_OK)
        net->inputs.items[net->inputs.count - 1].cursor = cursor;
    return st;
}

// --- connections and readouts

/* The size of what a pre object provides, or -1 for another kind. */
static int64_t pre_size(nf_loader *ld, int64_t pre) {
    const nf_population *p = object_of(ld, pre, NF_OBJ_POPULATION);
    const nf_readout *r = object_of(ld, pre, NF_OBJ_READOUT);
    if (p)
        return p->desc.n;
    if (r)
        return r->dim;
    if (pre >= 0 && pre < ld->net->objects.count &&
        ld->net->objects.items[pre].kind == NF_OBJ_INPUT)
        return ld->net->inputs.items[ld->net->objects.items[pre].index].dim;
    return -1;
}

/* The saved weights (and CSR) into d, as an init GIVEN descriptor. */
static nf_status connection_arrays(nf_loader *ld, int32_t id, nf_connection_desc *d,
                                   int64_t n_pre, int64_t n_post, void *held[3]) {
    const int64_t copies = d->per_batch ? ld->batch : 1;
    char name[96];
    nf_status st = NF_OK;
    member_name(name, sizeof name, "connection", id, "weights");
    if (d->kind == NF_CONNECTION_DENSE) {
        const int64_t shape[3] = {copies, n_post, n_pre};
        st = copies > 1 ? nf__load_array(ld, name, NF_CKPT_F4, 3, shape, &held[0])
                        : nf__load_array(ld, name, NF_CKPT_F4, 2, shape + 1, &held[0]);
    } else {
        const int64_t ptr[1] = {n_post + 1};
        member_name(name, sizeof name, "connection", id, "row_ptr");
        if ((st = nf__load_array(ld, name, NF_CKPT_I4, 1, ptr, &held[1])) != NF_OK)
            return st;
        const int64_t nnz = ((const int32_t *)held[1])[n_post];
        if (nnz < 0)
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': row_ptr[%lld] = %lld "
                                 "is negative", name, (long long)n_post, (long long)nnz);
        const int64_t shape[2] = {copies, nnz};
        member_name(name, sizeof name, "connection", id, "col_idx");
        st = nf__load_array(ld, name, NF_CKPT_I4, 1, shape + 1, &held[2]);
        member_name(name, sizeof name, "connection", id, "weights");
        if (st == NF_OK)
            st = copies > 1 ? nf__load_array(ld, name, NF_CKPT_F4, 2, shape, &held[0])
                            : nf__load_array(ld, name, NF_CKPT_F4, 1, shape + 1, &held[0]);
        d->nnz = nnz;
        d->row_ptr = held[1];
        d->col_idx = held[2];
    }
    d->init = NF_WEIGHTS_GIVEN;
    d->weights = held[0];
    return st;
}

static nf_status build_connection(nf_loader *ld, int32_t id, const char *prefix) {
    nf_network *net = ld->net;
    int64_t pre, post;
    nf_status st = required(ld, prefix, "pre", 0, id - 1, &pre);
    if (st == NF_OK)
        st = required(ld, prefix, "post", 0, id - 1, &post);
    nf_connection_desc d = nf_connection_defaults();
    nf_connection run = {0};
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_connection_desc, &d);
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_connection_run, &run);
    if (st != NF_OK)
        return st;
    const nf_weights_init init = d.init;
    const int64_t nnz = d.nnz;
    const nf_population *to = object_of(ld, post, NF_OBJ_POPULATION);
    const int64_t n_pre = pre_size(ld, pre);
    void *held[3] = {NULL, NULL, NULL};
    /* anything else is refused by nf_connect, with its message */
    if (to && n_pre >= 0 && (d.kind == NF_CONNECTION_DENSE || d.kind == NF_CONNECTION_SPARSE))
        st = connection_arrays(ld, id, &d, n_pre, to->desc.n, held);
    int32_t got;
    if (st == NF_OK && (st = nf_connect(net, (int32_t)pre, (int32_t)post, &d, &got)) != NF_OK)
        st = nf__load_object_fail(ld, id, "connection", st);
    for (int k = 0; k < 3; k++)
        free(held[k]);
    if (st != NF_OK)
        return st;
    nf_connection *c = &net->conns.items[net->conns.count - 1];
    c->desc.init = init;
    c->desc.nnz = nnz;
    if (!c->event)
        return NF_OK;
    const int64_t shape[2] = {ld->batch, c->n_post};
    char name[96];
    member_name(name, sizeof name, "connection", id, "acc");
    st = nf__load_upload(ld, name, NF_CKPT_F4, 2, shape, c->acc, NF_CKPT_ANY);
    member_name(name, sizeof name, "connection", id, "post_filter");
    if (st == NF_OK && c->pf0)
        st = nf__load_upload(ld, name, NF_CKPT_F4, 2, shape, c->pf0, NF_CKPT_ANY);
    member_name(name, sizeof name, "connection", id, "post_filter_aux");
    if (st == NF_OK && c->pf1)
        st = nf__load_upload(ld, name, NF_CKPT_F4, 2, shape, c->pf1, NF_CKPT_ANY);
    return st;
}

static nf_status build_readout(nf_loader *ld, int32_t id, const char *prefix) {
    nf_network *net = ld->net;
    int64_t pop, dim;
    nf_status st = required(ld, prefix, "pop", 0, id - 1, &pop);
    if (st == NF_OK)
        st = required(ld, prefix, "dim", 1, INT32_MAX, &dim);
    nf_readout_desc d = {0};
    nf_readout run = {0};
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_readout_desc, &d);
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_readout_run, &run);
    if (st != NF_OK)
        return st;
    const nf_population *p = object_of(ld, pop, NF_OBJ_POPULATION);
    const int64_t copies = d.per_batch ? ld->batch : 1, z[2] = {ld->batch, dim};
    char name[96];
    float *w = NULL;
    if (p) {
        const int64_t shape[3] = {copies, dim, p->desc.n};
        member_name(name, sizeof name, "readout", id, "weights");
        st = copies > 1 ? nf__load_array(ld, name, NF_CKPT_F4, 3, shape, (void **)&w)
                        : nf__load_array(ld, name, NF_CKPT_F4, 2, shape + 1, (void **)&w);
        size_t bytes;
        member_name(name, sizeof name, "readout", id, "z");
        if (st == NF_OK && !nf__load_bytes(NF_CKPT_F4, 2, z, &bytes))
            st = nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "%s: batch x dim is too large",
                               prefix);
        if (st == NF_OK)
            st = nf__load_precheck(ld, name, bytes);
    }
    d.weights = w;
    int32_t got;
    if (st == NF_OK && (st = nf_readout_add(net, (int32_t)pop, (int32_t)dim, &d, &got)) != NF_OK)
        st = nf__load_object_fail(ld, id, "readout", st);
    free(w);
    if (st != NF_OK)
        return st;
    nf_readout *r = &net->readouts.items[net->readouts.count - 1];
    r->rng_offset = run.rng_offset;
    member_name(name, sizeof name, "readout", id, "z");
    return nf__load_upload(ld, name, NF_CKPT_F4, 2, z, r->z, NF_CKPT_FINITE);
}

// --- learners and probes

/* Sum over the rows of K_i^2, K_i the row's learning synapses (dense: the
 * mask's nonzeros; sparse: its CSR entries); -1 when it overflows. */
static int64_t masked_p_count(nf_loader *ld, const nf_connection *c, const uint8_t *mask) {
    int32_t *row_ptr = NULL;
    if (!mask) {
        row_ptr = malloc(((size_t)c->n_post + 1) * sizeof *row_ptr);
        if (!row_ptr ||
            nf__download(ld->net, row_ptr, c->index_ptr, ((size_t)c->n_post + 1) * 4) != NF_OK) {
            free(row_ptr);
            return -1;
        }
    }
    int64_t total = 0;
    for (int32_t i = 0; i < c->n_post; i++) {
        int64_t k = 0;
        if (mask)
            for (int32_t j = 0; j < c->n_pre; j++)
                k += mask[(size_t)i * c->n_pre + j] != 0;
        else
            k = (int64_t)row_ptr[i + 1] - row_ptr[i];
        if (k < 0 || __builtin_add_overflow(total, k * k, &total))
            total = -1;
        if (total < 0)
            break;
    }
    free(row_ptr);
    return total;
}

/* The saved row_scale, desired and mask into d; *p_bytes the bytes P will
 * take (0 when the descriptor is one nf_learner_add refuses). */
static nf_status learner_arrays(nf_loader *ld, int32_t id, nf_learner_desc *d, void *held[3],
                                size_t *p_bytes) {
    const nf_readout *r = object_of(ld, d->readout, NF_OBJ_READOUT);
    const nf_connection *c = object_of(ld, d->connection, NF_OBJ_CONNECTION);
    char name[96];
    nf_status st = NF_OK;
    int64_t copies = 0, n = 0, p_count = -1;
    *p_bytes = 0;
    if (d->kind == NF_LEARNER_READOUT && r) {
        copies = r->copies, n = r->n, p_count = n * n;
        if (c && d->connection >= 0) {
            const int64_t shape[2] = {c->n_post, r->dim};
            member_name(name, sizeof name, "learner", id, "row_scale");
            st = nf__load_array(ld, name, NF_CKPT_F4, 2, shape, &held[0]);
            d->row_scale = held[0];
        }
    } else if ((d->kind == NF_LEARNER_CURRENTS || d->kind == NF_LEARNER_MASKED) && c) {
        copies = c->copies, n = c->n_pre, p_count = n * n;
        if (d->kind == NF_LEARNER_MASKED && c->desc.kind == NF_CONNECTION_DENSE) {
            const int64_t shape[2] = {c->n_post, c->n_pre};
            member_name(name, sizeof name, "learner", id, "mask");
            st = nf__load_array(ld, name, NF_CKPT_U1, 2, shape, &held[1]);
            d->mask = held[1];
            p_count = st == NF_OK ? masked_p_count(ld, c, held[1]) : -1;
        } else if (d->kind == NF_LEARNER_MASKED) {
            p_count = c->desc.kind == NF_CONNECTION_SPARSE && !c->event
                          ? masked_p_count(ld, c, NULL)
                          : -1;
        }
    }
    if (st == NF_OK && d->n_desired >= 1 && d->n_desired <= NF_LEARNER_MAX_DESIRED) {
        const int64_t shape[1] = {d->n_desired};
        member_name(name, sizeof name, "learner", id, "desired");
        st = nf__load_array(ld, name, NF_CKPT_I4, 1, shape, &held[2]);
        d->desired = held[2];
    }
    const int64_t shape[2] = {copies, p_count};
    size_t bytes;
    if (st == NF_OK && p_count >= 0 &&
        nf__load_bytes(d->p_precision == NF_PRECISION_F64 ? NF_CKPT_F8 : NF_CKPT_F4, 2, shape,
                       &bytes))
        *p_bytes = bytes;
    return st;
}

static nf_status build_learner(nf_loader *ld, int32_t id, const char *prefix) {
    nf_network *net = ld->net;
    nf_learner_desc d = nf_learner_defaults();
    nf_learner run = {.enabled = true};
    nf_status st = fields(ld, prefix, &nf__ckpt_learner_desc, &d);
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_learner_run, &run);
    if (st != NF_OK)
        return st;
    void *held[3] = {NULL, NULL, NULL};
    size_t p_bytes = 0;
    char name[96];
    member_name(name, sizeof name, "learner", id, "P");
    st = learner_arrays(ld, id, &d, held, &p_bytes);
    /* P is allocated by nf_learner_add: the member must hold as much */
    if (st == NF_OK && p_bytes)
        st = nf__load_precheck(ld, name, p_bytes);
    int32_t got;
    if (st == NF_OK && (st = nf_learner_add(net, &d, &got)) != NF_OK)
        st = nf__load_object_fail(ld, id, "learner", st);
    for (int k = 0; k < 3; k++)
        free(held[k]);
    if (st != NF_OK)
        return st;
    nf_learner *l = &net->learners.items[net->learners.count - 1];
    const nf_ckpt_dtype t = l->f64 ? NF_CKPT_F8 : NF_CKPT_F4;
    const int64_t p3[3] = {l->copies, l->n, l->n}, p2[2] = {l->copies, l->p_count};
    if (l->desc.kind == NF_LEARNER_MASKED)
        st = l->copies > 1 ? nf__load_upload(ld, name, t, 2, p2, l->p, NF_CKPT_FINITE)
                           : nf__load_upload(ld, name, t, 1, p2 + 1, l->p, NF_CKPT_FINITE);
    else
        st = l->copies > 1 ? nf__load_upload(ld, name, t, 3, p3, l->p, NF_CKPT_FINITE)
                           : nf__load_upload(ld, name, t, 2, p3 + 1, l->p, NF_CKPT_FINITE);
    l->enabled = run.enabled;
    return st;
}

static nf_status build_probe(nf_loader *ld, int32_t id, const char *prefix) {
    nf_network *net = ld->net;
    nf_probe s = {.state = (nf_state_kind)-1, .every = 1};
    int64_t target, what;
    nf_status st = required(ld, prefix, "target", 0, id - 1, &target);
    if (st == NF_OK)
        st = required(ld, prefix, "what", INT32_MIN, INT32_MAX, &what);
    if (st == NF_OK)
        st = fields(ld, prefix, &nf__ckpt_probe, &s);
    if (st != NF_OK)
        return st;
    int32_t got;
    st = s.what == NF_PROBE_STATE ? nf_probe_add_state(net, s.target, s.state, s.every, &got)
                                  : nf_probe_add(net, s.target, s.what, s.every, &got);
    if (st != NF_OK)
        return nf__load_object_fail(ld, id, "probe", st);
    nf_probe *p = &net->probes.items[net->probes.count - 1];
    const int64_t step = ld->run.step;
    if (s.start < 0 || s.start > step || s.rows < 0 || s.rows > (step - s.start) / s.every)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "%s: start %lld and rows %lld do not fit the step count %lld "
                             "(0 <= start <= step, rows <= (step - start) / every)",
                             prefix, (long long)s.start, (long long)s.rows, (long long)step);
    const int64_t shape[3] = {s.rows, ld->batch, p->row_floats / ld->batch};
    char name[96];
    size_t bytes;
    member_name(name, sizeof name, "probe", id, "rows");
    if (!nf__load_bytes(NF_CKPT_F4, 3, shape, &bytes))
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "%s: %lld rows are too many", prefix,
                             (long long)s.rows);
    if ((st = nf__load_precheck(ld, name, bytes)) != NF_OK)
        return st;
    const size_t count = bytes / sizeof(float);
    if (count && (st = nf__alloc(net, count, &p->buf)) != NF_OK)
        return nf__load_object_fail(ld, id, "probe", st);
    if ((st = nf__load_upload(ld, name, NF_CKPT_F4, 3, shape, p->buf, NF_CKPT_ANY)) != NF_OK)
        return st;
    p->capacity = p->rows = s.rows;
    p->start = s.start;
    return NF_OK;
}

// --- the network

static nf_status build_network(nf_loader *ld, nf_backend backend, int32_t device) {
    char text[64], why[256];
    nf_status st = nf__ckpt_meta_string(&ld->meta, "format", text, sizeof text, why, sizeof why);
    if (st != NF_OK || strcmp(text, NF_CKPT_FORMAT))
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s' has no 'format = %s' "
                             "line: not a neurofuse checkpoint", NF_CKPT_METADATA, NF_CKPT_FORMAT);
    int64_t version;
    if ((st = required(ld, "", "format_version", 1, INT64_MAX, &version)) != NF_OK)
        return st;
    if (version > NF_CKPT_FORMAT_VERSION)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT,
                             "written in checkpoint format version %lld by a newer neurofuse; "
                             "this library (%s) reads format version %d: load it with a newer "
                             "neurofuse", (long long)version, nf_version(),
                             NF_CKPT_FORMAT_VERSION);
    if (nf__ckpt_meta_string(&ld->meta, "library_version", text, sizeof text, why,
                             sizeof why) != NF_OK ||
        nf__ckpt_meta_string(&ld->meta, "saved_on", text, sizeof text, why, sizeof why) != NF_OK)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': %s", NF_CKPT_METADATA,
                             why);
    nf_network_desc d = nf_network_defaults();
    if ((st = fields(ld, "network", &nf__ckpt_network_desc, &d)) != NF_OK)
        return st;
    ld->run.dt = d.dt;
    ld->run.mode = NF_MODE_SPIKING;
    ld->run.batch_global = d.batch;
    if ((st = fields(ld, "run", &nf__ckpt_network_run, &ld->run)) != NF_OK)
        return st;
    if (ld->run.step < 0)
        return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "run.step = %lld is negative",
                             (long long)ld->run.step);
    d.backend = backend;
    d.device = device;
    char message[sizeof ld->net->error];
    if (ld->run.window) { /* network.batch is the window's count */
        const int32_t count = d.batch;
        d.batch = ld->run.batch_global;
        st = nf_network_create_window(&d, ld->run.batch_first, count, &ld->net, message,
                                      sizeof message);
    } else {
        st = nf_network_create_ex(&d, &ld->net, message, sizeof message);
    }
    if (st != NF_OK)
        return nf__load_fail(ld, st, "cannot create the network: %s", message);
    ld->batch = ld->net->desc.batch;
    ld->net->restoring = true; /* learners' P come from the file */
    if ((st = nf_network_set_dt(ld->net, ld->run.dt)) != NF_OK ||
        (st = nf_network_set_mode(ld->net, ld->run.mode)) != NF_OK)
        return nf__load_fail(ld, st, "run: %s", ld->net->error);
    return NF_OK;
}

nf_status nf__load_build(nf_loader *ld, nf_backend backend, int32_t device) {
    static const struct {
        const char *kind;
        nf_status (*build)(nf_loader *, int32_t, const char *);
    } builders[] = {{"population", build_population}, {"input", build_input},
                    {"connection", build_connection}, {"readout", build_readout},
                    {"learner", build_learner},       {"probe", build_probe}};
    nf_status st = build_network(ld, backend, device);
    int64_t objects = 0, devices = 0;
    if (st == NF_OK)
        st = required(ld, "", "objects", 0, INT32_MAX, &objects);
    if (st == NF_OK)
        st = required(ld, "", "energy_devices", 0, INT32_MAX, &devices);
    for (int32_t id = 0; id < objects && st == NF_OK; id++) {
        char key[48], kind[32], why[256], prefix[64];
        snprintf(key, sizeof key, "object_%d", id);
        if ((st = nf__ckpt_meta_string(&ld->meta, key, kind, sizeof kind, why, sizeof why)))
            return nf__load_fail(ld, st, "member '%s': %s", NF_CKPT_METADATA, why);
        size_t b = 0;
        while (b < sizeof builders / sizeof *builders && strcmp(builders[b].kind, kind))
            b++;
        if (b == sizeof builders / sizeof *builders)
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': %s = '%.20s' is "
                                 "not a kind of object", NF_CKPT_METADATA, key, kind);
        snprintf(prefix, sizeof prefix, "%s_%d", kind, id);
        st = builders[b].build(ld, id, prefix);
        if (st == NF_OK && ld->net->objects.count != id + 1)
            st = nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "%s was not built as object %d",
                               prefix, id);
    }
    for (int32_t i = 0; i < devices && st == NF_OK; i++) {
        nf_ckpt_energy_device e = {.spiking = 0};
        char prefix[48], key[64];
        snprintf(prefix, sizeof prefix, "energy_device_%d", i);
        snprintf(key, sizeof key, "%s.name", prefix);
        if (!nf__ckpt_meta_find(&ld->meta, key))
            return nf__load_fail(ld, NF_ERR_INVALID_ARGUMENT, "member '%s': the key '%s' is "
                                 "missing", NF_CKPT_METADATA, key);
        if ((st = fields(ld, prefix, &nf__ckpt_energy_device, &e)) == NF_OK &&
            (st = nf_energy_device_register(ld->net, e.name, e.e_synop, e.e_neuron,
                                            e.spiking)) != NF_OK)
            st = nf__load_fail(ld, st, "%s: %s", prefix, ld->net->error);
    }
    if (st == NF_OK) {
        ld->net->step = ld->run.step;
        ld->net->rng_next = ld->run.rng_next;
        ld->net->restoring = false;
    }
    return st;
}

#endif /* NF_HAVE_LIBZIP */
