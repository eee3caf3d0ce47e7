/*
 * The equivalence harness's spec table (equivalence_common.h): one network per
 * row, every model, filter and connection kind; and the settings each model
 * runs with.
 */
#include "equivalence_common.h"

// --- the spec table ---------------------------------------------------------------

#define EQ_SPEC(nm, mdl, var, spk, rmode, filt, sonly, cn, pb, bt, nn, sd)                         \
    {                                                                                              \
        .name = nm, .model = mdl, .variant = var, .spiking = spk, .rate_mode = rmode,              \
        .filter = filt, .spiking_only = sonly, .conn = cn, .per_batch = pb, .batch = bt, .n = nn,  \
        .seed = sd                                                                                 \
    }

#define NENGO_LIF NF_LIF_NENGO
#define NC_LIF    NF_LIF_NICOLA_CLOPATH
#define NC_IZH    NF_IZHIKEVICH_NICOLA_CLOPATH
#define NENGO_IZH NF_IZHIKEVICH_NENGO

/* Every nf_model (LIF in both forms, Izhikevich in both orders, rate models as rates,
 * converted to spikes, and in rate mode), every filter kind, every connection kind,
 * shared and per-batch weights, batch 1 and 5; n not a multiple of 4 (draw spans
 * are rounded up) and odd batch * n (odd normal draws) included; n = 600 lists
 * spikes over more than one 512-thread pass. */
eq_spec EQ_SPECS[] = {
    /* rate outputs */
    EQ_SPEC("relu_rate_lowpass_dense_b5", NF_MODEL_RELU, 0, 0, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_DENSE, 0, 5, 90, 11),
    EQ_SPEC("relu_rate_none_sparse_pb_b5", NF_MODEL_RELU, 0, 0, 0, EQ_FILTER_NONE, 0,
            EQ_CONN_SPARSE, 1, 5, 90, 12),
    EQ_SPEC("sigmoid_rate_alpha_dense_pb_b1", NF_MODEL_SIGMOID, 0, 0, 0, EQ_FILTER_ALPHA, 0,
            EQ_CONN_DENSE, 1, 1, 128, 13),
    EQ_SPEC("tanh_rate_dexp_sparse_b5", NF_MODEL_TANH, 0, 0, 0, EQ_FILTER_DOUBLE_EXP, 0,
            EQ_CONN_SPARSE, 0, 5, 90, 14),
    EQ_SPEC("lifrate_rate_lowpass_identity_b5", NF_MODEL_LIF_RATE, 0, 0, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_IDENTITY, 0, 5, 90, 15),
    EQ_SPEC("softlif_rate_sexp_dense_pb_b5", NF_MODEL_SOFTLIF_RATE, 0, 0, 0, EQ_FILTER_SINGLE_EXP,
            0, EQ_CONN_DENSE, 1, 5, 90, 16),
    EQ_SPEC("leaky_rate_none_dense_b1", NF_MODEL_LEAKY_RATE, 0, 0, 0, EQ_FILTER_NONE, 0,
            EQ_CONN_DENSE, 0, 1, 75, 17),
    EQ_SPEC("leaky_rate_alpha_sparse_pb_b5", NF_MODEL_LEAKY_RATE, 0, 0, 0, EQ_FILTER_ALPHA, 0,
            EQ_CONN_SPARSE, 1, 5, 75, 18),
    EQ_SPEC("lif_nengo_ratemode_lowpass_dense_b5", NF_MODEL_LIF, NENGO_LIF, 0, 1, EQ_FILTER_LOWPASS,
            0, EQ_CONN_DENSE, 0, 5, 90, 19),
    EQ_SPEC("tanh_spk_ratemode_alpha_only_b5", NF_MODEL_TANH, 0, 1, 1, EQ_FILTER_ALPHA, 1,
            EQ_CONN_DENSE, 0, 5, 90, 20),
    /* spikes: converted rate models */
    EQ_SPEC("relu_spk_lowpass_event_dense_b5", NF_MODEL_RELU, 0, 1, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_EVENT_DENSE, 0, 5, 90, 21),
    EQ_SPEC("sigmoid_spk_lowpass_dense_b1", NF_MODEL_SIGMOID, 0, 1, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_DENSE, 0, 1, 128, 22),
    EQ_SPEC("tanh_spk_alpha_event_sparse_pb_b5", NF_MODEL_TANH, 0, 1, 0, EQ_FILTER_ALPHA, 0,
            EQ_CONN_EVENT_SPARSE, 1, 5, 90, 23),
    EQ_SPEC("lifrate_spk_dexp_sparse_b5", NF_MODEL_LIF_RATE, 0, 1, 0, EQ_FILTER_DOUBLE_EXP, 0,
            EQ_CONN_SPARSE, 0, 5, 90, 24),
    EQ_SPEC("softlif_spk_lowpass_identity_b1", NF_MODEL_SOFTLIF_RATE, 0, 1, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_IDENTITY, 0, 1, 90, 25),
    EQ_SPEC("leaky_spk_lowpass_event_dense_pb_b5", NF_MODEL_LEAKY_RATE, 0, 1, 0, EQ_FILTER_LOWPASS,
            0, EQ_CONN_EVENT_DENSE, 1, 5, 75, 26),
    /* spikes: LIF, Izhikevich, theta */
    EQ_SPEC("lif_nengo_none_event_dense_b5_n600", NF_MODEL_LIF, NENGO_LIF, 0, 0, EQ_FILTER_NONE, 0,
            EQ_CONN_EVENT_DENSE, 0, 5, 600, 27),
    EQ_SPEC("lif_nengo_alpha_dense_pb_b5", NF_MODEL_LIF, NENGO_LIF, 0, 0, EQ_FILTER_ALPHA, 0,
            EQ_CONN_DENSE, 1, 5, 90, 28),
    EQ_SPEC("lif_nengo_sexp_identity_pb_b5", NF_MODEL_LIF, NENGO_LIF, 0, 0, EQ_FILTER_SINGLE_EXP, 0,
            EQ_CONN_IDENTITY, 1, 5, 90, 29),
    EQ_SPEC("lif_nc_dexp_event_sparse_b5", NF_MODEL_LIF, NC_LIF, 0, 0, EQ_FILTER_DOUBLE_EXP, 0,
            EQ_CONN_EVENT_SPARSE, 0, 5, 90, 30),
    EQ_SPEC("lif_nc_lowpass_identity_b1", NF_MODEL_LIF, NC_LIF, 0, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_IDENTITY, 0, 1, 90, 31),
    EQ_SPEC("izh_nc_dexp_event_dense_b5", NF_MODEL_IZHIKEVICH, NC_IZH, 0, 0, EQ_FILTER_DOUBLE_EXP,
            0, EQ_CONN_EVENT_DENSE, 0, 5, 90, 32),
    EQ_SPEC("izh_nc_none_sparse_pb_b1", NF_MODEL_IZHIKEVICH, NC_IZH, 0, 0, EQ_FILTER_NONE, 0,
            EQ_CONN_SPARSE, 1, 1, 128, 33),
    EQ_SPEC("izh_nengo_lowpass_event_sparse_pb_b5", NF_MODEL_IZHIKEVICH, NENGO_IZH, 0, 0,
            EQ_FILTER_LOWPASS, 0, EQ_CONN_EVENT_SPARSE, 1, 5, 90, 34),
    EQ_SPEC("izh_nengo_alpha_dense_b1", NF_MODEL_IZHIKEVICH, NENGO_IZH, 0, 0, EQ_FILTER_ALPHA, 0,
            EQ_CONN_DENSE, 0, 1, 90, 35),
    EQ_SPEC("theta_sexp_event_dense_b5", NF_MODEL_THETA, 0, 0, 0, EQ_FILTER_SINGLE_EXP, 0,
            EQ_CONN_EVENT_DENSE, 0, 5, 90, 36),
    EQ_SPEC("theta_lowpass_sparse_pb_b5", NF_MODEL_THETA, 0, 0, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_SPARSE, 1, 5, 90, 37),
    EQ_SPEC("alif_lowpass_event_dense_b5", NF_MODEL_ADAPTIVE_LIF, 0, 0, 0, EQ_FILTER_LOWPASS, 0,
            EQ_CONN_EVENT_DENSE, 0, 5, 90, 38),
    EQ_SPEC("alif_ratemode_lowpass_dense_pb_b5", NF_MODEL_ADAPTIVE_LIF, 0, 0, 1,
            EQ_FILTER_LOWPASS, 0, EQ_CONN_DENSE, 1, 5, 90, 39),
};

