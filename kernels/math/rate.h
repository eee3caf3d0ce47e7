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
 */
#ifndef NF_MATH_RATE_H
#define NF_MATH_RATE_H

#include "hd.h"

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

#endif /* NF_MATH_RATE_H */
