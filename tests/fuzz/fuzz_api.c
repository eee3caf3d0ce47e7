/*
 * libFuzzer target over the public API (include/neurofuse.h only): each
 * input creates a network from its first bytes and then runs up to 64
 * operations chosen by the following ones (populations, inputs, connections
 * of every kind including self-connections, readouts, learners, probes,
 * runs with huge and negative step counts, resets, state and weights in and
 * out, statistics, energy, .npy files, layers and chains, calls with NULL
 * and with bad ids and enums, in any order). After every call it checks the
 * library's promises: the status is an nf_status; a failure set a message
 * and changed nothing a program can observe (observe.h); what had to be
 * refused was. Sanitizers (ASan, UBSan) catch the rest.
 * Build and run: scripts/fuzz.sh [SECONDS]; corpus: tests/fuzz/corpus/api.
 */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* The allocator's limit the target runs with (scripts/fuzz.sh sets the same),
 * also when an input is replayed by hand. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=2048:detect_leaks=1";
}

void *nft_obs_realloc(void *p, size_t bytes) { return realloc(p, bytes); }
void nft_obs_release(void *p) { free(p); }

// --- reading the input

uint8_t fz_u8(fz_reader *r) {
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

uint32_t fz_u32(fz_reader *r) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | fz_u8(r);
    return v;
}

int fz_chance(fz_reader *r, int num) { return fz_u8(r) < num; }

int32_t fz_size(fz_reader *r, int32_t small) {
    static const int32_t hostile[] = {0, -1, INT32_MIN, -4096};
    static const int32_t huge[] = {INT32_MAX, 1 << 30, (1 << 29) + 7};
    const uint8_t b = fz_u8(r);
    if (b < 220)
        return 1 + fz_u8(r) % small;
    if (b < 244)
        return hostile[b % 4];
    return huge[b % 3];
}

int64_t fz_steps(fz_reader *r, int64_t small) {
    static const int64_t hostile[] = {0, -1, INT64_MIN, INT64_MAX, INT64_MAX / 4,
                                      (int64_t)1 << 62, ((int64_t)1 << 61) + 3, INT64_MAX - 1};
    const uint8_t b = fz_u8(r);
    if (b < 224)
        return 1 + fz_u8(r) % small;
    return hostile[b % 8];
}

float fz_float(fz_reader *r) {
    const uint8_t b = fz_u8(r);
    switch (b % 24) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 3e38f;
    case 4: return -3e38f;
    case 5: return 0.0f;
    case 6: return -0.0f;
    case 7: return 1e-45f;
    case 8: return FLT_MAX;
    case 9: return 1e30f;
    default: return (float)(int8_t)fz_u8(r) / 16.0f;
    }
}

float fz_param(fz_reader *r, float sane) { return fz_chance(r, 224) ? sane : fz_float(r); }

double fz_dt(fz_reader *r) {
    static const double choices[] = {0.001, 0.0005, 1.0,    1e-5,   0.0,     -0.001,
                                     NAN,   INFINITY, 1e300, 1e-300, 3.5e38, 1e-40};
    const uint8_t b = fz_u8(r);
    return b < 192 ? choices[b % 4] : choices[b % 12];
}

int fz_enum(fz_reader *r, int count) {
    const uint8_t b = fz_u8(r);
    if (b < 232)
        return b % count;
    static const int bad[] = {-1, 0x7fffffff, -0x7fffffff - 1, 99};
    return b % 8 < 4 ? bad[b % 4] : count;
}

// --- checks

int fz_trace;

void fz_status_valid(nf_status st, const char *call) {
    FZ_TRACE("%s -> %s\n", call, nf_status_string(st));
    FZ_CHECK((int)st >= NF_OK && (int)st <= NF_ERR_UNSUPPORTED, "%s returned %d, not an nf_status",
             call, (int)st);
}

int32_t fz_pick(fz_reader *r, const fz_state *s, nft_kind kind) {
    const uint8_t b = fz_u8(r);
    if (b >= 236) {
        static const int32_t bad[] = {-1, INT32_MIN, INT32_MAX, FZ_MAX_OBJECTS};
        return b < 252 ? (int32_t)(fz_u8(r) % (s->n_obj + 1)) : bad[b % 4];
    }
    int count = 0;
    for (int i = 0; i < s->n_obj; i++)
        count += !kind || s->obj[i].kind == kind;
    if (!count)
        return -1;
    int k = b % count;
    for (int i = 0; i < s->n_obj; i++)
        if ((!kind || s->obj[i].kind == kind) && k-- == 0)
            return s->obj[i].id;
    return -1;
}

