/*
 * Error paths of every public function: each bad argument is refused with the exact
 * status and a non-empty nf_network_last_error() naming the argument (a whole word,
 * any case: mentions()), and leaves the network as it was. TWINS() builds two identical
 * small networks (LIF + lowpass fed by an input sequence and readout feedback, RELU fed
 * by event, dense and identity connections, a learner, probes) run REF_PRE steps; bad
 * calls go to `a` only; ref_finish() adds the same late objects to both (seed draws and
 * ids show), runs REF_POST steps and compares every probe row, state, weight and P bit
 * for bit. The message is primed with another failure before each call, so a failure
 * that writes no message of its own is caught.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(errors, .timeout = 60);

// --- message and status checks ------------------------------------------------------

/* 1 when msg mentions one of the '|'-separated words as a whole word (bounded by
 * anything but a letter or digit: "filter.tau", "NF_STATE_X", "w[3]"), any case. */
static int mentions(const char *msg, const char *words) {
    for (const char *w = words; *w;) {
        const char *end = strchr(w, '|');
        const size_t len = end ? (size_t)(end - w) : strlen(w);
        for (const char *p = msg; len && *p; p++) {
            size_t k = 0;
            while (k < len && p[k] && tolower((unsigned char)p[k]) == tolower((unsigned char)w[k]))
                k++;
            if (k == len && (p == msg || !isalnum((unsigned char)p[-1])) &&
                !isalnum((unsigned char)p[len]))
                return 1;
        }
        if (!end)
            break;
        w = end + 1;
    }
    return 0;
}

/* Writes a known failure message into net, one `call` cannot write. */
static char primed[1024];
static void prime_error(nf_network *net, const char *call) {
    nf_status st = strstr(call, "nf_learner_set_enabled")
                       ? nf_network_set_mode(net, (nf_mode)-12345)
                       : nf_learner_set_enabled(net, -999, 1);
    cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "priming the message failed: %s",
                 nf_status_string(st));
    snprintf(primed, sizeof primed, "%s", nf_network_last_error(net));
}

static void expect_fail_(nf_network *net, nf_status got, nf_status want, const char *words,
                         const char *what, int line) {
    const char *msg = nf_network_last_error(net);
    cr_assert_eq(got, want, "line %d: %s returned %s, expected %s (last error \"%s\")", line, what,
                 nf_status_string(got), nf_status_string(want), msg ? msg : "(NULL)");
    cr_assert_not_null(msg, "line %d: %s: nf_network_last_error is NULL", line, what);
    cr_assert(msg[0] != '\0', "line %d: %s failed with an empty message", line, what);
    cr_assert(strcmp(msg, primed) != 0, "line %d: %s failed without writing its message (\"%s\")",
              line, what, msg);
    if (words)
        cr_assert(mentions(msg, words), "line %d: %s: message \"%s\" mentions none of \"%s\"", line,
                  what, msg, words);
}

/* call must return `want` and leave a message naming one of `words` (NULL: any). */
#define FAILS_AS(net, want, words, what, call)                                                     \
    do {                                                                                           \
        prime_error((net), what);                                                                  \
        nf_status fs_ = (call);                                                                    \
        expect_fail_((net), fs_, (want), (words), what, __LINE__);                                 \
    } while (0)
/* call must be refused (NF_ERR_INVALID_ARGUMENT) by `net`, with a message naming `words`. */
#define REFUSED(words, call) FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #call, call)

/* For calls that cannot leave a message (a const network, or none). */
#define STATUS_IS(want, call)                                                                      \
    do {                                                                                           \
        nf_status ss_ = (call);                                                                    \
        cr_assert_eq(ss_, (want), "%s returned %s, expected %s", #call, nf_status_string(ss_),     \
                     nf_status_string(want));                                                      \
    } while (0)

// --- the reference network ----------------------------------------------------------

#define REF_BATCH  2
#define REF_DT     1e-3
#define REF_SEED   20240611u
#define REF_N      4  /* LIF and RELU neurons */
#define REF_DIM    2  /* input and readout dimension */
#define REF_ROWS   40 /* input sequence rows */
#define REF_PRE    5  /* steps both twins run before the bad calls */
#define REF_POST   10 /* steps both run after */
#define REF_LATE_N 3  /* neurons of the population added after the bad calls */

enum { P_LIF_OUT, P_LIF_FILTERED, P_LIF_STATE, P_RELU_OUT, P_READOUT, P_INPUT, P_ERROR, NPROBE };

typedef struct ref_net {
    nf_network *net;
    int32_t in, in3, lif, relu, c_in, c_event, c_dense, c_identity, readout, c_feedback, learner,
        probe[NPROBE], late_pop, late_conn, late_probe;
} ref_net;

/* Valid weights for any connection of the tests (up to 2 x 4 x 4). */
static float ok_w[64];
static const float *ok_weights(void) {
    for (int k = 0; k < 64; k++)
        ok_w[k] = 0.01f * (float)((k * 7) % 11 - 5);
    return ok_w;
}

static void ref_build(ref_net *r) {
    memset(r, 0, sizeof *r);
    r->late_pop = r->late_conn = r->late_probe = -1;
    nf_network *net = r->net = nft_network(NF_BACKEND_CPU, REF_DT, REF_BATCH, REF_SEED);
    static float rows[REF_ROWS][REF_BATCH][REF_DIM];
    for (int t = 0; t < REF_ROWS; t++)
        for (int b = 0; b < REF_BATCH; b++)
            for (int k = 0; k < REF_DIM; k++)
                rows[t][b][k] = 0.5f + 0.25f * k - 0.125f * b + 0.0625f * (float)(t % 5);
    NFT_OK(net, nf_input_add(net, REF_DIM, &r->in));
    NFT_OK(net, nf_input_set(net, r->in, REF_ROWS, &rows[0][0][0]));
    NFT_OK(net, nf_input_add(net, 3, &r->in3));

    const float biases[REF_N] = {1.25f, 1.75f, 2.5f, 4.0f};
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, REF_N);
    d.biases = biases;
    d.filter.kind = NF_FILTER_LOWPASS;
    d.filter.tau = 0.005f;
    NFT_OK(net, nf_population_add(net, &d, &r->lif));
    d = nf_population_defaults(NF_MODEL_RELU, REF_N);
    d.bias = 0.25f;
    NFT_OK(net, nf_population_add(net, &d, &r->relu));

    const float w_in[REF_N * REF_DIM] = {0.5f, -0.25f, 0.25f, 0.5f, -0.5f, 0.75f, 1.0f, 0.125f};
    const float w_fb[REF_N * REF_DIM] = {0.1f, -0.1f, 0.05f, 0.2f, -0.15f, 0.1f, 0.2f, 0.0f};
    nf_readout_desc ro = {.weights = ok_weights()};
    NFT_OK(net, nf_readout_add(net, r->lif, REF_DIM, &ro, &r->readout));
    nf_connection_desc c = nf_connection_defaults();
    c.weights = w_in;
    NFT_OK(net, nf_connect(net, r->in, r->lif, &c, &r->c_in));
    c.weights = w_fb;
    NFT_OK(net, nf_connect(net, r->readout, r->lif, &c, &r->c_feedback));
    c.weights = ok_weights();
    NFT_OK(net, nf_connect(net, r->lif, r->relu, &c, &r->c_event)); /* AUTO: event-driven */
    c.propagation = NF_PROPAGATION_DENSE;
    NFT_OK(net, nf_connect(net, r->lif, r->relu, &c, &r->c_dense));
    c.kind = NF_CONNECTION_IDENTITY;
    c.scale = 0.5f;
    NFT_OK(net, nf_connect(net, r->lif, r->relu, &c, &r->c_identity));
    nf_learner_desc l = nf_learner_defaults();
    l.readout = r->readout;
    l.target = r->in;
    l.every = 2;
    NFT_OK(net, nf_learner_add(net, &l, &r->learner));

    /* In the order of the P_ enum; the readout every 2 steps. */
    const int32_t target[NPROBE] = {r->lif, r->lif, r->lif, r->relu, r->readout, r->in, r->learner};
    const nf_probe_kind what[NPROBE] = {NF_PROBE_OUTPUT, NF_PROBE_FILTERED, NF_PROBE_STATE,
                                        NF_PROBE_OUTPUT, NF_PROBE_OUTPUT,   NF_PROBE_INPUT,
                                        NF_PROBE_ERROR};
    for (int k = 0; k < NPROBE; k++)
        NFT_OK(net, nf_probe_add(net, target[k], what[k], k == P_READOUT ? 2 : 1, &r->probe[k]));
    NFT_OK(net, nf_network_run(net, REF_PRE));
}

