/*
 * Energy estimates per inference (keras-spiking ModelEnergy, docs/equations.md).
 * Layers are the populations (connections = synapses into them, neurons = n)
 * and the readouts (connections = dim x n, no neurons). For T steps of dt:
 *   non-spiking device: E = e_synop connections + e_neuron neurons
 *   spiking device:     E = e_synop sum_c (connections_c rate_c) dt T + e_neuron neurons T
 * with rate_c the measured mean |output| of connection c's source (rate
 * statistics of a population, mean |value| of an input's rows, mean |z| of a
 * readout now), or given per object id (nf_energy_*_rates: rates reduced
 * elsewhere, e.g. over MPI ranks). Devices: the built-in table below and those registered on
 * the network (never global).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "internal.h"

#define NAME_MAX_LEN 31

struct nf_energy_device {
    char name[NAME_MAX_LEN + 1];
    double e_synop, e_neuron; /* J per synaptic operation, per neuron update */
    int32_t spiking;
};

static const struct nf_energy_device builtin[] = {
    {"cpu", 8.6e-9, 8.6e-9, 0},           {"gpu", 0.3e-9, 0.3e-9, 0},
    {"arm", 0.9e-9, 0.9e-9, 0},           {"loihi", (23.6 + 3.5) * 1e-12, 81e-12, 1},
    {"spinnaker", 13.3e-9, 26e-9, 1},     {"spinnaker2", 450e-12, 2.19e-9, 1},
};
#define N_BUILTIN ((int32_t)(sizeof builtin / sizeof *builtin))

static const struct nf_energy_device *find_device(const nf_network *net, const char *name) {
    for (int32_t i = 0; i < N_BUILTIN; i++)
        if (!strcmp(builtin[i].name, name))
            return &builtin[i];
    for (int32_t i = 0; i < net->n_energy_devices; i++)
        if (!strcmp(net->energy_devices[i].name, name))
            return &net->energy_devices[i];
    return NULL;
}

nf_status nf_energy_device_register(nf_network *net, const char *name, double e_synop,
                                    double e_neuron, int32_t spiking) {
    NF_ENTER(net);
    static const char fn[] = "nf_energy_device_register";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(name && name[0] && strlen(name) <= NAME_MAX_LEN,
            "%s: name must be 1..%d characters, got %s%s%s", fn, NAME_MAX_LEN,
            name ? "\"" : "", name ? name : "NULL", name ? "\"" : "");
    for (int32_t i = 0; i < N_BUILTIN; i++)
        REQUIRE(strcmp(builtin[i].name, name), "%s: \"%s\" is a built-in device", fn, name);
    REQUIRE(isfinite(e_synop) && e_synop >= 0.0 && isfinite(e_neuron) && e_neuron >= 0.0,
            "%s: energies must be finite and >= 0, got e_synop %g, e_neuron %g", fn, e_synop,
            e_neuron);
    struct nf_energy_device *d = (struct nf_energy_device *)find_device(net, name);
    if (!d) {
        struct nf_energy_device *grown =
            realloc(net->energy_devices, (size_t)(net->n_energy_devices + 1) * sizeof *grown);
        if (!grown)
            return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        net->energy_devices = grown;
        d = &grown[net->n_energy_devices++];
        snprintf(d->name, sizeof d->name, "%s", name);
    }
    d->e_synop = e_synop;
    d->e_neuron = e_neuron;
    d->spiking = spiking != 0;
    return NF_OK;
}

int32_t nf__energy_device_count(const nf_network *net) { return net->n_energy_devices; }

void nf__energy_device_get(const nf_network *net, int32_t i, nf_ckpt_energy_device *out) {
    _Static_assert(sizeof out->name == sizeof net->energy_devices[0].name,
                   "a checkpoint holds every energy device name");
    const struct nf_energy_device *d = &net->energy_devices[i];
    memcpy(out->name, d->name, sizeof out->name);
    out->e_synop = d->e_synop;
    out->e_neuron = d->e_neuron;
    out->spiking = d->spiking;
}

