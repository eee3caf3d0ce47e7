/*
 * Running a network: nf_network_run checks its inputs, grows the probes, runs
 * the steps in checked stretches (each copied aside, run, checked for
 * non-finite values, and on a failure located and rewound: run_guard.c) and
 * accounts for the steps that stand (after the run check, replica.c, when the
 * structure changed); and the calls that change how later
 * runs go: reset, mode, dt.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Runs the steps in checked stretches (see nf_learner_add); *good = the steps
 * that stand. */
static nf_status run_checked(nf_network *net, int64_t first, int64_t steps, int64_t *good) {
    nf_replays r = {0};
    nf_status st = NF_OK;
    int64_t done = 0;
    while (st == NF_OK && done < steps) {
        int64_t chunk = 0;
        int32_t bad = -1;
        st = nf__guard_begin(net, first + done, steps - done, &chunk);
        if (st != NF_OK)
            break; /* nothing of this stretch ran: only the steps before it stand */
        st = nf__run_steps(net, &r, first, chunk);
        if (st == NF_OK)
            st = nf__guard_commit(net, &bad);
        if (st == NF_OK && bad >= 0) {
            int64_t kept = 0;
            st = nf__guard_locate(net, &r, first, first + done, chunk, &kept);
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
    nf__replays_free(net, &r);
    *good = done;
    return st;
}

nf_status nf_network_run(nf_network *net, int64_t steps) {
    NF_ENTER(net);
    static const char fn[] = "nf_network_run";
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    /* first: a run check may be collective, so no process may return before it */
    nf_status st = nf__run_check(net, fn);
    if (st != NF_OK)
        return st;
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
    REQUIRE(steps <= INT64_MAX - net->step,
            "%s: %lld steps after step %lld would overflow the step count", fn,
            (long long)steps, (long long)net->step);
    st = nf__probes_reserve(net, steps);
    if (st != NF_OK || steps == 0)
        return st;
    const int64_t first = net->step;
    if ((st = net->be->counter_set(net->ctx, first)) != NF_OK)
        return nf__backend_fail(net, st, "setting the step counter");
    int64_t good = 0;
    st = run_checked(net, first, steps, &good);
    nf_status sync = net->be->synchronize ? net->be->synchronize(net->ctx) : NF_OK;
    if (st == NF_OK && sync != NF_OK)
        st = nf__backend_fail(net, sync, "finishing the run");
    /* The work has run (or failed part way on the backend): account for it. */
    for (int32_t i = 0; i < net->inputs.count; i++)
        if (net->inputs.items[i].steps > 1)
            net->inputs.items[i].cursor += good;
    nf__probes_commit(net, first, good);
    net->step += good;
    return st;
}

nf_status nf_network_reset(nf_network *net) {
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    /* All or nothing: the state a reset redraws is copied aside first and put
     * back if any part fails; the host bookkeeping changes only on success. */
    int64_t *rate_from = malloc(((size_t)net->pops.count + 1) * sizeof *rate_from);
    if (!rate_from)
        return nf__fail(net, NF_ERR_OUT_OF_MEMORY, "nf_network_reset: out of host memory");
    for (int32_t i = 0; i < net->pops.count; i++)
        rate_from[i] = net->pops.items[i].rate_from;
    nf_status st = nf__guard_save_all(net);
    if (st != NF_OK) {
        free(rate_from);
        return st;
    }
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
        st = r->z_init_scale > 0.0f ? nf__draw_normal_batched(net, r->rng_offset, r->z,
                                                              (size_t)r->dim, r->z_init_scale)
                                    : nf__fill(net, r->z, 0.0f, count);
    }
    if (st != NF_OK) {
        char why[sizeof net->error];
        snprintf(why, sizeof why, "%s", net->error);
        if (nf__guard_restore_all(net) == NF_OK)
            for (int32_t i = 0; i < net->pops.count; i++)
                net->pops.items[i].rate_from = rate_from[i];
        free(rate_from);
        return nf__fail(net, st, "%s; the network is as it was", why);
    }
    free(rate_from);
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
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    REQUIRE(mode == NF_MODE_SPIKING || mode == NF_MODE_RATE,
            "nf_network_set_mode: mode %d is not an nf_mode", (int)mode);
    net->mode = mode;
    net->structure++;
    return NF_OK;
}

nf_mode nf_network_mode(const nf_network *net) { return net ? net->mode : NF_MODE_SPIKING; }

nf_status nf_network_set_dt(nf_network *net, double dt) {
    NF_ENTER(net);
    if (!net)
        return NF_ERR_INVALID_ARGUMENT;
    static const char fn[] = "nf_network_set_dt";
    nf_status st = nf__dt_check(net, fn, dt);
    for (int32_t id = 0; id < net->objects.count && st == NF_OK; id++)
        if (net->objects.items[id].kind == NF_OBJ_POPULATION)
            st = nf__population_params_check(
                net, fn, &net->pops.items[net->objects.items[id].index], id, dt);
    if (st != NF_OK)
        return st;
    net->dt = dt;
    net->structure++;
    return NF_OK;
}
