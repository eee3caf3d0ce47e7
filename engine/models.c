/*
 * The host side of the model table (kernels/math/models.h): the rows, in
 * nf_model order, the names derived from the table's lines (for messages and
 * checkpoint members: the enum spellings of models and state kinds), and the
 * checks the rows' `check` functions use. This is the one file that compiles
 * the rows (NF_MODEL_ROWS).
 */
#define NF_MODEL_ROWS

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

typedef struct model_entry {
    const char *enum_name; /* "NF_MODEL_LIF" */
    const nf_model_row *row;
} model_entry;

static const model_entry models[] = {
#define NF_MODEL_ENTRY(value, prefix, consts) [value] = {#value, &nf_##prefix##_row},
    NF_MODEL_TABLE(NF_MODEL_ENTRY)
#undef NF_MODEL_ENTRY
};

_Static_assert(sizeof models / sizeof *models == NF_MODEL_COUNT,
               "the model table has one line per nf_model value");

static const char *const states[] = {
#define NF_STATE_ENTRY(value) [value] = #value,
    NF_STATE_TABLE(NF_STATE_ENTRY)
#undef NF_STATE_ENTRY
};

_Static_assert(sizeof states / sizeof *states == NF_STATE_KIND_COUNT,
               "the state table has one line per nf_state_kind value");

static bool model_known(nf_model m) { return (int)m >= 0 && (int)m < NF_MODEL_COUNT; }

static bool state_known(nf_state_kind k) { return (int)k >= 0 && (int)k < NF_STATE_KIND_COUNT; }

const nf_model_row *nf__model_row(nf_model m) { return model_known(m) ? models[m].row : NULL; }

bool nf__model_is_rate(nf_model m) { return model_known(m) && models[m].row->rate; }

const char *nf__model_name(nf_model m) {
    return model_known(m) ? models[m].enum_name + sizeof "NF_MODEL_" - 1 : "unknown model";
}

const char *nf__state_name(nf_state_kind which) {
    return state_known(which) ? states[which] : "unknown state";
}

// --- checks for the rows

static bool vfail(nf_model_check *c, const char *fmt, va_list ap) {
    int len = snprintf(c->message, sizeof c->message, "%s: ", c->fn);
    if (len >= 0 && (size_t)len < sizeof c->message)
        vsnprintf(c->message + len, sizeof c->message - (size_t)len, fmt, ap);
    return false;
}

static bool fail(nf_model_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(nf_model_check *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(c, fmt, ap);
    va_end(ap);
    return false;
}

bool nf_check_that(nf_model_check *c, bool ok, const char *fmt, ...) {
    if (ok)
        return true;
    va_list ap;
    va_start(ap, fmt);
    vfail(c, fmt, ap);
    va_end(ap);
    return false;
}

bool nf_check_finite(nf_model_check *c, const char *name, float v) {
    return isfinite(v) || fail(c, "%s must be finite, got %g", name, (double)v);
}

bool nf_check_positive(nf_model_check *c, const char *name, float v) {
    return (isfinite(v) && v > 0.0f) || fail(c, "%s must be > 0, got %g", name, (double)v);
}

bool nf_check_nonnegative(nf_model_check *c, const char *name, float v) {
    return (isfinite(v) && v >= 0.0f) || fail(c, "%s must be >= 0, got %g", name, (double)v);
}

bool nf_check_at_most(nf_model_check *c, const char *name, float v, float hi) {
    return (isfinite(v) && v <= hi) ||
           fail(c, "%s must be <= %g, got %g", name, (double)hi, (double)v);
}

bool nf_check_above(nf_model_check *c, const char *name, float v, const char *other, float o) {
    return (isfinite(v) && v > o) ||
           fail(c, "%s must be > %s (%g), got %g", name, other, (double)o, (double)v);
}

bool nf_check_not_below(nf_model_check *c, const char *name, float v, const char *other,
                        float o) {
    return v >= o || fail(c, "%s must be >= %s (%g), got %g", name, other, (double)o, (double)v);
}

bool nf_check_enum(nf_model_check *c, const char *name, int v, int count, const char *type) {
    return (v >= 0 && v < count) || fail(c, "%s %d is not an %s", name, v, type);
}
