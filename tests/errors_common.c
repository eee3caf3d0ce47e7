/*
 * The error-path tests' shared part (errors_common.h): the message checks and
 * the reference twins, built, snapshotted and compared bit for bit.
 */
#include "errors_common.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- message and status checks ------------------------------------------------------

/* 1 when msg mentions one of the '|'-separated words as a whole word (bounded by
 * anything but a letter or digit: "filter.tau", "NF_STATE_X", "w[3]"), any case. */
int mentions(const char *msg, const char *words) {
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
void prime_error(nf_network *net, const char *call) {
    nf_status st = strstr(call, "nf_learner_set_enabled")
                       ? nf_network_set_mode(net, (nf_mode)-12345)
                       : nf_learner_set_enabled(net, -999, 1);
    cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "priming the message failed: %s",
                 nf_status_string(st));
    snprintf(primed, sizeof primed, "%s", nf_network_last_error(net));
}

void expect_fail_(nf_network *net, nf_status got, nf_status want, const char *words,
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

// --- the reference network ----------------------------------------------------------

/* Valid weights for any connection of the tests (up to 2 x 4 x 4). */
static float ok_w[64];
const float *ok_weights(void) {
    for (int k = 0; k < 64; k++)
        ok_w[k] = 0.01f * (float)((k * 7) % 11 - 5);
    return ok_w;
}

void ref_build(ref_net *r) {
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
void ref_finish(ref_net *a, ref_net *b) {
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
