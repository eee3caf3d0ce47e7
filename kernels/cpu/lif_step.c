/*
 * The CPU's nengo LIF step (kernels/math/lif.h) over a run of elements of one
 * row of [batch][n], in two branch-free vectorised passes. The first finishes
 * every neuron that neither spikes nor leaves its refractory period inside
 * this step (its decay is the constant expm1_dt, or 0 while refractory) and
 * marks the others. Their indices are gathered and the second pass runs the
 * whole step on them from their saved state, with the log1p of the spike time
 * and the expm1 of a partial step computed by kernels/cpu/vec_math.h (within
 * one ulp of the correctly rounded float, as glibc's log1pf / expm1f are; the
 * two differ in the last bit for about 0.3% of arguments). The other float
 * operations are nf_lif_nengo_step's, in its order. A spike whose log1p
 * argument lies outside (-1, inf) (J = 1, or a voltage set above 1 with J
 * below it) is left to nf_lif_nengo_step itself.
 */
#include "cpu.h"
#include "kernels/math/lif.h"
#include "vec_math.h"

#define MARK_BLOCK 32

NF_CPU_CLONES static void lif_run(const nf_model_params *mp, const float *restrict input,
                                 const float *restrict gain, const float *restrict bias,
                                 float *restrict v, float *restrict ref, float *restrict out,
                                 int32_t len) {
    const float dt = mp->c.dt, expm1_dt = mp->k.lif.expm1_dt;
    const float min_voltage = mp->k.lif.min_voltage;
    /* int marks and saved state rather than selects: GCC vectorises this form */
    int marked[NF_CPU_STEP_CHUNK];
    float v_was[NF_CPU_STEP_CHUNK], ref_was[NF_CPU_STEP_CHUNK];
    int any = 0;
#pragma omp simd reduction(| : any)
    for (int32_t j = 0; j < len; j++) {
        const float J = bias[j] + gain[j] * input[j];
        const float v0 = v[j], r0 = ref[j];
        const float r = r0 - dt;
        const float d = dt - r;
        const float delta = nf_at_most(nf_at_least(d, 0.0f), dt);
        const float vv = v0 - (J - v0) * (delta < dt ? 0.0f : expm1_dt);
        /* 0 < delta < dt, or a spike */
        const int mark = ((d > 0.0f) & (d < dt)) | (vv > 1.0f);
        marked[j] = mark;
        any |= mark;
        v_was[j] = v0;
        ref_was[j] = r0;
        v[j] = nf_at_least(vv, min_voltage);
        ref[j] = r;
        out[j] = 0.0f;
    }
    if (!any)
        return;
    /* the marked neurons' indices, in order: a block's marks as one word, then
     * its set bits */
    int32_t idx[NF_CPU_STEP_CHUNK];
    int32_t count = 0;
    for (int32_t j0 = 0; j0 < len; j0 += MARK_BLOCK) {
        const int32_t width = len - j0 < MARK_BLOCK ? len - j0 : MARK_BLOCK;
        uint32_t bits = 0;
        for (int32_t j = 0; j < width; j++)
            bits |= (uint32_t)marked[j0 + j] << j;
        for (; bits; bits &= bits - 1)
            idx[count++] = j0 + __builtin_ctz(bits);
    }
    float Jm[NF_CPU_STEP_CHUNK], vm[NF_CPU_STEP_CHUNK], rm[NF_CPU_STEP_CHUNK];
    for (int32_t k = 0; k < count; k++) {
        const int32_t j = idx[k];
        Jm[k] = bias[j] + gain[j] * input[j];
        vm[k] = v_was[j];
        rm[k] = ref_was[j];
    }
    const float tau_rc = mp->k.lif.tau_rc, tau_ref = mp->k.lif.tau_ref;
    int special[NF_CPU_STEP_CHUNK], spiked[NF_CPU_STEP_CHUNK];
    int any_special = 0;
#pragma omp simd reduction(| : any_special)
    for (int32_t k = 0; k < count; k++) {
        const float J = Jm[k];
        const float r = rm[k] - dt;
        const float delta = nf_at_most(nf_at_least(dt - r, 0.0f), dt);
        /* delta 0 (still refractory) gives expm1(-0) = +0, the step's 0 */
        const float em = (float)nf_vm_expm1(-delta / tau_rc);
        const float decay = delta < dt ? em : expm1_dt;
        const float vv = vm[k] - (J - vm[k]) * decay;
        const int spike = vv > 1.0f;
        const float u = -(vv - 1.0f) / (J - 1.0f);
        const int usable = (u > -1.0f) & (u < INFINITY); /* false for NaN */
        const float lg = (float)nf_vm_log1p(spike & usable ? u : 0.0f);
        const float t_spike = dt + tau_rc * lg;
        vm[k] = spike ? 0.0f : nf_at_least(vv, min_voltage);
        rm[k] = spike ? tau_ref + t_spike : r;
        spiked[k] = spike;
        special[k] = spike & !usable;
        any_special |= special[k];
    }
    const float height = mp->c.amplitude * mp->c.inv_dt;
    for (int32_t k = 0; k < count; k++) {
        const int32_t j = idx[k];
        v[j] = vm[k];
        ref[j] = rm[k];
        out[j] = spiked[k] ? height : 0.0f;
    }
    for (int32_t k = 0; any_special && k < count; k++) {
        const int32_t j = idx[k];
        if (!special[k])
            continue;
        v[j] = v_was[j];
        ref[j] = ref_was[j];
        out[j] = nf_lif_nengo_step(Jm[k], dt, tau_rc, tau_ref, min_voltage, expm1_dt, &v[j],
                                   &ref[j])
                     ? height
                     : 0.0f;
    }
}

/* The clones stay local to this file (an ifunc of a global function would be
 * exported whatever the visibility). */
void nf_cpu_lif_nengo_run(const nf_model_params *mp, const float *restrict input,
                          const float *restrict gain, const float *restrict bias,
                          float *restrict v, float *restrict ref, float *restrict out,
                          int32_t len) {
    lif_run(mp, input, gain, bias, v, ref, out, len);
}
