/*
 * Probes: a copy of one [batch][dim] value at the end of every `every`-th
 * step, into a buffer on the backend that grows before a run (all or nothing)
 * and is emptied by reading. A probe started at step count S records after
 * step t (0-based) when (t - S + 1) % every == 0; the backend decides that
 * from its step counter, so a step's work is the same at every step.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The value a probe copies this step, and its dimension. */
static const float *probe_source(const nf_network *net, const nf_probe *p, int32_t *dim) {
    const nf_object *o = &net->objects.items[p->target];
    switch (o->kind) {
    case NF_OBJ_POPULATION: {
        const nf_population *pop = &net->pops.items[o->index];
        *dim = pop->desc.n;
        if (p->what == NF_PROBE_OUTPUT)
            return pop->out;
        if (p->what == NF_PROBE_FILTERED)
            return pop->f0 ? pop->f0 : pop->out;
        return nf__state_slot(pop, p->state);
    }
    case NF_OBJ_READOUT: {
        const nf_readout *r = &net->readouts.items[o->index];
        *dim = r->dim;
        return r->z;
    }
    case NF_OBJ_INPUT: {
        const nf_input *in = &net->inputs.items[o->index];
        *dim = in->dim;
        return nf__input_row(net, in);
    }
    case NF_OBJ_LEARNER: {
        const nf_learner *l = &net->learners.items[o->index];
        *dim = l->desc.kind == NF_LEARNER_READOUT ? l->dim : l->rows;
        return l->desc.kind == NF_LEARNER_READOUT ? l->e : l->row_e;
    }
    default: *dim = 0; return NULL;
    }
}

static nf_status probe_add(nf_network *net, const char *fn, int32_t target, nf_probe_kind what,
                           nf_state_kind state, int32_t every, int32_t *id) {
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "target", target, 0, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(every >= 1, "%s: every must be >= 1, got %d", fn, every);
    REQUIRE(id, "%s: id must not be NULL", fn);
    REQUIRE(what >= NF_PROBE_OUTPUT && what <= NF_PROBE_INPUT,
            "%s: what %d is not an nf_probe_kind", fn, (int)what);
    REQUIRE(what != NF_PROBE_ERROR || o->kind == NF_OBJ_LEARNER,
            "%s: NF_PROBE_ERROR needs a learner; target %d is not one", fn, target);
    switch (o->kind) {
    case NF_OBJ_POPULATION: {
        nf_population *pop = &net->pops.items[o->index];
        REQUIRE(what != NF_PROBE_INPUT, "%s: NF_PROBE_INPUT needs an input; target %d is a "
                "population", fn, target);
        if (what == NF_PROBE_STATE && state == (nf_state_kind)-1)
            state = nf__model_row(pop->desc.model)->probe;
        if (what == NF_PROBE_STATE) {
            REQUIRE((int)state >= 0 && (int)state < NF_STATE_KIND_COUNT,
                    "%s: which %d is not an nf_state_kind", fn, (int)state);
            REQUIRE(nf__state_slot(pop, state), "%s: population %d (%s) has no %s", fn, target,
                    nf__model_name(pop->desc.model), nf__state_name(state));
        }
        break;
    }
    case NF_OBJ_READOUT:
        REQUIRE(what == NF_PROBE_OUTPUT, "%s: a readout (target %d) has only NF_PROBE_OUTPUT",
                fn, target);
        break;
    case NF_OBJ_LEARNER:
        REQUIRE(what == NF_PROBE_ERROR, "%s: a learner (target %d) has only NF_PROBE_ERROR", fn,
                target);
        break;
    case NF_OBJ_INPUT:
        REQUIRE(what == NF_PROBE_INPUT, "%s: an input (target %d) has only NF_PROBE_INPUT", fn,
                target);
        break;
    default:
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                        "%s: target %d is not a population, readout, input or learner", fn,
                        target);
    }
    if ((st = NF_RESERVE_OBJECT(net, net->probes)) != NF_OK)
        return st;
    nf_probe p = {.target = target, .what = what, .state = state, .every = every,
                  .start = net->step};
    int32_t dim;
    probe_source(net, &p, &dim);
    p.row_floats = (int64_t)net->desc.batch * dim;
    net->probes.items[net->probes.count] = p;
    *id = nf__object_push(net, NF_OBJ_PROBE, net->probes.count++);
    return NF_OK;
}

nf_status nf_probe_add(nf_network *net, int32_t target, nf_probe_kind what, int32_t every,
                       int32_t *id) {
    NF_ENTER(net);
    return probe_add(net, "nf_probe_add", target, what, (nf_state_kind)-1, every, id);
}

nf_status nf_probe_add_state(nf_network *net, int32_t pop, nf_state_kind which, int32_t every,
                             int32_t *id) {
    NF_ENTER(net);
    if (net && (pop < 0 || pop >= net->objects.count ||
                net->objects.items[pop].kind != NF_OBJ_POPULATION))
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                        "nf_probe_add_state: pop %d is not a population (ids 0..%d)", pop,
                        net->objects.count - 1);
    if (net && which == (nf_state_kind)-1)
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                        "nf_probe_add_state: which -1 is not an nf_state_kind");
    return probe_add(net, "nf_probe_add_state", pop, NF_PROBE_STATE, which, every, id);
}

