/*
 * The run state the engine sets aside and checks (nf_state_ref tables):
 * copies to and from one store, and a finiteness pass over the checked
 * buffers (a value is not finite when its exponent bits are all ones).
 */
#include <stdint.h>
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

/* 1 when any of the count values is not finite: its exponent bits are all
 * ones. Integer operations, so the loop vectorises without reassociating floats. */
NF_CPU_CLONES static int32_t any_nonfinite(const nf_state_ref *s) {
    if (s->f64) {
        const uint64_t *v = s->ptr, mask = UINT64_C(0x7ff0000000000000);
        uint64_t worst = 0;
        for (int64_t j = 0; j < s->count; j++) {
            const uint64_t e = v[j] & mask;
            worst = e > worst ? e : worst;
        }
        return worst == mask;
    }
    const uint32_t *v = s->ptr, mask = 0x7f800000u;
    uint32_t worst = 0;
    for (int64_t j = 0; j < s->count; j++) {
        const uint32_t e = v[j] & mask;
        worst = e > worst ? e : worst;
    }
    return worst == mask;
}

nf_status nf_cpu_state_check(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                             int32_t *flags) {
    (void)ctx;
    for (int32_t i = 0; i < count; i++)
        flags[i] = table[i].check ? any_nonfinite(&table[i]) : 0;
    return NF_OK;
}