/* Runs the next statement once per id in the list, *id being the id. */
#define EACH_ID(id, ...)                                                                           \
    for (const int32_t *id = (const int32_t[]){__VA_ARGS__, INT32_MIN}; *id != INT32_MIN; id++)

/* Two identical reference networks a and b (run REF_PRE steps), and net = a.net. */
#define TWINS()                                                                                    \
    ref_net a, b;                                                                                  \
    ref_build(&a);                                                                                 \
    ref_build(&b);                                                                                 \
    nf_network *net = a.net

#define META_MAX 64
#define SNAP_MAX 4096

/* The next `count` floats of f (*n used so far). */
static float *take(float *f, size_t *n, int64_t count) {
    cr_assert(count >= 0 && *n + (size_t)count <= SNAP_MAX, "snapshot overflow");
    *n += (size_t)count;
    return f + *n - count;
}

/* Everything observable, in a fixed order: counts into meta, values into f. */
static void snapshot(ref_net *r, float f[SNAP_MAX], int64_t meta[META_MAX]) {
    nf_network *net = r->net;
    int m = 0;
    size_t n = 0;
#define TAKE(count) take(f, &n, (int64_t)(count))
    meta[m++] = nf_network_step_count(net);
    meta[m++] = (int64_t)nf_network_mode(net);
    for (int k = 0; k <= NPROBE; k++) {
        const int32_t probe = k < NPROBE ? r->probe[k] : r->late_probe;
        NFT_OK(net, nf_probe_rows(net, probe, &meta[m]));
        NFT_OK(net, nf_probe_row_size(net, probe, &meta[m + 1]));
        const int64_t count = meta[m] * meta[m + 1];
        NFT_OK(net, nf_probe_read(net, probe, TAKE(count), (size_t)count, &meta[m + 2]));
        m += 3;
    }
    const nf_state_kind lif[] = {NF_STATE_VOLTAGE, NF_STATE_REFRACTORY, NF_STATE_FILTER,
                                 NF_STATE_OUTPUT};
    for (int k = 0; k < 4; k++)
        NFT_OK(net, nf_population_get_state(net, r->lif, lif[k], TAKE(REF_BATCH * REF_N)));
    NFT_OK(net, nf_population_get_state(net, r->relu, NF_STATE_OUTPUT, TAKE(REF_BATCH * REF_N)));
    NFT_OK(net, nf_population_get_state(net, r->late_pop, NF_STATE_VOLTAGE,
                                        TAKE(REF_BATCH * REF_LATE_N)));
    NFT_OK(net, nf_readout_get_weights(net, r->readout, TAKE(REF_DIM * REF_N)));
    NFT_OK(net, nf_readout_get_state(net, r->readout, TAKE(REF_BATCH * REF_DIM)));
    const int32_t conns[] = {r->c_in,       r->c_event,    r->c_dense,
                             r->c_identity, r->c_feedback, r->late_conn};
    for (int k = 0; k < 6; k++, m++) {
        NFT_OK(net, nf_connection_weight_count(net, conns[k], &meta[m]));
        NFT_OK(net, nf_connection_get_weights(net, conns[k], TAKE(meta[m])));
    }
    NFT_OK(net, nf_learner_get_p(net, r->learner, TAKE(REF_N * REF_N)));
#undef TAKE
    meta[m++] = (int64_t)n;
}

/* Adds one object of each kind that draws from the seed or takes an id. */
static void ref_add_late(ref_net *r) {
    nf_network *net = r->net;
    nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, REF_LATE_N);
    d.bias = 2.0f;
    NFT_OK(net, nf_population_add(net, &d, &r->late_pop));
    nf_connection_desc c = nf_connection_defaults();
    c.init = NF_WEIGHTS_NORMAL; /* scale 1, p 0.5: values and mask from the seed */
    c.p = 0.5f;
    NFT_OK(net, nf_connect(net, r->lif, r->late_pop, &c, &r->late_conn));
    NFT_OK(net, nf_probe_add(net, r->late_pop, NF_PROBE_STATE, 1, &r->late_probe));
}

/* a saw the bad calls, b did not: after the same late objects and steps they must
 * agree bit for bit. Destroys both. */
static void ref_finish(ref_net *a, ref_net *b) {
    cr_assert(nf_network_dt(a->net) == nf_network_dt(b->net), "a failed call changed dt");
    ref_add_late(a);
    ref_add_late(b);
    cr_assert(a->late_pop == b->late_pop && a->late_conn == b->late_conn &&
                  a->late_probe == b->late_probe,
              "failed calls shifted the next ids: %d %d %d, expected %d %d %d", a->late_pop,
              a->late_conn, a->late_probe, b->late_pop, b->late_conn, b->late_probe);
    NFT_OK(a->net, nf_network_run(a->net, REF_POST));
    NFT_OK(b->net, nf_network_run(b->net, REF_POST));
    float fa[SNAP_MAX] = {0}, fb[SNAP_MAX] = {0};
    int64_t ma[META_MAX] = {0}, mb[META_MAX] = {0};
    snapshot(a, fa, ma);
    snapshot(b, fb, mb);
    for (int k = 0; k < META_MAX; k++) /* step count, mode, probe rows, weight counts */
        cr_assert_eq(ma[k], mb[k], "after failed calls: count %d is %lld, expected %lld", k,
                     (long long)ma[k], (long long)mb[k]);
    nft_assert_all_equal(fb, fa, SNAP_MAX, "after failed calls: probes, states, weights, P");
    nf_network_destroy(a->net);
    nf_network_destroy(b->net);
}

Test(errors, reference_twins_agree_and_are_not_trivial) {
    TWINS();
    const int32_t ids[] = {a.in,       a.in3,      a.lif,        a.relu,     a.c_in,
                           a.c_event,  a.c_dense,  a.c_identity, a.readout,  a.c_feedback,
                           a.learner,  a.probe[0], a.probe[1],   a.probe[2], a.probe[3],
                           a.probe[4], a.probe[5], a.probe[6]};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(ids[i], ids[j], "ids %zu and %zu are both %d", i, j, ids[i]);
    cr_assert_str_eq(nf_network_last_error(net), "");
    /* The comparison is not vacuous: the LIF spikes and the readout moves. */
    enum { OUT = REF_PRE * REF_BATCH * REF_N };
    float out[OUT];
    int64_t got = 0;
    NFT_OK(net, nf_probe_read(net, a.probe[P_LIF_OUT], out, OUT, &got));
    cr_assert_eq(got, REF_PRE);
    int spikes = 0;
    for (int k = 0; k < OUT; k++)
        spikes += out[k] != 0.0f;
    cr_assert(spikes > 0, "the reference LIF never spiked in %d steps", REF_PRE);
    float z[REF_BATCH * REF_DIM];
    NFT_OK(net, nf_readout_get_state(net, a.readout, z));
    cr_assert(z[0] != 0.0f || z[1] != 0.0f, "the reference readout stayed at 0");
    NFT_OK(b.net, nf_probe_read(b.net, b.probe[P_LIF_OUT], out, OUT, &got)); /* read both */
    ref_finish(&a, &b);
}

// --- status strings, backends, nf_network_create(_ex), destroy, last_error ----------

