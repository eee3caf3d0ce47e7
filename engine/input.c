/*
 * External inputs: [steps][batch][dim] rows, one consumed per step; a single
 * row is held for every step. An input starts as one row of zeros. A
 * sequence's current row is gathered into a staging buffer at the start of
 * each step (by the backend, from its step counter), so the step reads the
 * same address every time.
 */
#include "internal.h"

nf_status nf_input_add(nf_network *net, int32_t dim, int32_t *id) {
    NF_ENTER(net);
    static const char fn[] = "nf_input_add";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(dim >= 1, "%s: dim must be >= 1, got %d", fn, dim);
    REQUIRE(id, "%s: id must not be NULL", fn);
    nf_status st = NF_RESERVE_OBJECT(net, net->inputs);
    if (st != NF_OK)
        return st;
    nf_input in = {.dim = dim, .steps = 1, .cursor = 0};
    size_t count;
    if ((st = nf__count3(net, fn, "an input row", 1, net->desc.batch, dim, sizeof(float),
                         &count)) != NF_OK)
        return st;
    if ((st = nf__alloc(net, count, &in.values)) != NF_OK)
        return st;
    if ((st = nf__alloc(net, count, &in.stage)) != NF_OK) {
        nf__free(net, in.values);
        return st;
    }
    net->inputs.items[net->inputs.count] = in;
    *id = nf__object_push(net, NF_OBJ_INPUT, net->inputs.count++);
    return NF_OK;
}

nf_status nf_input_set(nf_network *net, int32_t input, int64_t steps, const float *values) {
    NF_ENTER(net);
    static const char fn[] = "nf_input_set";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_object *o;
    nf_status st = nf__lookup(net, fn, "input", input, NF_OBJ_INPUT, &o);
    if (st != NF_OK)
        return st;
    REQUIRE(steps >= 1, "%s: steps must be >= 1, got %lld", fn, (long long)steps);
    REQUIRE(values, "%s: values must not be NULL", fn);
    nf_input *in = &net->inputs.items[o->index];
    size_t count;
    if ((st = nf__count3(net, fn, "values", steps, net->desc.batch, in->dim, sizeof(float),
                         &count)) != NF_OK)
        return st;
    if ((st = nf__check_finite(net, fn, "values", values, count)) != NF_OK)
        return st;
    float *buf;
    if ((st = nf__alloc(net, count, &buf)) != NF_OK)
        return st;
    if ((st = nf__upload(net, buf, values, count * sizeof(float))) != NF_OK) {
        nf__free(net, buf);
        return st;
    }
    nf__free(net, in->values);
    in->values = buf;
    in->steps = steps;
    in->cursor = 0;
    return NF_OK;
}

const float *nf__input_row(const nf_network *net, const nf_input *in) {
    (void)net;
    return in->steps == 1 ? in->values : in->stage;
}

nf_status nf_input_size(const nf_network *net, int32_t input, int32_t *dim) {
    NF_ENTER(net);
    int32_t i;
    nf_status st = net ? nf__query(net, "nf_input_size", "input", input, NF_OBJ_INPUT, dim, &i)
                       : NF_ERR_INVALID_ARGUMENT;
    if (st == NF_OK)
        *dim = net->inputs.items[i].dim;
    return st;
}
