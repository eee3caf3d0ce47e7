/*
 * The model table: one line per neuron model, naming its nf_model value, its
 * prefix and its constants struct. The prefix leads to the model's header in
 * this folder, which holds its step nf_<prefix>_step (both backends compile it)
 * and its row nf_<prefix>_row (state slots, probe default, defaults, checks,
 * constants, initial state; host only, see model_row.h). Everything else is
 * derived from this list: nf_model_params, the per-neuron dispatch below, the
 * CPU step's one loop per model, and the rows and names the engine reads
 * (engine/models.c). docs/adding-a-model.md says how to add one.
 */
#ifndef NF_MATH_MODELS_H
#define NF_MATH_MODELS_H

#include "adaptive_lif.h"
#include "hd.h"
#include "izhikevich.h"
#include "leaky_rate.h"
#include "lif.h"
#include "params.h"
#include "rate.h"
#include "theta.h"

/* X(enum value, prefix, constants struct), in nf_model order. */
#define NF_MODEL_TABLE(X)                                                                    \
    X(NF_MODEL_RELU, relu, nf_rate_consts)                                                   \
    X(NF_MODEL_SIGMOID, sigmoid, nf_rate_consts)                                             \
    X(NF_MODEL_TANH, tanh, nf_rate_consts)                                                   \
    X(NF_MODEL_LIF_RATE, lif_rate, nf_rate_consts)                                           \
    X(NF_MODEL_SOFTLIF_RATE, softlif_rate, nf_rate_consts)                                   \
    X(NF_MODEL_LIF, lif, nf_lif_consts)                                                      \
    X(NF_MODEL_LEAKY_RATE, leaky_rate, nf_leaky_rate_consts)                                 \
    X(NF_MODEL_IZHIKEVICH, izhikevich, nf_izhikevich_consts)                                 \
    X(NF_MODEL_THETA, theta, nf_no_consts)                                                   \
    X(NF_MODEL_ADAPTIVE_LIF, adaptive_lif, nf_adaptive_lif_consts)

/* X(type, field): the nf_population_desc fields models appended after the
 * descriptor's first release, in order, with their checkpoint type (I32,
 * ENUM, F32, ...): the checkpoint's field list (engine/checkpoint_fields.h)
 * ends with them, so a checkpoint records a new model's parameters. */
#define NF_MODEL_DESC_FIELDS(X) X(F32, tau_n) X(F32, inc_n) /* ADAPTIVE_LIF */

/* X(enum value), in nf_state_kind order: the state kinds, for their names. */
#define NF_STATE_TABLE(X)                                                                    \
    X(NF_STATE_VOLTAGE)                                                                      \
    X(NF_STATE_REFRACTORY)                                                                   \
    X(NF_STATE_RECOVERY)                                                                     \
    X(NF_STATE_X)                                                                            \
    X(NF_STATE_SPIKE_ACCUMULATOR)                                                            \
    X(NF_STATE_OUTPUT)                                                                       \
    X(NF_STATE_FILTER)                                                                       \
    X(NF_STATE_FILTER_AUX)                                                                   \
    X(NF_STATE_ADAPTATION)

/* What one neuron step computes this step (engine/params.c fills it). */
typedef struct nf_model_params {
    int32_t model; /* nf_model */
    nf_model_common c;
    union {
#define NF_MODEL_CONSTS_MEMBER(value, prefix, consts) consts prefix;
        NF_MODEL_TABLE(NF_MODEL_CONSTS_MEMBER)
#undef NF_MODEL_CONSTS_MEMBER
    } k; /* the model's own constants: k.<prefix> */
} nf_model_params;

/* One neuron's step for any model, the dispatcher both backends call per
 * element: updates the state slots s0, s1, s2 (those the model has) and returns
 * the output, amplitude * rate or amplitude * (spikes this step) / dt. With
 * p->model a constant the switch folds to one model's step. */
NF_HD NF_ALWAYS_INLINE static inline float nf_neuron_step(const nf_model_params *p, float J,
                                                          float *s0, float *s1, float *s2) {
    switch (p->model) {
#define NF_MODEL_STEP_CASE(value, prefix, consts)                                            \
    case value: return nf_##prefix##_step(&p->c, &p->k.prefix, J, s0, s1, s2);
        NF_MODEL_TABLE(NF_MODEL_STEP_CASE)
#undef NF_MODEL_STEP_CASE
    default: return 0.0f;
    }
}

#endif /* NF_MATH_MODELS_H */
