/*
 * Rate models (nengo / nengo_dl), output in Hz before amplitude:
 *   RectifiedLinear  max(J, 0)
 *   Sigmoid          (1/tau_ref) / (1 + exp(-J))
 *   Tanh             (1/tau_ref) tanh(J)
 *   LIFRate          1 / (tau_ref + tau_rc log1p(1/j)), j = J - 1 > 0, else 0
 *   SoftLIFRate      z = sigma softplus(j/sigma) (identity above 30),
 *                    q = log1p(1/z), or -j/sigma - log(sigma) below -20;
 *                    1 / (tau_ref + tau_rc q)
 * and the keras-spiking conversion of any rate into spikes:
 *   v += rate dt; k = floor(v); v -= k; out = k / dt.
 * Their rows of the model table (kernels/math/models.h) close the file.
 */
#ifndef NF_MATH_RATE_H
#define NF_MATH_RATE_H

#include "hd.h"
#include "params.h"

/* The constants of the five rate models. */
typedef struct nf_rate_consts {
    float tau_rc, tau_ref, sigma;
    float inv_tau_ref; /* SIGMOID, TANH: 1/tau_ref */
} nf_rate_consts;

NF_HD static inline float nf_relu_rate(float J) { return J > 0.0f ? J : 0.0f; }

NF_HD static inline float nf_sigmoid_rate(float J, float inv_tau_ref) {
    return inv_tau_ref / (1.0f + expf(-J));
}

NF_HD static inline float nf_tanh_rate(float J, float inv_tau_ref) {
    return inv_tau_ref * tanhf(J);
}

NF_HD static inline float nf_lif_rate(float J, float tau_rc, float tau_ref) {
    float j = J - 1.0f;
    return j > 0.0f ? 1.0f / (tau_ref + tau_rc * log1pf(1.0f / j)) : 0.0f;
}

NF_HD static inline float nf_softlif_rate(float J, float tau_rc, float tau_ref, float sigma) {
    float js = (J - 1.0f) / sigma;
    float z = sigma * (js > 30.0f ? js : log1pf(expf(js)));
    float q = js > -20.0f ? log1pf(1.0f / z) : -js - logf(sigma);
    return 1.0f / (tau_ref + tau_rc * q);
}

/* The spiking conversion: returns the spike count k of this step (k may be 0,
 * greater than 1, or negative) and keeps the fractional part in *v. */
NF_HD static inline float nf_spike_count(float rate, float dt, float *v) {
    float acc = *v + rate * dt;
    float k = floorf(acc);
    *v = acc - k;
    return k;
}

/* A rate, passed through the spiking conversion when it applies this step. The
 * spike height is k / dt, a float division as keras-spiking's (k * (1/dt) can
 * differ by an ulp: 1000 against 999.99994 at dt 0.001). */
NF_HD static inline float nf_rate_output(const nf_model_common *c, float rate, float *acc) {
    if (c->convert && !c->rate_mode)
        return c->amplitude * (nf_spike_count(rate, c->dt, acc) / c->dt);
    return c->amplitude * rate;
}

// --- steps (s0: the conversion's accumulator)

NF_HD NF_ALWAYS_INLINE static inline float nf_relu_step(const nf_model_common *c,
                                                        const nf_rate_consts *k, float J,
                                                        float *s0, float *s1, float *s2) {
    (void)k, (void)s1, (void)s2;
    return nf_rate_output(c, nf_relu_rate(J), s0);
}

NF_HD NF_ALWAYS_INLINE static inline float nf_sigmoid_step(const nf_model_common *c,
                                                           const nf_rate_consts *k, float J,
                                                           float *s0, float *s1, float *s2) {
    (void)s1, (void)s2;
    return nf_rate_output(c, nf_sigmoid_rate(J, k->inv_tau_ref), s0);
}

NF_HD NF_ALWAYS_INLINE static inline float nf_tanh_step(const nf_model_common *c,
                                                        const nf_rate_consts *k, float J,
                                                        float *s0, float *s1, float *s2) {
    (void)s1, (void)s2;
    return nf_rate_output(c, nf_tanh_rate(J, k->inv_tau_ref), s0);
}

NF_HD NF_ALWAYS_INLINE static inline float nf_lif_rate_step(const nf_model_common *c,
                                                            const nf_rate_consts *k, float J,
                                                            float *s0, float *s1, float *s2) {
    (void)s1, (void)s2;
    return nf_rate_output(c, nf_lif_rate(J, k->tau_rc, k->tau_ref), s0);
}

NF_HD NF_ALWAYS_INLINE static inline float nf_softlif_rate_step(const nf_model_common *c,
                                                               const nf_rate_consts *k,
                                                               float J, float *s0, float *s1,
                                                               float *s2) {
    (void)s1, (void)s2;
    return nf_rate_output(c, nf_softlif_rate(J, k->tau_rc, k->tau_ref, k->sigma), s0);
}

// --- rows (host only, engine/models.c)

#ifdef NF_MODEL_ROWS
#include "model_row.h"

static void rate_constants(nf_model_common *c, void *out, const nf_population_desc *d,
                           double dt) {
    nf_rate_consts *k = out;
    (void)c, (void)dt;
    k->tau_rc = d->tau_rc;
    k->tau_ref = d->tau_ref;
    k->sigma = d->sigma;
    k->inv_tau_ref = d->tau_ref > 0.0f ? (float)(1.0 / d->tau_ref) : 0.0f;
}

/* SIGMOID and TANH: nengo's tau_ref 0.0025 scales the rate to 1/tau_ref. */
static void scaled_rate_defaults(nf_population_desc *d) { d->tau_ref = 0.0025f; }

static bool scaled_rate_check(nf_model_check *c, const nf_population_desc *d) {
    return nf_check_positive(c, "tau_ref", d->tau_ref);
}

static void lif_rate_defaults(nf_population_desc *d) {
    d->tau_rc = 0.02f;
    d->tau_ref = 0.002f;
}

static bool lif_rate_check(nf_model_check *c, const nf_population_desc *d) {
    return nf_check_positive(c, "tau_rc", d->tau_rc) &&
           nf_check_nonnegative(c, "tau_ref", d->tau_ref);
}

static void softlif_rate_defaults(nf_population_desc *d) {
    lif_rate_defaults(d);
    d->sigma = 1.0f;
}

static bool softlif_rate_check(nf_model_check *c, const nf_population_desc *d) {
    return nf_check_positive(c, "sigma", d->sigma) && lif_rate_check(c, d);
}

/* No state of their own; with the conversion, s0 is its accumulator. */
#define NF_RATE_ROW(defaults_fn, check_fn)                                                   \
    {.rate = true, .n_states = 0, .probe = NF_STATE_SPIKE_ACCUMULATOR,                       \
     .defaults = defaults_fn, .check = check_fn, .constants = rate_constants}

static const nf_model_row nf_relu_row = NF_RATE_ROW(NULL, NULL);
static const nf_model_row nf_sigmoid_row = NF_RATE_ROW(scaled_rate_defaults, scaled_rate_check);
static const nf_model_row nf_tanh_row = NF_RATE_ROW(scaled_rate_defaults, scaled_rate_check);
static const nf_model_row nf_lif_rate_row = NF_RATE_ROW(lif_rate_defaults, lif_rate_check);
static const nf_model_row nf_softlif_rate_row =
    NF_RATE_ROW(softlif_rate_defaults, softlif_rate_check);

#endif /* NF_MODEL_ROWS */

#endif /* NF_MATH_RATE_H */
