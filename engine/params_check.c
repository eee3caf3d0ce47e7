/*
 * Whether a population's derived constants (kernels/math/params.h, computed
 * by params.c from its descriptor, dt and the mode) are all finite floats:
 * a finite descriptor with an extreme dt (1e300 overflows float, 1e-300
 * rounds to 0 and its inverse to inf) or tau can still derive inf or NaN.
 * Checked when a population is added and when dt changes, in both modes, so
 * a step never reads a non-finite constant.
 */
#include <math.h>
#include <float.h>
#include <stddef.h>

#include "internal.h"

/* Every field of nf_model_params from c.dt on (the model's constants
 * included), and of nf_filter_params from a00 on, is a float. */
static bool floats_finite(const float *f, size_t n, size_t *bad) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f[i])) {
            *bad = i;
            return false;
        }
    return true;
}

nf_status nf__dt_check(nf_network *net, const char *fn, double dt) {
    const float f = (float)dt;
    REQUIRE(dt > 0.0 && isfinite(dt) && isfinite(f) && f > 0.0f && isfinite((float)(1.0 / dt)),
            "%s: dt must be > 0 and, with 1/dt, a finite float (%g to %g), got %g", fn,
            1.0 / (double)FLT_MAX, (double)FLT_MAX, dt);
    return NF_OK;
}

nf_status nf__population_params_check(nf_network *net, const char *fn, const nf_population *p,
                                      int32_t pop, double dt) {
    const size_t model_floats =
        (sizeof(nf_model_params) - offsetof(nf_model_params, c.dt)) / sizeof(float);
    const size_t filter_floats =
        (sizeof(nf_filter_params) - offsetof(nf_filter_params, a00)) / sizeof(float);
    for (int mode = NF_MODE_SPIKING; mode <= NF_MODE_RATE; mode++) {
        const nf_model_params m = nf__model_params(p, dt, (nf_mode)mode);
        const nf_filter_params f = nf__filter_params(&p->desc.filter, dt, (nf_mode)mode);
        size_t bad = 0;
        REQUIRE(floats_finite(&m.c.dt, model_floats, &bad),
                "%s: population %d: with dt %g its model constant %zu is not finite; a time "
                "constant or dt is too extreme for float", fn, pop, dt, bad);
        REQUIRE(floats_finite(&f.a00, filter_floats, &bad),
                "%s: population %d: with dt %g its filter constant %zu is not finite; a time "
                "constant or dt is too extreme for float", fn, pop, dt, bad);
    }
    return NF_OK;
}
