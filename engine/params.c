/*
 * The constants a step reads, computed on the host in double and rounded to
 * float once, from a population's descriptor, dt and the mode:
 *   leak = dt/tau; inv_dt = 1/dt; refractory eps = 1e-3 dt
 *   Lowpass a = exp(-dt/tau); Alpha e = exp(-dt/tau), p = dt/tau, q = p/tau;
 *   double exponential exp(-dt/tau_rise), exp(-dt/tau_decay), dt/(tau_rise tau_decay).
 */
#include <math.h>

#include "internal.h"

bool nf__model_is_rate(nf_model m) {
    return m == NF_MODEL_RELU || m == NF_MODEL_SIGMOID || m == NF_MODEL_TANH ||
           m == NF_MODEL_LIF_RATE || m == NF_MODEL_SOFTLIF_RATE || m == NF_MODEL_LEAKY_RATE;
}

bool nf__population_spikes(const nf_population *p) {
    return p->convert || !nf__model_is_rate(p->desc.model);
}

nf_model_params nf__model_params(const nf_population *p, double dt, nf_mode mode) {
    const nf_population_desc *d = &p->desc;
    nf_model_params m = {0};
    m.model = d->model;
    m.variant = d->model == NF_MODEL_LIF          ? (int32_t)d->lif_form
                : d->model == NF_MODEL_IZHIKEVICH ? (int32_t)d->izh.order
                                                  : 0;
    m.convert = p->convert;
    m.rate_mode = mode == NF_MODE_RATE;
    m.dt = (float)dt;
    m.inv_dt = (float)(1.0 / dt);
    m.amplitude = d->amplitude;
    m.tau_rc = d->tau_rc;
    m.tau_ref = d->tau_ref;
    m.min_voltage = d->min_voltage;
    m.lif_expm1_dt = d->tau_rc > 0.0f ? expm1f(-m.dt / m.tau_rc) : 0.0f;
    m.sigma = d->sigma;
    m.inv_tau_ref = d->tau_ref > 0.0f ? (float)(1.0 / d->tau_ref) : 0.0f;
    m.leak = d->tau > 0.0f ? (float)(dt / d->tau) : 0.0f;
    m.tau_m = d->nc_lif.tau_m;
    m.v_reset = d->nc_lif.v_reset;
    m.v_peak = d->model == NF_MODEL_IZHIKEVICH ? d->izh.v_peak : d->nc_lif.v_peak;
    m.refractory_eps = (float)(1e-3 * dt);
    m.C = d->izh.C;
    m.k = d->izh.k;
    m.v_r = d->izh.v_r;
    m.v_t = d->izh.v_t;
    m.a = d->izh.a;
    m.b = d->izh.b;
    m.c = d->izh.c;
    m.d = d->izh.d;
    return m;
}

int nf__filter_vars(nf_filter_kind kind) {
    switch (kind) {
    case NF_FILTER_LOWPASS: return 1;
    case NF_FILTER_ALPHA:
    case NF_FILTER_DOUBLE_EXP: return 2;
    default: return 0;
    }
}

nf_filter_params nf__filter_params(const nf_filter_desc *f, double dt, nf_mode mode) {
    nf_filter_params p = {0};
    p.kind = f->kind;
    p.pass_through = f->spiking_only && mode == NF_MODE_RATE;
    switch (f->kind) {
    case NF_FILTER_LOWPASS: {
        double a = f->tau > 0.0f ? exp(-dt / f->tau) : 0.0;
        p.a00 = (float)a;
        p.b0 = (float)(1.0 - a);
        break;
    }
    case NF_FILTER_ALPHA: {
        double tau = f->tau, e = exp(-dt / tau), pp = dt / tau, q = pp / tau;
        p.a00 = (float)(e * (1.0 + pp)); /* y0 = x1, the output */
        p.a01 = (float)(e * dt);
        p.b0 = (float)(1.0 - e * (1.0 + pp));
        p.a10 = (float)(-e * q); /* y1 = x0 */
        p.a11 = (float)(e * (1.0 - pp));
        p.b1 = (float)(e * q);
        break;
    }
    case NF_FILTER_DOUBLE_EXP: {
        double td = f->tau_decay, tr = f->tau_rise;
        if (tr > 0.0) {
            p.a00 = (float)exp(-dt / tr); /* y0 = r */
            p.a01 = (float)dt;
            p.a11 = (float)exp(-dt / td); /* y1 = h */
            p.b1 = (float)(dt / (tr * td));
        } else {
            p.a00 = (float)exp(-dt / td);
            p.b0 = (float)(dt / td);
        }
        break;
    }
    default: break;
    }
    return p;
}