Test(errors, status_strings_and_backends) {
    /* Every status has a distinct string naming it (the enum is 0 .. NF_ERR_UNSUPPORTED). */
    char names[] = "NF_OK NF_ERR_INVALID_ARGUMENT NF_ERR_OUT_OF_MEMORY NF_ERR_NO_DEVICE "
                   "NF_ERR_BACKEND NF_ERR_STATE NF_ERR_NUMERIC NF_ERR_IO NF_ERR_UNSUPPORTED";
    int i = 0;
    for (const char *name = strtok(names, " "); name; name = strtok(NULL, " "), i++) {
        const char *s = nf_status_string((nf_status)i);
        cr_assert(s && mentions(s, name), "nf_status_string(%s) = \"%s\"", name, s ? s : "");
        for (int j = 0; j < i; j++)
            cr_assert(strcmp(s, nf_status_string((nf_status)j)) != 0, "%s shares \"%s\"", name, s);
    }
    cr_assert_eq(i, 9);
    /* An unknown status still gets a string, and not NF_OK's. */
    EACH_ID(u, 9, 99, -1) {
        const char *s = nf_status_string((nf_status)*u);
        cr_assert(s && s[0] && strcmp(s, nf_status_string(NF_OK)) != 0, "status %d: \"%s\"", *u,
                  s ? s : "(NULL)");
    }
    cr_assert_eq(nf_backend_available(NF_BACKEND_CPU), 1);
    cr_assert_eq(nf_backend_available(NF_BACKEND_AUTO), 1);
    cr_assert_eq(nf_backend_available((nf_backend)7), 0, "an unknown backend is available");
    cr_assert_str_eq(nf_backend_name((nf_backend)7), "unknown");
}

/* Creating from d must fail with `want`: *out NULL, a message naming `words`. */
static void expect_create_fails(const nf_network_desc *d, nf_status want, const char *words,
                                const char *what) {
    nf_network *net = (nf_network *)&net; /* non-NULL: must be overwritten */
    nf_status st = nf_network_create(d, &net);
    cr_assert(st == want && !net, "create with %s: %s (want %s), *out %p", what,
              nf_status_string(st), nf_status_string(want), (void *)net);
    char msg[512];
    memset(msg, 'X', sizeof msg);
    net = (nf_network *)&net;
    st = nf_network_create_ex(d, &net, msg, sizeof msg);
    cr_assert(st == want && !net, "create_ex with %s: %s, *out %p", what, nf_status_string(st),
              (void *)net);
    cr_assert(memchr(msg, '\0', sizeof msg) && msg[0], "create_ex with %s: no message", what);
    if (words)
        cr_assert(mentions(msg, words), "create_ex with %s: \"%s\" mentions none of %s", what, msg,
                  words);
}

Test(errors, create_rejects_bad_descriptors_and_truncates_its_message) {
    expect_create_fails(NULL, NF_ERR_INVALID_ARGUMENT, NULL, "desc NULL");
    /* Cases 0-4 dt, 5-7 batch, 8-10 backend. */
    const char *const words[] = {"dt", "batch", "backend"};
    const double bad_dt[] = {0.0, -1e-3, NAN, INFINITY, -INFINITY};
    const int32_t bad_batch[] = {0, -1, INT32_MIN}, bad_backend[] = {3, 99, -1};
    for (int k = 0; k < 11; k++) {
        nf_network_desc d = nf_network_defaults();
        d.backend = k < 8 ? NF_BACKEND_CPU : (nf_backend)bad_backend[k - 8];
        if (k < 5)
            d.dt = bad_dt[k];
        else if (k < 8)
            d.batch = bad_batch[k - 5];
        char what[32];
        snprintf(what, sizeof what, "bad descriptor %d", k);
        expect_create_fails(&d, NF_ERR_INVALID_ARGUMENT, words[k < 5 ? 0 : k < 8 ? 1 : 2], what);
    }
    /* out NULL: refused, with a message, without a crash. */
    nf_network_desc d = nf_network_defaults();
    d.backend = NF_BACKEND_CPU;
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_network_create(&d, NULL));
    char msg[256] = "";
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_network_create_ex(&d, NULL, msg, sizeof msg));
    cr_assert(msg[0] != '\0', "create_ex with out NULL: empty message");
    /* create_ex's message with capacities 0 (nothing written) to past its length: a
     * NUL-terminated prefix, nothing written past the capacity. */
    d.dt = -1.0;
    char full[512] = "";
    nf_network *net = NULL;
    cr_assert_eq(nf_network_create_ex(&d, &net, full, sizeof full), NF_ERR_INVALID_ARGUMENT);
    const size_t len = strlen(full);
    cr_assert(len > 8, "message \"%s\" too short to test truncation", full);
    const size_t caps[] = {0, 1, 2, 8, len, len + 1};
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
        char buf[600];
        memset(buf, 'X', sizeof buf);
        net = (nf_network *)&net;
        cr_assert_eq(nf_network_create_ex(&d, &net, buf, caps[i]), NF_ERR_INVALID_ARGUMENT);
        cr_assert_null(net);
        const size_t keep = caps[i] == 0 ? 0 : len < caps[i] - 1 ? len : caps[i] - 1;
        cr_assert(memcmp(buf, full, keep) == 0 && (caps[i] == 0 || buf[keep] == '\0'),
                  "capacity %zu: \"%.*s\" is not the first %zu characters of \"%s\"", caps[i],
                  (int)keep, buf, keep, full);
        for (size_t k = caps[i]; k < sizeof buf; k++)
            cr_assert_eq(buf[k], 'X', "capacity %zu: byte %zu past it was written", caps[i], k);
    }
    cr_assert_eq(nf_network_create_ex(&d, &net, NULL, 100), NF_ERR_INVALID_ARGUMENT);
    cr_assert_null(net);
    /* CUDA where it is unusable: NF_ERR_NO_DEVICE; with a GPU, a missing ordinal. */
    d.backend = NF_BACKEND_CUDA;
    d.dt = REF_DT;
    if (!nf_backend_available(NF_BACKEND_CUDA)) {
        expect_create_fails(&d, NF_ERR_NO_DEVICE, NULL, "CUDA without a device");
        return;
    }
    d.device = 9999;
    net = (nf_network *)&net;
    cr_assert_neq(nf_network_create_ex(&d, &net, msg, sizeof msg), NF_OK, "CUDA device 9999");
    cr_assert_null(net);
    cr_assert(msg[0] != '\0', "CUDA device 9999: empty message");
}

