/*
 * Applying sequence layers: nf_layer_apply and nf_layer_chain_apply validate
 * everything first, prepare each layer's state (initial or carried), build
 * one nf_seq_args (one stage per layer) and hand the whole sequence to the
 * backend's sequence_apply; host memory on CUDA goes through staging buffers.
 * Every call ends synchronised: the output and the state are ready on return.
 */
#include <stdint.h>
#include <string.h>

#include "sequence_layer.h"

/* A staging buffer of at least `bytes` (kept for the next call). */
static nf_status staging(nf_layer *layer, float **buf, size_t *have, size_t bytes) {
    if (*have >= bytes)
        return NF_OK;
    void *p = NULL;
    nf_status st = layer->be->alloc(layer->ctx, bytes, &p);
    if (st != NF_OK)
        return st;
    if (*buf)
        layer->be->free(layer->ctx, *buf);
    *buf = p;
    *have = bytes;
    return NF_OK;
}

static nf_status check_call(nf_layer *const *layers, int32_t count, const float *in,
                            const float *out, int32_t batch, int64_t time, int32_t units,
                            nf_layout layout, nf_memory memory, int32_t return_sequences,
                            const char *fn) {
    nf_layer *l0 = layers[0];
#define FAIL(st, ...) return nf__layer_fail(l0, st, __VA_ARGS__)
    if (!in || !out)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: %s must not be NULL", fn, in ? "out" : "in");
    if (batch < 1)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: batch must be >= 1, got %d", fn, batch);
    if (time < 1)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: time must be >= 1, got %lld", fn, (long long)time);
    if (units < 1)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: units must be >= 1, got %d", fn, units);
    if (layout != NF_LAYOUT_BATCH_MAJOR && layout != NF_LAYOUT_TIME_MAJOR)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: layout %d is not an nf_layout", fn, (int)layout);
    if (memory != NF_MEMORY_HOST && memory != NF_MEMORY_DEVICE)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: memory %d is not an nf_memory", fn, (int)memory);
    if ((double)batch * (double)time * (double)units > (double)(INT64_MAX / 8))
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: batch x time x units = %d x %lld x %d is too large",
             fn, batch, (long long)time, units);
    for (int32_t k = 0; k < count; k++) {
        nf_layer *l = layers[k];
        if (!l)
            FAIL(NF_ERR_INVALID_ARGUMENT, "%s: layers[%d] is NULL", fn, k);
        if (l->desc.units != units)
            FAIL(NF_ERR_INVALID_ARGUMENT, "%s: units %d differs from layers[%d]'s %d", fn, units,
                 k, l->desc.units);
        if (l->backend != l0->backend || l->desc.device != l0->desc.device)
            FAIL(NF_ERR_INVALID_ARGUMENT,
                 "%s: layers[%d] is on %s device %d, layers[0] on %s device %d", fn, k,
                 nf_backend_name(l->backend), l->desc.device, nf_backend_name(l0->backend),
                 l0->desc.device);
        for (int32_t j = 0; j < k; j++)
            if (layers[j] == l)
                FAIL(NF_ERR_INVALID_ARGUMENT, "%s: layers[%d] is layers[%d] again", fn, k, j);
        if (l->state_valid && l->state_batch != batch)
            FAIL(NF_ERR_INVALID_ARGUMENT,
                 "%s: batch %d differs from layers[%d]'s state, set or carried for batch %d "
                 "(nf_layer_reset it first)",
                 fn, batch, k, l->state_batch);
    }
    const uintptr_t i0 = (uintptr_t)in, o0 = (uintptr_t)out;
    const uintptr_t in_end = i0 + (uintptr_t)batch * (uintptr_t)time * units * sizeof(float);
    const uintptr_t out_end =
        o0 + (uintptr_t)batch * (uintptr_t)(return_sequences ? time : 1) * units * sizeof(float);
    if (i0 < out_end && o0 < in_end)
        FAIL(NF_ERR_INVALID_ARGUMENT, "%s: in and out overlap (they must be separate buffers)",
             fn);
    if (memory == NF_MEMORY_DEVICE && l0->backend == NF_BACKEND_CPU)
        FAIL(NF_ERR_UNSUPPORTED,
             "%s: memory NF_MEMORY_DEVICE needs the CUDA backend; this layer runs on the CPU",
             fn);
#undef FAIL
    return NF_OK;
}

/* Fills the stage of one layer: installs what was reserved (its state
 * prepared for `batch`) and zeroes its statistics. */
static nf_status make_stage(nf_layer *l, nf_layer_reserve *r, nf_seq_stage *s, const char *fn) {
    const int32_t batch = r->batch;
    nf_status st = nf__layer_prepare_state(l, r, fn);
    if (st != NF_OK)
        return st;
    memset(s, 0, sizeof *s);
    s->filter = l->desc.kind != NF_LAYER_SPIKING_ACTIVATION;
    s->pass_through = s->filter && l->desc.spiking_only && l->mode == NF_MODE_RATE;
    if (!s->filter)
        s->model = nf__layer_model_params(l);
    s->fp = l->fp;
    s->s0 = l->s0;
    s->s1 = l->s1;
    l->stats_steps = 0;
    if (!l->desc.rate_stats)
        return NF_OK;
    /* zero the sums: fill writes floats, two per double */
    st = l->be->fill(l->ctx, (float *)l->abs_sum, 0.0f, 2 * (size_t)batch * l->desc.units);
    if (st == NF_OK && l->be->synchronize)
        st = l->be->synchronize(l->ctx);
    if (st != NF_OK)
        return nf__layer_backend_status(l, st, fn);
    s->abs_sum = l->abs_sum;
    return NF_OK;
}

