/*
 * One stage of a sequence layer (engine/sequence.c) for one element and one
 * step, composed from the network's own step functions:
 *   spiking activation  out = the model's step, converted: v += rate dt;
 *                       k = floor(v); v -= k; out = amplitude k / dt
 *                       (rate mode: amplitude rate)
 *   filter              out = nf_filter_step(x) (Lowpass / Alpha, ZOH), or x
 *                       with the state kept when the filter is off this pass.
 */
#ifndef NF_MATH_SEQUENCE_H
#define NF_MATH_SEQUENCE_H

#include "filter.h"
#include "hd.h"
#include "models.h"
#include "params.h"

NF_HD static inline float nf_seq_stage_step(int32_t filter, int32_t pass_through,
                                            const nf_model_params *mp,
                                            const nf_filter_params *fp, float x, float *s0,
                                            float *s1) {
    if (!filter) { /* a converted rate model: s0 its accumulator */
        float unused = 0.0f;
        return nf_neuron_step(mp, x, s0, s1, &unused);
    }
    if (pass_through)
        return x;
    return nf_filter_step(fp, x, s0, s1);
}

#endif /* NF_MATH_SEQUENCE_H */
