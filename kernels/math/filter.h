/*
 * Synaptic filters as one two-variable linear update, constants from
 * engine/params.c (y0 is the filter's output):
 *   y0' = a00 y0 + a01 y1 + b0 u,   y1' = a10 y0 + a11 y1 + b1 u
 * Lowpass (ZOH):      y0' = a y0 + (1 - a) u,             a = exp(-dt/tau)
 * Alpha (ZOH):        y0 = x1, y1 = x0 with e = exp(-dt/tau), p = dt/tau, q = p/tau:
 *                     x1' = e (dt x0 + (1 + p) x1) + (1 - e (1 + p)) u
 *                     x0' = e ((1 - p) x0 - q x1) + e q u
 * Double exponential: y0 = r, y1 = h (Nicola & Clopath):
 *                     r' = r exp(-dt/tr) + h dt;  h' = h exp(-dt/td) + u dt/(tr td)
 *                     tr = 0: r' = r exp(-dt/td) + u dt/td
 */
#ifndef NF_MATH_FILTER_H
#define NF_MATH_FILTER_H

#include "hd.h"
#include "params.h"

/* Advances one filter element by one step with input u; returns the output. */
NF_HD static inline float nf_filter_step(const nf_filter_params *f, float u, float *y0,
                                         float *y1) {
    if (f->kind == NF_FILTER_NONE)
        return u;
    if (f->pass_through) {
        *y0 = u;
        return u;
    }
    float a = *y0, b = *y1;
    float out = f->a00 * a + f->a01 * b + f->b0 * u;
    *y1 = f->a10 * a + f->a11 * b + f->b1 * u;
    *y0 = out;
    return out;
}

#endif /* NF_MATH_FILTER_H */