const size_t eq_spec_count = sizeof EQ_SPECS / sizeof *EQ_SPECS;

// --- per-model settings -----------------------------------------------------------

eq_cfg eq_model_cfg(const eq_spec *s) {
    switch (s->model) {
    case NF_MODEL_RELU: return (eq_cfg){0.001, 30.0f, 80.0f, 55.0f};
    case NF_MODEL_SIGMOID: return (eq_cfg){0.001, -2.0f, 0.0f, 110.0f};
    case NF_MODEL_TANH: return (eq_cfg){0.001, -0.25f, 0.25f, 50.0f};
    case NF_MODEL_LIF_RATE:
    case NF_MODEL_SOFTLIF_RATE: return (eq_cfg){0.001, 3.0f, 4.5f, 120.0f};
    case NF_MODEL_LEAKY_RATE: return (eq_cfg){0.05, 0.3f, 1.0f, 0.5f}; /* time in tau */
    case NF_MODEL_LIF:
        if (s->variant == NF_LIF_NICOLA_CLOPATH) /* mV: bias -40 + [5, 40] */
            return (eq_cfg){0.0005, -35.0f, 0.0f, 100.0f};
        return (eq_cfg){0.001, 3.0f, 4.5f, 120.0f};
    case NF_MODEL_IZHIKEVICH:
        if (s->variant == NF_IZHIKEVICH_NICOLA_CLOPATH) /* ms, pA */
            return (eq_cfg){0.2, 4000.0f, 8000.0f, 0.175f};
        return (eq_cfg){0.001, 15.0f, 35.0f, 50.0f};
    case NF_MODEL_THETA: return (eq_cfg){0.008, 4.0f, 8.0f, 2.4f};
    case NF_MODEL_ADAPTIVE_LIF: return (eq_cfg){0.001, 3.0f, 4.5f, 110.0f};
    default: break; /* a model without specs here */
    }
    cr_assert_fail("spec %s: unknown model %d", s->name, (int)s->model);
    return (eq_cfg){0};
}