nf_status nf_probe_row_size(const nf_network *net, int32_t probe, int64_t *floats) {
    NF_ENTER(net);
    int32_t i;
    nf_status st = net ? nf__query(net, "nf_probe_row_size", "probe", probe, NF_OBJ_PROBE,
                                   floats, &i)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        *floats = net->probes.items[i].row_floats;
    return st;
}

nf_status nf_probe_rows(const nf_network *net, int32_t probe, int64_t *rows) {
    NF_ENTER(net);
    int32_t i;
    nf_status st = net ? nf__query(net, "nf_probe_rows", "probe", probe, NF_OBJ_PROBE, rows, &i)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        *rows = net->probes.items[i].rows;
    return st;
}

nf_status nf__probe_find(nf_network *net, const char *fn, int32_t probe, nf_probe **out) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "probe", probe, NF_OBJ_PROBE, &o);
    if (st == NF_OK)
        *out = &net->probes.items[o->index];
    return st;
}

nf_status nf_probe_read(nf_network *net, int32_t probe, float *dst, size_t capacity,
                        int64_t *rows) {
    NF_ENTER(net);
    static const char fn[] = "nf_probe_read";
    nf_probe *p;
    nf_status st = net ? nf__probe_find(net, fn, probe, &p) : NF_ERR_INVALID_ARGUMENT;
    if (st != NF_OK)
        return st;
    REQUIRE(rows, "%s: rows must not be NULL", fn);
    const size_t need = (size_t)(p->rows * p->row_floats);
    REQUIRE(dst || need == 0, "%s: dst must not be NULL (%lld rows to read)", fn,
            (long long)p->rows);
    REQUIRE(capacity >= need,
            "%s: capacity %zu floats is too small for %lld rows of %lld floats (%zu needed)",
            fn, capacity, (long long)p->rows, (long long)p->row_floats, need);
    if (need && (st = nf__download(net, dst, p->buf, need * sizeof(float))) != NF_OK)
        return st;
    *rows = p->rows;
    nf__probe_clear(p);
    return NF_OK;
}

void nf__probe_clear(nf_probe *p) { p->rows = 0; }

/* Recordings a probe makes over steps [from, from + steps). */
static int64_t recordings(const nf_probe *p, int64_t from, int64_t steps) {
    int64_t a = from - p->start, b = from + steps - p->start;
    return b / p->every - a / p->every;
}

nf_status nf__probes_reserve(nf_network *net, int64_t steps) {
    const int32_t count = net->probes.count;
    if (count == 0)
        return NF_OK;
    /* the new buffers and capacities, on the heap: there may be millions */
    float **grown = calloc((size_t)count, sizeof *grown);
    int64_t *caps = calloc((size_t)count, sizeof *caps);
    if (!grown || !caps) {
        free(grown);
        free(caps);
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_run: out of host memory");
    }
    nf_status st = NF_OK;
    int32_t i;
    for (i = 0; i < count && st == NF_OK; i++) {
        nf_probe *p = &net->probes.items[i];
        const int64_t need = p->rows + recordings(p, net->step, steps);
        caps[i] = p->capacity;
        if (need <= p->capacity)
            continue;
        caps[i] = p->capacity > INT64_MAX / 2 || need > 2 * p->capacity ? need : 2 * p->capacity;
        size_t floats;
        if (nf__mul_size((size_t)caps[i], (size_t)p->row_floats, &floats) ||
            floats > SIZE_MAX / sizeof(float)) {
            st = nf__fail(net, NF_ERR_OUT_OF_MEMORY,
                          "nf_network_run: probe %d would hold %lld rows of %lld floats, more "
                          "than memory can address; run fewer steps at a time and read it "
                          "between runs", i, (long long)need, (long long)p->row_floats);
            break;
        }
        st = nf__alloc(net, floats, &grown[i]);
        if (st == NF_OK && p->rows)
            st = net->be->copy(net->ctx, grown[i], p->buf,
                               (size_t)(p->rows * p->row_floats) * sizeof(float));
        if (st == NF_ERR_OUT_OF_MEMORY)
            st = nf__fail(net, st, "nf_network_run: out of memory for %lld rows of probe %d",
                          (long long)need, i);
    }
    if (st == NF_OK)
        for (i = 0; i < count; i++) {
            if (!grown[i])
                continue;
            nf__free(net, net->probes.items[i].buf);
            net->probes.items[i].buf = grown[i];
            net->probes.items[i].capacity = caps[i];
        }
    else
        for (int32_t k = 0; k < count; k++)
            nf__free(net, grown[k]);
    free(grown);
    free(caps);
    return st;
}

nf_status nf__probes_record(nf_network *net, int64_t first_step) {
    for (int32_t i = 0; i < net->probes.count; i++) {
        nf_probe *p = &net->probes.items[i];
        int32_t dim;
        nf_probe_record_args a = {.buf = p->buf, .src = probe_source(net, p, &dim),
                                  .row_floats = p->row_floats, .every = p->every,
                                  .start = p->start, .rows0 = p->rows, .first_step = first_step};
        nf_status st = net->be->probe_record(net->ctx, &a);
        if (st != NF_OK)
            return nf__backend_fail(net, st, "recording a probe");
    }
    return NF_OK;
}

void nf__probes_commit(nf_network *net, int64_t first_step, int64_t steps) {
    for (int32_t i = 0; i < net->probes.count; i++)
        net->probes.items[i].rows += recordings(&net->probes.items[i], first_step, steps);
}