Test(errors, null_network_is_refused_and_destroy_null_is_a_noop) {
    const nf_status E = NF_ERR_INVALID_ARGUMENT;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 2);
    nf_connection_desc cd = nf_connection_defaults();
    nf_learner_desc ld = nf_learner_defaults();
    float v[16] = {0};
    int32_t id = -1, n = -1;
    int64_t count = -1;
    cd.weights = v;
    STATUS_IS(E, nf_population_add(NULL, &pd, &id));
    STATUS_IS(E, nf_population_set_gain_bias(NULL, 0, v, v));
    STATUS_IS(E, nf_population_set_state(NULL, 0, NF_STATE_VOLTAGE, v));
    STATUS_IS(E, nf_population_get_state(NULL, 0, NF_STATE_OUTPUT, v));
    STATUS_IS(E, nf_population_size(NULL, 0, &n));
    STATUS_IS(E, nf_input_add(NULL, 2, &id));
    STATUS_IS(E, nf_input_set(NULL, 0, 1, v));
    STATUS_IS(E, nf_connect(NULL, 0, 1, &cd, &id));
    STATUS_IS(E, nf_connection_weight_count(NULL, 0, &count));
    STATUS_IS(E, nf_connection_set_weights(NULL, 0, v));
    STATUS_IS(E, nf_connection_get_weights(NULL, 0, v));
    STATUS_IS(E, nf_readout_add(NULL, 0, 1, NULL, &id));
    STATUS_IS(E, nf_readout_set_weights(NULL, 0, v));
    STATUS_IS(E, nf_readout_get_weights(NULL, 0, v));
    STATUS_IS(E, nf_readout_set_state(NULL, 0, v));
    STATUS_IS(E, nf_readout_get_state(NULL, 0, v));
    STATUS_IS(E, nf_learner_add(NULL, &ld, &id));
    STATUS_IS(E, nf_learner_set_enabled(NULL, 0, 1));
    STATUS_IS(E, nf_learner_get_p(NULL, 0, v));
    STATUS_IS(E, nf_learner_set_p(NULL, 0, v));
    STATUS_IS(E, nf_probe_add(NULL, 0, NF_PROBE_OUTPUT, 1, &id));
    STATUS_IS(E, nf_probe_add_state(NULL, 0, NF_STATE_VOLTAGE, 1, &id));
    STATUS_IS(E, nf_probe_row_size(NULL, 0, &count));
    STATUS_IS(E, nf_probe_rows(NULL, 0, &count));
    STATUS_IS(E, nf_probe_read(NULL, 0, v, 16, &count));
    STATUS_IS(E, nf_network_run(NULL, 1));
    STATUS_IS(E, nf_network_reset(NULL));
    STATUS_IS(E, nf_network_set_mode(NULL, NF_MODE_RATE));
    STATUS_IS(E, nf_network_set_dt(NULL, 0.001));
    nf_network_destroy(NULL); /* a no-op */
    cr_assert_not_null(nf_network_last_error(NULL), "nf_network_last_error(NULL) is NULL");
    nf_network *net = nft_network(NF_BACKEND_CPU, REF_DT, 1, 1);
    cr_assert_str_eq(nf_network_last_error(net), "", "a fresh network has a message");
    nf_network_destroy(net);
}

// --- descriptor helpers, nf_population_add --------------------------------------------

Test(errors, descriptor_helpers_reject_and_leave_the_descriptor) {
    const nf_population_desc relu = nf_population_defaults(NF_MODEL_RELU, 5);
    EACH_ID(m, NF_MODEL_COUNT, 99, -1) { /* an unknown model gives RELU defaults */
        nf_population_desc d = nf_population_defaults((nf_model)*m, 5);
        cr_assert(d.model == NF_MODEL_RELU && d.n == 5 && d.gain == relu.gain &&
                      d.tau_ref == relu.tau_ref && d.filter.kind == NF_FILTER_NONE,
                  "defaults(%d) are not RELU's", *m);
    }
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_lif_form_apply(NULL, NF_LIF_NENGO));
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_izhikevich_preset_apply(NULL, NF_IZHIKEVICH_RS));
    EACH_ID(bad, 2, 6, 99, -1) { /* 2 is past the last form, 6 past the last preset */
        nf_population_desc d = nf_population_defaults(NF_MODEL_LIF, 3), before;
        memcpy(&before, &d, sizeof d);
        if (*bad != 6)
            STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_lif_form_apply(&d, (nf_lif_form)*bad));
        if (*bad != 2)
            STATUS_IS(NF_ERR_INVALID_ARGUMENT,
                      nf_izhikevich_preset_apply(&d, (nf_izhikevich_preset)*bad));
        cr_assert(memcmp(&before, &d, sizeof d) == 0, "a refused %d changed the descriptor", *bad);
    }
}

/* Adds a valid descriptor of model `model`, broken by the statements in "...". */
#define BAD_POP(model, words, ...)                                                                 \
    do {                                                                                           \
        nf_population_desc d_ = nf_population_defaults((model), 3);                                \
        __VA_ARGS__;                                                                               \
        int32_t id_ = -1;                                                                          \
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #model ": " #__VA_ARGS__,                    \
                 nf_population_add(net, &d_, &id_));                                               \
    } while (0)

Test(errors, population_add_rejects_null_enums_and_sizes) {
    TWINS();
    nf_population_desc ok = nf_population_defaults(NF_MODEL_LIF, 3);
    int32_t id = -1;
    REFUSED(NULL, nf_population_add(net, NULL, &id));
    REFUSED(NULL, nf_population_add(net, &ok, NULL));
    BAD_POP(NF_MODEL_RELU, "model", d_.model = (nf_model)NF_MODEL_COUNT);
    BAD_POP(NF_MODEL_RELU, "model", d_.model = (nf_model)-1);
    BAD_POP(NF_MODEL_LIF, "lif_form", d_.lif_form = (nf_lif_form)2);
    BAD_POP(NF_MODEL_IZHIKEVICH, "order", d_.izh.order = (nf_izhikevich_order)2);
    BAD_POP(NF_MODEL_LIF, "kind|filter", d_.filter.kind = (nf_filter_kind)4);
    BAD_POP(NF_MODEL_RELU, "kind|filter", d_.filter.kind = (nf_filter_kind)-1);
    BAD_POP(NF_MODEL_RELU, "n", d_.n = 0);
    BAD_POP(NF_MODEL_LIF, "n", d_.n = -1);
    ref_finish(&a, &b);
}

Test(errors, population_add_rejects_bad_parameters) {
    TWINS();
    const float gains_nan[3] = {1.0f, 2.0f, NAN}, biases_inf[3] = {INFINITY, 0.0f, 0.0f};
    BAD_POP(NF_MODEL_RELU, "amplitude", d_.amplitude = NAN);
    BAD_POP(NF_MODEL_TANH, "gain", d_.gain = -INFINITY);
    BAD_POP(NF_MODEL_LIF, "bias", d_.bias = NAN);
    BAD_POP(NF_MODEL_LIF, "gains", d_.gains = gains_nan);
    BAD_POP(NF_MODEL_RELU, "biases", d_.biases = biases_inf);
    BAD_POP(NF_MODEL_IZHIKEVICH, "a", d_.izh.a = NAN);
    BAD_POP(NF_MODEL_IZHIKEVICH, "d", d_.izh.d = INFINITY);
    /* nengo LIF, LIFRate, SoftLIFRate: tau_rc > 0, tau_ref >= 0, sigma > 0. */
    BAD_POP(NF_MODEL_LIF, "tau_rc", d_.tau_rc = 0.0f);
    BAD_POP(NF_MODEL_LIF, "tau_ref", d_.tau_ref = -0.001f);
    BAD_POP(NF_MODEL_LIF_RATE, "tau_rc", d_.tau_rc = -0.02f);
    BAD_POP(NF_MODEL_SOFTLIF_RATE, "sigma", d_.sigma = 0.0f);
    /* Sigmoid and Tanh divide by tau_ref; NC LIF by tau_m; Izhikevich (NC order) by C. */
    BAD_POP(NF_MODEL_SIGMOID, "tau_ref", d_.tau_ref = 0.0f);
    BAD_POP(NF_MODEL_TANH, "tau_ref", d_.tau_ref = -0.0025f);
    BAD_POP(NF_MODEL_LIF, "tau_m", nf_lif_form_apply(&d_, NF_LIF_NICOLA_CLOPATH);
            d_.nc_lif.tau_m = 0.0f);
    BAD_POP(NF_MODEL_IZHIKEVICH, "C", d_.izh.C = 0.0f);
    /* Leaky rate unit: tau > 0; the initial x's std is not negative. */
    BAD_POP(NF_MODEL_LEAKY_RATE, "tau", d_.tau = 0.0f);
    BAD_POP(NF_MODEL_LEAKY_RATE, "tau", d_.tau = NAN);
    BAD_POP(NF_MODEL_LEAKY_RATE, "x_init_scale", d_.x_init_scale = -0.5f);
    /* Filters: Lowpass tau >= 0, Alpha tau > 0, double exp tau_decay > 0, tau_rise >= 0. */
#define FILTER(k, t, tr, td) d_.filter = (nf_filter_desc){(k), (t), (tr), (td), 0}
    BAD_POP(NF_MODEL_LIF, "tau", FILTER(NF_FILTER_LOWPASS, -0.005f, 0, 0));
    BAD_POP(NF_MODEL_RELU, "tau", FILTER(NF_FILTER_LOWPASS, NAN, 0, 0));
    BAD_POP(NF_MODEL_LIF, "tau", FILTER(NF_FILTER_ALPHA, 0.0f, 0, 0));
    BAD_POP(NF_MODEL_LIF, "tau_decay", FILTER(NF_FILTER_DOUBLE_EXP, 0, 0.002f, 0.0f));
    BAD_POP(NF_MODEL_THETA, "tau_rise", FILTER(NF_FILTER_DOUBLE_EXP, 0, -0.002f, 0.02f));
    /* The boundary values the header allows are accepted (on both twins, same ids). */
    int32_t ids[2][2];
    for (int k = 0; k < 2; k++) {
        nf_network *twin = k ? b.net : a.net;
        nf_population_desc d_ = nf_population_defaults(NF_MODEL_RELU, 3);
        FILTER(NF_FILTER_LOWPASS, 0.0f, 0, 0); /* identity */
        NFT_OK(twin, nf_population_add(twin, &d_, &ids[k][0]));
        FILTER(NF_FILTER_DOUBLE_EXP, 0, 0.0f, 0.02f); /* single exponential */
        NFT_OK(twin, nf_population_add(twin, &d_, &ids[k][1]));
    }
#undef FILTER
    cr_assert(ids[0][0] == ids[1][0] && ids[0][1] == ids[1][1], "failed adds shifted the ids");
    ref_finish(&a, &b);
}

