/*
 * Populations: defaults, validation of a descriptor, adding one (buffers,
 * gains, biases, the initial state drawn from the seed), and per-neuron gain
 * and bias. What differs between models comes from their rows of the model
 * table (kernels/math/models.h, engine/models.c): defaults, checks, state
 * slots and how each starts. The spiking conversion's accumulator (rate
 * models with desc.spiking) takes the slot after the model's own and starts
 * uniform in [0, 1), drawn after the model's draws. Draws are keyed by the
 * global batch element (batch windows).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static const nf_izhikevich_preset NF_IZH_PRESET_LAST = NF_IZHIKEVICH_RZ;

nf_status nf_izhikevich_preset_apply(nf_population_desc *d, nf_izhikevich_preset preset) {
    if (!d || preset < NF_IZHIKEVICH_RS || preset > NF_IZH_PRESET_LAST)
        return NF_ERR_INVALID_ARGUMENT;
    d->izh.order = NF_IZHIKEVICH_NENGO;
    d->bias = 0.0f;
    d->izh.a = 0.02f;
    d->izh.b = 0.2f;
    d->izh.c = -65.0f;
    d->izh.d = 8.0f;
    d->izh.v_peak = 30.0f;
    switch (preset) {
    case NF_IZHIKEVICH_RS: break;
    case NF_IZHIKEVICH_IB: d->izh.c = -55.0f; d->izh.d = 4.0f; break;
    case NF_IZHIKEVICH_CH: d->izh.c = -50.0f; d->izh.d = 2.0f; break;
    case NF_IZHIKEVICH_FS: d->izh.a = 0.1f; break;
    case NF_IZHIKEVICH_LTS: d->izh.b = 0.25f; break;
    case NF_IZHIKEVICH_RZ: d->izh.a = 0.1f; d->izh.b = 0.26f; break;
    }
    return NF_OK;
}

nf_status nf_lif_form_apply(nf_population_desc *d, nf_lif_form form) {
    if (!d || (form != NF_LIF_NENGO && form != NF_LIF_NICOLA_CLOPATH))
        return NF_ERR_INVALID_ARGUMENT;
    d->lif_form = form;
    d->bias = form == NF_LIF_NICOLA_CLOPATH ? -40.0f : 0.0f;
    return NF_OK;
}

/* Every model's defaults (so that a descriptor switched to another model
 * still holds its reference values), then the common fields, then the
 * model's own again: they win where models share a field (tau_ref, bias). */
nf_population_desc nf_population_defaults(nf_model m, int32_t n) {
    nf_population_desc d = {0};
    for (int k = 0; k < NF_MODEL_COUNT; k++)
        if (nf__model_row((nf_model)k)->defaults)
            nf__model_row((nf_model)k)->defaults(&d);
    d.model = nf__model_row(m) ? m : NF_MODEL_RELU;
    d.n = n;
    d.amplitude = 1.0f;
    d.gain = 1.0f;
    d.bias = 0.0f;
    d.filter.kind = NF_FILTER_NONE;
    if (nf__model_row(d.model)->defaults)
        nf__model_row(d.model)->defaults(&d);
    return d;
}

// --- validation

static nf_status check_filter(nf_network *net, const char *fn, const nf_filter_desc *f) {
    REQUIRE(f->kind >= NF_FILTER_NONE && f->kind <= NF_FILTER_DOUBLE_EXP,
            "%s: filter.kind %d is not an nf_filter_kind", fn, (int)f->kind);
    if (f->kind == NF_FILTER_LOWPASS)
        REQUIRE(isfinite(f->tau) && f->tau >= 0.0f,
                "%s: filter.tau must be >= 0 for a lowpass, got %g", fn, (double)f->tau);
    if (f->kind == NF_FILTER_ALPHA)
        REQUIRE(isfinite(f->tau) && f->tau > 0.0f,
                "%s: filter.tau must be > 0 for an alpha filter, got %g", fn, (double)f->tau);
    if (f->kind == NF_FILTER_DOUBLE_EXP) {
        REQUIRE(isfinite(f->tau_decay) && f->tau_decay > 0.0f,
                "%s: filter.tau_decay must be > 0, got %g", fn, (double)f->tau_decay);
        REQUIRE(isfinite(f->tau_rise) && f->tau_rise >= 0.0f,
                "%s: filter.tau_rise must be >= 0, got %g", fn, (double)f->tau_rise);
    }
    return NF_OK;
}

