/*
 * Adaptive LIF (nengo's AdaptiveLIF; La Camera et al. 2004): the nengo LIF
 * (kernels/math/lif.h) driven by J - n, where the adaptation n decays with
 * tau_n and grows with the neuron's output, in nengo's order:
 *   o = LIF step with current J - n    (o = amplitude/dt on a spike, else 0)
 *   n += (dt / tau_n) (inc_n o - n)    (so a spike adds amplitude inc_n / tau_n)
 * NF_MODE_RATE is nengo's AdaptiveLIFRate: o = amplitude LIFRate(J - n) and the
 * same update of n (voltage and refractory time untouched).
 * State: s0 = voltage, s1 = refractory time left, s2 = n. Initially voltage
 * uniform in [0, 1), refractory 0, n 0. Defaults tau_n 1 s, inc_n 0.01.
 */
#ifndef NF_MATH_ADAPTIVE_LIF_H
#define NF_MATH_ADAPTIVE_LIF_H

#include "hd.h"
#include "lif.h"
#include "params.h"
#include "rate.h"

typedef struct nf_adaptive_lif_consts {
    float tau_rc, tau_ref, min_voltage;
    float expm1_dt; /* expm1f(-dt / tau_rc) */
    float dt_tau_n; /* dt / tau_n */
    float inc_n;
} nf_adaptive_lif_consts;

NF_HD NF_ALWAYS_INLINE static inline float nf_adaptive_lif_step(
    const nf_model_common *c, const nf_adaptive_lif_consts *k, float J, float *s0, float *s1,
    float *s2) {
    const float n = *s2;
    float out;
    if (c->rate_mode)
        out = c->amplitude * nf_lif_rate(J - n, k->tau_rc, k->tau_ref);
    else
        out = nf_lif_nengo_step(J - n, c->dt, k->tau_rc, k->tau_ref, k->min_voltage,
                                k->expm1_dt, s0, s1)
                  ? c->amplitude * c->inv_dt
                  : 0.0f;
    *s2 = n + k->dt_tau_n * (k->inc_n * out - n);
    return out;
}

#ifdef NF_MODEL_ROWS
#include "model_row.h"

static void adaptive_lif_defaults(nf_population_desc *d) {
    d->tau_rc = 0.02f;
    d->tau_ref = 0.002f;
    d->min_voltage = 0.0f;
    d->tau_n = 1.0f;
    d->inc_n = 0.01f;
}

static bool adaptive_lif_check(nf_model_check *c, const nf_population_desc *d) {
    return nf_check_positive(c, "tau_rc", d->tau_rc) &&
           nf_check_nonnegative(c, "tau_ref", d->tau_ref) &&
           nf_check_at_most(c, "min_voltage", d->min_voltage, 0.0f) &&
           nf_check_positive(c, "tau_n", d->tau_n) &&
           nf_check_nonnegative(c, "inc_n", d->inc_n);
}

static void adaptive_lif_constants(nf_model_common *c, void *out, const nf_population_desc *d,
                                   double dt) {
    nf_adaptive_lif_consts *k = out;
    (void)c;
    k->tau_rc = d->tau_rc;
    k->tau_ref = d->tau_ref;
    k->min_voltage = d->min_voltage;
    k->expm1_dt = expm1f(-(float)dt / d->tau_rc);
    k->dt_tau_n = (float)(dt / d->tau_n);
    k->inc_n = d->inc_n;
}

static void adaptive_lif_initial(const nf_population_desc *d, nf_state_init init[]) {
    (void)d;
    init[0] = (nf_state_init){NF_INIT_UNIFORM, 0.0f, 1.0f};
    init[1] = (nf_state_init){NF_INIT_FILL, 0.0f, 0.0f};
    init[2] = (nf_state_init){NF_INIT_FILL, 0.0f, 0.0f};
}

static const nf_model_row nf_adaptive_lif_row = {
    .n_states = 3,
    .states = {NF_STATE_VOLTAGE, NF_STATE_REFRACTORY, NF_STATE_ADAPTATION},
    .probe = NF_STATE_VOLTAGE,
    .defaults = adaptive_lif_defaults,
    .check = adaptive_lif_check,
    .constants = adaptive_lif_constants,
    .initial = adaptive_lif_initial,
};

#endif /* NF_MODEL_ROWS */

#endif /* NF_MATH_ADAPTIVE_LIF_H */
