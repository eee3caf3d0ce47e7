/*
 * Theta neuron (Nicola & Clopath, Ermentrout-Kopell canonical type I model):
 *   theta += dt (1 - cos theta + pi^2 (1 + cos theta) J)
 *   spike when theta >= pi, then theta = -pi.
 * State: s0 = theta, initially uniform in [-pi, pi).
 */
#ifndef NF_MATH_THETA_H
#define NF_MATH_THETA_H

#include "hd.h"
#include "params.h"

#define NF_PI_F 3.14159265358979323846f

NF_HD static inline int nf_theta_update(float J, float dt, float *theta) {
    float th = *theta;
    float cs = cosf(th);
    th += dt * (1.0f - cs + NF_PI_F * NF_PI_F * (1.0f + cs) * J);
    int spiked = th >= NF_PI_F;
    if (spiked)
        th = -NF_PI_F;
    *theta = th;
    return spiked;
}

NF_HD NF_ALWAYS_INLINE static inline float nf_theta_step(const nf_model_common *c,
                                                         const nf_no_consts *k, float J,
                                                         float *s0, float *s1, float *s2) {
    (void)k, (void)s1, (void)s2;
    return nf_theta_update(J, c->dt, s0) ? c->amplitude * c->inv_dt : 0.0f;
}

#ifdef NF_MODEL_ROWS
#include "model_row.h"

static void theta_initial(const nf_population_desc *d, nf_state_init init[]) {
    (void)d;
    init[0] = (nf_state_init){NF_INIT_UNIFORM, -3.14159265358979f, 3.14159265358979f};
}

static const nf_model_row nf_theta_row = {
    .n_states = 1,
    .states = {NF_STATE_VOLTAGE},
    .probe = NF_STATE_VOLTAGE,
    .initial = theta_initial,
};

#endif /* NF_MODEL_ROWS */

#endif /* NF_MATH_THETA_H */
