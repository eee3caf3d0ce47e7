/*
 * Leaky integrate-and-fire neurons, two forms.
 *
 * nengo (voltage normalised, threshold 1, seconds), exact for constant J:
 *   ref -= dt; delta = clamp(dt - ref, 0, dt)
 *   v -= (J - v) expm1(-delta / tau_rc); spiked = v > 1
 *   (expm1(-dt / tau_rc), the factor of every neuron that is not refractory,
 *   comes precomputed as expm1_dt, the very value the expression gives)
 *   t_spike = dt + tau_rc log1p(-(v - 1) / (J - 1))
 *   v = spiked ? 0 : max(v, min_voltage); ref = spiked ? tau_ref + t_spike : ref
 *
 * Nicola & Clopath (mV, forward Euler): while more than tau_ref has passed
 * since the last spike, v += dt (-v + J) / tau_m; spike when v >= v_peak,
 * then v = v_reset. `ref` counts the refractory time left down by dt; the
 * voltage integrates once it is below -eps (eps = 1e-3 dt), which makes a
 * tau_ref of a whole number of steps behave as the reference's `t > tlast + tref`.
 *
 * State: s0 = voltage, s1 = refractory time left. Initial voltage uniform in
 * [0, 1) (nengo) or [v_reset, v_init_max) (Nicola & Clopath), refractory 0.
 * NF_MODE_RATE: the nengo form outputs amplitude LIFRate(J), state untouched.
 */
#ifndef NF_MATH_LIF_H
#define NF_MATH_LIF_H

#include "hd.h"
#include "params.h"
#include "rate.h"

/* Both forms' constants (the form is the common variant). */
typedef struct nf_lif_consts {
    float tau_rc, tau_ref, min_voltage;
    float expm1_dt;              /* nengo: expm1f(-dt / tau_rc) */
    float tau_m, v_reset, v_peak, refractory_eps; /* Nicola & Clopath */
} nf_lif_consts;

/* Returns 1 when the neuron spiked this step. */
NF_HD static inline int nf_lif_nengo_step(float J, float dt, float tau_rc, float tau_ref,
                                          float min_voltage, float expm1_dt, float *v,
                                          float *ref) {
    float r = *ref - dt;
    float delta = nf_at_most(nf_at_least(dt - r, 0.0f), dt);
    /* Whole steps (delta = dt) and fully refractory ones (delta = 0, v held)
     * without a branch; only a neuron leaving its refractory period inside
     * this step calls expm1f. */
    float decay = delta < dt ? 0.0f : expm1_dt;
    if (delta > 0.0f && delta < dt)
        decay = expm1f(-delta / tau_rc);
    float vv = *v - (J - *v) * decay;
    int spiked = vv > 1.0f;
    if (spiked) {
        float t_spike = dt + tau_rc * log1pf(-(vv - 1.0f) / (J - 1.0f));
        r = tau_ref + t_spike;
        vv = 0.0f;
    } else {
        vv = nf_at_least(vv, min_voltage);
    }
    *v = vv;
    *ref = r;
    return spiked;
}

NF_HD static inline int nf_lif_nc_step(float J, float dt, float tau_m, float tau_ref,
                                       float v_reset, float v_peak, float eps, float *v,
                                       float *ref) {
    float r = nf_at_least(*ref - dt, -dt);
    float vv = *v;
    if (r < -eps)
        vv += dt * (-vv + J) / tau_m;
    int spiked = vv >= v_peak;
    if (spiked) {
        vv = v_reset;
        r = tau_ref;
    }
    *v = vv;
    *ref = r;
    return spiked;
}