const nft_object *fz_find(const fz_state *s, int32_t id) {
    for (int i = 0; i < s->n_obj; i++)
        if (s->obj[i].id == id)
            return &s->obj[i];
    return NULL;
}

float *fz_floats(fz_reader *r, int64_t count) {
    if (count <= 0 || count > FZ_MAX_VALUES)
        return NULL; /* (more: only with a huge batch, where no object can exist) */
    float *v = malloc((size_t)count * sizeof *v);
    if (!v)
        abort();
    /* mostly ordinary values, a hostile one now and then */
    const int hostile = fz_chance(r, 48);
    for (int64_t i = 0; i < count; i++)
        v[i] = hostile && fz_chance(r, 16) ? fz_float(r) : (float)(int8_t)fz_u8(r) / 32.0f;
    return v;
}

void fz_message_names(const char *m, const char *call, size_t cap) {
    const size_t len = strlen(call), got = strlen(m);
    if (cap && got + 1 == cap && got < len + 2) {
        FZ_CHECK(!strncmp(m, call, got < len ? got : len) && (got <= len || m[len] == ':'),
                 "%s: the message \"%s\", cut short, does not begin with the function's name",
                 call, m);
        return;
    }
    FZ_CHECK(nft_message_names(m, call),
             "%s: the message \"%s\" does not begin with \"%s: \" (or names another function)",
             call, m, call);
}

static const char sentinel[] = "nf_network_set_mode: mode 12345 is not an nf_mode";

void fz_before(fz_state *s) {
    nft_obs_clear(&s->before);
    nft_observe_network(&s->before, s->net, s->obj, s->n_obj, s->devices, s->n_devices);
    nf_network_set_mode(s->net, (nf_mode)12345);
    FZ_CHECK(!strcmp(nf_network_last_error(s->net), sentinel),
             "nf_network_set_mode(12345) set \"%s\"", nf_network_last_error(s->net));
}

void fz_after(fz_state *s, nf_status st, const char *call, int may_change) {
    fz_status_valid(st, call);
    if (st == NF_OK)
        return;
    const char *m = nf_network_last_error(s->net);
    FZ_CHECK(m[0] && strcmp(m, sentinel), "%s failed (%s) without a message", call,
             nf_status_string(st));
    FZ_CHECK(strlen(m) < 512, "%s: the message is not terminated", call);
    fz_message_names(m, call, 0);
    if (may_change)
        return;
    nft_obs_clear(&s->after);
    nft_observe_network(&s->after, s->net, s->obj, s->n_obj, s->devices, s->n_devices);
    char where[160];
    FZ_CHECK(!nft_obs_diff(&s->before, &s->after, where, sizeof where),
             "%s failed (%s: %s) and changed %s", call, nf_status_string(st), m, where);
}

void fz_layer_before(fz_state *s, nft_layer *l) {
    nft_obs_clear(&s->before);
    for (int i = 0; i < s->n_layers; i++)
        nft_observe_layer(&s->before, &s->layers[i]);
    nf_layer_set_mode(l->layer, (nf_mode)12345);
}

void fz_layer_after(fz_state *s, nft_layer *l, nf_status st, const char *call) {
    fz_status_valid(st, call);
    if (st == NF_OK)
        return;
    const char *m = nf_layer_last_error(l->layer);
    FZ_CHECK(m[0] && !strstr(m, "mode 12345"), "%s failed (%s) without a message", call,
             nf_status_string(st));
    fz_message_names(m, call, 0);
    nft_obs_clear(&s->after);
    for (int i = 0; i < s->n_layers; i++)
        nft_observe_layer(&s->after, &s->layers[i]);
    char where[160];
    FZ_CHECK(!nft_obs_diff(&s->before, &s->after, where, sizeof where),
             "%s failed (%s: %s) and changed %s", call, nf_status_string(st), m, where);
}

// --- the network and the loop

static char dir[64];