// --- nf_population_set_gain_bias, set_state, get_state ----------------------------------

Test(errors, gain_bias_and_state_calls_reject_and_change_nothing) {
    TWINS();
    const float ok[REF_N] = {0.5f, 0.5f, 0.5f, 0.5f}, nan_last[REF_N] = {1.0f, 1.0f, 1.0f, NAN},
                inf_first[REF_N] = {-INFINITY, 1.0f, 1.0f, 1.0f};
    int32_t n = -1;
    EACH_ID(pop, 999, -1, a.in, a.probe[P_LIF_OUT], a.c_in) {
        REFUSED("pop", nf_population_set_gain_bias(net, *pop, ok, ok));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_population_size(net, *pop, &n)); /* const */
    }
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_population_size(net, a.lif, NULL));
    REFUSED("gains", nf_population_set_gain_bias(net, a.lif, nan_last, NULL));
    REFUSED("biases", nf_population_set_gain_bias(net, a.lif, NULL, inf_first));
    /* Valid gains with bad biases: refused as a whole, the gains not applied. */
    REFUSED("biases", nf_population_set_gain_bias(net, a.lif, ok, nan_last));
    NFT_OK(net, nf_population_set_gain_bias(net, a.lif, NULL, NULL)); /* leaves both */
    float v[REF_BATCH * REF_N];
    for (int k = 0; k < REF_BATCH * REF_N; k++)
        v[k] = 0.25f;
    const nf_state_kind V = NF_STATE_VOLTAGE, OUT = NF_STATE_OUTPUT;
    EACH_ID(pop, 999, -3, a.readout, a.probe[P_LIF_STATE], a.learner) {
        REFUSED("pop", nf_population_set_state(net, *pop, V, v));
        REFUSED("pop", nf_population_get_state(net, *pop, OUT, v));
    }
    REFUSED("values|null", nf_population_set_state(net, a.lif, V, NULL));
    REFUSED("values|null", nf_population_get_state(net, a.lif, OUT, NULL));
    EACH_ID(which, NF_STATE_KIND_COUNT, -1, 99) {
        REFUSED("which|state", nf_population_set_state(net, a.lif, (nf_state_kind)*which, v));
        REFUSED("which|state", nf_population_get_state(net, a.lif, (nf_state_kind)*which, v));
    }
    /* Kinds the model lacks (all of them: state_kinds_a_model_lacks_are_refused). */
    REFUSED("recovery", nf_population_set_state(net, a.lif, NF_STATE_RECOVERY, v));
    REFUSED("filter_aux", nf_population_get_state(net, a.lif, NF_STATE_FILTER_AUX, v));
    REFUSED("voltage", nf_population_set_state(net, a.relu, V, v));
    /* The output is read only. */
    REFUSED("output", nf_population_set_state(net, a.lif, OUT, v));
    REFUSED("output", nf_population_set_state(net, a.relu, OUT, v));
    /* Non-finite values anywhere in [batch][n]: nothing is written. */
    v[REF_BATCH * REF_N - 1] = NAN;
    REFUSED("values", nf_population_set_state(net, a.lif, V, v));
    v[REF_BATCH * REF_N - 1] = 0.25f;
    v[0] = INFINITY;
    REFUSED("values", nf_population_set_state(net, a.lif, NF_STATE_FILTER, v));
    ref_finish(&a, &b);
}

/* The state kinds each model lacks: get, set and a state probe are all refused. */
Test(errors, state_kinds_a_model_lacks_are_refused) {
#define S(kind) (1 << NF_STATE_##kind)
    const int FILTERS = S(FILTER) | S(FILTER_AUX);
    const struct {
        const char *name;
        nf_model model;
        int spiking;
        nf_filter_kind filter;
        int has; /* bit per nf_state_kind */
    } cases[] = {
        {"RELU", NF_MODEL_RELU, 0, NF_FILTER_NONE, S(OUTPUT)},
        {"spiking RELU, lowpass", NF_MODEL_RELU, 1, NF_FILTER_LOWPASS,
         S(SPIKE_ACCUMULATOR) | S(OUTPUT) | S(FILTER)},
        {"LEAKY_RATE, alpha", NF_MODEL_LEAKY_RATE, 0, NF_FILTER_ALPHA, S(X) | S(OUTPUT) | FILTERS},
        {"spiking LEAKY_RATE", NF_MODEL_LEAKY_RATE, 1, NF_FILTER_NONE,
         S(X) | S(SPIKE_ACCUMULATOR) | S(OUTPUT)},
        {"LIF", NF_MODEL_LIF, 0, NF_FILTER_NONE, S(VOLTAGE) | S(REFRACTORY) | S(OUTPUT)},
        {"IZHIKEVICH, double exp", NF_MODEL_IZHIKEVICH, 0, NF_FILTER_DOUBLE_EXP,
         S(VOLTAGE) | S(RECOVERY) | S(OUTPUT) | FILTERS},
        {"THETA", NF_MODEL_THETA, 0, NF_FILTER_NONE, S(VOLTAGE) | S(OUTPUT)},
    };
#undef S
    static const char *const kind_words[NF_STATE_KIND_COUNT] = {
        "voltage|theta", "refractory", "recovery",  "x", "spike_accumulator|accumulator",
        "output",        "filter",     "filter_aux"};
    nf_network *net = nft_network(NF_BACKEND_CPU, REF_DT, 2, 3);
    float v[2 * 3] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    char what[160];
    int32_t pop = -1, probe = -1;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        nf_population_desc d = nf_population_defaults(cases[c].model, 3);
        d.spiking = cases[c].spiking;
        d.filter = (nf_filter_desc){cases[c].filter, 0.01f, 0.002f, 0.02f, 0};
        NFT_OK(net, nf_population_add(net, &d, &pop));
        for (int k = 0; k < NF_STATE_KIND_COUNT; k++) {
            const nf_state_kind which = (nf_state_kind)k;
            if (cases[c].has & (1 << k)) {
                cr_assert_eq(nf_population_get_state(net, pop, which, v), NF_OK,
                             "%s: get_state(%d): %s", cases[c].name, k, nf_network_last_error(net));
                continue;
            }
            snprintf(what, sizeof what, "%s: get, set, probe state kind %d", cases[c].name, k);
            FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, kind_words[k], what,
                     nf_population_get_state(net, pop, which, v));
            FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, kind_words[k], what,
                     nf_population_set_state(net, pop, which, v));
            FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, kind_words[k], what,
                     nf_probe_add_state(net, pop, which, 1, &probe));
        }
    }
    NFT_OK(net, nf_network_run(net, 3));
    nf_network_destroy(net);
}