// --- per-layer statistics

typedef struct layer_stat {
    int32_t id;            /* object id of the population or readout */
    int64_t connections, neurons;
    double synop_rate;     /* sum over incoming c of connections_c rate_c */
    bool rate_ok;          /* every source rate was measured */
} layer_stat;

static int64_t synapses(const nf_connection *c) {
    switch (c->desc.kind) {
    case NF_CONNECTION_SPARSE: return c->nnz;
    case NF_CONNECTION_IDENTITY: return c->n_post;
    default: return (int64_t)c->n_post * c->n_pre;
    }
}

/* Mean |x| of `count` backend floats. */
static nf_status mean_abs(nf_network *net, const float *dev, size_t count, double *mean) {
    float *host = malloc(count * sizeof *host);
    if (!host)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "out of host memory (the energy tally)");
    nf_status st = nf__download(net, host, dev, count * sizeof *host);
    double s = 0.0;
    for (size_t i = 0; st == NF_OK && i < count; i++)
        s += fabs((double)host[i]);
    free(host);
    *mean = s / (double)count;
    return st;
}

/* The rates given instead of measured ones (nf_energy_estimate_rates): rates[id]
 * for the count object ids, NaN where not measured; NULL rates: measure. */
typedef struct given_rates {
    const double *rates;
    int32_t count;
} given_rates;

/* The measured (or given) rate of a source object; *ok false when a population
 * has none. */
static nf_status source_rate(nf_network *net, const given_rates *given, int32_t id, double *rate,
                             bool *ok) {
    const nf_object *o = &net->objects.items[id];
    const int32_t batch = net->desc.batch;
    *ok = true;
    *rate = 0.0;
    if (given->rates) {
        *rate = isnan(given->rates[id]) ? 0.0 : given->rates[id];
        *ok = !isnan(given->rates[id]);
        return NF_OK;
    }
    switch (o->kind) {
    case NF_OBJ_POPULATION: {
        const nf_population *p = &net->pops.items[o->index];
        if (!p->abs_sum || net->step - p->rate_from < 1) {
            *ok = false;
            return NF_OK;
        }
        return nf__population_mean_rate(net, id, rate);
    }
    case NF_OBJ_INPUT: {
        const nf_input *in = &net->inputs.items[o->index];
        return mean_abs(net, in->values, (size_t)in->steps * batch * in->dim, rate);
    }
    case NF_OBJ_READOUT: {
        const nf_readout *r = &net->readouts.items[o->index];
        return mean_abs(net, r->z, (size_t)batch * r->dim, rate);
    }
    default: return NF_OK;
    }
}

/* Fills stats[] (populations, then readouts); with rates, measures them (or
 * takes the given ones). */
static nf_status layer_stats(nf_network *net, bool rates, const given_rates *given,
                             layer_stat **out, int32_t *count) {
    const int32_t n = net->pops.count + net->readouts.count;
    layer_stat *ls = calloc(n ? (size_t)n : 1, sizeof *ls);
    if (!ls)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "out of host memory (the energy tally)");
    int32_t k = 0;
    nf_status st = NF_OK;
    for (int32_t id = 0; id < net->objects.count; id++) {
        const nf_object *o = &net->objects.items[id];
        if (o->kind == NF_OBJ_POPULATION) {
            layer_stat *l = &ls[k++];
            l->id = id;
            l->neurons = net->pops.items[o->index].desc.n;
            l->rate_ok = true;
            for (int32_t c = 0; c < net->conns.count && st == NF_OK; c++) {
                const nf_connection *cn = &net->conns.items[c];
                if (cn->post != id)
                    continue;
                const int64_t syn = synapses(cn);
                l->connections += syn;
                double r = 0.0;
                bool ok = true;
                if (rates)
                    st = source_rate(net, given, cn->pre, &r, &ok);
                l->synop_rate += (double)syn * r;
                l->rate_ok = l->rate_ok && ok && rates;
            }
        } else if (o->kind == NF_OBJ_READOUT) {
            const nf_readout *r = &net->readouts.items[o->index];
            layer_stat *l = &ls[k++];
            l->id = id;
            l->connections = (int64_t)r->dim * r->n;
            double rate = 0.0;
            bool ok = true;
            if (rates)
                st = source_rate(net, given, r->pop, &rate, &ok);
            l->synop_rate = (double)l->connections * rate;
            l->rate_ok = ok && rates;
        }
        if (st != NF_OK)
            break;
    }
    if (st != NF_OK) {
        free(ls);
        return st;
    }
    *out = ls;
    *count = k;
    return NF_OK;
}

