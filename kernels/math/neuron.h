/*
 * One neuron's step for any model: the single dispatcher both backends call
 * per element. s0 and s1 are the model's two state slots:
 *   rate models        s0 = spike accumulator (when converted)
 *   LEAKY_RATE         s0 = x, s1 = spike accumulator; x += leak (-x + J), r = tanh(x)
 *   LIF                s0 = voltage, s1 = refractory time left
 *   IZHIKEVICH         s0 = v, s1 = u
 *   THETA              s0 = theta
 * Returns the output: amplitude * rate, or amplitude * (spikes this step) / dt.
 */
#ifndef NF_MATH_NEURON_H
#define NF_MATH_NEURON_H

#include "hd.h"
#include "izhikevich.h"
#include "lif.h"
#include "params.h"
#include "rate.h"
#include "theta.h"

/* The rate (Hz, before amplitude) of a rate model at current J. */
NF_HD static inline float nf_model_rate(const nf_model_params *p, float J) {
    switch (p->model) {
    case NF_MODEL_RELU: return nf_relu_rate(J);
    case NF_MODEL_SIGMOID: return nf_sigmoid_rate(J, p->inv_tau_ref);
    case NF_MODEL_TANH: return nf_tanh_rate(J, p->inv_tau_ref);
    case NF_MODEL_LIF_RATE:
    case NF_MODEL_LIF: return nf_lif_rate(J, p->tau_rc, p->tau_ref);
    case NF_MODEL_SOFTLIF_RATE: return nf_softlif_rate(J, p->tau_rc, p->tau_ref, p->sigma);
    default: return 0.0f;
    }
}

/* A rate, passed through the spiking conversion when it applies this step. The
 * spike height is k / dt, a float division as keras-spiking's (k * (1/dt) can
 * differ by an ulp: 1000 against 999.99994 at dt 0.001). */
NF_HD static inline float nf_rate_output(const nf_model_params *p, float rate, float *acc) {
    if (p->convert && !p->rate_mode)
        return p->amplitude * (nf_spike_count(rate, p->dt, acc) / p->dt);
    return p->amplitude * rate;
}

NF_HD NF_ALWAYS_INLINE static inline float nf_neuron_step(const nf_model_params *p, float J, float *s0,
                                         float *s1) {
    int spiked;
    switch (p->model) {
    case NF_MODEL_LEAKY_RATE: {
        float x = *s0 + p->leak * (-*s0 + J);
        *s0 = x;
        return nf_rate_output(p, tanhf(x), s1);
    }
    case NF_MODEL_LIF:
        if (p->variant == NF_LIF_NICOLA_CLOPATH) {
            spiked = nf_lif_nc_step(J, p->dt, p->tau_m, p->tau_ref, p->v_reset, p->v_peak,
                                    p->refractory_eps, s0, s1);
        } else {
            if (p->rate_mode)
                return p->amplitude * nf_lif_rate(J, p->tau_rc, p->tau_ref);
            spiked = nf_lif_nengo_step(J, p->dt, p->tau_rc, p->tau_ref, p->min_voltage,
                                       p->lif_expm1_dt, s0, s1);
        }
        break;
    case NF_MODEL_IZHIKEVICH:
        if (p->variant == NF_IZHIKEVICH_NENGO)
            spiked = nf_izhikevich_nengo_step(J, p->dt, p->a, p->b, p->c, p->d, s0, s1);
        else
            spiked = nf_izhikevich_nc_step(J, p->dt, p->C, p->k, p->v_r, p->v_t, p->a, p->b,
                                           p->c, p->d, p->v_peak, s0, s1);
        break;
    case NF_MODEL_THETA:
        spiked = nf_theta_step(J, p->dt, s0);
        break;
    default:
        return nf_rate_output(p, nf_model_rate(p, J), s0);
    }
    return spiked ? p->amplitude * p->inv_dt : 0.0f;
}

#endif /* NF_MATH_NEURON_H */
