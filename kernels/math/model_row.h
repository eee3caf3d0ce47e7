/*
 * The row type of the model table (kernels/math/models.h): what the engine
 * needs to know about a model besides its step. Host only: a model's header
 * defines its row under #ifdef NF_MODEL_ROWS, which only engine/models.c sets,
 * so the backends see the step functions alone. The engine reads rows through
 * nf__model_row (engine/internal.h); the check helpers are in engine/models.c.
 */
#ifndef NF_MATH_MODEL_ROW_H
#define NF_MATH_MODEL_ROW_H

#include <stdbool.h>
#include <stdint.h>

#include "neurofuse.h"
#include "params.h"

/* State slots of a population (s0, s1, s2), [batch][n] each. */
#define NF_MODEL_SLOTS 3

/* How a state slot starts. Draws come from the network seed, one stream span
 * per UNIFORM or NORMAL slot, in slot order (engine/population.c). */
typedef enum nf_init_kind {
    NF_INIT_FILL = 0, /* every element a */
    NF_INIT_UNIFORM,  /* uniform in [a, b) */
    NF_INIT_NORMAL    /* N(0, b^2); b == 0 fills 0 and still takes its span */
} nf_init_kind;

typedef struct nf_state_init {
    nf_init_kind kind;
    float a, b;
} nf_state_init;

/* Where a failed check writes its message ("fn: what is wrong"). */
typedef struct nf_model_check {
    const char *fn;   /* the public function that checks */
    char message[256];
} nf_model_check;

/* One model. Its name and enum value are its line in the table (models.h). */
typedef struct nf_model_row {
    /* A rate model: may run the spiking conversion (desc.spiking), outputs its
     * rate in NF_MODE_RATE, does not spike by itself. */
    bool rate;
    /* Its state slots s0.. and what each holds; with the spiking conversion
     * the accumulator (NF_STATE_SPIKE_ACCUMULATOR) takes the next slot. */
    int32_t n_states;
    nf_state_kind states[NF_MODEL_SLOTS];
    /* What nf_probe_add(NF_PROBE_STATE) records. */
    nf_state_kind probe;
    /* Writes the reference's values of the fields the model reads. */
    void (*defaults)(nf_population_desc *d);
    /* The model's fields of a descriptor (the common ones are checked
     * elsewhere); false, with c->message, at the first bad one. */
    bool (*check)(nf_model_check *c, const nf_population_desc *d);
    /* Fills the model's constants struct k (its member of nf_model_params.k,
     * floats only) from the descriptor and dt, in double, rounded to float
     * once, and c->variant for a model with forms. */
    void (*constants)(nf_model_common *c, void *k, const nf_population_desc *d, double dt);
    /* How slots 0 .. n_states - 1 start. */
    void (*initial)(const nf_population_desc *d, nf_state_init init[NF_MODEL_SLOTS]);
    /* Optional: a model whose output is a function of s0 (unless converted);
     * the output is set from it at creation and when s0 is set. */
    float (*output)(const nf_population_desc *d, float s0);
} nf_model_row;

/* Checks for a row's `check`: true when the value is valid, otherwise false
 * with c->message "fn: name must be ..., got v". */
bool nf_check_finite(nf_model_check *c, const char *name, float v);
bool nf_check_positive(nf_model_check *c, const char *name, float v);    /* finite, > 0 */
bool nf_check_nonnegative(nf_model_check *c, const char *name, float v); /* finite, >= 0 */
bool nf_check_at_most(nf_model_check *c, const char *name, float v, float hi); /* finite, <= hi */
/* finite and > the field `other` (value o) */
bool nf_check_above(nf_model_check *c, const char *name, float v, const char *other, float o);
/* >= the field `other` (value o) */
bool nf_check_not_below(nf_model_check *c, const char *name, float v, const char *other,
                        float o);
/* an enum value in [0, count): "fn: name v is not an type" */
bool nf_check_enum(nf_model_check *c, const char *name, int v, int count, const char *type);
/* any other condition: when false, "fn: " followed by the formatted message */
bool nf_check_that(nf_model_check *c, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* NF_MATH_MODEL_ROW_H */