/* Records on layers[0] that layers[k] failed (its message, without the
 * function's name, which it begins with too). */
static void other_failed(nf_layer *const *layers, int32_t k, nf_status st, const char *fn) {
    nf__layer_fail(layers[0], st, "%s: layers[%d]: %s", fn, k,
                   nf__message_detail(layers[k]->error, fn));
}

/* nf_layer_chain_apply for the public function fn (every message names it). */
static nf_status chain_apply(const char *fn, nf_layer *const *layers, int32_t count,
                             const float *in, float *out, int32_t batch, int64_t time,
                             int32_t units, nf_layout layout, nf_memory memory,
                             int32_t return_sequences) {
    nf_layer *l0 = layers[0];
    l0->api = fn;
    if (count < 1 || count > NF_LAYER_CHAIN_MAX)
        return nf__layer_fail(l0, NF_ERR_INVALID_ARGUMENT, "%s: count must be in 1..%d, got %d",
                              fn, NF_LAYER_CHAIN_MAX, count);
    for (int32_t k = 1; k < count; k++)
        if (layers[k])
            layers[k]->api = fn;
    nf_status st = check_call(layers, count, in, out, batch, time, units, layout, memory,
                              return_sequences, fn);
    if (st != NF_OK)
        return st;
    nf_seq_args a;
    memset(&a, 0, sizeof a);
    a.stages = count;
    a.batch = batch;
    a.units = units;
    a.time = time;
    a.time_major = layout == NF_LAYOUT_TIME_MAJOR;
    a.return_sequences = return_sequences != 0;
    /* Everything that can run out of memory first (every layer's new state
     * and statistics rows, the staging buffers), so that such a failure
     * changes no layer; then the states are installed. */
    nf_layer_reserve reserve[NF_LAYER_CHAIN_MAX];
    memset(reserve, 0, sizeof reserve);
    int32_t reserved = 0;
    for (; reserved < count && st == NF_OK; reserved++)
        if ((st = nf__layer_reserve(layers[reserved], batch, true, &reserve[reserved], fn)) !=
                NF_OK &&
            layers[reserved] != l0)
            other_failed(layers, reserved, st, fn);
    const size_t in_bytes = (size_t)batch * (size_t)time * (size_t)units * sizeof(float);
    const size_t out_bytes = return_sequences ? in_bytes : (size_t)batch * units * sizeof(float);
    const nf_backend_i *be = l0->be;
    const bool stage_io = memory == NF_MEMORY_HOST && l0->backend != NF_BACKEND_CPU;
    if (st == NF_OK && stage_io) {
        st = staging(l0, &l0->stage_in, &l0->stage_in_bytes, in_bytes);
        if (st == NF_OK)
            st = staging(l0, &l0->stage_out, &l0->stage_out_bytes, out_bytes);
        if (st != NF_OK)
            nf__layer_backend_status(l0, st, fn);
    }
    for (int32_t k = 0; k < count && st == NF_OK; k++)
        if ((st = make_stage(layers[k], &reserve[k], &a.stage[k], fn)) != NF_OK &&
            layers[k] != l0)
            other_failed(layers, k, st, fn);
    for (int32_t k = 0; k < reserved; k++)
        nf__layer_reserve_free(layers[k], &reserve[k]);
    if (st != NF_OK)
        return st;
    a.in = in;
    a.out = out;
    if (stage_io) {
        st = be->upload(l0->ctx, l0->stage_in, in, in_bytes);
        a.in = l0->stage_in;
        a.out = l0->stage_out;
    }
    if (st == NF_OK)
        st = be->sequence_apply(l0->ctx, &a);
    if (st == NF_OK && stage_io)
        st = be->download(l0->ctx, out, l0->stage_out, out_bytes);
    else if (st == NF_OK && be->synchronize)
        st = be->synchronize(l0->ctx);
    if (st != NF_OK)
        return nf__layer_backend_status(l0, st, fn);
    for (int32_t k = 0; k < count; k++) {
        layers[k]->state_valid = layers[k]->desc.stateful != 0;
        layers[k]->stats_steps = time;
    }
    return NF_OK;
}

nf_status nf_layer_apply(nf_layer *layer, const float *in, float *out, int32_t batch,
                         int64_t time, int32_t units, nf_layout layout, nf_memory memory,
                         int32_t return_sequences) {
    if (!layer)
        return NF_ERR_INVALID_ARGUMENT;
    nf_layer *const one[1] = {layer};
    return chain_apply(__func__, one, 1, in, out, batch, time, units, layout, memory,
                       return_sequences);
}

nf_status nf_layer_chain_apply(nf_layer *const *layers, int32_t count, const float *in,
                               float *out, int32_t batch, int64_t time, int32_t units,
                               nf_layout layout, nf_memory memory, int32_t return_sequences) {
    if (!layers || !layers[0])
        return NF_ERR_INVALID_ARGUMENT;
    return chain_apply(__func__, layers, count, in, out, batch, time, units, layout, memory,
                       return_sequences);
}
