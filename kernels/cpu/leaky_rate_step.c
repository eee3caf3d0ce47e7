/*
 * The CPU's leaky rate step (kernels/math/leaky_rate.h) over a run of elements
 * of one row of [batch][n], when its output is the rate (not converted into
 * spikes): nf_leaky_rate_step's float operations in its order, with tanh
 * computed by kernels/cpu/vec_math.h in one vectorised loop (the correctly
 * rounded float but for arguments within a double's error of a midpoint;
 * glibc's tanhf, a call and an expm1f call per element, is within about an
 * ulp, so the two differ in the last bit for a small share of arguments).
 */
#include "cpu.h"
#include "kernels/math/leaky_rate.h"
#include "vec_math.h"

NF_CPU_CLONES static void leaky_rate_run(float leak, float amplitude,
                                         const float *restrict input,
                                         const float *restrict gain,
                                         const float *restrict bias, float *restrict x,
                                         float *restrict out, int32_t len) {
#pragma omp simd
    for (int32_t j = 0; j < len; j++) {
        const float J = bias[j] + gain[j] * input[j];
        const float xx = x[j] + leak * (-x[j] + J);
        x[j] = xx;
        out[j] = amplitude * (float)nf_vm_tanh(xx);
    }
}

/* The clones stay local to this file (an ifunc of a global function would be
 * exported whatever the visibility). */
void nf_cpu_leaky_rate_run(const nf_model_params *mp, const float *restrict input,
                           const float *restrict gain, const float *restrict bias,
                           float *restrict x, float *restrict out, int32_t len) {
    leaky_rate_run(mp->k.leaky_rate.leak, mp->c.amplitude, input, gain, bias, x, out, len);
}
