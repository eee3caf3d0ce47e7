/* Observable state of a network or a layer, through the public API (observe.h). */
#include "observe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

// --- the record

static void grow(nft_obs *o, size_t more) {
    if (o->len + more <= o->cap)
        return;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + more)
        cap *= 2;
    unsigned char *d = nft_obs_realloc(o->data, cap);
    if (!d) {
        fprintf(stderr, "observe: out of memory\n");
        return;
    }
    o->data = d;
    o->cap = cap;
}

/* Starts a field called label (printf-style). */
static void field(nft_obs *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void field(nft_obs *o, const char *fmt, ...) {
    if (o->n_fields == o->fields_cap) {
        const size_t cap = o->fields_cap ? 2 * o->fields_cap : 64;
        void *f = nft_obs_realloc(o->fields, cap * sizeof *o->fields);
        if (!f)
            return;
        o->fields = f;
        o->fields_cap = cap;
    }
    struct nft_obs_field *f = &o->fields[o->n_fields++];
    f->at = o->len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->label, sizeof f->label, fmt, ap);
    va_end(ap);
}

static void put(nft_obs *o, const void *bytes, size_t n) {
    grow(o, n);
    if (o->len + n <= o->cap) {
        memcpy(o->data + o->len, bytes, n);
        o->len += n;
    }
}

static void put_i64(nft_obs *o, int64_t v) { put(o, &v, sizeof v); }

/* A scratch buffer of `count` values of `size` bytes (NULL when over the cap). */
static void *scratch(const nft_obs *o, int64_t count, size_t size) {
    const size_t cap = o->max_values ? o->max_values : ((size_t)1 << 20);
    if (count < 0 || (uint64_t)count > cap)
        return NULL;
    void *p = nft_obs_realloc(NULL, (size_t)(count ? count : 1) * size);
    if (p)
        memset(p, 0xA5, (size_t)(count ? count : 1) * size);
    return p;
}

/* Records a getter's status and, when it succeeded, the values it wrote. */
static void put_values(nft_obs *o, nf_status st, const void *v, size_t bytes) {
    put_i64(o, st);
    if (st == NF_OK && v)
        put(o, v, bytes);
}

// --- networks

static void observe_population(nft_obs *o, nf_network *net, const nft_object *ob, int32_t batch) {
    int32_t n = -1;
    field(o, "population %d size", ob->id);
    put_i64(o, nf_population_size(net, ob->id, &n));
    put_i64(o, n);
    const int64_t count = (int64_t)batch * (n > 0 ? n : 0);
    float *v = scratch(o, count, sizeof *v);
    for (int k = 0; k < NF_STATE_KIND_COUNT; k++) {
        field(o, "population %d state %d", ob->id, k);
        if (!v) {
            put_i64(o, count);
            continue;
        }
        put_values(o, nf_population_get_state(net, ob->id, (nf_state_kind)k, v), v,
                   (size_t)count * sizeof *v);
    }
    nft_obs_release(v);
    float *rates = scratch(o, n > 0 ? n : 0, sizeof *rates);
    nf_rate_stats s;
    memset(&s, 0, sizeof s);
    field(o, "population %d rate statistics", ob->id);
    if (rates) {
        const double q[2] = {10.0, 90.0};
        const nf_status st = nf_population_rate_stats(net, ob->id, q, 2, &s, rates);
        put_values(o, st, &s, sizeof s);
        if (st == NF_OK)
            put(o, rates, (size_t)n * sizeof *rates);
    }
    nft_obs_release(rates);
}

static void observe_connection(nft_obs *o, nf_network *net, const nft_object *ob) {
    int64_t count = -1;
    field(o, "connection %d weight count", ob->id);
    put_i64(o, nf_connection_weight_count(net, ob->id, &count));
    put_i64(o, count);
    float *w = scratch(o, count, sizeof *w);
    field(o, "connection %d weights", ob->id);
    if (w)
        put_values(o, nf_connection_get_weights(net, ob->id, w), w, (size_t)count * sizeof *w);
    nft_obs_release(w);
}

static void observe_readout(nft_obs *o, nf_network *net, const nft_object *ob, int32_t batch) {
    const int64_t wc = (int64_t)ob->size * ob->n * ob->copies, zc = (int64_t)batch * ob->size;
    float *w = scratch(o, wc, sizeof *w), *z = scratch(o, zc, sizeof *z);
    field(o, "readout %d weights", ob->id);
    if (w)
        put_values(o, nf_readout_get_weights(net, ob->id, w), w, (size_t)wc * sizeof *w);
    field(o, "readout %d z", ob->id);
    if (z)
        put_values(o, nf_readout_get_state(net, ob->id, z), z, (size_t)zc * sizeof *z);
    nft_obs_release(w);
    nft_obs_release(z);
}

static void observe_learner(nft_obs *o, nf_network *net, const nft_object *ob) {
    int64_t count = -1;
    field(o, "learner %d P count", ob->id);
    put_i64(o, nf_learner_p_count(net, ob->id, &count));
    put_i64(o, count);
    double *p = scratch(o, count, sizeof *p);
    field(o, "learner %d P", ob->id);
    if (p)
        put_values(o, nf_learner_get_p_f64(net, ob->id, p), p, (size_t)count * sizeof *p);
    nft_obs_release(p);
}

