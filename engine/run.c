/*
 * The timestep schedule (the order is part of the API, see neurofuse.h):
 *   1. currents: input = sum over connections into each population of
 *      W signal (dense, sparse, identity, or an event connection's
 *      post-side filter output), all from the previous step's values;
 *   2-3. one fused step per population: J = bias + gain input, the model,
 *      its output filter;
 *   3b. event connections: acc = W out (spiking columns only), then the
 *      post-side filter advances with acc;
 *   4. readouts z = W_out s;
 *   5. learners: e = z - f, and the RLS update when due;
 *   6. probes record; inputs advance.
 * Every argument of a step stays the same through a run (the backend keeps
 * the step counter that input rows and probe rows follow), so a backend
 * that can record work replays one recording of NF_STEPS_PER_GRAPH steps.
 * Every stretch of NF_CHECK_STEPS steps or more the run state is checked for
 * non-finite values against a copy taken at the stretch's start (run_guard.c;
 * see locate()).
 * Also reset, mode and dt changes.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "weights.h"

nf_status nf__connection_contribute(nf_network *net, const nf_connection *c, float *y) {
    const int32_t batch = net->desc.batch;
    const float *x = nf__signal(net, c->pre);
    if (c->event)
        return net->be->axpy(net->ctx, y, c->pf0 ? c->pf0 : c->acc, 1.0f,
                             (size_t)batch * c->n_post);
    switch (c->desc.kind) {
    case NF_CONNECTION_IDENTITY:
        return net->be->axpy(net->ctx, y, x, c->desc.scale, (size_t)batch * c->n_post);
    case NF_CONNECTION_SPARSE: {
        nf_sparse_args a = {.batch = batch, .rows = c->n_post, .cols = c->n_pre,
                            .per_batch = c->copies > 1, .nnz = c->nnz, .row_ptr = c->index_ptr,
                            .col = c->index, .val = c->w, .x = x, .y = y};
        return net->be->sparse(net->ctx, &a);
    }
    default: {
        nf_dense_args a = {.batch = batch, .rows = c->n_post, .cols = c->n_pre,
                           .per_batch = c->copies > 1, .beta = 1.0f, .w = c->w, .x = x,
                           .y = y};
        return net->be->dense(net->ctx, &a);
    }
    }
}

/* Step 3b for one event connection. */
static nf_status propagate_events(nf_network *net, nf_connection *c) {
    const nf_population *pre = &net->pops.items[net->objects.items[c->pre].index];
    const size_t count = (size_t)net->desc.batch * c->n_post;
    nf_status st = net->be->fill(net->ctx, c->acc, 0.0f, count);
    if (st == NF_OK)
        st = nf__event_accumulate(net, c, pre->out, c->acc);
    if (st == NF_OK && c->pf0) {
        nf_filter_params f = nf__filter_params(&pre->desc.filter, net->dt, net->mode);
        st = net->be->filter_step(net->ctx, &f, c->acc, c->pf0, c->pf1, count);
    }
    return st;
}

/* Queues one step of a run that began at step first_step. Every argument is
 * the same at every step of the run (the backend's counter tells the step). */
static nf_status step_once(nf_network *net, int64_t first_step) {
    const nf_backend_i *be = net->be;
    const int32_t batch = net->desc.batch;
    nf_status st = NF_OK;
    for (int32_t i = 0; i < net->inputs.count && st == NF_OK; i++) {
        const nf_input *in = &net->inputs.items[i];
        if (in->steps > 1)
            st = be->gather_row(net->ctx, in->stage, in->values, (int64_t)batch * in->dim,
                                first_step - in->cursor);
    }
    for (int32_t i = 0; i < net->pops.count && st == NF_OK; i++)
        st = be->fill(net->ctx, net->pops.items[i].input, 0.0f,
                      (size_t)batch * net->pops.items[i].desc.n);
    for (int32_t i = 0; i < net->conns.count && st == NF_OK; i++) {
        const nf_connection *c = &net->conns.items[i];
        st = nf__connection_contribute(net, c,
                                       net->pops.items[net->objects.items[c->post].index].input);
    }
    for (int32_t i = 0; i < net->pops.count && st == NF_OK; i++) {
        nf_population *p = &net->pops.items[i];
        nf_pop_step_args a = {.model = nf__model_params(p, net->dt, net->mode),
                              .filter = nf__filter_params(&p->desc.filter, net->dt, net->mode),
                              .batch = batch, .n = p->desc.n, .input = p->input,
                              .gain = p->gain, .bias = p->bias, .s0 = p->s0, .s1 = p->s1,
                              .out = p->out, .f0 = p->f0, .f1 = p->f1,
                              .abs_sum = p->abs_sum};
        st = be->population_step(net->ctx, &a);
    }
    for (int32_t i = 0; i < net->conns.count && st == NF_OK; i++)
        if (net->conns.items[i].event)
            st = propagate_events(net, &net->conns.items[i]);
    for (int32_t i = 0; i < net->readouts.count && st == NF_OK; i++) {
        nf_readout *r = &net->readouts.items[i];
        nf_dense_args a = {.batch = batch, .rows = r->dim, .cols = r->n,
                           .per_batch = r->copies > 1, .beta = 0.0f, .w = r->w,
                           .x = nf__signal(net, r->pop), .y = r->z};
        st = be->dense(net->ctx, &a);
    }
    if (st != NF_OK)
        return nf__backend_fail(net, st, "nf_network_run");
    if ((st = nf__learners_step(net)) != NF_OK)
        return st;
    if ((st = nf__probes_record(net, first_step)) != NF_OK)
        return st;
    st = be->counter_advance(net->ctx);
    return st == NF_OK ? st : nf__backend_fail(net, st, "nf_network_run");
}