/* A scratch folder with what the file operations use: a symbolic link to a
 * file, a folder, and (checked after every input) /dev/null untouched. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fz_trace = getenv("NFT_FUZZ_TRACE") != NULL;
    snprintf(dir, sizeof dir, "/tmp/nft_fuzz_XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char path[128], sub[128];
    snprintf(path, sizeof path, "%s/link.npy", dir);
    if (symlink("target.npy", path) != 0)
        abort();
    snprintf(sub, sizeof sub, "%s/folder", dir);
    if (mkdir(sub, 0755) != 0)
        abort();
    return 0;
}

static void check_files(void) {
    struct stat st;
    char path[128];
    FZ_CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null was replaced");
    snprintf(path, sizeof path, "%s/link.npy", dir);
    FZ_CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "the link was replaced");
    snprintf(path, sizeof path, "%s/folder", dir);
    FZ_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "the folder was replaced");
}

static void create(fz_reader *r, fz_state *s) {
    nf_network_desc d = nf_network_defaults();
    const uint8_t b = fz_u8(r);
    static const int32_t bad_batch[] = {0, -1, INT32_MIN, INT32_MAX};
    d.batch = b < 240 ? 1 + b % 4 : bad_batch[b % 4];
    d.dt = fz_dt(r);
    d.seed = fz_u8(r);
    const uint8_t be = fz_u8(r);
    d.backend = be < 240 ? NF_BACKEND_CPU : (nf_backend)fz_enum(r, 3);
    d.device = fz_chance(r, 8) ? (int32_t)fz_u32(r) : 0;
    const size_t cap = 1 + fz_u8(r) % 300;
    char *msg = malloc(cap); /* exactly `cap`: writing past it is caught */
    if (!msg)
        abort();
    nf_network *net = (nf_network *)&dir; /* must be overwritten */
    /* a window of a larger batch now and then: elements [first, first + count) */
    const int window = fz_chance(r, 48);
    int32_t first = 0, count = d.batch;
    if (window) {
        static const int32_t hostile[] = {-1, INT32_MAX, INT32_MIN, 0};
        first = fz_chance(r, 224) ? fz_u8(r) % 4 : hostile[fz_u8(r) % 4];
        count = fz_chance(r, 224) ? 1 + fz_u8(r) % 4 : hostile[fz_u8(r) % 4];
    }
    const char *call;
    const nf_status st =
        window ? FZ_CALL(call, nf_network_create_window, fz_chance(r, 4) ? NULL : &d, first,
                         count, &net, msg, cap)
               : FZ_CALL(call, nf_network_create_ex, fz_chance(r, 4) ? NULL : &d, &net, msg, cap);
    FZ_TRACE("create batch %d dt %g backend %d device %d window %d (%d, %d)\n", d.batch, d.dt,
             (int)d.backend, d.device, window, first, count);
    fz_status_valid(st, "nf_network_create_ex");
    FZ_CHECK(memchr(msg, '\0', cap), "nf_network_create_ex: the message is not terminated");
    if (st != NF_OK) {
        FZ_CHECK(!net, "a failed nf_network_create_ex left *out set");
        FZ_CHECK(msg[0] || cap == 1, "nf_network_create_ex failed without a message");
        fz_message_names(msg, call, cap);
    } else {
        FZ_CHECK(net, "nf_network_create_ex gave NF_OK and no network");
        FZ_CHECK(d.batch >= 1 && d.dt > 0 && isfinite((float)d.dt) && (float)d.dt > 0.0f &&
                     isfinite((float)(1.0 / d.dt)),
                 "nf_network_create_ex accepted batch %d, dt %g", d.batch, d.dt);
        FZ_CHECK(nf_network_backend(net) == NF_BACKEND_CPU, "not the CPU backend");
        FZ_CHECK(!window || (first >= 0 && count >= 1 && (int64_t)first + count <= d.batch),
                 "nf_network_create_window accepted (%d, %d) of %d", first, count, d.batch);
        int32_t f = -1, c = -1, whole = -1;
        FZ_CHECK(nf_network_batch_window(net, &f, &c, &whole) == NF_OK && f == first &&
                     c == count && whole == d.batch,
                 "nf_network_batch_window: (%d, %d) of %d", f, c, whole);
        FZ_CHECK(nf_network_step_count(net) == 0 && nf_network_batch(net) == count,
                 "a new network's properties");
    }
    free(msg);
    s->net = st == NF_OK ? net : NULL;
    s->batch = count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_reader r = {.p = data, .n = size};
    fz_state s;
    memset(&s, 0, sizeof s);
    s.dir = dir;
    s.before.max_values = s.after.max_values = FZ_MAX_VALUES;
    create(&r, &s);
    const int net_ops = fz_network_ops();
    for (int i = 0; i < 64 && r.n; i++) {
        const uint8_t op = fz_u8(&r);
        if (op < 200 && s.net)
            fz_op_network(&r, &s, op % net_ops);
        else if (op < 220)
            fz_op_layer(&r, &s);
        else if (op < 236)
            fz_op_files(&r, &s);
        else if (op < 248)
            fz_op_pure(&r, &s);
        else
            fz_op_null(&r, &s);
    }
    nf_network_destroy(s.net);
    for (int i = 0; i < s.n_layers; i++)
        nf_layer_destroy(s.layers[i].layer);
    nft_obs_free(&s.before);
    nft_obs_free(&s.after);
    check_files();
    return 0;
}
