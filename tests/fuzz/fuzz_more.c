/*
 * The fuzz target's other operations: sequence layers and chains, .npy files
 * written and read (hostile shapes, short message buffers, files made of the
 * input's bytes), the functions without a network (defaults, names, device
 * query, bad descriptors to create), and NULL networks and layers given to
 * every kind of call.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

// --- layers

/* Values a float computation cannot overflow with (a layer's output is only
 * checked for NaN when everything it was given is tame: 3e38 / dt is inf,
 * and inf - inf NaN, legitimately). */
static int tame(const float *v, int64_t n) {
    for (int64_t i = 0; v && i < n; i++)
        if (!(fabsf(v[i]) <= 1e6f))
            return 0;
    return 1;
}

static void layer_create(fz_reader *r, fz_state *s) {
    if (s->n_layers == FZ_MAX_LAYERS)
        return;
    const nf_layer_kind kind = (nf_layer_kind)fz_enum(r, 3);
    const int32_t units = fz_chance(r, 232) ? 1 + fz_u8(r) % 8 : fz_size(r, 8);
    nf_layer_desc d = nf_layer_defaults(kind, units);
    d.dt = fz_chance(r, 200) ? 0.001 : fz_dt(r);
    d.backend = fz_chance(r, 240) ? NF_BACKEND_CPU : (nf_backend)fz_enum(r, 3);
    d.mode = (nf_mode)fz_enum(r, 2);
    d.stateful = fz_chance(r, 96);
    d.rate_stats = fz_chance(r, 96);
    d.model = (nf_model)fz_enum(r, 6);
    d.amplitude = fz_param(r, 1.0f);
    d.tau_rc = fz_param(r, 0.0f);
    d.tau_ref = fz_param(r, 0.0f);
    d.sigma = fz_param(r, 0.0f);
    d.seed = fz_u8(r);
    d.tau = fz_param(r, 0.01f);
    d.spiking_only = fz_chance(r, 48);
    const int small = units >= 1 && units <= 64;
    float *taus = small && fz_chance(r, 64) ? fz_floats(r, units) : NULL;
    float *initial = small && fz_chance(r, 64) ? fz_floats(r, units) : NULL;
    for (int32_t u = 0; taus && u < units; u++)
        taus[u] = fz_chance(r, 240) ? fabsf(taus[u]) + 0.001f : taus[u];
    d.taus = taus;
    d.initial = initial;
    const size_t cap = 1 + fz_u8(r) % 200;
    char *msg = malloc(cap);
    if (!msg)
        abort();
    nf_layer *layer = (nf_layer *)s; /* must be overwritten */
    const nf_status st = nf_layer_create_ex(fz_chance(r, 4) ? NULL : &d, &layer, msg, cap);
    FZ_TRACE("layer kind %d units %d dt %g mode %d stateful %d model %d amplitude %g tau_rc %g "
             "tau_ref %g sigma %g tau %g taus %p initial %p spiking_only %d\n",
             (int)d.kind, d.units, d.dt, (int)d.mode, d.stateful, (int)d.model,
             (double)d.amplitude, (double)d.tau_rc, (double)d.tau_ref, (double)d.sigma,
             (double)d.tau, (void *)taus, (void *)initial, d.spiking_only);
    for (int32_t u = 0; taus && u < units; u++)
        FZ_TRACE("  taus[%d] = %g\n", u, (double)taus[u]);
    fz_status_valid(st, "nf_layer_create_ex");
    FZ_CHECK(memchr(msg, '\0', cap), "nf_layer_create_ex: the message is not terminated");
    if (st != NF_OK) {
        FZ_CHECK(!layer, "a failed nf_layer_create_ex left *out set");
        FZ_CHECK(msg[0] || cap == 1, "nf_layer_create_ex failed without a message");
        fz_message_names(msg, "nf_layer_create_ex", cap);
    } else {
        FZ_CHECK(units >= 1, "nf_layer_create_ex accepted %d units", units);
        const int wild = !tame(initial, units) || !tame(taus, units) ||
                         !tame(&d.amplitude, 1);
        s->layers[s->n_layers++] = (nft_layer){.layer = layer, .kind = kind, .units = units,
                                               .flags = wild};
    }
    free(msg);
    free(taus);
    free(initial);
}

