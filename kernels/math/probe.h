/*
 * Where a probe records, the one rule both backends apply (the CPU on its step
 * counter, CUDA on the device counter inside a replayed graph; engine/probe.c
 * says why): a probe started at step count `start` records after step t when
 * (t - start + 1) % every == 0, into row
 *   rows0 + (t - start + 1) / every - (first_step - start) / every - 1
 * of its buffer, rows0 being the rows it held when the run that began at step
 * first_step started.
 */
#ifndef NF_MATH_PROBE_H
#define NF_MATH_PROBE_H

#include "hd.h"

/* The row the probe records into after step t, or -1 when it does not record
 * then (a due step of a run that began at first_step >= start always gives a
 * row >= rows0). */
NF_HD static inline int64_t nf_probe_row(int64_t every, int64_t start, int64_t rows0,
                                         int64_t first_step, int64_t t) {
    const int64_t since = t - start + 1;
    if (since % every != 0)
        return -1;
    return rows0 + since / every - (first_step - start) / every - 1;
}

#endif /* NF_MATH_PROBE_H */
