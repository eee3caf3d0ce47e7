/*
 * The leaky rate unit of echo-state and FORCE networks (Sussillo & Abbott 2009):
 *   x += (dt/tau) (-x + J);  r = tanh(x)  (the updated x)
 * State: s0 = x; s1 = the spiking conversion's accumulator when converted.
 * Initial x ~ N(0, x_init_scale^2) (0 when the scale is 0); the initial output is
 * amplitude tanh(x), unless converted (then 0). Time is in units of tau.
 */
#ifndef NF_MATH_LEAKY_RATE_H
#define NF_MATH_LEAKY_RATE_H

#include "hd.h"
#include "params.h"
#include "rate.h"

typedef struct nf_leaky_rate_consts {
    float leak; /* dt/tau */
} nf_leaky_rate_consts;

NF_HD NF_ALWAYS_INLINE static inline float nf_leaky_rate_step(const nf_model_common *c,
                                                              const nf_leaky_rate_consts *k,
                                                              float J, float *s0, float *s1,
                                                              float *s2) {
    (void)s2;
    float x = *s0 + k->leak * (-*s0 + J);
    *s0 = x;
    return nf_rate_output(c, tanhf(x), s1);
}

#ifdef NF_MODEL_ROWS
#include <float.h>

#include "model_row.h"

static void leaky_rate_defaults(nf_population_desc *d) { d->tau = 1.0f; }

static bool leaky_rate_check(nf_model_check *c, const nf_population_desc *d) {
    return nf_check_positive(c, "tau", d->tau) &&
           nf_check_nonnegative(c, "x_init_scale", d->x_init_scale) &&
           nf_check_that(c, d->x_init_scale <= FLT_MAX / 8.0f,
                         "x_init_scale must be <= %g (normal draws reach about 6.7 "
                         "x_init_scale), got %g",
                         (double)(FLT_MAX / 8.0f), (double)d->x_init_scale);
}

static void leaky_rate_constants(nf_model_common *c, void *out, const nf_population_desc *d,
                                 double dt) {
    nf_leaky_rate_consts *k = out;
    (void)c;
    k->leak = d->tau > 0.0f ? (float)(dt / d->tau) : 0.0f;
}

static void leaky_rate_initial(const nf_population_desc *d, nf_state_init init[]) {
    init[0] = (nf_state_init){NF_INIT_NORMAL, 0.0f, d->x_init_scale};
}

static float leaky_rate_output(const nf_population_desc *d, float x) {
    return d->amplitude * tanhf(x);
}

static const nf_model_row nf_leaky_rate_row = {
    .rate = true,
    .n_states = 1,
    .states = {NF_STATE_X},
    .probe = NF_STATE_X,
    .defaults = leaky_rate_defaults,
    .check = leaky_rate_check,
    .constants = leaky_rate_constants,
    .initial = leaky_rate_initial,
    .output = leaky_rate_output,
};

#endif /* NF_MODEL_ROWS */

#endif /* NF_MATH_LEAKY_RATE_H */