static nft_layer *pick_layer(fz_reader *r, fz_state *s) {
    return s->n_layers ? &s->layers[fz_u8(r) % s->n_layers] : NULL;
}

static void layer_apply(fz_reader *r, fz_state *s, nft_layer *l) {
    int32_t batch = fz_chance(r, 240) ? 1 + fz_u8(r) % 4 : fz_size(r, 4);
    int64_t time = fz_chance(r, 240) ? 1 + fz_u8(r) % 16 : fz_steps(r, 16);
    const int32_t units = fz_chance(r, 240) ? l->units : fz_size(r, 8);
    /* sizes whose product is too large to exist must be refused; other large
     * ones are not asked for */
    const int hostile = batch < 1 || time < 1 || units < 1 ||
                        (double)batch * (double)time * (double)units > 9.3e18 / 8;
    const int64_t count = hostile ? 4 : (int64_t)batch * time * units;
    if (!hostile && count > FZ_MAX_VALUES / 2)
        return;
    const nf_layout layout = (nf_layout)fz_enum(r, 2);
    const nf_memory memory = fz_chance(r, 240) ? NF_MEMORY_HOST : (nf_memory)fz_enum(r, 2);
    const int32_t seq = fz_u8(r) % 2;
    float *in = fz_floats(r, count);
    const int64_t out_count = hostile ? 4 : seq ? count : (int64_t)batch * units;
    float *out = malloc((size_t)out_count * sizeof *out);
    if (!out)
        abort();
    const float *in_arg = fz_chance(r, 8) ? NULL : fz_chance(r, 8) ? out : in; /* overlap */
    nf_status st;
    if (fz_chance(r, 96)) {
        /* a chain: the layers in some order, repeats, NULLs, a bad count */
        nf_layer *chain[NF_LAYER_CHAIN_MAX + 1];
        const int32_t n = fz_chance(r, 232) ? 1 + fz_u8(r) % 3 : fz_enum(r, 10);
        for (int i = 0; i <= NF_LAYER_CHAIN_MAX; i++)
            chain[i] = fz_chance(r, 8) ? NULL : s->layers[fz_u8(r) % s->n_layers].layer;
        chain[0] = l->layer;
        fz_layer_before(s, l);
        st = nf_layer_chain_apply(chain, n, in_arg, out, batch, time, units, layout, memory, seq);
        fz_layer_after(s, l, st, "nf_layer_chain_apply");
        if (st == NF_OK)
            for (int i = 0; i < n; i++)
                for (int k = 0; k < s->n_layers; k++)
                    if (s->layers[k].layer == chain[i])
                        s->layers[k].batch = batch;
    } else {
        fz_layer_before(s, l);
        st = nf_layer_apply(l->layer, in_arg, out, batch, time, units, layout, memory, seq);
        fz_layer_after(s, l, st, "nf_layer_apply");
        if (st == NF_OK)
            l->batch = batch;
    }
    FZ_CHECK(st != NF_OK || !hostile, "a layer applied batch %d, time %lld, units %d", batch,
             (long long)time, units);
    FZ_TRACE("apply batch %d time %lld units %d layout %d memory %d seq %d\n", batch,
             (long long)time, units, (int)layout, (int)memory, seq);
    for (int64_t i = 0; st == NF_OK && i < count && i < 64; i++)
        FZ_TRACE("  in[%lld] = %g out %g\n", (long long)i, (double)in[i],
                 i < out_count ? (double)out[i] : 0.0);
    /* tame values in give no NaN out (the constants are finite, or refused),
     * unless a state carries a wild value from an earlier call */
    const int finite = in_arg == in && tame(in, count);
    int tainted = !finite;
    for (int k = 0; k < s->n_layers; k++)
        tainted |= s->layers[k].flags;
    if (st == NF_OK && !finite)
        for (int k = 0; k < s->n_layers; k++)
            s->layers[k].flags |= 2; /* (any of them may have been in the chain) */
    if (st == NF_OK && !tainted)
        for (int64_t i = 0; i < out_count; i++)
            FZ_CHECK(!isnan(out[i]), "a layer's output %lld is NaN from finite input",
                     (long long)i);
    free(in);
    free(out);
}

