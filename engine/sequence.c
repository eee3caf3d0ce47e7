/*
 * Sequence layers (keras-spiking SpikingActivation, Lowpass, Alpha): creation,
 * state and mode. The constants come from the network's own helpers
 * (engine/params.c): a SpikingActivation is a rate-model population with the
 * spiking conversion (gain 1, bias 0), a filter is a population filter with a
 * per-unit tau. Initial state: v uniform [0, 1) from the seed (or given),
 * filter levels given or 0. The pass itself is in engine/sequence_apply.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequence_layer.h"

nf_layer_desc nf_layer_defaults(nf_layer_kind kind, int32_t units) {
    nf_layer_desc d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.units = units;
    d.dt = 0.001;
    d.backend = NF_BACKEND_AUTO;
    d.mode = NF_MODE_SPIKING;
    d.model = NF_MODEL_RELU;
    d.amplitude = 1.0f;
    d.tau = 0.01f;
    return d;
}

nf_status nf__layer_fail(nf_layer *layer, nf_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    nf__vmessage(layer->error, sizeof layer->error, layer->api, fmt, ap);
    va_end(ap);
    return st;
}

const char *nf_layer_last_error(const nf_layer *layer) {
    return layer ? layer->error : "nf_layer_last_error: layer is NULL";
}

nf_backend nf_layer_backend(const nf_layer *layer) {
    return layer ? layer->backend : NF_BACKEND_AUTO;
}

static bool is_rate_activation(nf_model m) {
    return m == NF_MODEL_RELU || m == NF_MODEL_SIGMOID || m == NF_MODEL_TANH ||
           m == NF_MODEL_LIF_RATE || m == NF_MODEL_SOFTLIF_RATE;
}

/* Models whose layer default is keras-spiking's activation itself, not nengo's scaled rate. */
static bool is_keras_activation(nf_model m) {
    return m == NF_MODEL_SIGMOID || m == NF_MODEL_TANH;
}

static bool bad_tau(nf_layer_kind kind, float tau) {
    return !isfinite(tau) || (kind == NF_LAYER_ALPHA ? !(tau > 0.0f) : tau < 0.0f);
}

/* Everything a descriptor can get wrong, into why (empty when valid). */
static void check_desc(const nf_layer_desc *d, char *why, size_t cap) {
    const char *fn = "nf_layer_create_ex";
    why[0] = '\0';
    if (d->kind < NF_LAYER_SPIKING_ACTIVATION || d->kind > NF_LAYER_ALPHA)
        snprintf(why, cap, "%s: kind %d is not an nf_layer_kind", fn, (int)d->kind);
    else if (d->units < 1)
        snprintf(why, cap, "%s: units must be >= 1, got %d", fn, d->units);
    else if (d->dt < 0.0 || !isfinite(d->dt))
        snprintf(why, cap, "%s: dt must be finite and > 0 (0 = 0.001), got %g", fn, d->dt);
    else if (d->backend != NF_BACKEND_AUTO && d->backend != NF_BACKEND_CPU &&
             d->backend != NF_BACKEND_CUDA)
        snprintf(why, cap, "%s: backend %d is not an nf_backend", fn, (int)d->backend);
    else if (d->device < 0)
        snprintf(why, cap, "%s: device must be >= 0, got %d", fn, d->device);
    else if (d->mode != NF_MODE_SPIKING && d->mode != NF_MODE_RATE)
        snprintf(why, cap, "%s: mode %d is not an nf_mode", fn, (int)d->mode);
    else if (d->kind == NF_LAYER_SPIKING_ACTIVATION && !is_rate_activation(d->model))
        snprintf(why, cap,
                 "%s: model %d is not a rate model a SpikingActivation can convert "
                 "(RELU, SIGMOID, TANH, LIF_RATE, SOFTLIF_RATE)",
                 fn, (int)d->model);
    else if (d->kind == NF_LAYER_SPIKING_ACTIVATION &&
             (!isfinite(d->amplitude) || d->tau_rc < 0.0f || d->tau_ref < 0.0f ||
              d->sigma < 0.0f || !isfinite(d->tau_rc) || !isfinite(d->tau_ref) ||
              !isfinite(d->sigma)))
        snprintf(why, cap,
                 "%s: amplitude must be finite and tau_rc, tau_ref, sigma finite and >= 0 "
                 "(0 = the model's default), got %g, %g, %g, %g",
                 fn, d->amplitude, d->tau_rc, d->tau_ref, d->sigma);
    else if (d->kind != NF_LAYER_SPIKING_ACTIVATION && !d->taus && bad_tau(d->kind, d->tau))
        snprintf(why, cap, "%s: tau must be finite and %s, got %g", fn,
                 d->kind == NF_LAYER_ALPHA ? "> 0" : ">= 0", d->tau);
    if (why[0] || d->kind == NF_LAYER_SPIKING_ACTIVATION || !d->taus)
        goto initial;
    for (int32_t u = 0; u < d->units; u++)
        if (bad_tau(d->kind, d->taus[u])) {
            snprintf(why, cap, "%s: taus[%d] must be finite and %s, got %g", fn, u,
                     d->kind == NF_LAYER_ALPHA ? "> 0" : ">= 0", d->taus[u]);
            return;
        }
initial:
    if (why[0] || !d->initial)
        return;
    for (int32_t u = 0; u < d->units; u++)
        if (!isfinite(d->initial[u])) {
            snprintf(why, cap, "%s: initial[%d] must be finite, got %g", fn, u, d->initial[u]);
            return;
        }
}

