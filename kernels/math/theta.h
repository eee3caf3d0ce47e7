/*
 * Theta neuron (Nicola & Clopath, Ermentrout-Kopell canonical type I model):
 *   theta += dt (1 - cos theta + pi^2 (1 + cos theta) J)
 *   spike when theta >= pi, then theta = -pi.
 */
#ifndef NF_MATH_THETA_H
#define NF_MATH_THETA_H

#include "hd.h"

#define NF_PI_F 3.14159265358979323846f

NF_HD static inline int nf_theta_step(float J, float dt, float *theta) {
    float th = *theta;
    float cs = cosf(th);
    th += dt * (1.0f - cs + NF_PI_F * NF_PI_F * (1.0f + cs) * J);
    int spiked = th >= NF_PI_F;
    if (spiked)
        th = -NF_PI_F;
    *theta = th;
    return spiked;
}

#endif /* NF_MATH_THETA_H */