static void layer_state(fz_reader *r, fz_state *s, nft_layer *l) {
    const int32_t batch = fz_chance(r, 200) && l->batch ? l->batch : fz_size(r, 4);
    /* [batch][units] values; for a batch too large to hold, NULL (refused) */
    const int64_t count = batch >= 1 ? (int64_t)batch * l->units : 1;
    const nf_state_kind which = (nf_state_kind)fz_enum(r, NF_STATE_KIND_COUNT);
    float *v = fz_floats(r, count);
    fz_layer_before(s, l);
    if (fz_chance(r, 128)) {
        const nf_status st = nf_layer_set_state(l->layer, which, batch, fz_chance(r, 4) ? NULL : v);
        fz_layer_after(s, l, st, "nf_layer_set_state");
        if (st == NF_OK) {
            l->batch = batch;
            l->flags |= tame(v, count) ? 0 : 2;
        }
    } else {
        const nf_status st = nf_layer_get_state(l->layer, which, batch, fz_chance(r, 4) ? NULL : v);
        fz_layer_after(s, l, st, "nf_layer_get_state");
    }
    free(v);
}

void fz_op_layer(fz_reader *r, fz_state *s) {
    const uint8_t op = fz_u8(r) % 8;
    nft_layer *l = pick_layer(r, s);
    if (op == 0 || !l) {
        layer_create(r, s);
        return;
    }
    switch (op) {
    case 1:
    case 2: layer_apply(r, s, l); break;
    case 3: layer_state(r, s, l); break;
    case 4: {
        fz_layer_before(s, l);
        const nf_status st = nf_layer_set_mode(l->layer, (nf_mode)fz_enum(r, 2));
        fz_layer_after(s, l, st, "nf_layer_set_mode");
        break;
    }
    case 5: {
        double q[NF_RATE_STATS_MAX_PERCENTILES + 1];
        for (int i = 0; i <= NF_RATE_STATS_MAX_PERCENTILES; i++)
            q[i] = fz_chance(r, 224) ? fz_u8(r) % 101 : (double)fz_float(r);
        const int32_t nq = fz_chance(r, 224) ? fz_u8(r) % 3 : fz_enum(r, 17);
        float *rates = l->units <= 64 ? malloc((size_t)l->units * sizeof *rates) : NULL;
        nf_rate_stats stats;
        fz_layer_before(s, l);
        const nf_status st = nf_layer_rate_stats(l->layer, q, nq, fz_chance(r, 4) ? NULL : &stats,
                                                 fz_chance(r, 64) ? NULL : rates);
        fz_layer_after(s, l, st, "nf_layer_rate_stats");
        free(rates);
        break;
    }
    case 6: {
        const nf_status st = nf_layer_reset(l->layer);
        l->flags &= 1; /* (1: created with wild values, kept; 2: fed them since) */
        fz_status_valid(st, "nf_layer_reset");
        FZ_CHECK(st == NF_OK, "nf_layer_reset failed");
        break;
    }
    default: { /* destroy it; the others stay usable */
        nf_layer_destroy(l->layer);
        *l = s->layers[--s->n_layers];
        break;
    }
    }
}

// --- files