static double layer_energy(const layer_stat *l, const struct nf_energy_device *d, int64_t steps,
                           double dt) {
    if (!d->spiking)
        return d->e_synop * (double)l->connections + d->e_neuron * (double)l->neurons;
    return d->e_synop * l->synop_rate * dt * (double)steps +
           d->e_neuron * (double)l->neurons * (double)steps;
}

/* Resolves and checks the devices, steps and dt shared by both entry points. */
static nf_status check_request(nf_network *net, const char *fn, const char *const *names,
                               int32_t n, int64_t steps, double dt,
                               const struct nf_energy_device **devs, bool *any_spiking) {
    REQUIRE(steps >= 1, "%s: steps_per_inference must be >= 1, got %lld", fn, (long long)steps);
    REQUIRE(dt > 0.0 && isfinite(dt), "%s: dt must be finite and > 0, got %g", fn, dt);
    *any_spiking = false;
    for (int32_t i = 0; i < n; i++) {
        REQUIRE(names[i], "%s: device %d is NULL", fn, i);
        devs[i] = find_device(net, names[i]);
        REQUIRE(devs[i],
                "%s: unknown device \"%s\" (built in: cpu, gpu, arm, loihi, spinnaker, "
                "spinnaker2; or nf_energy_device_register)",
                fn, names[i]);
        *any_spiking = *any_spiking || devs[i]->spiking;
    }
    return NF_OK;
}

/* Refuses a spiking estimate when a rate was not measured, naming the layer. */
static nf_status require_rates(nf_network *net, const char *fn, const layer_stat *ls,
                               int32_t count) {
    for (int32_t i = 0; i < count; i++)
        if (!ls[i].rate_ok && ls[i].connections > 0)
            return nf__fail(net, NF_ERR_STATE,
                            "%s: a spiking device needs measured input rates, and the sources "
                            "of object %d include a population without rate statistics "
                            "(nf_population_rate_stats_enable, then run)",
                            fn, ls[i].id);
    return NF_OK;
}

/* Checks given rates: one per object id, each NaN (not measured) or finite and >= 0. */
static nf_status check_given(nf_network *net, const char *fn, const given_rates *given) {
    if (!given->rates)
        return NF_OK;
    REQUIRE(given->count == net->objects.count,
            "%s: rates must hold one rate per object id (%d), got count %d", fn,
            net->objects.count, given->count);
    for (int32_t id = 0; id < given->count; id++)
        REQUIRE(isnan(given->rates[id]) || (isfinite(given->rates[id]) && given->rates[id] >= 0.0),
                "%s: rates[%d] must be NaN (not measured) or finite and >= 0, got %g", fn, id,
                given->rates[id]);
    return NF_OK;
}

static nf_status estimate(nf_network *net, const char *fn, const char *device,
                          int64_t steps_per_inference, double dt, const given_rates *given,
                          double *joules) {
    REQUIRE(joules, "%s: joules must not be NULL", fn);
    REQUIRE(device, "%s: device must not be NULL", fn);
    const struct nf_energy_device *d;
    bool spiking;
    nf_status st = check_request(net, fn, &device, 1, steps_per_inference, dt, &d, &spiking);
    layer_stat *ls = NULL;
    int32_t count = 0;
    if (st == NF_OK)
        st = check_given(net, fn, given);
    if (st == NF_OK)
        st = layer_stats(net, spiking, given, &ls, &count);
    if (st == NF_OK && spiking)
        st = require_rates(net, fn, ls, count);
    if (st == NF_OK) {
        double e = 0.0;
        for (int32_t i = 0; i < count; i++)
            e += layer_energy(&ls[i], d, steps_per_inference, dt);
        *joules = e;
    }
    free(ls);
    return st;
}

