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
 *
 * State: s0 = v, s1 = u. Initially v uniform in [v_r, v_peak), u = 0 (Nicola &
 * Clopath), or v = c, u = b c (nengo).
 */
#ifndef NF_MATH_IZHIKEVICH_H
#define NF_MATH_IZHIKEVICH_H

#include "hd.h"
#include "params.h"

/* Both orders' constants (nengo reads a, b, c, d; the order is the common variant). */
typedef struct nf_izhikevich_consts {
    float C, k, v_r, v_t, a, b, c, d, v_peak;
} nf_izhikevich_consts;

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

NF_HD NF_ALWAYS_INLINE static inline float nf_izhikevich_step(const nf_model_common *c,
                                                              const nf_izhikevich_consts *k,
                                                              float J, float *s0, float *s1,
                                                              float *s2) {
    (void)s2;
    int spiked;
    if (c->variant == NF_IZHIKEVICH_NENGO)
        spiked = nf_izhikevich_nengo_step(J, c->dt, k->a, k->b, k->c, k->d, s0, s1);
    else
        spiked = nf_izhikevich_nc_step(J, c->dt, k->C, k->k, k->v_r, k->v_t, k->a, k->b, k->c,
                                       k->d, k->v_peak, s0, s1);
    return spiked ? c->amplitude * c->inv_dt : 0.0f;
}

#ifdef NF_MODEL_ROWS
#include "model_row.h"

/* Nicola & Clopath's order and values, with their bias of 1000 pA. */
static void izhikevich_defaults(nf_population_desc *d) {
    d->izh.order = NF_IZHIKEVICH_NICOLA_CLOPATH;
    d->izh.C = 250.0f;
    d->izh.k = 2.5f;
    d->izh.v_r = -60.0f;
    d->izh.v_t = -60.0f + 40.0f - (-2.0f) / 2.5f; /* v_r + 40 - b/k = -19.2 */
    d->izh.a = 0.01f;
    d->izh.b = -2.0f;
    d->izh.c = -65.0f;
    d->izh.d = 200.0f;
    d->izh.v_peak = 30.0f;
    d->bias = 1000.0f;
}

static bool izhikevich_check(nf_model_check *c, const nf_population_desc *d) {
    if (!nf_check_enum(c, "izh.order", (int)d->izh.order, 2, "nf_izhikevich_order") ||
        !nf_check_finite(c, "izh.a", d->izh.a) || !nf_check_finite(c, "izh.b", d->izh.b) ||
        !nf_check_finite(c, "izh.c", d->izh.c) || !nf_check_finite(c, "izh.d", d->izh.d))
        return false;
    if (d->izh.order == NF_IZHIKEVICH_NENGO)
        return true;
    return nf_check_positive(c, "izh.C", d->izh.C) && nf_check_finite(c, "izh.k", d->izh.k) &&
           nf_check_finite(c, "izh.v_r", d->izh.v_r) &&
           nf_check_finite(c, "izh.v_t", d->izh.v_t) &&
           nf_check_above(c, "izh.v_peak", d->izh.v_peak, "izh.c", d->izh.c) &&
           nf_check_that(c, isfinite(d->izh.v_peak - d->izh.v_r),
                         "the initial v's range izh.v_peak - izh.v_r overflows float");
}

static void izhikevich_constants(nf_model_common *c, void *out, const nf_population_desc *d,
                                 double dt) {
    nf_izhikevich_consts *k = out;
    (void)dt;
    c->variant = (int32_t)d->izh.order;
    k->C = d->izh.C;
    k->k = d->izh.k;
    k->v_r = d->izh.v_r;
    k->v_t = d->izh.v_t;
    k->a = d->izh.a;
    k->b = d->izh.b;
    k->c = d->izh.c;
    k->d = d->izh.d;
    k->v_peak = d->izh.v_peak;
}

static void izhikevich_initial(const nf_population_desc *d, nf_state_init init[]) {
    if (d->izh.order == NF_IZHIKEVICH_NICOLA_CLOPATH) {
        init[0] = (nf_state_init){NF_INIT_UNIFORM, d->izh.v_r, d->izh.v_peak};
        init[1] = (nf_state_init){NF_INIT_FILL, 0.0f, 0.0f};
    } else {
        init[0] = (nf_state_init){NF_INIT_FILL, d->izh.c, 0.0f};
        init[1] = (nf_state_init){NF_INIT_FILL, d->izh.b * d->izh.c, 0.0f};
    }
}

static const nf_model_row nf_izhikevich_row = {
    .n_states = 2,
    .states = {NF_STATE_VOLTAGE, NF_STATE_RECOVERY},
    .probe = NF_STATE_VOLTAGE,
    .defaults = izhikevich_defaults,
    .check = izhikevich_check,
    .constants = izhikevich_constants,
    .initial = izhikevich_initial,
};

#endif /* NF_MODEL_ROWS */

#endif /* NF_MATH_IZHIKEVICH_H */
