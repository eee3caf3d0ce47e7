/*
 * Reading and writing a population's state variables, [batch][n]. Which
 * variables a population has: its model's state slots (its row of the model
 * table, kernels/math/models.h), the spiking conversion's accumulator when
 * converted, OUTPUT (all, read only), FILTER (any filter) and FILTER_AUX
 * (ALPHA, DOUBLE_EXP). Setting s0 of a model whose output is a function of it
 * (LEAKY_RATE, unconverted: amplitude tanh(x)) sets the output with it;
 * setting a filter variable resynchronises the event-driven connections that
 * carry that filter on their post side.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

float *nf__state_slot(const nf_population *p, nf_state_kind which) {
    const nf_model_row *row = nf__model_row(p->desc.model);
    float *const slots[NF_MODEL_SLOTS] = {p->s0, p->s1, p->s2};
    switch (which) {
    case NF_STATE_OUTPUT: return p->out;
    case NF_STATE_FILTER: return p->f0;
    case NF_STATE_FILTER_AUX: return p->f1;
    case NF_STATE_SPIKE_ACCUMULATOR: return p->convert ? slots[row->n_states] : NULL;
    default:
        for (int k = 0; k < row->n_states; k++)
            if (row->states[k] == which)
                return slots[k];
        return NULL;
    }
}

nf_status nf__state_output_sync(nf_network *net, const char *fn, nf_population *p,
                                const float *x) {
    const nf_model_row *row = nf__model_row(p->desc.model);
    const size_t count = (size_t)net->desc.batch * p->desc.n;
    float *host = malloc(count * sizeof *host);
    if (!host)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "%s: out of host memory (%zu floats)", fn,
                        count);
    nf_status st = NF_OK;
    if (x)
        memcpy(host, x, count * sizeof *host);
    else
        st = nf__download(net, host, p->s0, count * sizeof *host);
    for (size_t i = 0; st == NF_OK && i < count; i++)
        host[i] = row->output(&p->desc, host[i]);
    if (st == NF_OK && x) /* s0 and its output together, once the output is made */
        st = nf__upload(net, p->s0, x, count * sizeof *host);
    if (st == NF_OK)
        st = nf__upload(net, p->out, host, count * sizeof *host);
    free(host);
    return st;
}

/* Resolves (pop, which) to a state slot, with the errors both directions share. */
static nf_status find_slot(nf_network *net, const char *fn, int32_t pop, nf_state_kind which,
                           const void *values, nf_population **pp, float **slot) {
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "pop", pop, NF_OBJ_POPULATION, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(values, "%s: values must not be NULL", fn);
    REQUIRE((int)which >= 0 && (int)which < NF_STATE_KIND_COUNT,
            "%s: which %d is not an nf_state_kind", fn, (int)which);
    nf_population *p = &net->pops.items[o->index];
    *slot = nf__state_slot(p, which);
    REQUIRE(*slot, "%s: population %d (%s%s, filter kind %d) has no %s", fn, pop,
            nf__model_name(p->desc.model), p->convert ? ", spiking" : "",
            (int)p->desc.filter.kind, nf__state_name(which));
    *pp = p;
    return NF_OK;
}

nf_status nf_population_get_state(nf_network *net, int32_t pop, nf_state_kind which,
                                  float *values) {
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_population *p = NULL;
    float *slot = NULL;
    nf_status st = find_slot(net, "nf_population_get_state", pop, which, values, &p, &slot);
    if (st != NF_OK)
        return st;
    return nf__download(net, values, slot, (size_t)net->desc.batch * p->desc.n * sizeof(float));
}

nf_status nf_population_set_state(nf_network *net, int32_t pop, nf_state_kind which,
                                  const float *values) {
    NF_ENTER(net);
    static const char fn[] = "nf_population_set_state";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_population *p = NULL;
    float *slot = NULL;
    nf_status st = find_slot(net, fn, pop, which, values, &p, &slot);
    if (st != NF_OK)
        return st;
    REQUIRE(which != NF_STATE_OUTPUT, "%s: NF_STATE_OUTPUT is read only", fn);
    const size_t count = (size_t)net->desc.batch * p->desc.n;
    if ((st = nf__check_finite(net, fn, "values", values, count)) != NF_OK)
        return st;
    if (nf__model_row(p->desc.model)->output && !p->convert && slot == p->s0)
        st = nf__state_output_sync(net, fn, p, values);
    else
        st = nf__upload(net, slot, values, count * sizeof(float));
    if (st == NF_OK && (which == NF_STATE_FILTER || which == NF_STATE_FILTER_AUX))
        st = nf__event_resync_from(net, pop);
    return st;
}

nf_status nf_population_size(const nf_network *net, int32_t pop, int32_t *n) {
    NF_ENTER(net);
    int32_t i;
    nf_status st = net ? nf__query(net, "nf_population_size", "pop", pop, NF_OBJ_POPULATION, n,
                                   &i)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        *n = net->pops.items[i].desc.n;
    return st;
}