/* The model constants of a SpikingActivation, as a converted population's. */
nf_model_params nf__layer_model_params(const nf_layer *layer) {
    const nf_layer_desc *d = &layer->desc;
    nf_population p;
    memset(&p, 0, sizeof p);
    p.desc = nf_population_defaults(d->model, d->units);
    p.desc.amplitude = d->amplitude;
    p.desc.tau_rc = d->tau_rc;
    p.desc.tau_ref = d->tau_ref;
    p.desc.sigma = d->sigma;
    p.convert = true;
    return nf__model_params(&p, d->dt, layer->mode);
}

static bool floats_finite(const float *f, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f[i]))
            return false;
    return true;
}

/* Whether dt and every constant the layer's pass derives (model constants, or
 * each unit's filter constants) are finite floats in both modes: a finite
 * descriptor with an extreme dt or tau can still derive inf (dt 1e300 is inf
 * as a float) and then NaN outputs. Refused at creation. */
static bool constants_finite(nf_layer *layer, const float *taus, char *why, size_t cap) {
    const nf_layer_desc *d = &layer->desc;
    const double dt = d->dt;
    if (!(isfinite((float)dt) && (float)dt > 0.0f && isfinite((float)(1.0 / dt)))) {
        snprintf(why, cap, "nf_layer_create_ex: dt must be > 0 and, with 1/dt, a finite float, "
                 "got %g", dt);
        return false;
    }
    const size_t model_floats =
        (sizeof(nf_model_params) - offsetof(nf_model_params, c.dt)) / sizeof(float);
    const size_t filter_floats =
        (sizeof(nf_filter_params) - offsetof(nf_filter_params, a00)) / sizeof(float);
    const nf_mode mode = layer->mode;
    bool ok = true;
    for (int m = NF_MODE_SPIKING; m <= NF_MODE_RATE && ok; m++) {
        layer->mode = (nf_mode)m;
        if (d->kind == NF_LAYER_SPIKING_ACTIVATION) {
            const nf_model_params p = nf__layer_model_params(layer);
            ok = floats_finite(&p.c.dt, model_floats);
            continue;
        }
        for (int32_t u = 0; ok && u < (taus ? d->units : 1); u++) {
            nf_filter_desc f = {.kind = d->kind == NF_LAYER_ALPHA ? NF_FILTER_ALPHA
                                                                  : NF_FILTER_LOWPASS,
                                .tau = taus ? taus[u] : d->tau};
            const nf_filter_params p = nf__filter_params(&f, dt, (nf_mode)m);
            ok = floats_finite(&p.a00, filter_floats);
        }
    }
    layer->mode = mode;
    if (!ok)
        snprintf(why, cap, "nf_layer_create_ex: with dt %g a %s constant is not finite; a time "
                 "constant or dt is too extreme for float", dt,
                 d->kind == NF_LAYER_SPIKING_ACTIVATION ? "model" : "filter");
    return ok;
}

/* Per-unit filter constants (spiking mode; rate mode is handled per pass). */
static nf_status upload_filter(nf_layer *layer, const float *taus) {
    const nf_layer_desc *d = &layer->desc;
    const size_t bytes = (size_t)d->units * sizeof(nf_filter_params);
    nf_filter_params *host = malloc(bytes);
    if (!host)
        return NF_ERR_OUT_OF_MEMORY; /* the caller says so */
    for (int32_t u = 0; u < d->units; u++) {
        nf_filter_desc f = {.kind = d->kind == NF_LAYER_ALPHA ? NF_FILTER_ALPHA
                                                              : NF_FILTER_LOWPASS,
                            .tau = taus ? taus[u] : d->tau};
        host[u] = nf__filter_params(&f, d->dt, NF_MODE_SPIKING);
    }
    nf_status st = layer->be->alloc(layer->ctx, bytes, (void **)&layer->fp);
    if (st == NF_OK)
        st = layer->be->upload(layer->ctx, layer->fp, host, bytes);
    free(host);
    return st;
}