nf_status nf_energy_estimate(nf_network *net, const char *device, int64_t steps_per_inference,
                             double dt, double *joules) {
    NF_ENTER(net);
    const given_rates measure = {NULL, 0};
    return net ? estimate(net, "nf_energy_estimate", device, steps_per_inference, dt, &measure,
                          joules)
               : NF_ERR_INVALID_ARGUMENT;
}

nf_status nf_energy_estimate_rates(nf_network *net, const char *device,
                                   int64_t steps_per_inference, double dt, const double *rates,
                                   int32_t count, double *joules) {
    NF_ENTER(net);
    static const char fn[] = "nf_energy_estimate_rates";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(rates, "%s: rates must not be NULL", fn);
    const given_rates given = {rates, count};
    return estimate(net, fn, device, steps_per_inference, dt, &given, joules);
}

nf_status nf_energy_source_rates(nf_network *net, double *rates, int32_t capacity,
                                 int32_t *count) {
    NF_ENTER(net);
    static const char fn[] = "nf_energy_source_rates";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(count, "%s: count must not be NULL", fn);
    REQUIRE(rates || capacity == 0, "%s: rates is NULL with capacity %d", fn, capacity);
    *count = net->objects.count;
    REQUIRE(capacity >= net->objects.count,
            "%s: rates holds %d doubles, the network has %d object ids", fn, capacity,
            net->objects.count);
    const given_rates measure = {NULL, 0};
    for (int32_t id = 0; id < net->objects.count; id++) {
        const nf_object_kind kind = net->objects.items[id].kind;
        bool ok = true;
        rates[id] = NAN;
        if (kind != NF_OBJ_POPULATION && kind != NF_OBJ_INPUT && kind != NF_OBJ_READOUT)
            continue;
        nf_status st = source_rate(net, &measure, id, &rates[id], &ok);
        if (st != NF_OK)
            return st;
        if (!ok)
            rates[id] = NAN;
    }
    return NF_OK;
}

// --- the summary table