/* Steps recorded into one replayable unit on backends that replay. */
#define NF_STEPS_PER_GRAPH 64

/* Recorded runs of a few lengths, kept through one nf_network_run. */
typedef struct nf_replays {
    void *graph[3];
    int64_t len[3];
} nf_replays;

static void replays_free(nf_network *net, nf_replays *r) {
    for (int i = 0; i < 3; i++)
        if (r->graph[i])
            net->be->graph_free(net->ctx, r->graph[i]);
    memset(r, 0, sizeof *r);
}

/* Runs `steps` steps `times` times from one recording (made on first use). */
static nf_status replay(nf_network *net, nf_replays *r, int64_t first_step, int64_t steps,
                        int64_t times) {
    const nf_backend_i *be = net->be;
    int slot = 0;
    while (slot < 3 && r->graph[slot] && r->len[slot] != steps)
        slot++;
    if (slot == 3) { /* never more than two lengths in one run; make room anyway */
        be->graph_free(net->ctx, r->graph[2]);
        r->graph[slot = 2] = NULL;
    }
    if (!r->graph[slot]) {
        void *graph = NULL;
        nf_status st = be->capture_begin(net->ctx);
        if (st != NF_OK)
            return nf__backend_fail(net, st, "nf_network_run: capture");
        nf_status step_st = NF_OK;
        for (int64_t t = 0; t < steps && step_st == NF_OK; t++)
            step_st = step_once(net, first_step);
        st = be->capture_end(net->ctx, &graph);
        if (step_st != NF_OK) {
            be->graph_free(net->ctx, graph);
            return step_st;
        }
        if (st != NF_OK)
            return nf__backend_fail(net, st, "nf_network_run: capture");
        r->graph[slot] = graph;
        r->len[slot] = steps;
    }
    nf_status st = be->graph_launch(net->ctx, r->graph[slot], times);
    return st == NF_OK ? st : nf__backend_fail(net, st, "nf_network_run: replay");
}

static nf_status run_steps(nf_network *net, nf_replays *r, int64_t first_step, int64_t steps) {
    nf_status st = NF_OK;
    const bool records = net->be->capture_begin != NULL;
    if (records && steps >= 2 && net->launched != net->objects.count + 1) {
        /* one step uncaptured first, so that no kernel is first loaded in a capture */
        if ((st = step_once(net, first_step)) != NF_OK)
            return st;
        net->launched = net->objects.count + 1;
        steps--;
    }
    if (!records || steps < 2) {
        for (int64_t t = 0; t < steps && st == NF_OK; t++)
            st = step_once(net, first_step);
        return st;
    }
    const int64_t per = steps < NF_STEPS_PER_GRAPH ? steps : NF_STEPS_PER_GRAPH;
    st = replay(net, r, first_step, per, steps / per);
    if (st == NF_OK && steps % per)
        st = replay(net, r, first_step, steps % per, 1);
    return st;
}

static const char *kind_name(nf_object_kind kind) {
    switch (kind) {
    case NF_OBJ_POPULATION: return "population";
    case NF_OBJ_CONNECTION: return "connection";
    case NF_OBJ_READOUT: return "readout";
    case NF_OBJ_LEARNER: return "learner";
    default: return "object";
    }
}