static void observe_probe(nft_obs *o, nf_network *net, const nft_object *ob) {
    int64_t rows = -1, size = -1;
    field(o, "probe %d rows", ob->id);
    put_i64(o, nf_probe_rows(net, ob->id, &rows));
    put_i64(o, rows);
    field(o, "probe %d row size", ob->id);
    put_i64(o, nf_probe_row_size(net, ob->id, &size));
    put_i64(o, size);
}

static void observe_energy(nft_obs *o, nf_network *net, const char *const *devices,
                           int n_devices) {
    static const char *const builtin[] = {"cpu", "gpu", "arm"};
    char table[8192];
    size_t needed = 0;
    field(o, "energy summary");
    const nf_status st = nf_energy_summary(net, builtin, 3, 100, 0.001, table, sizeof table,
                                           &needed);
    put_i64(o, st);
    put_i64(o, (int64_t)needed);
    if (st == NF_OK)
        put(o, table, strlen(table));
    for (int i = 0; i < n_devices; i++) {
        double j = -1.0;
        field(o, "energy of device %d", i);
        put_values(o, nf_energy_estimate(net, devices[i], 100, 0.001, &j), &j, sizeof j);
    }
}

void nft_observe_network(nft_obs *o, nf_network *net, const nft_object *objects, int count,
                         const char *const *devices, int n_devices) {
    if (!net)
        return;
    const int32_t batch = nf_network_batch(net);
    field(o, "network properties");
    put_i64(o, nf_network_step_count(net));
    put_i64(o, batch);
    const double dt = nf_network_dt(net);
    put(o, &dt, sizeof dt);
    put_i64(o, nf_network_mode(net));
    put_i64(o, nf_network_backend(net));
    for (int i = 0; i < count; i++) {
        const nft_object *ob = &objects[i];
        switch (ob->kind) {
        case NFT_POP: observe_population(o, net, ob, batch); break;
        case NFT_CONN: observe_connection(o, net, ob); break;
        case NFT_READOUT: observe_readout(o, net, ob, batch); break;
        case NFT_LEARNER: observe_learner(o, net, ob); break;
        case NFT_PROBE: observe_probe(o, net, ob); break;
        case NFT_INPUT: break; /* nothing reads an input back */
        }
    }
    observe_energy(o, net, devices, n_devices);
}

// --- layers

void nft_observe_layer(nft_obs *o, const nft_layer *l) {
    if (!l->layer)
        return;
    field(o, "layer %p backend", (const void *)l->layer);
    put_i64(o, nf_layer_backend(l->layer));
    if (l->batch > 0) {
        const int64_t count = (int64_t)l->batch * l->units;
        float *v = scratch(o, count, sizeof *v);
        for (int k = 0; v && k < NF_STATE_KIND_COUNT; k++) {
            field(o, "layer %p state %d", (const void *)l->layer, k);
            put_values(o, nf_layer_get_state(l->layer, (nf_state_kind)k, l->batch, v), v,
                       (size_t)count * sizeof *v);
        }
        nft_obs_release(v);
    }
    float *rates = scratch(o, l->units, sizeof *rates);
    if (rates) {
        nf_rate_stats s;
        memset(&s, 0, sizeof s);
        field(o, "layer %p rate statistics", (const void *)l->layer);
        const double q[1] = {50.0};
        const nf_status st = nf_layer_rate_stats(l->layer, q, 1, &s, rates);
        put_values(o, st, &s, sizeof s);
        if (st == NF_OK)
            put(o, rates, (size_t)l->units * sizeof *rates);
    }
    nft_obs_release(rates);
}

// --- comparing

int nft_obs_diff(const nft_obs *a, const nft_obs *b, char *where, size_t cap) {
    if (a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0))
        return 0;
    size_t at = 0;
    const size_t common = a->len < b->len ? a->len : b->len;
    while (at < common && a->data[at] == b->data[at])
        at++;
    const char *label = "(end)";
    for (size_t i = 0; i < a->n_fields; i++)
        if (a->fields[i].at <= at)
            label = a->fields[i].label;
    snprintf(where, cap, "%s (byte %zu; %zu vs %zu bytes in all)", label, at, a->len, b->len);
    return 1;
}

void nft_obs_clear(nft_obs *o) {
    o->len = 0;
    o->n_fields = 0;
}

void nft_obs_free(nft_obs *o) {
    nft_obs_release(o->data);
    nft_obs_release(o->fields);
    memset(o, 0, sizeof *o);
}

int nft_message_names(const char *m, const char *fn) {
    const size_t len = strlen(fn);
    if (strncmp(m, fn, len) || m[len] != ':' || m[len + 1] != ' ')
        return 0;
    const char *rest = m + len + 2;
    const size_t ident =
        strncmp(rest, "nf_", 3) ? 0 : strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789_");
    return !(ident && rest[ident] == ':');
}
