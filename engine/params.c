/*
 * The constants a step reads, computed on the host in double and rounded to
 * float once, from a population's descriptor, dt and the mode: the common
 * ones (inv_dt = 1/dt), the model's own from its row's `constants`
 * (kernels/math/<model>.h), and the filters':
 *   Lowpass a = exp(-dt/tau); Alpha e = exp(-dt/tau), p = dt/tau, q = p/tau;
 *   double exponential exp(-dt/tau_rise), exp(-dt/tau_decay), dt/(tau_rise tau_decay).
 */
#include <math.h>
#include <string.h>

#include "internal.h"

bool nf__population_spikes(const nf_population *p) {
    return p->convert || !nf__model_is_rate(p->desc.model);
}

nf_model_params nf__model_params(const nf_population *p, double dt, nf_mode mode) {
    const nf_population_desc *d = &p->desc;
    const nf_model_row *row = nf__model_row(d->model);
    nf_model_params m;
    memset(&m, 0, sizeof m);
    m.model = d->model;
    m.c.convert = p->convert;
    m.c.rate_mode = mode == NF_MODE_RATE;
    m.c.dt = (float)dt;
    m.c.inv_dt = (float)(1.0 / dt);
    m.c.amplitude = d->amplitude;
    if (row && row->constants)
        row->constants(&m.c, &m.k, d, dt);
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
