/*
 * Error paths (errors_common.h) of probes, inputs and running: nf_probe_add,
 * nf_probe_add_state and the probe calls, nf_input_add, nf_input_set,
 * nf_network_run, set_mode and set_dt. Each bad call is refused with its
 * status and a message naming the argument, and changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors_common.h"

TestSuite(errors, .timeout = 60);

// --- probes ------------------------------------------------------------------------------

Test(errors, probes_reject_and_lose_nothing) {
    TWINS();
    int32_t id = -1;
    const nf_probe_kind OUT = NF_PROBE_OUTPUT;
    EACH_ID(t, 999, -1, a.c_in, a.probe[P_INPUT]) { /* connections and probes are not probed */
        REFUSED("target|connection|probe", nf_probe_add(net, *t, OUT, 1, &id));
    }
    REFUSED("every", nf_probe_add(net, a.lif, OUT, 0, &id));
    REFUSED(NULL, nf_probe_add(net, a.lif, OUT, 1, NULL));
    REFUSED("what|kind", nf_probe_add(net, a.lif, (nf_probe_kind)5, 1, &id));
    /* Kinds the target does not have. */
    REFUSED("error|learner", nf_probe_add(net, a.lif, NF_PROBE_ERROR, 1, &id));
    REFUSED("input", nf_probe_add(net, a.lif, NF_PROBE_INPUT, 1, &id));
    REFUSED("input", nf_probe_add(net, a.in, OUT, 1, &id));
    REFUSED("readout", nf_probe_add(net, a.readout, NF_PROBE_FILTERED, 1, &id));
    REFUSED("learner|error", nf_probe_add(net, a.learner, OUT, 1, &id));
    REFUSED("state|voltage|x|theta", nf_probe_add(net, a.relu, NF_PROBE_STATE, 1, &id));
    /* nf_probe_read, nf_probe_rows, nf_probe_row_size */
    const int32_t probe = a.probe[P_LIF_STATE];
    enum { NEED = REF_PRE * REF_BATCH * REF_N };
    float buf[NEED];
    int64_t rows = -1;
    EACH_ID(p, 999, -1, a.lif, a.learner, a.c_in) { /* the const ones leave no message */
        REFUSED("probe", nf_probe_read(net, *p, buf, NEED, &rows));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_rows(net, *p, &rows));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_row_size(net, *p, &rows));
    }
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_rows(net, probe, NULL));
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_probe_row_size(net, probe, NULL));
    REFUSED("rows|null", nf_probe_read(net, probe, buf, NEED, NULL));
    REFUSED("dst|null", nf_probe_read(net, probe, NULL, NEED, &rows));
    REFUSED("capacity", nf_probe_read(net, probe, buf, NEED - 1, &rows));
    REFUSED("capacity", nf_probe_read(net, probe, buf, 0, &rows));
    REFUSED("capacity", nf_probe_read(net, a.probe[P_READOUT], buf, 1, &rows));
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, REF_PRE, "refused reads lost rows: %lld left", (long long)rows);
    /* The unread rows are still there, with the same values: */
    ref_finish(&a, &b);
}

/* Kinds a model lacks: state_kinds_a_model_lacks_are_refused. */
Test(errors, probe_add_state_rejects_and_changes_nothing) {
    TWINS();
    int32_t id = -1;
    const nf_state_kind V = NF_STATE_VOLTAGE;
    EACH_ID(pop, 999, a.in, a.readout) {
        REFUSED("pop|population", nf_probe_add_state(net, *pop, V, 1, &id));
    }
    REFUSED("which|state", nf_probe_add_state(net, a.lif, (nf_state_kind)99, 1, &id));
    REFUSED("recovery", nf_probe_add_state(net, a.lif, NF_STATE_RECOVERY, 1, &id));
    REFUSED("every", nf_probe_add_state(net, a.lif, V, 0, &id));
    REFUSED(NULL, nf_probe_add_state(net, a.lif, V, 1, NULL));
    ref_finish(&a, &b);
}

// --- inputs and running: input_add, input_set, run, set_mode, set_dt --------------------

Test(errors, inputs_run_mode_and_dt_reject_and_change_nothing) {
    TWINS();
    REFUSED("steps", nf_network_run(net, -1));
    /* More steps than the input has rows left: refused, nothing runs. */
    REFUSED("input|rows", nf_network_run(net, REF_ROWS - REF_PRE + 1));
    REFUSED("input|rows", nf_network_run(net, INT64_MAX));
    cr_assert_eq(nf_network_step_count(net), REF_PRE, "a refused run moved the step count");
    int64_t rows = -1;
    NFT_OK(net, nf_probe_rows(net, a.probe[P_LIF_OUT], &rows));
    cr_assert_eq(rows, REF_PRE, "a refused run recorded %lld rows", (long long)rows - REF_PRE);
    REFUSED("mode", nf_network_set_mode(net, (nf_mode)2));
    REFUSED("mode", nf_network_set_mode(net, (nf_mode)-1));
    cr_assert_eq(nf_network_mode(net), NF_MODE_SPIKING);
    const double bad[] = {0.0, -0.0, -1e-3, NAN, INFINITY, -INFINITY};
    char what[64];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(what, sizeof what, "nf_network_set_dt(%g)", bad[i]);
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, "dt", what, nf_network_set_dt(net, bad[i]));
        cr_assert(nf_network_dt(net) == REF_DT, "%s changed dt to %g", what, nf_network_dt(net));
    }
    int32_t id = -1;
    REFUSED("dim", nf_input_add(net, 0, &id));
    REFUSED(NULL, nf_input_add(net, 2, NULL));
    enum { STEPS = 3, COUNT = STEPS * REF_BATCH * REF_DIM };
    float v[COUNT] = {0};
    EACH_ID(in, 999, -1, a.lif, a.readout) { REFUSED("input", nf_input_set(net, *in, STEPS, v)); }
    REFUSED("steps", nf_input_set(net, a.in, 0, v));
    REFUSED("steps", nf_input_set(net, a.in, -1, v));
    REFUSED("values|null", nf_input_set(net, a.in, STEPS, NULL));
    v[COUNT - 1] = NAN; /* the last value of the last row */
    REFUSED("values", nf_input_set(net, a.in, STEPS, v));
    v[0] = INFINITY;
    REFUSED("values", nf_input_set(net, a.in, 1, v));
    /* a rewind would replay rows 0.. instead of REF_PRE.. */
    ref_finish(&a, &b);
}
