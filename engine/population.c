/*
 * Populations: the references' defaults, validation of a descriptor, adding
 * one (buffers, gains, biases, the initial state drawn from the seed), and
 * per-neuron gain and bias. Initial states:
 *   converted rate models: accumulator uniform [0, 1)
 *   LEAKY_RATE: x ~ N(0, x_init_scale^2), output tanh(x)
 *   LIF nengo: v uniform [0, 1); NC: v uniform [v_reset, v_init_max); refractory 0
 *   IZHIKEVICH NC: v uniform [v_r, v_peak), u 0; nengo: v = c, u = b c
 *   THETA: theta uniform [-pi, pi)
 */
#include <float.h>
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

nf_population_desc nf_population_defaults(nf_model m, int32_t n) {
    nf_population_desc d = {0};
    d.model = (m >= NF_MODEL_RELU && m <= NF_MODEL_THETA) ? m : NF_MODEL_RELU;
    d.n = n;
    d.amplitude = 1.0f;
    d.gain = 1.0f;
    d.bias = 0.0f;
    d.tau_rc = 0.02f;
    d.tau_ref = (d.model == NF_MODEL_SIGMOID || d.model == NF_MODEL_TANH) ? 0.0025f : 0.002f;
    d.min_voltage = 0.0f;
    d.sigma = 1.0f;
    d.tau = 1.0f;
    d.lif_form = NF_LIF_NENGO;
    d.nc_lif.tau_m = 0.01f;
    d.nc_lif.v_reset = -65.0f;
    d.nc_lif.v_peak = -40.0f;
    d.nc_lif.v_init_max = 30.0f;
    d.izh.order = NF_IZHIKEVICH_NICOLA_CLOPATH;
    d.izh.C = 250.0f;
    d.izh.k = 2.5f;
    d.izh.v_r = -60.0f;
    d.izh.v_t = -60.0f + 40.0f - (-2.0f) / 2.5f; /* v_r + 40 - b/k = -19.2 */
    d.izh.a = 0.01f;
    d.izh.b = -2.0f;
    d.izh.c = -65.0f;
    d.izh.d = 200.0f;
    d.izh.v_peak = 30.0f;
    if (d.model == NF_MODEL_IZHIKEVICH)
        d.bias = 1000.0f;
    d.filter.kind = NF_FILTER_NONE;
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

#define REQUIRE_POSITIVE(field)                                                              \
    REQUIRE(isfinite(d->field) && d->field > 0.0f, "%s: " #field " must be > 0, got %g", fn,  \
            (double)d->field)
#define REQUIRE_NONNEGATIVE(field)                                                           \
    REQUIRE(isfinite(d->field) && d->field >= 0.0f, "%s: " #field " must be >= 0, got %g",    \
            fn, (double)d->field)
#define REQUIRE_FINITE(field)                                                                \
    REQUIRE(isfinite(d->field), "%s: " #field " must be finite, got %g", fn, (double)d->field)

static nf_status check_model(nf_network *net, const char *fn, const nf_population_desc *d) {
    switch (d->model) {
    case NF_MODEL_SIGMOID:
    case NF_MODEL_TANH: REQUIRE_POSITIVE(tau_ref); break;
    case NF_MODEL_SOFTLIF_RATE: REQUIRE_POSITIVE(sigma); /* fall through */
    case NF_MODEL_LIF_RATE:
        REQUIRE_POSITIVE(tau_rc);
        REQUIRE_NONNEGATIVE(tau_ref);
        break;
    case NF_MODEL_LEAKY_RATE:
        REQUIRE_POSITIVE(tau);
        REQUIRE_NONNEGATIVE(x_init_scale);
        REQUIRE(d->x_init_scale <= FLT_MAX / 8.0f, "%s: x_init_scale must be <= %g (normal "
                "draws reach about 6.7 x_init_scale), got %g", fn, FLT_MAX / 8.0f, d->x_init_scale);
        break;
    case NF_MODEL_LIF:
        REQUIRE(d->lif_form == NF_LIF_NENGO || d->lif_form == NF_LIF_NICOLA_CLOPATH,
                "%s: lif_form %d is not an nf_lif_form", fn, (int)d->lif_form);
        REQUIRE_NONNEGATIVE(tau_ref);
        if (d->lif_form == NF_LIF_NENGO) {
            REQUIRE_POSITIVE(tau_rc);
            REQUIRE(isfinite(d->min_voltage) && d->min_voltage <= 0.0f,
                    "%s: min_voltage must be <= 0, got %g", fn, (double)d->min_voltage);
        } else {
            REQUIRE_POSITIVE(nc_lif.tau_m);
            REQUIRE_FINITE(nc_lif.v_reset);
            REQUIRE_FINITE(nc_lif.v_init_max);
            REQUIRE(isfinite(d->nc_lif.v_peak) && d->nc_lif.v_peak > d->nc_lif.v_reset,
                    "%s: nc_lif.v_peak must be > nc_lif.v_reset (%g), got %g", fn,
                    (double)d->nc_lif.v_reset, (double)d->nc_lif.v_peak);
            REQUIRE(d->nc_lif.v_init_max >= d->nc_lif.v_reset,
                    "%s: nc_lif.v_init_max must be >= nc_lif.v_reset (%g), got %g", fn,
                    (double)d->nc_lif.v_reset, (double)d->nc_lif.v_init_max);
            REQUIRE(isfinite(d->nc_lif.v_init_max - d->nc_lif.v_reset), "%s: the initial v's "
                    "range nc_lif.v_init_max - nc_lif.v_reset overflows float", fn);
        }
        break;
    case NF_MODEL_IZHIKEVICH:
        REQUIRE(d->izh.order == NF_IZHIKEVICH_NICOLA_CLOPATH ||
                    d->izh.order == NF_IZHIKEVICH_NENGO,
                "%s: izh.order %d is not an nf_izhikevich_order", fn, (int)d->izh.order);
        REQUIRE_FINITE(izh.a);
        REQUIRE_FINITE(izh.b);
        REQUIRE_FINITE(izh.c);
        REQUIRE_FINITE(izh.d);
        if (d->izh.order == NF_IZHIKEVICH_NICOLA_CLOPATH) {
            REQUIRE_POSITIVE(izh.C);
            REQUIRE_FINITE(izh.k);
            REQUIRE_FINITE(izh.v_r);
            REQUIRE_FINITE(izh.v_t);
            REQUIRE(isfinite(d->izh.v_peak) && d->izh.v_peak > d->izh.c,
                    "%s: izh.v_peak must be > izh.c (%g), got %g", fn, (double)d->izh.c,
                    (double)d->izh.v_peak);
            REQUIRE(isfinite(d->izh.v_peak - d->izh.v_r), "%s: the initial v's range "
                    "izh.v_peak - izh.v_r overflows float", fn);
        }
        break;
    default: break;
    }
    return NF_OK;
}

static nf_status check_population(nf_network *net, const char *fn, const nf_population_desc *d) {
    REQUIRE(d->model >= NF_MODEL_RELU && d->model <= NF_MODEL_THETA,
            "%s: model %d is not an nf_model", fn, (int)d->model);
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

nf_status nf__population_init_state(nf_network *net, nf_population *p) {
    const nf_population_desc *d = &p->desc;
    const size_t count = (size_t)net->desc.batch * d->n, n = (size_t)d->n;
    const uint64_t span = nf__rng_span_batched(net, n); /* keyed by the global element */
    uint64_t at = p->rng_offset;
    nf_status st = NF_OK;
    switch (d->model) {
    case NF_MODEL_LEAKY_RATE:
        if (d->x_init_scale > 0.0f)
            st = nf__draw_normal_batched(net, at, p->s0, n, d->x_init_scale);
        else
            st = nf__fill(net, p->s0, 0.0f, count);
        if (st == NF_OK && p->convert)
            st = nf__draw_uniform_batched(net, at + span, p->s1, n, 0.0f, 1.0f);
        break;
    case NF_MODEL_LIF:
        if (d->lif_form == NF_LIF_NENGO)
            st = nf__draw_uniform_batched(net, at, p->s0, n, 0.0f, 1.0f);
        else
            st = nf__draw_uniform_batched(net, at, p->s0, n, d->nc_lif.v_reset,
                                          d->nc_lif.v_init_max);
        if (st == NF_OK)
            st = nf__fill(net, p->s1, 0.0f, count);
        break;
    case NF_MODEL_IZHIKEVICH:
        if (d->izh.order == NF_IZHIKEVICH_NICOLA_CLOPATH) {
            st = nf__draw_uniform_batched(net, at, p->s0, n, d->izh.v_r, d->izh.v_peak);
            if (st == NF_OK)
                st = nf__fill(net, p->s1, 0.0f, count);
        } else {
            st = nf__fill(net, p->s0, d->izh.c, count);
            if (st == NF_OK)
                st = nf__fill(net, p->s1, d->izh.b * d->izh.c, count);
        }
        break;
    case NF_MODEL_THETA:
        st = nf__draw_uniform_batched(net, at, p->s0, n, -3.14159265358979f,
                                      3.14159265358979f);
        break;
    default:
        if (p->convert)
            st = nf__draw_uniform_batched(net, at, p->s0, n, 0.0f, 1.0f);
        break;
    }
    if (st == NF_OK)
        st = nf__fill(net, p->out, 0.0f, count);
    if (st == NF_OK && d->model == NF_MODEL_LEAKY_RATE && !p->convert)
        st = nf__state_output_from_x(net, "creating or resetting a population", p, NULL);
    if (st == NF_OK && p->f0)
        st = nf__fill(net, p->f0, 0.0f, count);
    if (st == NF_OK && p->f1)
        st = nf__fill(net, p->f1, 0.0f, count);
    return st;
}

/* Stream positions the population's initial state takes (the whole batch's). */
static uint64_t init_draw_span(const nf_network *net, const nf_population *p) {
    const nf_population_desc *d = &p->desc;
    int draws = 0;
    if (d->model == NF_MODEL_LEAKY_RATE)
        draws = 1 + (p->convert ? 1 : 0);
    else if (d->model == NF_MODEL_LIF || d->model == NF_MODEL_THETA ||
             (d->model == NF_MODEL_IZHIKEVICH && d->izh.order == NF_IZHIKEVICH_NICOLA_CLOPATH))
        draws = 1;
    else if (p->convert)
        draws = 1;
    return (uint64_t)draws * nf__rng_span_batched(net, (size_t)d->n);
}

// --- adding

void nf__population_free(nf_network *net, nf_population *p) {
    void *bufs[] = {p->gain, p->bias, p->input, p->s0,     p->s1,
                    p->out,  p->f0,   p->f1,    p->abs_sum};
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

    nf_population p = {.desc = *d};
    p.desc.gains = p.desc.biases = NULL;
    p.convert = d->spiking && nf__model_is_rate(d->model);
    const size_t count = (size_t)net->desc.batch * d->n;
    const bool has_s0 = p.convert || !nf__model_is_rate(d->model) ||
                        d->model == NF_MODEL_LEAKY_RATE;
    const bool has_s1 = d->model == NF_MODEL_LIF || d->model == NF_MODEL_IZHIKEVICH ||
                        (d->model == NF_MODEL_LEAKY_RATE && p.convert);
    const int fvars = nf__filter_vars(d->filter.kind);
    if ((st = nf__population_params_check(net, fn, &p, net->objects.count, net->dt)) != NF_OK)
        return st;

    st = nf__alloc(net, (size_t)d->n, &p.gain);
    if (st == NF_OK) st = nf__alloc(net, (size_t)d->n, &p.bias);
    if (st == NF_OK) st = nf__alloc(net, count, &p.input);
    if (st == NF_OK) st = nf__alloc(net, count, &p.out);
    if (st == NF_OK && has_s0) st = nf__alloc(net, count, &p.s0);
    if (st == NF_OK && has_s1) st = nf__alloc(net, count, &p.s1);
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
    if (gains && (st = nf__upload(net, p->gain, gains, n * sizeof(float))) != NF_OK)
        return st;
    if (biases && (st = nf__upload(net, p->bias, biases, n * sizeof(float))) != NF_OK)
        return st;
    return NF_OK;
}
