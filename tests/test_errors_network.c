/*
 * Error paths (errors_common.h) of the network's own calls and the
 * populations': the reference twins themselves, status strings and backends,
 * nf_network_create(_ex), destroy and last_error on NULL, the descriptor
 * helpers, nf_population_add, gain, bias and state, and state kinds a model
 * lacks. Each bad call is refused with its status and a message naming the
 * argument, and changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors_common.h"

TestSuite(errors, .timeout = 60);

// --- the reference twins ------------------------------------------------------------

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
        "voltage|theta", "refractory", "recovery",   "x",         "spike_accumulator|accumulator",
        "output",        "filter",     "filter_aux", "adaptation"};
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