/* Puts back the copy taken at step t0 for the stretch [t0, t0 + len). */
static nf_status rewind_to(nf_network *net, int64_t t0, int64_t len) {
    nf__guard_select(net, t0, len);
    nf_status st = nf__guard_copy(net, 1);
    if (st == NF_OK && (st = net->be->counter_set(net->ctx, t0)) != NF_OK)
        st = nf__backend_fail(net, st, "nf_network_run");
    return st;
}

/* Runs [t0, t0 + len) in stretches of NF_CHECK_STEPS, each copied and checked;
 * *bad_at = the start of the first failing one (its copy is held), or -1. */
static nf_status narrow(nf_network *net, int64_t first, int64_t t0, int64_t len, nf_replays *r,
                        int64_t *bad_at) {
    nf_status st = NF_OK;
    *bad_at = -1;
    for (int64_t a = t0; a < t0 + len && st == NF_OK && *bad_at < 0; a += NF_CHECK_STEPS) {
        const int64_t n = t0 + len - a < NF_CHECK_STEPS ? t0 + len - a : NF_CHECK_STEPS;
        int32_t bad = -1;
        nf__guard_select(net, a, n);
        if ((st = nf__guard_copy(net, 0)) == NF_OK && (st = run_steps(net, r, first, n)) == NF_OK)
            st = nf__guard_check(net, &bad);
        if (bad >= 0)
            *bad_at = a;
    }
    return st;
}

/* The stretch [t0, t0 + len) (its start copy held) ended with a non-finite
 * value: back to its start, to the failing stretch of NF_CHECK_STEPS steps,
 * then step by step (checking a learner's state only after its updates) to
 * the first step that makes one, then back and forward to the end of the step
 * before it. *good = the steps from t0 that stand. */
static nf_status locate(nf_network *net, int64_t first, int64_t t0, int64_t len, nf_replays *r,
                        int64_t *good) {
    int32_t bad = -1;
    int64_t at = t0, t = 0;
    nf_status st = rewind_to(net, t0, len);
    if (st == NF_OK && len > NF_CHECK_STEPS) {
        st = narrow(net, first, t0, len, r, &at);
        if (st == NF_OK && at < 0) { /* not reproduced: the stretch stands as run */
            *good = len;
            return NF_OK;
        }
        len = t0 + len - at < NF_CHECK_STEPS ? t0 + len - at : NF_CHECK_STEPS;
        if (st == NF_OK)
            st = rewind_to(net, at, len);
    }
    for (; t < len && st == NF_OK; t++) {
        if ((st = step_once(net, first)) != NF_OK)
            break;
        nf__guard_select(net, at + t, 1);
        if ((st = nf__guard_check(net, &bad)) != NF_OK || bad >= 0)
            break;
    }
    if (st == NF_OK && bad < 0) { /* not reproduced step by step */
        *good = at + len - t0;
        return nf__fail(net, NF_ERR_NUMERIC,
                        "nf_network_run: a non-finite value seen at the check after step %lld "
                        "did not recur step by step; the network is at step count %lld",
                        (long long)(at + len - 1), (long long)(at + len));
    }
    const nf_guard *g = &net->guard;
    const int32_t id = bad >= 0 ? g->ids[bad] : 0;
    const char *what = bad >= 0 ? g->what[bad] : "";
    if (st == NF_OK)
        st = rewind_to(net, at, len);
    if (st == NF_OK)
        st = run_steps(net, r, first, t);
    if (st == NF_OK && net->be->synchronize && (st = net->be->synchronize(net->ctx)) != NF_OK)
        st = nf__backend_fail(net, st, "nf_network_run");
    if (st != NF_OK)
        return st;
    *good = at + t - t0;
    return nf__fail(net, NF_ERR_NUMERIC,
                    "nf_network_run: %s %d %s became non-finite at step %lld; the network is "
                    "restored to the end of the step before (step count %lld)",
                    kind_name(net->objects.items[id].kind), id, what, (long long)(at + t),
                    (long long)(at + t));
}

/* Runs the steps in checked stretches (see nf_learner_add); *good = the steps
 * that stand. */
