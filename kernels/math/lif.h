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
 */
#ifndef NF_MATH_LIF_H
#define NF_MATH_LIF_H

#include "hd.h"

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

#endif /* NF_MATH_LIF_H */