void nf_layer_destroy(nf_layer *layer) {
    if (!layer)
        return;
    if (layer->ctx) {
        void *bufs[] = {layer->fp, layer->s0, layer->s1, layer->abs_sum, layer->stage_in,
                        layer->stage_out};
        for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
            if (bufs[k])
                layer->be->free(layer->ctx, bufs[k]);
        nf__backend_share_release(layer->ctx);
    }
    free(layer->initial);
    free(layer);
}

nf_status nf_layer_create_ex(const nf_layer_desc *d, nf_layer **out, char *message,
                             size_t capacity) {
    char why[512] = "";
    if (out)
        *out = NULL;
    if (!out)
        snprintf(why, sizeof why, "nf_layer_create_ex: out must not be NULL");
    else if (!d)
        snprintf(why, sizeof why, "nf_layer_create_ex: desc must not be NULL");
    else
        check_desc(d, why, sizeof why);
    if (why[0]) {
        if (message && capacity)
            snprintf(message, capacity, "%s", why);
        return NF_ERR_INVALID_ARGUMENT;
    }
    nf_backend chosen;
    const nf_backend_i *be;
    const nf_status selected = nf__backend_select("nf_layer_create_ex", d->backend, d->device,
                                                  &chosen, &be, why, sizeof why);
    if (selected != NF_OK) {
        if (message && capacity)
            snprintf(message, capacity, "%s", why);
        return selected;
    }
    nf_layer *layer = calloc(1, sizeof *layer);
    if (!layer) {
        if (message && capacity)
            snprintf(message, capacity, "nf_layer_create_ex: out of host memory");
        return NF_ERR_OUT_OF_MEMORY;
    }
    layer->desc = *d;
    layer->desc.taus = NULL;
    layer->desc.initial = NULL;
    if (layer->desc.dt == 0.0)
        layer->desc.dt = 0.001;
    if (d->kind == NF_LAYER_SPIKING_ACTIVATION) {
        const nf_population_desc def = nf_population_defaults(d->model, d->units);
        if (layer->desc.tau_rc == 0.0f)
            layer->desc.tau_rc = def.tau_rc;
        /* keras-spiking's sigmoid and tanh are the plain functions (rate =
         * activation(x)): tau_ref 1, where a population keeps nengo's 0.0025. */
        if (layer->desc.tau_ref == 0.0f)
            layer->desc.tau_ref = is_keras_activation(d->model) ? 1.0f : def.tau_ref;
        if (layer->desc.sigma == 0.0f)
            layer->desc.sigma = def.sigma;
        if (layer->desc.amplitude == 0.0f)
            layer->desc.amplitude = 1.0f;
    }
    layer->backend = chosen;
    layer->be = be;
    layer->mode = d->mode;
    if (!constants_finite(layer, d->taus, why, sizeof why)) {
        if (message && capacity)
            snprintf(message, capacity, "%s", why);
        free(layer);
        return NF_ERR_INVALID_ARGUMENT;
    }
    nf_status st = nf__backend_share_acquire(be, d->device, &layer->ctx);
    if (st != NF_OK) {
        layer->ctx = NULL;
        snprintf(why, sizeof why, "nf_layer_create_ex: backend %s failed to start (%s)", be->name,
                 nf_status_string(st));
    }
    if (st == NF_OK && d->initial) {
        layer->initial = malloc((size_t)d->units * sizeof(float));
        if (!layer->initial) {
            st = NF_ERR_OUT_OF_MEMORY;
            snprintf(why, sizeof why, "nf_layer_create_ex: out of host memory");
        } else {
            memcpy(layer->initial, d->initial, (size_t)d->units * sizeof(float));
        }
    }
    if (st == NF_OK && d->kind != NF_LAYER_SPIKING_ACTIVATION) {
        st = upload_filter(layer, d->taus);
        if (st != NF_OK)
            snprintf(why, sizeof why, "nf_layer_create_ex: %s%s (the filter constants)",
                     st == NF_ERR_OUT_OF_MEMORY ? "out of host or backend memory" : "backend: ",
                     st == NF_ERR_OUT_OF_MEMORY ? "" : be->last_error(layer->ctx));
    }
    if (st != NF_OK) {
        if (message && capacity)
            snprintf(message, capacity, "%s", why);
        nf_layer_destroy(layer);
        return st;
    }
    if (message && capacity)
        message[0] = '\0';
    *out = layer;
    return NF_OK;
}

