/*
 * One synaptic filter (kernels/math/filter.h) over a run of elements, with the
 * filter's kind decided once for the run rather than per element, so that the
 * compiler vectorises the update: the same float operations as
 * nf_filter_step, in its order.
 */
#include "cpu.h"
#include "kernels/math/filter.h"

NF_CPU_CLONES static void filter_run(const nf_filter_params *f, const float *restrict u,
                                      float *restrict y0, float *restrict y1, int64_t count) {
    if (f->kind == NF_FILTER_NONE)
        return;
    if (f->pass_through) {
        for (int64_t e = 0; e < count; e++)
            y0[e] = u[e];
        return;
    }
    const float a00 = f->a00, a01 = f->a01, b0 = f->b0, a10 = f->a10, a11 = f->a11, b1 = f->b1;
    if (!y1) { /* y1 held at 0 for every element, as nf_filter_step's aux */
        for (int64_t e = 0; e < count; e++)
            y0[e] = a00 * y0[e] + a01 * 0.0f + b0 * u[e];
        return;
    }
    for (int64_t e = 0; e < count; e++) {
        const float a = y0[e], b = y1[e];
        y0[e] = a00 * a + a01 * b + b0 * u[e];
        y1[e] = a10 * a + a11 * b + b1 * u[e];
    }
}

/* Not itself cloned: a cloned function with external linkage is exported. */
void nf_cpu_filter_run(const nf_filter_params *f, const float *restrict u, float *restrict y0,
                       float *restrict y1, int64_t count) {
    filter_run(f, u, y0, y1, count);
}
