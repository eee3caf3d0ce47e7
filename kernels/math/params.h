/*
 * What every model's step reads besides its own constants (nf_model_common),
 * and a filter's discrete update (nf_filter_params). Both are computed once on
 * the host from the descriptor, dt and the mode (engine/params.c), so that
 * both backends read identical float values. A model's own constants are a
 * struct of floats in its header (e.g. nf_lif_consts); the model table (models.h) puts
 * them together into nf_model_params. Plain C, shared by host and device.
 */
#ifndef NF_MATH_PARAMS_H
#define NF_MATH_PARAMS_H

#include <stdint.h>

#include "neurofuse.h"

/* The step's context, the same for every model. The floats from dt on, and
 * every model's constants struct after them, are floats only (finiteness
 * checks read them as an array: engine/params_check.c, engine/sequence.c). */
typedef struct nf_model_common {
    int32_t convert;   /* rate model whose output goes through the spiking conversion */
    int32_t rate_mode; /* NF_MODE_RATE: rate models (and nengo LIFs) output their rate */
    int32_t variant;   /* a model's form: LIF nf_lif_form, IZHIKEVICH nf_izhikevich_order */
    float dt;
    float inv_dt;      /* 1/dt, for spike heights */
    float amplitude;
} nf_model_common;

/* The constants of a model that has none of its own. */
typedef struct nf_no_consts {
    float unused;
} nf_no_consts;

/* A filter's discrete update, y' = A y + B u over its (up to) two variables. */
typedef struct nf_filter_params {
    int32_t kind;         /* nf_filter_kind; NONE also stands for a pass-through */
    int32_t pass_through; /* spiking_only filter in rate mode: y0 = u, y1 kept */
    float a00, a01, b0;   /* y0' = a00 y0 + a01 y1 + b0 u  (y0 = the output) */
    float a10, a11, b1;   /* y1' = a10 y0 + a11 y1 + b1 u */
} nf_filter_params;

#endif /* NF_MATH_PARAMS_H */
