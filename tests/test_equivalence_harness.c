/*
 * The equivalence harness itself (equivalence_common.h): the spec table covers
 * every model, filter and connection kind; the comparators accept float
 * rounding and reject real differences; the initial draws it compares bit for
 * bit depend on the seed. The backend comparisons: test_equivalence.c.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "equivalence_common.h"

TestSuite(equivalence, .timeout = 120);

/* The spec table covers every model, filter and connection kind. */
Test(equivalence, spec_table_covers_every_kind) {
    bool model[NF_MODEL_COUNT] = {0}, filter[5] = {0}, conn[5] = {0};
    bool lif_form[2] = {0}, izh_order[2] = {0}, per_batch[2] = {0}, batch1 = false, batch5 = false,
         converted = false, rate_mode = false;
    for (size_t i = 0; i < EQ_SPEC_COUNT; i++) {
        const eq_spec *s = &EQ_SPECS[i];
        model[s->model] = true;
        filter[s->filter] = true;
        conn[s->conn] = true;
        per_batch[s->per_batch != 0] = true;
        batch1 |= s->batch == 1;
        batch5 |= s->batch == 5;
        converted |= s->spiking && !s->rate_mode;
        rate_mode |= s->rate_mode != 0;
        if (s->model == NF_MODEL_LIF)
            lif_form[s->variant] = true;
        if (s->model == NF_MODEL_IZHIKEVICH)
            izh_order[s->variant] = true;
        cr_assert(s->conn != EQ_CONN_EVENT_DENSE || eq_spikes(s), "%s: event needs spikes",
                  s->name);
        cr_assert(s->conn != EQ_CONN_EVENT_SPARSE || eq_spikes(s), "%s: event needs spikes",
                  s->name);
        for (size_t j = 0; j < i; j++)
            cr_assert(strcmp(s->name, EQ_SPECS[j].name) != 0, "duplicate spec %s", s->name);
    }
    for (int m = 0; m < NF_MODEL_COUNT; m++)
        cr_assert(model[m], "no spec for model %d", m);
    for (int f = 0; f < 5; f++)
        cr_assert(filter[f], "no spec for filter %d", f);
    for (int c = 0; c < 5; c++)
        cr_assert(conn[c], "no spec for connection kind %d", c);
    cr_assert(lif_form[0] && lif_form[1], "both LIF forms");
    cr_assert(izh_order[0] && izh_order[1], "both Izhikevich orders");
    cr_assert(per_batch[0] && per_batch[1] && batch1 && batch5 && converted && rate_mode);
}

/* The comparators accept float rounding and reject real differences. */
Test(equivalence, comparators_accept_rounding_and_reject_differences) {
    enum { N = 64 };
    float ref[N], x[N];
    for (int i = 0; i < N; i++) {
        ref[i] = (float)(100.0 * sin(0.3 * i));
        x[i] = ref[i] * (1.0f + 2e-7f * (float)((i % 3) - 1)); /* ~2 ulp */
    }
    cr_assert_eq(eq_first_far(ref, x, N, EQ_RTOL, EQ_ATOL_OF_PEAK), -1);
    cr_assert_leq(eq_nmse(ref, x, N), EQ_NMSE_MAX);
    /* Near zero the floor (1e-5 of the peak 100 = 1e-3) applies. */
    ref[0] = 0.0f;
    x[0] = 5e-4f;
    cr_assert_eq(eq_first_far(ref, x, N, EQ_RTOL, EQ_ATOL_OF_PEAK), -1);
    x[0] = 2e-3f;
    cr_assert_eq(eq_first_far(ref, x, N, EQ_RTOL, EQ_ATOL_OF_PEAK), 0);
    x[0] = 0.0f;
    x[17] = ref[17] * (1.0f + 1e-4f);
    cr_assert_eq(eq_first_far(ref, x, N, EQ_RTOL, EQ_ATOL_OF_PEAK), 17);
    x[17] = ref[17];
    x[40] = NAN;
    cr_assert_eq(eq_first_far(ref, x, N, EQ_RTOL, EQ_ATOL_OF_PEAK), 40);
    x[40] = ref[40];
    for (int i = 0; i < N; i++)
        x[i] = ref[i] * 1.001f;
    cr_assert_gt(eq_nmse(ref, x, N), EQ_NMSE_MAX);
    float zeros[4] = {0}, some[4] = {0, 0, 1e-30f, 0};
    cr_assert_eq(eq_nmse(zeros, zeros, 4), 0.0);
    cr_assert(isinf(eq_nmse(zeros, some, 4)));

    const int64_t cref[5] = {100, 100, 0, 0, 1000};
    int64_t cx[5] = {103, 97, 2, 0, 1012};
    cr_assert_eq(eq_first_count_far(cref, cx, 5), -1);
    cx[0] = 104;
    cr_assert_eq(eq_first_count_far(cref, cx, 5), 0);
    cx[0] = 100;
    cx[3] = 3;
    cr_assert_eq(eq_first_count_far(cref, cx, 5), 3);
    cx[3] = 0;
    cx[4] = 1013;
    cr_assert_eq(eq_first_count_far(cref, cx, 5), 4);
    cr_assert(eq_totals_close(6400, 6464));
    cr_assert(!eq_totals_close(6400, 6467));
}

/* The bit-for-bit comparison of initial draws is not vacuous: another seed draws
 * other states and weights. */
Test(equivalence, initial_draws_depend_on_the_seed) {
    eq_spec s = *eq_find_spec("lif_nc_dexp_event_sparse_b5");
    eq_net a, b;
    eq_build(&a, &s, NF_BACKEND_CPU);
    s.seed += 1;
    eq_build(&b, &s, NF_BACKEND_CPU);
    const size_t count = eq_state_count(&s);
    float *va = nft_alloc(count, sizeof *va), *vb = nft_alloc(count, sizeof *vb);
    NFT_OK(a.net, nf_population_get_state(a.net, a.pop, NF_STATE_VOLTAGE, va));
    NFT_OK(b.net, nf_population_get_state(b.net, b.pop, NF_STATE_VOLTAGE, vb));
    size_t same = 0;
    for (size_t i = 0; i < count; i++)
        same += va[i] == vb[i];
    cr_assert_lt(same, count / 10, "%zu of %zu initial voltages equal across seeds", same, count);
    free(va);
    free(vb);
    int64_t ca = 0, cb = 0;
    cr_assert_eq(nf_connection_weight_count(a.net, a.conn[EQ_C_INPUT], &ca), NF_OK);
    cr_assert_eq(nf_connection_weight_count(b.net, b.conn[EQ_C_INPUT], &cb), NF_OK);
    cr_assert_eq(ca, cb);
    float *wa = nft_alloc((size_t)ca, sizeof *wa), *wb = nft_alloc((size_t)cb, sizeof *wb);
    NFT_OK(a.net, nf_connection_get_weights(a.net, a.conn[EQ_C_INPUT], wa));
    NFT_OK(b.net, nf_connection_get_weights(b.net, b.conn[EQ_C_INPUT], wb));
    cr_assert(memcmp(wa, wb, (size_t)ca * sizeof *wa) != 0, "weights equal across seeds");
    free(wa);
    free(wb);
    eq_free(&a);
    eq_free(&b);
}