nf_status nf_layer_create(const nf_layer_desc *d, nf_layer **out) {
    return nf_layer_create_ex(d, out, NULL, 0);
}

nf_status nf_layer_reset(nf_layer *layer) {
    if (!layer)
        return NF_ERR_INVALID_ARGUMENT;
    layer->api = __func__;
    layer->state_valid = 0;
    return NF_OK;
}

nf_status nf_layer_set_mode(nf_layer *layer, nf_mode mode) {
    if (!layer)
        return NF_ERR_INVALID_ARGUMENT;
    layer->api = __func__;
    if (mode != NF_MODE_SPIKING && mode != NF_MODE_RATE)
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT,
                              "nf_layer_set_mode: mode %d is not an nf_mode", (int)mode);
    layer->mode = mode;
    return NF_OK;
}

nf_status nf__layer_backend_status(nf_layer *layer, nf_status st, const char *fn) {
    if (st == NF_OK)
        return st;
    if (st == NF_ERR_OUT_OF_MEMORY)
        return nf__layer_fail(layer, st, "%s: out of %s memory", fn, layer->be->name);
    return nf__layer_fail(layer, st, "%s: backend %s: %s", fn, layer->be->name,
                          layer->be->last_error(layer->ctx));
}

// --- state: reserved first, installed when nothing can fail any more

void nf__layer_reserve_free(nf_layer *layer, nf_layer_reserve *r) {
    if (r->s0)
        layer->be->free(layer->ctx, r->s0);
    if (r->s1)
        layer->be->free(layer->ctx, r->s1);
    if (r->abs_sum)
        layer->be->free(layer->ctx, r->abs_sum);
    free(r->host);
    memset(r, 0, sizeof *r);
}

nf_status nf__layer_reserve(nf_layer *layer, int32_t batch, bool stats, nf_layer_reserve *r,
                            const char *fn) {
    memset(r, 0, sizeof *r);
    r->batch = batch;
    const int32_t units = layer->desc.units;
    const size_t count = (size_t)batch * units;
    const nf_backend_i *be = layer->be;
    nf_status st = NF_OK;
    if (layer->state_batch != batch) {
        st = be->alloc(layer->ctx, count * sizeof(float), (void **)&r->s0);
        if (st == NF_OK && layer->desc.kind == NF_LAYER_ALPHA)
            st = be->alloc(layer->ctx, count * sizeof(float), (void **)&r->s1);
    }
    if (st == NF_OK && stats && layer->desc.rate_stats && layer->stats_batch != batch)
        st = be->alloc(layer->ctx, count * sizeof(double), (void **)&r->abs_sum);
    const bool fresh = layer->state_batch != batch || !layer->state_valid;
    if (st == NF_OK && fresh && layer->initial) {
        if (!(r->host = malloc(count * sizeof(float)))) {
            nf__layer_reserve_free(layer, r);
            return nf__layer_fail(layer, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        }
        for (int32_t b = 0; b < batch; b++)
            memcpy(r->host + (size_t)b * units, layer->initial, (size_t)units * sizeof(float));
    }
    if (st != NF_OK)
        nf__layer_reserve_free(layer, r);
    return nf__layer_backend_status(layer, st, fn);
}

nf_status nf__layer_prepare_state(nf_layer *layer, nf_layer_reserve *r, const char *fn) {
    const nf_backend_i *be = layer->be;
    const int32_t batch = r->batch;
    if (r->s0) {
        if (layer->s0)
            be->free(layer->ctx, layer->s0);
        if (layer->s1)
            be->free(layer->ctx, layer->s1);
        layer->s0 = r->s0;
        layer->s1 = r->s1;
        layer->state_batch = batch;
        layer->state_valid = 0;
        r->s0 = r->s1 = NULL;
    }
    if (r->abs_sum) {
        if (layer->abs_sum)
            be->free(layer->ctx, layer->abs_sum);
        layer->abs_sum = r->abs_sum;
        layer->stats_batch = batch;
        r->abs_sum = NULL;
    }
    nf_status st = NF_OK;
    const size_t count = (size_t)batch * layer->desc.units;
    if (!layer->state_valid) {
        if (r->host)
            st = be->upload(layer->ctx, layer->s0, r->host, count * sizeof(float));
        else if (layer->desc.kind == NF_LAYER_SPIKING_ACTIVATION) {
            st = be->rng_uniform(layer->ctx, layer->desc.seed, 0, layer->s0, count);
            if (st == NF_OK)
                st = be->affine_flip(layer->ctx, layer->s0, count, 0.0f, 1.0f);
        } else {
            st = be->fill(layer->ctx, layer->s0, 0.0f, count);
        }
        if (st == NF_OK && layer->s1)
            st = be->fill(layer->ctx, layer->s1, 0.0f, count);
        if (st == NF_OK && be->synchronize)
            st = be->synchronize(layer->ctx);
        if (st == NF_OK)
            layer->state_valid = 1;
    }
    nf__layer_reserve_free(layer, r);
    return nf__layer_backend_status(layer, st, fn);
}

/* The state buffer of `which`, or an error naming the kinds this layer has. */
static nf_status state_slot(nf_layer *layer, const char *fn, nf_state_kind which, int32_t batch,
                            const void *values, float **slot) {
    if (!values)
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT, "%s: values must not be NULL", fn);
    if (batch < 1)
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT, "%s: batch must be >= 1, got %d",
                              fn, batch);
    const nf_layer_kind kind = layer->desc.kind;
    const bool ok = kind == NF_LAYER_SPIKING_ACTIVATION
                        ? which == NF_STATE_SPIKE_ACCUMULATOR
                        : which == NF_STATE_FILTER ||
                              (kind == NF_LAYER_ALPHA && which == NF_STATE_FILTER_AUX);
    if (!ok)
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT,
                              "%s: which %d is not a state of this layer (%s)", fn, (int)which,
                              kind == NF_LAYER_SPIKING_ACTIVATION ? "NF_STATE_SPIKE_ACCUMULATOR"
                              : kind == NF_LAYER_ALPHA ? "NF_STATE_FILTER, NF_STATE_FILTER_AUX"
                                                       : "NF_STATE_FILTER");
    *slot = which == NF_STATE_FILTER_AUX ? layer->s1 : layer->s0;
    return NF_OK;
}