/* Reads a file back; checks what a failure must leave and frees the data. */
static nf_status read_npy(fz_reader *r, const char *path, float **data, int32_t *ndim,
                          int64_t *shape) {
    const size_t cap = fz_chance(r, 200) ? 512 : fz_u8(r) % 8;
    char *msg = cap ? malloc(cap) : NULL;
    *data = (float *)path;
    *ndim = -7;
    const nf_status st = nf_npy_read_f32(path, data, ndim, shape, msg, cap);
    FZ_TRACE("read %s: %s\n", path, st != NF_OK && cap ? msg : "");
    fz_status_valid(st, "nf_npy_read_f32");
    if (cap && st != NF_OK)
        FZ_CHECK(memchr(msg, '\0', cap), "nf_npy_read_f32: the message is not terminated");
    if (st != NF_OK) {
        FZ_CHECK(!*data && *ndim == 0, "a failed nf_npy_read_f32 left data or ndim %d", *ndim);
        FZ_CHECK(cap <= 1 || msg[0], "nf_npy_read_f32 failed without a message");
        if (cap)
            fz_message_names(msg, "nf_npy_read_f32", cap);
    } else {
        FZ_CHECK(*data && *ndim >= 0 && *ndim <= NF_NPY_MAX_DIMS,
                 "nf_npy_read_f32: data %p, %d dimensions", (void *)*data, *ndim);
    }
    free(msg);
    return st;
}

static void npy_round_trip(fz_reader *r, fz_state *s) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s->dir, fz_chance(r, 200) ? "array.npy" : "link.npy");
    const int e = fz_enum(r, 40);
    int32_t ndim = fz_chance(r, 232) ? fz_u8(r) % 4 : e >= 0 && e < 40 ? e - 4 : e;
    int64_t shape[NF_NPY_MAX_DIMS + 8];
    /* numpy's rule, and the reader's: the nonzero dimensions' product fits
     * (int64 bytes of 8-byte values), even when a 0 empties the array */
    uint64_t count = 1, nonzero = 1;
    int overflow = 0, negative = 0;
    for (int i = 0; i < NF_NPY_MAX_DIMS + 8; i++) {
        const uint8_t b = fz_u8(r);
        shape[i] = b < 224 ? b % 5 : b < 240 ? -1 - (b % 3) : (int64_t)1 << (40 + b % 23);
        if (i >= ndim)
            continue;
        negative |= shape[i] < 0;
        if (shape[i] > 0 && nonzero > (uint64_t)(INT64_MAX / 8) / (uint64_t)shape[i])
            overflow = 1;
        else if (shape[i] > 0)
            nonzero *= (uint64_t)shape[i];
        count = shape[i] == 0 ? 0 : count * (shape[i] > 0 ? (uint64_t)shape[i] : 1);
    }
    const int bad = ndim < 0 || ndim > NF_NPY_MAX_DIMS || negative || overflow;
    if (!bad && count > FZ_MAX_VALUES)
        return; /* a valid shape too big to hold: not asked for */
    float *data = bad || !count ? (fz_chance(r, 128) ? NULL : fz_floats(r, 4))
                                : fz_floats(r, (int64_t)count);
    if (!bad && count && fz_chance(r, 8)) {
        free(data);
        data = NULL; /* data missing for a shape that has values: refused */
    }
    const size_t cap = fz_chance(r, 200) ? 512 : fz_u8(r) % 8;
    char *msg = cap ? malloc(cap) : NULL;
    const nf_status st = nf_npy_write_f32(fz_chance(r, 4) ? NULL : path, data, ndim,
                                          fz_chance(r, 4) ? NULL : shape, msg, cap);
    FZ_TRACE("write %s ndim %d shape[0] %lld count %llu data %p: %s\n", path, ndim,
             (long long)shape[0], (unsigned long long)count, (void *)data,
             st != NF_OK && cap ? msg : "");
    fz_status_valid(st, "nf_npy_write_f32");
    if (cap && st != NF_OK)
        FZ_CHECK(memchr(msg, '\0', cap), "nf_npy_write_f32: the message is not terminated");
    FZ_CHECK(st != NF_OK || !bad, "nf_npy_write_f32 wrote %d dimensions, shape[0] %lld", ndim,
             (long long)shape[0]);
    if (st == NF_OK) {
        float *back;
        int32_t nd;
        int64_t sh[NF_NPY_MAX_DIMS];
        FZ_CHECK(read_npy(r, path, &back, &nd, sh) == NF_OK, "%s cannot be read back", path);
        FZ_CHECK(nd == ndim, "read back %d dimensions of %d", nd, ndim);
        for (int i = 0; i < nd; i++)
            FZ_CHECK(sh[i] == shape[i], "read back shape[%d] %lld of %lld", i, (long long)sh[i],
                     (long long)shape[i]);
        FZ_CHECK(!count || !memcmp(back, data, count * sizeof *data), "read back other values");
        nf_npy_free(back);
    } else {
        FZ_CHECK(cap <= 1 || msg[0], "nf_npy_write_f32 failed without a message");
        if (cap)
            fz_message_names(msg, "nf_npy_write_f32", cap);
    }
    free(msg);
    free(data);
}