static nf_status run_checked(nf_network *net, int64_t first, int64_t steps, int64_t *good) {
    nf_replays r = {0};
    nf_status st = nf__guard_prepare(net);
    int64_t done = 0;
    while (st == NF_OK && done < steps) {
        const int64_t chunk = nf__guard_stretch(net, first + done, steps - done);
        int32_t bad = -1;
        st = nf__guard_copy(net, 0);
        if (st == NF_OK)
            st = run_steps(net, &r, first, chunk);
        if (st == NF_OK)
            st = nf__guard_check(net, &bad);
        if (st == NF_OK && bad >= 0) {
            int64_t kept = 0;
            st = locate(net, first, first + done, chunk, &r, &kept);
            if (st != NF_OK && st != NF_ERR_NUMERIC) { /* as below: the run may have run */
                done = steps;
                break;
            }
            done += kept;
            if (kept < chunk)
                break;
            continue;
        }
        /* a failed backend call accounts for the whole run, as it may have run */
        done = st == NF_OK ? done + chunk : steps;
    }
    replays_free(net, &r);
    *good = done;
    return st;
}

nf_status nf_network_run(nf_network *net, int64_t steps) {
    static const char fn[] = "nf_network_run";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(steps >= 0, "%s: steps must be >= 0, got %lld", fn, (long long)steps);
    for (int32_t id = 0; id < net->objects.count; id++) {
        if (net->objects.items[id].kind != NF_OBJ_INPUT)
            continue;
        const nf_input *in = &net->inputs.items[net->objects.items[id].index];
        if (in->steps == 1)
            continue;
        REQUIRE(in->steps - in->cursor >= steps,
                "%s: input %d has %lld rows left, the run needs %lld (set more rows or reset)",
                fn, id, (long long)(in->steps - in->cursor), (long long)steps);
    }
    nf_status st = nf__probes_reserve(net, steps);
    if (st != NF_OK || steps == 0)
        return st;
    const int64_t first = net->step;
    if ((st = net->be->counter_set(net->ctx, first)) != NF_OK)
        return nf__backend_fail(net, st, fn);
    int64_t good = 0;
    st = run_checked(net, first, steps, &good);
    nf_status sync = net->be->synchronize ? net->be->synchronize(net->ctx) : NF_OK;
    if (st == NF_OK && sync != NF_OK)
        st = nf__backend_fail(net, sync, fn);
    /* The work has run (or failed part way on the backend): account for it. */
    for (int32_t i = 0; i < net->inputs.count; i++)
        if (net->inputs.items[i].steps > 1)
            net->inputs.items[i].cursor += good;
    nf__probes_commit(net, first, good);
    net->step += good;
    return st;
}

nf_status nf_network_reset(nf_network *net) {
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    nf_status st = NF_OK;
    for (int32_t i = 0; i < net->pops.count && st == NF_OK; i++)
        st = nf__population_init_state(net, &net->pops.items[i]);
    for (int32_t i = 0; i < net->pops.count && st == NF_OK; i++)
        st = nf__rate_stats_restart(net, &net->pops.items[i]);
    for (int32_t i = 0; i < net->conns.count && st == NF_OK; i++)
        if (net->conns.items[i].event)
            st = nf__event_resync(net, &net->conns.items[i]);
    for (int32_t i = 0; i < net->readouts.count && st == NF_OK; i++) {
        nf_readout *r = &net->readouts.items[i];
        const size_t count = (size_t)net->desc.batch * r->dim;
        st = r->z_init_scale > 0.0f ? nf__draw_normal(net, r->rng_offset, r->z, count,
                                                      r->z_init_scale)
                                    : nf__fill(net, r->z, 0.0f, count);
    }
    for (int32_t i = 0; i < net->inputs.count; i++)
        net->inputs.items[i].cursor = 0;
    for (int32_t i = 0; i < net->probes.count; i++) {
        nf__probe_clear(&net->probes.items[i]);
        net->probes.items[i].start = 0;
    }
    net->step = 0;
    return st;
}

nf_status nf_network_set_mode(nf_network *net, nf_mode mode) {
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(mode == NF_MODE_SPIKING || mode == NF_MODE_RATE,
            "nf_network_set_mode: mode %d is not an nf_mode", (int)mode);
    net->mode = mode;
    return NF_OK;
}

nf_mode nf_network_mode(const nf_network *net) { return net ? net->mode : NF_MODE_SPIKING; }

nf_status nf_network_set_dt(nf_network *net, double dt) {
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(dt > 0.0 && isfinite(dt), "nf_network_set_dt: dt must be finite and > 0, got %g",
            dt);
    net->dt = dt;
    return NF_OK;
}
