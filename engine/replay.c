/*
 * Running steps on a backend that records work (CUDA graphs): a run of many
 * steps is recorded once as NF_STEPS_PER_GRAPH steps and replayed, the first
 * step of a network structure runs unrecorded so that no kernel is first
 * loaded inside a recording; backends that do not record just step.
 */
#include <string.h>

#include "internal.h"

/* Steps recorded into one replayable unit on backends that replay. */
#define NF_STEPS_PER_GRAPH 64

void nf__replays_free(nf_network *net, nf_replays *r) {
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
            return nf__backend_fail(net, st, "recording a run");
        nf_status step_st = NF_OK;
        for (int64_t t = 0; t < steps && step_st == NF_OK; t++)
            step_st = nf__step_once(net, first_step);
        st = be->capture_end(net->ctx, &graph);
        if (step_st != NF_OK) {
            be->graph_free(net->ctx, graph);
            return step_st;
        }
        if (st != NF_OK)
            return nf__backend_fail(net, st, "recording a run");
        r->graph[slot] = graph;
        r->len[slot] = steps;
    }
    nf_status st = be->graph_launch(net->ctx, r->graph[slot], times);
    return st == NF_OK ? st : nf__backend_fail(net, st, "replaying a run");
}

nf_status nf__run_steps(nf_network *net, nf_replays *r, int64_t first_step, int64_t steps) {
    nf_status st = NF_OK;
    const bool records = net->be->capture_begin != NULL;
    if (records && steps >= 2 && net->launched != net->objects.count + 1) {
        /* one step uncaptured first, so that no kernel is first loaded in a capture */
        if ((st = nf__step_once(net, first_step)) != NF_OK)
            return st;
        net->launched = net->objects.count + 1;
        steps--;
    }
    if (!records || steps < 2) {
        for (int64_t t = 0; t < steps && st == NF_OK; t++)
            st = nf__step_once(net, first_step);
        return st;
    }
    const int64_t per = steps < NF_STEPS_PER_GRAPH ? steps : NF_STEPS_PER_GRAPH;
    st = replay(net, r, first_step, per, steps / per);
    if (st == NF_OK && steps % per)
        st = replay(net, r, first_step, steps % per, 1);
    return st;
}