/* A file of the input's bytes, often a .npy header with chosen fields. */
static void npy_read_bytes(fz_reader *r, fz_state *s) {
    static const char *const descr[] = {"<f4", "<f8", "|i1", "<i2", "<i4", "<i8", "|u1",
                                        "<u8", "|b1", ">f4", "<c8", "O"};
    char path[128];
    snprintf(path, sizeof path, "%s/input.npy", s->dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (fz_chance(r, 200)) {
        char header[256];
        int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': %s, 'shape': (",
                         descr[fz_u8(r) % 12], fz_chance(r, 200) ? "False" : "True");
        const int nd = fz_u8(r) % 4;
        for (int i = 0; i < nd; i++)
            n += snprintf(header + n, sizeof header - n, "%d,%s", fz_u8(r) % 6,
                          i + 1 < nd ? " " : "");
        n += snprintf(header + n, sizeof header - n, "), }");
        if (fz_chance(r, 32))
            header[fz_u8(r) % n] = (char)fz_u8(r); /* a damaged header */
        while ((10 + n + 1) % 64 && n < 200)
            header[n++] = ' ';
        header[n++] = '\n';
        const uint8_t version = fz_chance(r, 224) ? 1 : fz_u8(r) % 5;
        const unsigned char pre[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', version, 0};
        fwrite(pre, 1, 8, f);
        const uint32_t len = fz_chance(r, 232) ? (uint32_t)n : fz_u32(r);
        const unsigned char len_bytes[4] = {len & 0xff, len >> 8 & 0xff, len >> 16 & 0xff,
                                            len >> 24};
        fwrite(len_bytes, 1, version >= 2 ? 4 : 2, f);
        fwrite(header, 1, (size_t)n, f);
    }
    const size_t tail = fz_u8(r);
    for (size_t i = 0; i < tail && r->n; i++)
        fputc(fz_u8(r), f);
    fclose(f);
    float *data;
    int32_t ndim;
    int64_t shape[NF_NPY_MAX_DIMS];
    if (read_npy(r, path, &data, &ndim, shape) == NF_OK)
        nf_npy_free(data);
}

void fz_op_files(fz_reader *r, fz_state *s) {
    if (fz_chance(r, 128))
        npy_round_trip(r, s);
    else
        npy_read_bytes(r, s);
}

// --- without a network

void fz_op_pure(fz_reader *r, fz_state *s) {
    (void)s;
    switch (fz_u8(r) % 6) {
    case 0:
        FZ_CHECK(nf_status_string((nf_status)fz_enum(r, 9)) != NULL, "nf_status_string NULL");
        FZ_CHECK(nf_backend_name((nf_backend)fz_enum(r, 3)) != NULL, "nf_backend_name NULL");
        FZ_CHECK(nf_version() && nf_version_number() == NF_VERSION_NUMBER, "versions differ");
        nf_backend_available((nf_backend)fz_enum(r, 3));
        break;
    case 1: {
        nf_population_desc d = nf_population_defaults((nf_model)fz_enum(r, 9), fz_size(r, 8));
        fz_status_valid(nf_lif_form_apply(fz_chance(r, 8) ? NULL : &d, (nf_lif_form)fz_enum(r, 2)),
                        "nf_lif_form_apply");
        fz_status_valid(nf_izhikevich_preset_apply(fz_chance(r, 8) ? NULL : &d,
                                                   (nf_izhikevich_preset)fz_enum(r, 6)),
                        "nf_izhikevich_preset_apply");
        break;
    }
    case 2: {
        nf_device_info info;
        const nf_status st = nf_device_query((nf_backend)fz_enum(r, 3),
                                             fz_chance(r, 224) ? 0 : (int32_t)fz_u32(r),
                                             fz_chance(r, 8) ? NULL : &info);
        fz_status_valid(st, "nf_device_query");
        break;
    }
    case 3: {
        nf_layer_desc d = nf_layer_defaults((nf_layer_kind)fz_enum(r, 3), fz_size(r, 8));
        (void)d;
        nf_learner_desc l = nf_learner_defaults();
        nf_connection_desc c = nf_connection_defaults();
        (void)l;
        (void)c;
        break;
    }
    case 4: {
        /* create without a message buffer, with NULL out */
        nf_network_desc d = nf_network_defaults();
        d.dt = fz_dt(r);
        const nf_status st = nf_network_create(&d, NULL);
        FZ_CHECK(st == NF_ERR_INVALID_ARGUMENT, "nf_network_create with NULL out: %s",
                 nf_status_string(st));
        break;
    }
    default: {
        nf_layer_desc d = nf_layer_defaults(NF_LAYER_LOWPASS, 2);
        const nf_status st = nf_layer_create(&d, NULL);
        FZ_CHECK(st == NF_ERR_INVALID_ARGUMENT, "nf_layer_create with NULL out: %s",
                 nf_status_string(st));
        break;
    }
    }
}

/* Every kind of call with a NULL network or layer is refused. */
void fz_op_null(fz_reader *r, fz_state *s) {
    (void)s;
    float v[8] = {0};
    int32_t id;
    int64_t n64;
    double j;
    nf_rate_stats stats;
    nf_status st;
    switch (fz_u8(r) % 12) {
    case 0: st = nf_network_run(NULL, 1); break;
    case 1: st = nf_population_add(NULL, NULL, &id); break;
    case 2: st = nf_input_set(NULL, 0, 1, v); break;
    case 3: st = nf_connect(NULL, 0, 0, NULL, &id); break;
    case 4: st = nf_probe_read(NULL, 0, v, 8, &n64); break;
    case 5: st = nf_population_rate_stats(NULL, 0, NULL, 0, &stats, NULL); break;
    case 6: st = nf_energy_estimate(NULL, "cpu", 1, 0.001, &j); break;
    case 7: st = nf_layer_apply(NULL, v, v + 4, 1, 1, 1, NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 0);
        break;
    case 8: st = nf_layer_chain_apply(NULL, 1, v, v + 4, 1, 1, 1, NF_LAYOUT_BATCH_MAJOR,
                                      NF_MEMORY_HOST, 0);
        break;
    case 9: st = fz_chance(r, 128) ? nf_network_reset(NULL)
                                   : nf_network_batch_window(NULL, &id, &id, &id);
        break;
    case 10: st = nf_probe_write_npy(NULL, 0, "x.npy"); break;
    default: st = nf_layer_set_state(NULL, NF_STATE_FILTER, 1, v); break;
    }
    FZ_CHECK(st == NF_ERR_INVALID_ARGUMENT, "a NULL network or layer gave %s",
             nf_status_string(st));
    nf_network_destroy(NULL);
    nf_layer_destroy(NULL);
    FZ_CHECK(nf_network_last_error(NULL) && nf_layer_last_error(NULL), "last error of NULL");
}