#define REQUIRE_FINITE(field)                                                                \
    REQUIRE(isfinite(d->field), "%s: " #field " must be finite, got %g", fn, (double)d->field)

/* The model's own fields, by its row. */
static nf_status check_model(nf_network *net, const char *fn, const nf_population_desc *d) {
    const nf_model_row *row = nf__model_row(d->model);
    nf_model_check c = {.fn = fn};
    if (row->check && !row->check(&c, d))
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT, "%s", c.message);
    return NF_OK;
}

static nf_status check_population(nf_network *net, const char *fn, const nf_population_desc *d) {
    REQUIRE(nf__model_row(d->model), "%s: model %d is not an nf_model", fn, (int)d->model);
    REQUIRE(d->n >= 1, "%s: n must be >= 1, got %d", fn, d->n);
    REQUIRE_FINITE(amplitude);
    REQUIRE_FINITE(gain);
    REQUIRE_FINITE(bias);
    nf_status st = check_model(net, fn, d);
    if (st == NF_OK && d->gains)
        st = nf__check_finite(net, fn, "gains", d->gains, (size_t)d->n);
    if (st == NF_OK && d->biases)
        st = nf__check_finite(net, fn, "biases", d->biases, (size_t)d->n);
    if (st == NF_OK)
        st = check_filter(net, fn, &d->filter);
    return st;
}

// --- initial state

/* How each used slot starts (the row's initial state, then the accumulator);
 * returns the number of slots used. */
static int initial_plan(const nf_population *p, nf_state_init init[NF_MODEL_SLOTS]) {
    const nf_model_row *row = nf__model_row(p->desc.model);
    if (row->initial)
        row->initial(&p->desc, init);
    int used = row->n_states;
    if (p->convert)
        init[used++] = (nf_state_init){NF_INIT_UNIFORM, 0.0f, 1.0f};
    return used;
}

nf_status nf__population_init_state(nf_network *net, nf_population *p) {
    const nf_population_desc *d = &p->desc;
    const nf_model_row *row = nf__model_row(d->model);
    const size_t count = (size_t)net->desc.batch * d->n, n = (size_t)d->n;
    const uint64_t span = nf__rng_span_batched(net, n); /* keyed by the global element */
    float *const slots[NF_MODEL_SLOTS] = {p->s0, p->s1, p->s2};
    nf_state_init init[NF_MODEL_SLOTS] = {{0}};
    const int used = initial_plan(p, init);
    uint64_t at = p->rng_offset;
    nf_status st = NF_OK;
    for (int k = 0; k < used && st == NF_OK; k++) {
        const nf_state_init *s = &init[k];
        switch (s->kind) {
        case NF_INIT_FILL: st = nf__fill(net, slots[k], s->a, count); break;
        case NF_INIT_UNIFORM:
            st = nf__draw_uniform_batched(net, at, slots[k], n, s->a, s->b);
            at += span;
            break;
        case NF_INIT_NORMAL:
            st = s->b > 0.0f ? nf__draw_normal_batched(net, at, slots[k], n, s->b)
                             : nf__fill(net, slots[k], 0.0f, count);
            at += span;
            break;
        }
    }
    if (st == NF_OK)
        st = nf__fill(net, p->out, 0.0f, count);
    if (st == NF_OK && row->output && !p->convert)
        st = nf__state_output_sync(net, "creating or resetting a population", p, NULL);
    if (st == NF_OK && p->f0)
        st = nf__fill(net, p->f0, 0.0f, count);
    if (st == NF_OK && p->f1)
        st = nf__fill(net, p->f1, 0.0f, count);
    return st;
}

/* Stream positions the population's initial state takes (the whole batch's). */
static uint64_t init_draw_span(const nf_network *net, const nf_population *p) {
    nf_state_init init[NF_MODEL_SLOTS] = {{0}};
    const int used = initial_plan(p, init);
    uint64_t draws = 0;
    for (int k = 0; k < used; k++)
        draws += init[k].kind != NF_INIT_FILL;
    return draws * nf__rng_span_batched(net, (size_t)p->desc.n);
}

// --- adding

void nf__population_free(nf_network *net, nf_population *p) {
    void *bufs[] = {p->gain, p->bias, p->input, p->s0, p->s1,
                    p->s2,   p->out,  p->f0,    p->f1, p->abs_sum};
    for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
        nf__free(net, bufs[k]);
}

/* Uploads per-neuron values, or fills them with the scalar. */
static nf_status upload_or_fill(nf_network *net, float *dst, const float *values, float scalar,
                                int32_t n) {
    if (values)
        return nf__upload(net, dst, values, (size_t)n * sizeof(float));
    return nf__fill(net, dst, scalar, (size_t)n);
}