// --- nf_connect ----------------------------------------------------------------------------

/* Connects pre -> post with the default (dense, given) descriptor broken by "...". */
#define BAD_CONN(pre, post, words, ...)                                                            \
    do {                                                                                           \
        nf_connection_desc c_ = nf_connection_defaults();                                          \
        c_.weights = ok_weights();                                                                 \
        __VA_ARGS__;                                                                               \
        int32_t id_ = -1;                                                                          \
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #pre " -> " #post ": " #__VA_ARGS__,         \
                 nf_connect(net, (pre), (post), &c_, &id_));                                       \
    } while (0)

Test(errors, connect_rejects_ids_enums_and_null) {
    TWINS();
    EACH_ID(pre, 999, -1, a.probe[P_LIF_OUT], a.c_in, a.learner) {
        BAD_CONN(*pre, a.relu, "pre", (void)0);
    }
    EACH_ID(post, 999, -5, a.in, a.readout, a.c_in) { BAD_CONN(a.lif, *post, "post", (void)0); }
    int32_t id = -1;
    nf_connection_desc c = nf_connection_defaults();
    c.weights = ok_weights();
    REFUSED(NULL, nf_connect(net, a.lif, a.relu, NULL, &id));
    REFUSED(NULL, nf_connect(net, a.lif, a.relu, &c, NULL));
    BAD_CONN(a.lif, a.relu, "kind", c_.kind = (nf_connection_kind)3);
    BAD_CONN(a.lif, a.relu, "init", c_.init = (nf_weights_init)4);
    BAD_CONN(a.lif, a.relu, "propagation", c_.propagation = (nf_propagation)3);
    BAD_CONN(a.in, a.relu, "propagation", c_.propagation = (nf_propagation)-1);
    ref_finish(&a, &b);
}

Test(errors, connect_rejects_bad_weights_sizes_generators_and_propagation) {
    TWINS();
#define IDENTITY(s) c_.kind = NF_CONNECTION_IDENTITY, c_.scale = (s)
    EACH_ID(pre, a.in, a.in3, a.readout) { /* 2, 3 and 2 values into 4 neurons */
        BAD_CONN(*pre, a.relu, "identity|n_pre|n_post|size", IDENTITY(1.0f));
    }
    BAD_CONN(a.lif, a.relu, "scale", IDENTITY(NAN));
    BAD_CONN(a.lif, a.relu, "scale", IDENTITY(INFINITY));
#undef IDENTITY
    float w[2 * REF_N * REF_N];
    memcpy(w, ok_weights(), sizeof w);
    BAD_CONN(a.lif, a.relu, "weights|null", c_.weights = NULL);
    BAD_CONN(a.in, a.relu, "weights|null", c_.weights = NULL; c_.per_batch = 1);
    w[REF_N * REF_N - 1] = NAN; /* last of [4][4] */
    BAD_CONN(a.lif, a.relu, "weights", c_.weights = w);
    BAD_CONN(a.lif, a.relu, "weights", c_.weights = w; c_.propagation = NF_PROPAGATION_DENSE);
    w[REF_N * REF_N - 1] = 0.0f;
    w[0] = -INFINITY;
    BAD_CONN(a.in, a.relu, "weights", c_.weights = w);
    w[0] = 0.0f;
    w[2 * REF_N * REF_N - 1] = INFINITY; /* last of the second batch copy */
    BAD_CONN(a.lif, a.relu, "weights", c_.weights = w; c_.per_batch = 1);
    /* Event-driven propagation needs a spiking pre population. */
    EACH_ID(pre, a.in, a.relu, a.readout) {
        BAD_CONN(*pre, a.lif, "event|spiking|propagation", c_.propagation = NF_PROPAGATION_EVENT);
    }
    const float bad_p[] = {0.0f, -0.5f, 1.5f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_p / sizeof *bad_p; i++) {
        BAD_CONN(a.lif, a.relu, "p", c_.init = NF_WEIGHTS_NORMAL; c_.p = bad_p[i]);
        BAD_CONN(a.in, a.relu, "p", c_.init = NF_WEIGHTS_UNIFORM; c_.low = -1.0f; c_.high = 1.0f;
                 c_.p = bad_p[i]);
        BAD_CONN(a.lif, a.relu, "p", c_.kind = NF_CONNECTION_SPARSE; c_.init = NF_WEIGHTS_NORMAL;
                 c_.p = bad_p[i]);
    }
    BAD_CONN(a.lif, a.relu, "g", c_.init = NF_WEIGHTS_NORMAL; c_.scale = 0.0f; c_.g = NAN);
    BAD_CONN(a.lif, a.relu, "scale", c_.init = NF_WEIGHTS_NORMAL; c_.scale = -1.0f);
    BAD_CONN(a.lif, a.relu, "scale", c_.init = NF_WEIGHTS_NORMAL; c_.scale = NAN);
#define UNIFORM(lo, hi) c_.init = NF_WEIGHTS_UNIFORM, c_.low = (lo), c_.high = (hi)
    BAD_CONN(a.in, a.relu, "low|high", UNIFORM(1.0f, -1.0f));
    BAD_CONN(a.in, a.relu, "low|high", UNIFORM(NAN, 1.0f));
    BAD_CONN(a.in, a.relu, "low|high", UNIFORM(0.0f, INFINITY));
#undef UNIFORM
    /* a refused generated connection took no random draws */
    ref_finish(&a, &b);
}

