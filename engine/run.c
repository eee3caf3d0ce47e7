/*
 * One timestep of a network, for the whole batch (the order is part of the
 * API, see neurofuse.h):
 *   1. currents: input = sum over connections into each population of
 *      W signal (dense, sparse, identity, or an event connection's
 *      post-side filter output), all from the previous step's values (a
 *      population whose only input is an event connection without a
 *      post-side filter reads that connection's sum in place);
 *   2-3. one fused step per population: J = bias + gain input, the model,
 *      its output filter; then event connections propagate this step's
 *      spikes (propagate.c);
 *   4. readouts z = W_out s;
 *   5. learners (e = z - f, the RLS update when due), then probes record.
 * Every argument of a step stays the same through a run (the backend keeps
 * the step counter that input rows and probe rows follow), so a backend that
 * can record work replays one recording of many steps (replay.c). The run
 * itself, its numeric checks and its accounting are network_run.c and
 * run_guard.c.
 */
#include "internal.h"

/* Queues one step of a run that began at step first_step. Every argument is
 * the same at every step of the run (the backend's counter tells the step). */
nf_status nf__step_once(nf_network *net, int64_t first_step) {
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
        if (!nf__sole_event_feed(net, &net->pops.items[i]))
            st = be->fill(net->ctx, net->pops.items[i].input, 0.0f,
                          (size_t)batch * net->pops.items[i].desc.n);
    for (int32_t i = 0; i < net->conns.count && st == NF_OK; i++) {
        const nf_connection *c = &net->conns.items[i];
        nf_population *post = &net->pops.items[net->objects.items[c->post].index];
        if (nf__sole_event_feed(net, post) != c)
            st = nf__connection_contribute(net, c, post->input);
    }
    for (int32_t i = 0; i < net->pops.count && st == NF_OK; i++) {
        nf_population *p = &net->pops.items[i];
        const nf_connection *feed = nf__sole_event_feed(net, p);
        if (p->step_for != net->structure) { /* dt and mode change only with the structure */
            p->step_model = nf__model_params(p, net->dt, net->mode);
            p->step_filter = nf__filter_params(&p->desc.filter, net->dt, net->mode);
            p->step_for = net->structure;
        }
        nf_pop_step_args a = {.model = p->step_model,
                              .filter = p->step_filter,
                              .batch = batch, .n = p->desc.n,
                              .input = feed ? feed->acc : p->input,
                              .gain = p->gain, .bias = p->bias, .s0 = p->s0, .s1 = p->s1,
                              .s2 = p->s2, .out = p->out, .f0 = p->f0, .f1 = p->f1,
                              .abs_sum = p->abs_sum};
        st = be->population_step(net->ctx, &a);
    }
    for (int32_t i = 0; i < net->conns.count && st == NF_OK; i++)
        if (net->conns.items[i].event)
            st = nf__connection_propagate_events(net, &net->conns.items[i]);
    for (int32_t i = 0; i < net->readouts.count && st == NF_OK; i++) {
        nf_readout *r = &net->readouts.items[i];
        nf_dense_args a = {.batch = batch, .rows = r->dim, .cols = r->n,
                           .per_batch = r->copies > 1, .per_element = net->window,
                           .beta = 0.0f, .w = r->w,
                           .x = nf__signal(net, r->pop), .y = r->z};
        st = be->dense(net->ctx, &a);
    }
    if (st != NF_OK)
        return nf__backend_fail(net, st, "computing a readout");
    if ((st = nf__learners_step(net)) != NF_OK)
        return st;
    if ((st = nf__probes_record(net, first_step)) != NF_OK)
        return st;
    st = be->counter_advance(net->ctx);
    return st == NF_OK ? st : nf__backend_fail(net, st, "advancing the step counter");
}