nf_status nf_layer_set_state(nf_layer *layer, nf_state_kind which, int32_t batch,
                             const float *values) {
    static const char fn[] = "nf_layer_set_state";
    if (!layer)
        return NF_ERR_INVALID_ARGUMENT;
    layer->api = fn;
    float *slot = NULL;
    nf_status st = state_slot(layer, fn, which, batch, values, &slot);
    if (st != NF_OK)
        return st;
    const size_t count = (size_t)batch * layer->desc.units;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT,
                                  "%s: values[%zu] must be finite, got %g", fn, i, values[i]);
    if (layer->desc.stateful && layer->state_valid && layer->state_batch != batch)
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT,
                              "%s: batch %d differs from the stateful layer's batch %d "
                              "(nf_layer_reset first)",
                              fn, batch, layer->state_batch);
    nf_layer_reserve r;
    if ((st = nf__layer_reserve(layer, batch, false, &r, fn)) != NF_OK ||
        (st = nf__layer_prepare_state(layer, &r, fn)) != NF_OK)
        return st;
    state_slot(layer, fn, which, batch, values, &slot);
    st = layer->be->upload(layer->ctx, slot, values, count * sizeof(float));
    return nf__layer_backend_status(layer, st, fn);
}

nf_status nf_layer_get_state(nf_layer *layer, nf_state_kind which, int32_t batch,
                             float *values) {
    static const char fn[] = "nf_layer_get_state";
    if (!layer)
        return NF_ERR_INVALID_ARGUMENT;
    layer->api = fn;
    float *slot = NULL;
    nf_status st = state_slot(layer, fn, which, batch, values, &slot);
    if (st != NF_OK)
        return st;
    if (layer->state_batch == 0)
        return nf__layer_fail(layer, NF_ERR_STATE, "%s: the layer has no state yet (apply or "
                                                   "set it first)", fn);
    if (batch != layer->state_batch)
        return nf__layer_fail(layer, NF_ERR_INVALID_ARGUMENT,
                              "%s: batch %d differs from the state's batch %d", fn, batch,
                              layer->state_batch);
    st = layer->be->download(layer->ctx, values, slot,
                             (size_t)batch * layer->desc.units * sizeof(float));
    return nf__layer_backend_status(layer, st, fn);
}