Test(errors, connect_rejects_malformed_csr) {
    TWINS();
    /* A valid CSR over [4 post][4 pre]: rows {0}, {1, 3}, {2}, {0, 3}. */
    const int32_t rp[REF_N + 1] = {0, 1, 3, 4, 6}, ci[6] = {0, 1, 3, 2, 0, 3};
    const float vals[6] = {0.01f, -0.02f, 0.03f, 0.01f, 0.02f, -0.01f};
    const float vals_nan[6] = {0.01f, -0.02f, 0.03f, 0.01f, 0.02f, NAN};
    const int32_t rp_start1[] = {1, 1, 3, 4, 6}, rp_decreasing[] = {0, 3, 1, 4, 6};
    const int32_t rp_short[] = {0, 1, 3, 4, 5}, rp_long[] = {0, 1, 3, 4, 7}; /* vs nnz 6 */
    const int32_t rp_jump[] = {0, 1, 300, 4, 6};                             /* far past col_idx */
    const int32_t ci_out[] = {0, 1, 3, 2, 0, 4}, ci_neg[] = {-1, 1, 3, 2, 0, 3}; /* [0, 4) */
    const int32_t ci_dup[] = {0, 1, 1, 2, 0, 3}, ci_unsorted[] = {0, 3, 1, 2, 0, 3};
#define CSR(r, c, n, v)                                                                            \
    c_.kind = NF_CONNECTION_SPARSE, c_.row_ptr = (r), c_.col_idx = (c), c_.nnz = (n),              \
    c_.weights = (v)
    BAD_CONN(a.lif, a.relu, "row_ptr", CSR(NULL, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, NULL, 6, vals));
    BAD_CONN(a.lif, a.relu, "nnz", CSR(rp, ci, -1, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr", CSR(rp_start1, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr", CSR(rp_decreasing, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr|nnz", CSR(rp_short, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr|nnz", CSR(rp_long, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr|nnz", CSR(rp_jump, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_out, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_neg, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_dup, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_unsorted, 6, vals));
    BAD_CONN(a.in, a.relu, "col_idx", CSR(rp, ci, 6, vals)); /* the input has 2 columns */
    BAD_CONN(a.lif, a.relu, "weights|null", CSR(rp, ci, 6, NULL));
    BAD_CONN(a.lif, a.relu, "weights", CSR(rp, ci, 6, vals_nan));
    BAD_CONN(a.lif, a.relu, "weights", CSR(rp, ci, 6, vals_nan);
             c_.propagation = NF_PROPAGATION_DENSE);
    /* The well-formed one is accepted (on both twins, with the same id). */
    int32_t ids[2];
    for (int k = 0; k < 2; k++) {
        nf_connection_desc c_ = nf_connection_defaults();
        CSR(rp, ci, 6, vals);
        const ref_net *t = k ? &b : &a;
        NFT_OK(t->net, nf_connect(t->net, t->lif, t->relu, &c_, &ids[k]));
    }
#undef CSR
    cr_assert_eq(ids[0], ids[1], "failed connects shifted the next id");
    ref_finish(&a, &b);
}

// --- connection weights, readouts ---------------------------------------------------------

Test(errors, weights_and_readouts_reject_and_change_nothing) {
    TWINS();
    float w[REF_N * REF_N];
    memcpy(w, ok_weights(), sizeof w);
    int64_t count = -1;
    EACH_ID(conn, 999, -1, a.lif, a.readout, a.probe[P_INPUT]) {
        REFUSED("conn|connection", nf_connection_set_weights(net, *conn, w));
        REFUSED("conn|connection", nf_connection_get_weights(net, *conn, w));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_connection_weight_count(net, *conn, &count));
    }
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_connection_weight_count(net, a.c_in, NULL));
    REFUSED("w|weights|null", nf_connection_set_weights(net, a.c_in, NULL));
    REFUSED("w|weights|null", nf_connection_get_weights(net, a.c_in, NULL));
    /* Non-finite weights into a dense, an event-driven and an identity connection. */
    w[REF_N * REF_DIM - 1] = NAN;
    REFUSED("w|weights", nf_connection_set_weights(net, a.c_in, w));
    w[REF_N * REF_DIM - 1] = 0.0f;
    w[REF_N * REF_N - 1] = INFINITY;
    REFUSED("w|weights", nf_connection_set_weights(net, a.c_event, w));
    const float scale_nan = NAN;
    REFUSED("w|weights|scale", nf_connection_set_weights(net, a.c_identity, &scale_nan));
    int32_t id = -1;
    float wo[REF_DIM * REF_N] = {0}, z[REF_BATCH * REF_DIM] = {0};
    nf_readout_desc ok = {.weights = wo}, bad_scale = {.z_init_scale = NAN};
    EACH_ID(pop, 999, -1, a.in, a.readout) {
        REFUSED("pop", nf_readout_add(net, *pop, REF_DIM, &ok, &id));
    }
    REFUSED("dim", nf_readout_add(net, a.lif, 0, &ok, &id));
    REFUSED("dim", nf_readout_add(net, a.lif, -2, NULL, &id));
    REFUSED(NULL, nf_readout_add(net, a.lif, REF_DIM, &ok, NULL));
    REFUSED("z_init_scale", nf_readout_add(net, a.lif, REF_DIM, &bad_scale, &id));
    EACH_ID(r, 999, -1, a.c_feedback, a.lif, a.learner, a.in) {
        REFUSED("readout", nf_readout_set_weights(net, *r, wo));
        REFUSED("readout", nf_readout_get_weights(net, *r, wo));
        REFUSED("readout", nf_readout_set_state(net, *r, z));
        REFUSED("readout", nf_readout_get_state(net, *r, z));
    }
    REFUSED("w|weights|null", nf_readout_set_weights(net, a.readout, NULL));
    REFUSED("w|weights|null", nf_readout_get_weights(net, a.readout, NULL));
    REFUSED("z|null", nf_readout_set_state(net, a.readout, NULL));
    REFUSED("z|null", nf_readout_get_state(net, a.readout, NULL));
    wo[REF_DIM * REF_N - 1] = NAN;
    REFUSED("weights", nf_readout_add(net, a.lif, REF_DIM, &ok, &id));
    REFUSED("w|weights", nf_readout_set_weights(net, a.readout, wo));
    z[REF_BATCH * REF_DIM - 1] = INFINITY;
    REFUSED("z", nf_readout_set_state(net, a.readout, z));
    ref_finish(&a, &b);
}

// --- learners ---------------------------------------------------------------------------

/* Adds a learner from `base` broken by the statements in "...". */
#define BAD_LEARNER(base, words, ...)                                                              \
    do {                                                                                           \
        nf_learner_desc l_ = (base);                                                               \
        __VA_ARGS__;                                                                               \
        int32_t id_ = -1;                                                                          \
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #__VA_ARGS__,                                \
                 nf_learner_add(net, &l_, &id_));                                                  \
    } while (0)

Test(errors, learners_reject_and_change_nothing) {
    TWINS();
    nf_learner_desc ok = nf_learner_defaults();
    ok.readout = a.readout;
    ok.target = a.in;
    int32_t id = -1;
    REFUSED(NULL, nf_learner_add(net, NULL, &id));
    REFUSED(NULL, nf_learner_add(net, &ok, NULL));
    BAD_LEARNER(ok, "kind", l_.kind = (nf_learner_kind)99);
    BAD_LEARNER(ok, "alpha", l_.alpha = 0.0f);
    BAD_LEARNER(ok, "alpha", l_.alpha = NAN);
    BAD_LEARNER(ok, "alpha", l_.alpha = 1e-39f); /* 1/alpha overflows a float P */
    BAD_LEARNER(ok, "every", l_.every = 0);
    BAD_LEARNER(ok, "start", l_.start = -1);
    BAD_LEARNER(ok, "stop", l_.start = 10; l_.stop = 5);
    BAD_LEARNER(ok, "rule", l_.rule = (nf_rls_rule)2);
    EACH_ID(r, 999, -1, a.lif) BAD_LEARNER(ok, "readout", l_.readout = *r);
    EACH_ID(t, 999, a.lif, a.readout) BAD_LEARNER(ok, "target", l_.target = *t);
    BAD_LEARNER(ok, "dim|target", l_.target = a.in3); /* dim 3, the readout's is 2 */
    /* Recurrent rows: a dense, not event-driven connection from the readout's population:
     * not from the input, the readout, event-driven or identity. */
    EACH_ID(c, 999, a.lif, a.c_in, a.c_feedback, a.c_event, a.c_identity) {
        BAD_LEARNER(ok, "connection", l_.connection = *c);
    }
    float row_scale[REF_N * REF_DIM] = {1, 1, 1, 1, 1, 1, 1, NAN};
    BAD_LEARNER(ok, "row_scale", l_.connection = a.c_dense; l_.row_scale = row_scale);
    float p[REF_N * REF_N] = {2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2};
    EACH_ID(l, 999, -1, a.readout, a.probe[P_ERROR]) {
        REFUSED("learner", nf_learner_set_enabled(net, *l, 0));
        REFUSED("learner", nf_learner_get_p(net, *l, p));
        REFUSED("learner", nf_learner_set_p(net, *l, p));
    }
    REFUSED("p|null", nf_learner_get_p(net, a.learner, NULL));
    REFUSED("p|null", nf_learner_set_p(net, a.learner, NULL));
    p[REF_N * REF_N - 1] = NAN;
    REFUSED("p", nf_learner_set_p(net, a.learner, p));
    p[REF_N * REF_N - 1] = 2.0f;
    p[1] = 0.5f; /* p[0][1] != p[1][0]: P is symmetric */
    REFUSED("symmetric|p", nf_learner_set_p(net, a.learner, p));
    ref_finish(&a, &b);
}

Test(errors, learner_add_rejects_bad_currents_learners) {
    nf_network *net = nft_network(NF_BACKEND_CPU, REF_DT, 2, 5);
    int32_t in, pre, post, small, c_learn, c_desired, c_small, c_from_input, id = -1;
    NFT_OK(net, nf_input_add(net, 2, &in));
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, 3);
    NFT_OK(net, nf_population_add(net, &d, &pre));
    NFT_OK(net, nf_population_add(net, &d, &post));
    d.n = 2;
    NFT_OK(net, nf_population_add(net, &d, &small));
    nf_connection_desc c = nf_connection_defaults();
    c.weights = ok_weights();
    NFT_OK(net, nf_connect(net, pre, post, &c, &c_learn));
    NFT_OK(net, nf_connect(net, in, post, &c, &c_desired));
    NFT_OK(net, nf_connect(net, in, small, &c, &c_small));
    NFT_OK(net, nf_connect(net, in, pre, &c, &c_from_input));
    const int32_t one[1] = {c_desired}, not_a_connection[1] = {post}, other_rows[1] = {c_small};
    const int32_t nine[9] = {c_desired, c_desired, c_desired, c_desired, c_desired,
                             c_desired, c_desired, c_desired, c_desired};
    nf_learner_desc ok = nf_learner_defaults();
    ok.kind = NF_LEARNER_CURRENTS;
    ok.connection = c_learn;
    ok.desired = one;
    ok.n_desired = 1;
    EACH_ID(conn, -1, post, c_from_input) { /* c_from_input: its pre is an input */
        BAD_LEARNER(ok, "connection", l_.connection = *conn);
    }
    BAD_LEARNER(ok, "desired", l_.desired = NULL);
    BAD_LEARNER(ok, "desired|n_desired", l_.n_desired = 0);
    BAD_LEARNER(ok, "desired|n_desired", l_.desired = nine; l_.n_desired = 9);
    BAD_LEARNER(ok, "desired", l_.desired = not_a_connection);
    BAD_LEARNER(ok, "desired", l_.desired = other_rows); /* feeds 2 neurons, not 3 */
    BAD_LEARNER(ok, "alpha", l_.alpha = 0.0f);
    NFT_OK(net, nf_learner_add(net, &ok, &id)); /* the network still takes a valid one */
    NFT_OK(net, nf_network_run(net, 3));
    nf_network_destroy(net);
}