NF_HD NF_ALWAYS_INLINE static inline float nf_lif_step(const nf_model_common *c,
                                                       const nf_lif_consts *k, float J,
                                                       float *s0, float *s1, float *s2) {
    (void)s2;
    int spiked;
    if (c->variant == NF_LIF_NICOLA_CLOPATH) {
        spiked = nf_lif_nc_step(J, c->dt, k->tau_m, k->tau_ref, k->v_reset, k->v_peak,
                                k->refractory_eps, s0, s1);
    } else {
        if (c->rate_mode)
            return c->amplitude * nf_lif_rate(J, k->tau_rc, k->tau_ref);
        spiked = nf_lif_nengo_step(J, c->dt, k->tau_rc, k->tau_ref, k->min_voltage,
                                   k->expm1_dt, s0, s1);
    }
    return spiked ? c->amplitude * c->inv_dt : 0.0f;
}

#ifdef NF_MODEL_ROWS
#include "model_row.h"

static void lif_defaults(nf_population_desc *d) {
    d->tau_rc = 0.02f;
    d->tau_ref = 0.002f;
    d->min_voltage = 0.0f;
    d->lif_form = NF_LIF_NENGO;
    d->nc_lif.tau_m = 0.01f;
    d->nc_lif.v_reset = -65.0f;
    d->nc_lif.v_peak = -40.0f;
    d->nc_lif.v_init_max = 30.0f;
}

static bool lif_check(nf_model_check *c, const nf_population_desc *d) {
    if (!nf_check_enum(c, "lif_form", (int)d->lif_form, 2, "nf_lif_form") ||
        !nf_check_nonnegative(c, "tau_ref", d->tau_ref))
        return false;
    if (d->lif_form == NF_LIF_NENGO)
        return nf_check_positive(c, "tau_rc", d->tau_rc) &&
               nf_check_at_most(c, "min_voltage", d->min_voltage, 0.0f);
    return nf_check_positive(c, "nc_lif.tau_m", d->nc_lif.tau_m) &&
           nf_check_finite(c, "nc_lif.v_reset", d->nc_lif.v_reset) &&
           nf_check_finite(c, "nc_lif.v_init_max", d->nc_lif.v_init_max) &&
           nf_check_above(c, "nc_lif.v_peak", d->nc_lif.v_peak, "nc_lif.v_reset",
                          d->nc_lif.v_reset) &&
           nf_check_not_below(c, "nc_lif.v_init_max", d->nc_lif.v_init_max, "nc_lif.v_reset",
                              d->nc_lif.v_reset) &&
           nf_check_that(c, isfinite(d->nc_lif.v_init_max - d->nc_lif.v_reset),
                         "the initial v's range nc_lif.v_init_max - nc_lif.v_reset overflows "
                         "float");
}

static void lif_constants(nf_model_common *c, void *out, const nf_population_desc *d,
                          double dt) {
    nf_lif_consts *k = out;
    c->variant = (int32_t)d->lif_form;
    k->tau_rc = d->tau_rc;
    k->tau_ref = d->tau_ref;
    k->min_voltage = d->min_voltage;
    k->expm1_dt = d->tau_rc > 0.0f ? expm1f(-(float)dt / d->tau_rc) : 0.0f;
    k->tau_m = d->nc_lif.tau_m;
    k->v_reset = d->nc_lif.v_reset;
    k->v_peak = d->nc_lif.v_peak;
    k->refractory_eps = (float)(1e-3 * dt);
}

static void lif_initial(const nf_population_desc *d, nf_state_init init[]) {
    if (d->lif_form == NF_LIF_NENGO)
        init[0] = (nf_state_init){NF_INIT_UNIFORM, 0.0f, 1.0f};
    else
        init[0] = (nf_state_init){NF_INIT_UNIFORM, d->nc_lif.v_reset, d->nc_lif.v_init_max};
    init[1] = (nf_state_init){NF_INIT_FILL, 0.0f, 0.0f};
}

static const nf_model_row nf_lif_row = {
    .n_states = 2,
    .states = {NF_STATE_VOLTAGE, NF_STATE_REFRACTORY},
    .probe = NF_STATE_VOLTAGE,
    .defaults = lif_defaults,
    .check = lif_check,
    .constants = lif_constants,
    .initial = lif_initial,
};

#endif /* NF_MODEL_ROWS */

#endif /* NF_MATH_LIF_H */
