/*
 * Izhikevich neurons, two update orders (see docs/equations.md).
 *
 * Nicola & Clopath (2007 general model, ms / mV / pA / pF):
 *   v' = v + dt (k (v - v_r)(v - v_t) - u + J) / C
 *   u' = u + dt a (b (v - v_r) - u)            (both from the previous v)
 *   spike when v' >= v_peak: v' = c, u' += d
 *
 * nengo (2003 model, seconds, the equations in ms scaled by 1000):
 *   J = max(J, -30); v += dt 1000 (0.04 v^2 + 5 v + 140 - u + J)
 *   spiked = v >= 30; v = c where spiked (before u moves)
 *   u += dt 1000 a (b v - u) (the new v); u += d where spiked
 */
#ifndef NF_MATH_IZHIKEVICH_H
#define NF_MATH_IZHIKEVICH_H

#include "hd.h"

NF_HD static inline int nf_izhikevich_nc_step(float J, float dt, float C, float k, float v_r,
                                              float v_t, float a, float b, float c, float d,
                                              float v_peak, float *v, float *u) {
    float v0 = *v, u0 = *u;
    float vv = v0 + dt * (k * (v0 - v_r) * (v0 - v_t) - u0 + J) / C;
    float uu = u0 + dt * (a * (b * (v0 - v_r) - u0));
    int spiked = vv >= v_peak;
    if (spiked) {
        uu += d;
        vv = c;
    }
    *v = vv;
    *u = uu;
    return spiked;
}

NF_HD static inline int nf_izhikevich_nengo_step(float J, float dt, float a, float b, float c,
                                                 float d, float *v, float *u) {
    float jj = nf_at_least(J, -30.0f);
    float vv = *v, uu = *u;
    vv += dt * ((0.04f * vv * vv + 5.0f * vv + 140.0f - uu + jj) * 1000.0f);
    int spiked = vv >= 30.0f;
    if (spiked)
        vv = c;
    uu += dt * ((a * (b * vv - uu)) * 1000.0f);
    if (spiked)
        uu += d;
    *v = vv;
    *u = uu;
    return spiked;
}

#endif /* NF_MATH_IZHIKEVICH_H */
