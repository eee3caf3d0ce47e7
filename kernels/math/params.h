/*
 * Per-population constants handed to the step functions, computed once on the
 * host from the descriptor, dt and the mode (engine/params.c), so that both
 * backends read identical float values. Plain C, shared by host and device.
 */
#ifndef NF_MATH_PARAMS_H
#define NF_MATH_PARAMS_H

#include <stdint.h>

#include "neurofuse.h"

/* What one neuron step computes this step. */
typedef struct nf_model_params {
    int32_t model;        /* nf_model */
    int32_t variant;      /* LIF: nf_lif_form; IZHIKEVICH: nf_izhikevich_order */
    int32_t convert;      /* rate model whose output goes through the spiking conversion */
    int32_t rate_mode;    /* NF_MODE_RATE: rate models (and nengo LIF) output their rate */
    float dt;
    float inv_dt;         /* 1/dt, for spike heights */
    float amplitude;
    float tau_rc, tau_ref, min_voltage, sigma;
    float lif_expm1_dt;   /* nengo LIF: expm1f(-dt / tau_rc) */
    float inv_tau_ref;    /* SIGMOID, TANH: 1/tau_ref */
    float leak;           /* LEAKY_RATE: dt/tau */
    float tau_m, v_reset, v_peak, refractory_eps; /* NC LIF */
    float C, k, v_r, v_t, a, b, c, d;              /* IZHIKEVICH (v_peak shared) */
} nf_model_params;

/* A filter's discrete update, y' = A y + B u over its (up to) two variables. */
typedef struct nf_filter_params {
    int32_t kind;         /* nf_filter_kind; NONE also stands for a pass-through */
    int32_t pass_through; /* spiking_only filter in rate mode: y0 = u, y1 kept */
    float a00, a01, b0;   /* y0' = a00 y0 + a01 y1 + b0 u  (y0 = the output) */
    float a10, a11, b1;   /* y1' = a10 y0 + a11 y1 + b1 u */
} nf_filter_params;

#endif /* NF_MATH_PARAMS_H */
