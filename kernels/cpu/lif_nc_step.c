/*
 * The CPU's Nicola & Clopath LIF step (kernels/math/lif.h, nf_lif_nc_step)
 * over a run of elements of one row of [batch][n], as one branch-free loop
 * that the compiler vectorises: the refractory test, the Euler step, the
 * spike and the reset become selects. The float operations are
 * nf_lif_nc_step's, in its order (the Euler step divides by tau_m, as the
 * reference does), so the results are its own bit for bit.
 */
#include "cpu.h"
#include "kernels/math/lif.h"

NF_CPU_CLONES static void lif_nc_run(const nf_model_params *mp, const float *restrict input,
                                     const float *restrict gain, const float *restrict bias,
                                     float *restrict v, float *restrict ref,
                                     float *restrict out, int32_t len) {
    const float dt = mp->c.dt, tau_m = mp->k.lif.tau_m, tau_ref = mp->k.lif.tau_ref;
    const float v_reset = mp->k.lif.v_reset, v_peak = mp->k.lif.v_peak;
    const float eps = mp->k.lif.refractory_eps, spike = mp->c.amplitude * mp->c.inv_dt;
    for (int32_t j = 0; j < len; j++) {
        const float J = bias[j] + gain[j] * input[j];
        const float r = nf_at_least(ref[j] - dt, -dt);
        const float stepped = v[j] + dt * (-v[j] + J) / tau_m;
        const float vv = r < -eps ? stepped : v[j];
        const int spiked = vv >= v_peak;
        v[j] = spiked ? v_reset : vv;
        ref[j] = spiked ? tau_ref : r;
        out[j] = spiked ? spike : 0.0f;
    }
}

/* Not itself cloned: a cloned function with external linkage is exported. */
void nf_cpu_lif_nc_run(const nf_model_params *mp, const float *restrict input,
                       const float *restrict gain, const float *restrict bias, float *restrict v,
                       float *restrict ref, float *restrict out, int32_t len) {
    lif_nc_run(mp, input, gain, bias, v, ref, out, len);
}