// --- probes ------------------------------------------------------------------------------

Test(errors, probes_reject_and_lose_nothing) {
    TWINS();
    int32_t id = -1;
    const nf_probe_kind OUT = NF_PROBE_OUTPUT;
    EACH_ID(t, 999, -1, a.c_in, a.probe[P_INPUT]) { /* connections and probes are not probed */
        REFUSED("target|connection|probe", nf_probe_add(net, *t, OUT, 1, &id));
    }
    REFUSED("every", nf_probe_add(net, a.lif, OUT, 0, &id));
    REFUSED(NULL, nf_probe_add(net, a.lif, OUT, 1, NULL));
    REFUSED("what|kind", nf_probe_add(net, a.lif, (nf_probe_kind)5, 1, &id));
    /* Kinds the target does not have. */
    REFUSED("error|learner", nf_probe_add(net, a.lif, NF_PROBE_ERROR, 1, &id));
    REFUSED("input", nf_probe_add(net, a.lif, NF_PROBE_INPUT, 1, &id));
    REFUSED("input", nf_probe_add(net, a.in, OUT, 1, &id));
    REFUSED("readout", nf_probe_add(net, a.readout, NF_PROBE_FILTERED, 1, &id));
    REFUSED("learner|error", nf_probe_add(net, a.learner, OUT, 1, &id));
    REFUSED("state|voltage|x|theta", nf_probe_add(net, a.relu, NF_PROBE_STATE, 1, &id));
    /* nf_probe_read, nf_probe_rows, nf_probe_row_size */
    const int32_t probe = a.probe[P_LIF_STATE];
    enum { NEED = REF_PRE * REF_BATCH * REF_N };
    float buf[NEED];
    int64_t rows = -1;
    EACH_ID(p, 999, -1, a.lif, a.learner, a.c_in) { /* the const ones leave no message */
        REFUSED("probe", nf_probe_read(net, *p, buf, NEED, &rows));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_rows(net, *p, &rows));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_row_size(net, *p, &rows));
    }
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_rows(net, probe, NULL));
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_row_size(net, probe, NULL));
    REFUSED("rows|null", nf_probe_read(net, probe, buf, NEED, NULL));
    REFUSED("dst|null", nf_probe_read(net, probe, NULL, NEED, &rows));
    REFUSED("capacity", nf_probe_read(net, probe, buf, NEED - 1, &rows));
    REFUSED("capacity", nf_probe_read(net, probe, buf, 0, &rows));
    REFUSED("capacity", nf_probe_read(net, a.probe[P_READOUT], buf, 1, &rows));
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, REF_PRE, "refused reads lost rows: %lld left", (long long)rows);
    /* The unread rows are still there, with the same values: */
    ref_finish(&a, &b);
}

/* Kinds a model lacks: state_kinds_a_model_lacks_are_refused. */
Test(errors, probe_add_state_rejects_and_changes_nothing) {
    TWINS();
    int32_t id = -1;
    const nf_state_kind V = NF_STATE_VOLTAGE;
    EACH_ID(pop, 999, a.in, a.readout) {
        REFUSED("pop|population", nf_probe_add_state(net, *pop, V, 1, &id));
    }
    REFUSED("which|state", nf_probe_add_state(net, a.lif, (nf_state_kind)99, 1, &id));
    REFUSED("recovery", nf_probe_add_state(net, a.lif, NF_STATE_RECOVERY, 1, &id));
    REFUSED("every", nf_probe_add_state(net, a.lif, V, 0, &id));
    REFUSED(NULL, nf_probe_add_state(net, a.lif, V, 1, NULL));
    ref_finish(&a, &b);
}

// --- inputs and running: input_add, input_set, run, set_mode, set_dt --------------------

Test(errors, inputs_run_mode_and_dt_reject_and_change_nothing) {
    TWINS();
    REFUSED("steps", nf_network_run(net, -1));
    /* More steps than the input has rows left: refused, nothing runs. */
    REFUSED("input|rows", nf_network_run(net, REF_ROWS - REF_PRE + 1));
    REFUSED("input|rows", nf_network_run(net, INT64_MAX));
    cr_assert_eq(nf_network_step_count(net), REF_PRE, "a refused run moved the step count");
    int64_t rows = -1;
    NFT_OK(net, nf_probe_rows(net, a.probe[P_LIF_OUT], &rows));
    cr_assert_eq(rows, REF_PRE, "a refused run recorded %lld rows", (long long)rows - REF_PRE);
    REFUSED("mode", nf_network_set_mode(net, (nf_mode)2));
    REFUSED("mode", nf_network_set_mode(net, (nf_mode)-1));
    cr_assert_eq(nf_network_mode(net), NF_MODE_SPIKING);
    const double bad[] = {0.0, -0.0, -1e-3, NAN, INFINITY, -INFINITY};
    char what[64];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(what, sizeof what, "nf_network_set_dt(%g)", bad[i]);
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, "dt", what, nf_network_set_dt(net, bad[i]));
        cr_assert(nf_network_dt(net) == REF_DT, "%s changed dt to %g", what, nf_network_dt(net));
    }
    int32_t id = -1;
    REFUSED("dim", nf_input_add(net, 0, &id));
    REFUSED(NULL, nf_input_add(net, 2, NULL));
    enum { STEPS = 3, COUNT = STEPS * REF_BATCH * REF_DIM };
    float v[COUNT] = {0};
    EACH_ID(in, 999, -1, a.lif, a.readout) { REFUSED("input", nf_input_set(net, *in, STEPS, v)); }
    REFUSED("steps", nf_input_set(net, a.in, 0, v));
    REFUSED("steps", nf_input_set(net, a.in, -1, v));
    REFUSED("values|null", nf_input_set(net, a.in, STEPS, NULL));
    v[COUNT - 1] = NAN; /* the last value of the last row */
    REFUSED("values", nf_input_set(net, a.in, STEPS, v));
    v[0] = INFINITY;
    REFUSED("values", nf_input_set(net, a.in, 1, v));
    /* a rewind would replay rows 0.. instead of REF_PRE.. */
    ref_finish(&a, &b);
}