typedef struct text {
    char *s;
    size_t len, cap;
    bool oom;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
    if (t->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->oom = true;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void layer_name(const nf_network *net, int32_t id, char *buf, size_t cap) {
    const nf_object *o = &net->objects.items[id];
    if (o->kind == NF_OBJ_POPULATION)
        snprintf(buf, cap, "population %d (%s)", id,
                 nf__model_name(net->pops.items[o->index].desc.model));
    else
        snprintf(buf, cap, "readout %d", id);
}

#define RULE_DASH                                                                            \
    "--------------------------------------------------------------------------------"     \
    "--------------------------------------------------------------------------------"     \
    "--------------------------------------------------------------------------------"     \
    "--------------------------------------------------------------------------------"
#define RULE_EQUAL                                                                           \
    "================================================================================"     \
    "================================================================================"     \
    "================================================================================"     \
    "================================================================================"

static void write_table(const nf_network *net, text *t, const layer_stat *ls, int32_t count,
                        const char *const *names, const struct nf_energy_device *const *devs,
                        int32_t n, int64_t steps, double dt) {
    const size_t start = t->len;
    put(t, "%-26s|%12s|%9s|%11s", "Layer", "Conn #", "Neuron #", "Rate [Hz]");
    for (int32_t j = 0; j < n; j++)
        put(t, "|J/inf (%s)", names[j]);
    const int width = (int)(t->len - start);
    put(t, "\n%.*s\n", width, RULE_DASH);
    for (int32_t i = 0; i < count; i++) {
        char name[64], rate[32];
        layer_name(net, ls[i].id, name, sizeof name);
        if (ls[i].connections == 0)
            snprintf(rate, sizeof rate, "0");
        else if (ls[i].rate_ok)
            snprintf(rate, sizeof rate, "%.4g", ls[i].synop_rate / (double)ls[i].connections);
        else
            snprintf(rate, sizeof rate, "-");
        put(t, "%-26s|%12lld|%9lld|%11s", name, (long long)ls[i].connections,
            (long long)ls[i].neurons, rate);
        for (int32_t j = 0; j < n; j++)
            put(t, "|%*.3g", (int)strlen(names[j]) + 8, layer_energy(&ls[i], devs[j], steps, dt));
        put(t, "\n");
    }
    put(t, "%.*s\n", width, RULE_EQUAL);
    for (int32_t j = 0; j < n; j++) {
        double e = 0.0;
        for (int32_t i = 0; i < count; i++)
            e += layer_energy(&ls[i], devs[j], steps, dt);
        put(t, "Total energy per inference [Joules/inf] (%s): %.2e\n", names[j], e);
    }
}

static nf_status summary(nf_network *net, const char *fn, const char *const *devices,
                         int32_t n_devices, int64_t steps_per_inference, double dt,
                         const given_rates *given, char *buf, size_t capacity, size_t *needed) {
    REQUIRE(devices && n_devices >= 1 && n_devices <= 16,
            "%s: devices must hold 1..16 names, got %d%s", fn, n_devices,
            devices ? "" : " (devices NULL)");
    REQUIRE(buf || capacity == 0, "%s: buf is NULL with capacity %zu", fn, capacity);
    const struct nf_energy_device *devs[16];
    bool spiking = false;
    nf_status st =
        check_request(net, fn, devices, n_devices, steps_per_inference, dt, devs, &spiking);
    if (st == NF_OK)
        st = check_given(net, fn, given);
    if (st != NF_OK)
        return st;
    layer_stat *ls = NULL;
    int32_t count = 0;
    /* rates are shown whenever they can be measured; spiking devices need them */
    if ((st = layer_stats(net, true, given, &ls, &count)) != NF_OK)
        return st;
    if (spiking && (st = require_rates(net, fn, ls, count)) != NF_OK) {
        free(ls);
        return st;
    }
    text t = {0};
    write_table(net, &t, ls, count, devices, devs, n_devices, steps_per_inference, dt);
    free(ls);
    if (t.oom) {
        free(t.s);
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    if (needed)
        *needed = t.len + 1;
    if (t.len + 1 > capacity) {
        free(t.s);
        return nf__fail(net, NF_ERR_INVALID_ARGUMENT,
                        "%s: capacity %zu is too small, the table needs %zu bytes", fn, capacity,
                        t.len + 1);
    }
    memcpy(buf, t.s, t.len + 1);
    free(t.s);
    return NF_OK;
}

nf_status nf_energy_summary(nf_network *net, const char *const *devices, int32_t n_devices,
                            int64_t steps_per_inference, double dt, char *buf, size_t capacity,
                            size_t *needed) {
    NF_ENTER(net);
    const given_rates measure = {NULL, 0};
    return net ? summary(net, "nf_energy_summary", devices, n_devices, steps_per_inference, dt,
                         &measure, buf, capacity, needed)
               : NF_ERR_INVALID_ARGUMENT;
}

nf_status nf_energy_summary_rates(nf_network *net, const char *const *devices, int32_t n_devices,
                                  int64_t steps_per_inference, double dt, const double *rates,
                                  int32_t count, char *buf, size_t capacity, size_t *needed) {
    NF_ENTER(net);
    static const char fn[] = "nf_energy_summary_rates";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(rates, "%s: rates must not be NULL", fn);
    const given_rates given = {rates, count};
    return summary(net, fn, devices, n_devices, steps_per_inference, dt, &given, buf, capacity,
                   needed);
}
