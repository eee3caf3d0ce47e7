/*
 * When an RLS learner updates, the one rule both backends apply (the CPU on
 * its step counter, CUDA on the device counter inside a replayed graph):
 * at step t when enabled, start <= t, (stop == 0 or t < stop), and
 * (t - start + 1) % every == 0.
 */
#ifndef NF_MATH_RLS_H
#define NF_MATH_RLS_H

#include "hd.h"

NF_HD static inline int nf_rls_due(int enabled, int64_t every, int64_t start, int64_t stop,
                                   int64_t t) {
    if (!enabled || t < start || (stop > 0 && t >= stop))
        return 0;
    return (t - start + 1) % every == 0;
}

#endif /* NF_MATH_RLS_H */
