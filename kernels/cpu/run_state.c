/*
 * The run state the engine sets aside and checks (nf_state_ref tables):
 * copies to and from one store, and a finiteness pass (isfinite on every
 * element of the checked buffers).
 */
#include <math.h>
#include <string.h>

#include "cpu.h"

nf_status nf_cpu_state_copy(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                            void *store, int32_t restore) {
    (void)ctx;
    for (int32_t i = 0; i < count; i++) {
        const nf_state_ref *s = &table[i];
        char *saved = (char *)store + s->offset;
        const size_t bytes = (size_t)s->count * (s->f64 ? sizeof(double) : sizeof(float));
        if (restore)
            memcpy(s->ptr, saved, bytes);
        else
            memcpy(saved, s->ptr, bytes);
    }
    return NF_OK;
}

/* 1 when any of the count values is not finite. */
static int32_t any_nonfinite(const nf_state_ref *s) {
    int32_t bad = 0;
    if (s->f64) {
        const double *v = s->ptr;
#pragma omp parallel for reduction(| : bad) if (s->count >= NF_CPU_PARALLEL_MIN)
        for (int64_t j = 0; j < s->count; j++)
            bad |= !isfinite(v[j]);
    } else {
        const float *v = s->ptr;
#pragma omp parallel for reduction(| : bad) if (s->count >= NF_CPU_PARALLEL_MIN)
        for (int64_t j = 0; j < s->count; j++)
            bad |= !isfinite(v[j]);
    }
    return bad;
}

nf_status nf_cpu_state_check(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                             int32_t *flags) {
    (void)ctx;
    for (int32_t i = 0; i < count; i++)
        flags[i] = table[i].check ? any_nonfinite(&table[i]) : 0;
    return NF_OK;
}