nf_status nf_population_add(nf_network *net, const nf_population_desc *d, int32_t *id) {
    NF_ENTER(net);
    static const char fn[] = "nf_population_add";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(d, "%s: desc must not be NULL", fn);
    REQUIRE(id, "%s: id must not be NULL", fn);
    nf_status st = check_population(net, fn, d);
    size_t elements;
    if (st == NF_OK)
        st = nf__count3(net, fn, "state", net->desc.batch, d->n, 1, 2 * sizeof(double),
                        &elements);
    if (st == NF_OK)
        st = NF_RESERVE_OBJECT(net, net->pops);
    if (st != NF_OK)
        return st;

    nf_population p = {.desc = *d, .step_for = -1};
    p.desc.gains = p.desc.biases = NULL;
    p.convert = d->spiking && nf__model_is_rate(d->model);
    const size_t count = (size_t)net->desc.batch * d->n;
    const int slots = nf__model_row(d->model)->n_states + (p.convert ? 1 : 0);
    const int fvars = nf__filter_vars(d->filter.kind);
    if ((st = nf__population_params_check(net, fn, &p, net->objects.count, net->dt)) != NF_OK)
        return st;

    st = nf__alloc(net, (size_t)d->n, &p.gain);
    if (st == NF_OK) st = nf__alloc(net, (size_t)d->n, &p.bias);
    if (st == NF_OK) st = nf__alloc(net, count, &p.input);
    if (st == NF_OK) st = nf__alloc(net, count, &p.out);
    if (st == NF_OK && slots >= 1) st = nf__alloc(net, count, &p.s0);
    if (st == NF_OK && slots >= 2) st = nf__alloc(net, count, &p.s1);
    if (st == NF_OK && slots >= 3) st = nf__alloc(net, count, &p.s2);
    if (st == NF_OK && fvars >= 1) st = nf__alloc(net, count, &p.f0);
    if (st == NF_OK && fvars >= 2) st = nf__alloc(net, count, &p.f1);
    if (st == NF_OK) st = upload_or_fill(net, p.gain, d->gains, d->gain, d->n);
    if (st == NF_OK) st = upload_or_fill(net, p.bias, d->biases, d->bias, d->n);
    p.rng_offset = net->rng_next;
    if (st == NF_OK)
        st = nf__population_init_state(net, &p);
    if (st != NF_OK) {
        nf__population_free(net, &p);
        return st;
    }
    net->rng_next += init_draw_span(net, &p);
    net->pops.items[net->pops.count] = p;
    *id = nf__object_push(net, NF_OBJ_POPULATION, net->pops.count++);
    return NF_OK;
}

nf_status nf_population_set_gain_bias(nf_network *net, int32_t pop, const float *gains,
                                      const float *biases) {
    NF_ENTER(net);
    static const char fn[] = "nf_population_set_gain_bias";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "pop", pop, NF_OBJ_POPULATION, &o);
    if (st != NF_OK)
        return st;
    nf_population *p = &net->pops.items[o->index];
    const size_t n = (size_t)p->desc.n;
    if (gains && (st = nf__check_finite(net, fn, "gains", gains, n)) != NF_OK)
        return st;
    if (biases && (st = nf__check_finite(net, fn, "biases", biases, n)) != NF_OK)
        return st;
    if (!gains || !biases) {
        const float *src = gains ? gains : biases;
        return src ? nf__upload(net, gains ? p->gain : p->bias, src, n * sizeof(float)) : NF_OK;
    }
    /* Both: the old gains are kept aside so that a failed upload of the
     * biases leaves the population as it was. */
    float *old = malloc(n ? n * sizeof *old : 1);
    if (!old)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "out of host memory (%zu bytes)",
                        n * sizeof *old);
    st = nf__download(net, old, p->gain, n * sizeof(float));
    if (st == NF_OK && (st = nf__upload(net, p->gain, gains, n * sizeof(float))) == NF_OK &&
        (st = nf__upload(net, p->bias, biases, n * sizeof(float))) != NF_OK)
        (void)net->be->upload(net->ctx, p->gain, old, n * sizeof(float));
    free(old);
    return st;
}

nf_status nf_population_get_gain_bias(nf_network *net, int32_t pop, float *gains, float *biases) {
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_object *o;
    nf_status st = nf__lookup(net, "nf_population_get_gain_bias", "pop", pop, NF_OBJ_POPULATION,
                              &o);
    if (st != NF_OK)
        return st;
    const nf_population *p = &net->pops.items[o->index];
    const size_t bytes = (size_t)p->desc.n * sizeof(float);
    if (gains && (st = nf__download(net, gains, p->gain, bytes)) != NF_OK)
        return st;
    return biases ? nf__download(net, biases, p->bias, bytes) : NF_OK;
}