/* True when the population's output is made of spikes in this spec's mode. */
bool eq_spikes(const eq_spec *s) {
    switch (s->model) {
    case NF_MODEL_IZHIKEVICH:
    case NF_MODEL_THETA: return true;
    case NF_MODEL_LIF: return !s->rate_mode || s->variant == NF_LIF_NICOLA_CLOPATH;
    case NF_MODEL_ADAPTIVE_LIF: return !s->rate_mode;
    default: return s->spiking && !s->rate_mode;
    }
}

static bool eq_is_rate_model(nf_model m) {
    return m == NF_MODEL_RELU || m == NF_MODEL_SIGMOID || m == NF_MODEL_TANH ||
           m == NF_MODEL_LIF_RATE || m == NF_MODEL_SOFTLIF_RATE;
}

/* The state slots the population has (the lead's semantics in the brief). */
bool eq_has_state(const eq_spec *s, nf_state_kind k) {
    const nf_model m = s->model;
    switch (k) {
    case NF_STATE_VOLTAGE:
        return m == NF_MODEL_LIF || m == NF_MODEL_IZHIKEVICH || m == NF_MODEL_THETA ||
               m == NF_MODEL_ADAPTIVE_LIF;
    case NF_STATE_REFRACTORY: return m == NF_MODEL_LIF || m == NF_MODEL_ADAPTIVE_LIF;
    case NF_STATE_ADAPTATION: return m == NF_MODEL_ADAPTIVE_LIF;
    case NF_STATE_RECOVERY: return m == NF_MODEL_IZHIKEVICH;
    case NF_STATE_X: return m == NF_MODEL_LEAKY_RATE;
    case NF_STATE_SPIKE_ACCUMULATOR:
        return (eq_is_rate_model(m) || m == NF_MODEL_LEAKY_RATE) && s->spiking;
    case NF_STATE_OUTPUT: return true;
    case NF_STATE_FILTER: return s->filter != EQ_FILTER_NONE;
    case NF_STATE_FILTER_AUX:
        return s->filter == EQ_FILTER_ALPHA || s->filter == EQ_FILTER_DOUBLE_EXP ||
               s->filter == EQ_FILTER_SINGLE_EXP;
    default: break; /* a state kind without specs here */
    }
    return false;
}

/* State variables drawn from the seed at creation (not constants). */
bool eq_state_is_drawn(const eq_spec *s, nf_state_kind k) {
    switch (k) {
    case NF_STATE_VOLTAGE:
        return s->model == NF_MODEL_LIF || s->model == NF_MODEL_THETA ||
               s->model == NF_MODEL_ADAPTIVE_LIF ||
               (s->model == NF_MODEL_IZHIKEVICH && s->variant == NF_IZHIKEVICH_NICOLA_CLOPATH);
    case NF_STATE_X: return s->model == NF_MODEL_LEAKY_RATE; /* x_init_scale 0.5 */
    case NF_STATE_SPIKE_ACCUMULATOR: return eq_has_state(s, k);
    default: return false;
    }
}

const char *eq_state_name(nf_state_kind k) {
    static const char *names[NF_STATE_KIND_COUNT] = {
        "VOLTAGE", "REFRACTORY", "RECOVERY",   "X",         "SPIKE_ACCUMULATOR",
        "OUTPUT",  "FILTER",     "FILTER_AUX", "ADAPTATION"};
    return (k >= 0 && k < NF_STATE_KIND_COUNT) ? names[k] : "?";
}

nf_filter_desc eq_filter_desc(const eq_spec *s, double dt) {
    nf_filter_desc f = {0};
    f.spiking_only = s->spiking_only;
    switch (s->filter) {
    case EQ_FILTER_NONE: f.kind = NF_FILTER_NONE; break;
    case EQ_FILTER_LOWPASS:
        f.kind = NF_FILTER_LOWPASS;
        f.tau = (float)(10.0 * dt);
        break;
    case EQ_FILTER_ALPHA:
        f.kind = NF_FILTER_ALPHA;
        f.tau = (float)(5.0 * dt);
        break;
    case EQ_FILTER_DOUBLE_EXP:
        f.kind = NF_FILTER_DOUBLE_EXP;
        f.tau_rise = (float)(2.0 * dt);
        f.tau_decay = (float)(20.0 * dt);
        break;
    case EQ_FILTER_SINGLE_EXP:
        f.kind = NF_FILTER_DOUBLE_EXP;
        f.tau_rise = 0.0f;
        f.tau_decay = (float)(20.0 * dt);
        break;
    }
    return f;
}
