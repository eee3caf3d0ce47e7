/*
 * The CPU's nengo LIF step (kernels/math/lif.h) over a run of elements of one
 * row of [batch][n], in two passes that give the floats nf_lif_nengo_step
 * gives. The first pass, branch-free and vectorised, finishes every neuron that
 * neither spikes nor leaves its refractory period inside this step (its decay
 * is the constant expm1_dt, or 0 while refractory) and marks the others; the
 * second puts their state back and runs nf_lif_nengo_step itself on the marked
 * ones (expm1f of a partial step, log1pf of the spike time): a few per cent of
 * the neurons at most.
 */
#include "cpu.h"
#include "kernels/math/lif.h"

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
    const float height = mp->c.amplitude * mp->c.inv_dt;
    for (int32_t j0 = 0; j0 < len; j0 += MARK_BLOCK) { /* skips unmarked blocks */
        const int32_t j1 = len - j0 < MARK_BLOCK ? len : j0 + MARK_BLOCK;
        int some = 0;
        for (int32_t j = j0; j < j1; j++)
            some |= marked[j];
        for (int32_t j = j0; some && j < j1; j++) {
            if (!marked[j])
                continue;
            const float J = bias[j] + gain[j] * input[j];
            v[j] = v_was[j];
            ref[j] = ref_was[j];
            if (nf_lif_nengo_step(J, dt, mp->k.lif.tau_rc, mp->k.lif.tau_ref, min_voltage,
                                  expm1_dt, &v[j], &ref[j]))
                out[j] = height;
        }
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
