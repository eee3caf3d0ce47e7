/*
 * The model table as the public API shows it, for every nf_model at once (a
 * model added to the table is covered without touching this file): defaults
 * that keep their model and validate, a default state probe, state kinds that
 * get_state and probe_add_state agree on, and a short run with finite
 * outputs on each backend.
 */
#include <stdlib.h>

#include "common.h"

TestSuite(models, .timeout = 60);

Test(models, defaults_keep_the_model_and_fall_back_to_relu) {
    for (int m = 0; m < NF_MODEL_COUNT; m++)
        cr_assert_eq(nf_population_defaults((nf_model)m, 3).model, (nf_model)m);
    cr_assert_eq(nf_population_defaults((nf_model)NF_MODEL_COUNT, 3).model, NF_MODEL_RELU);
    cr_assert_eq(nf_population_defaults((nf_model)-1, 3).model, NF_MODEL_RELU);
}

/* Every model with its defaults (rate models converted, so that they have a
 * state): the default state probe exists, each state kind either probes and
 * reads (and can be set back) or is refused by both, and 50 steps at a
 * moderate drive stay finite. */
NFT_BACKEND_TEST(models, every_model_runs_with_its_defaults, .timeout = 60) {
    enum { N = 16, B = 2, T = 50 };
    for (int m = 0; m < NF_MODEL_COUNT; m++) {
        nf_network *net = nft_network(backend, m == NF_MODEL_IZHIKEVICH ? 0.05 : 1e-3, B, 7);
        nf_population_desc d = nf_population_defaults((nf_model)m, N);
        d.spiking = 1;
        d.filter.kind = NF_FILTER_ALPHA;
        d.filter.tau = 0.005f;
        int32_t pop, in, conn, out_probe, state_probe, kind_probe;
        NFT_OK(net, nf_population_add(net, &d, &pop));
        NFT_OK(net, nf_input_add(net, N, &in));
        float drive[B * N];
        for (int i = 0; i < B * N; i++)
            drive[i] = 0.5f + 2.5f * (float)i / (B * N);
        NFT_OK(net, nf_input_set(net, in, 1, drive));
        nf_connection_desc c = nf_connection_defaults();
        c.kind = NF_CONNECTION_IDENTITY;
        c.scale = 1.0f;
        NFT_OK(net, nf_connect(net, in, pop, &c, &conn));
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &out_probe));
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 1, &state_probe));
        float values[B * N];
        for (int s = 0; s < NF_STATE_KIND_COUNT; s++) {
            nf_status got = nf_population_get_state(net, pop, (nf_state_kind)s, values);
            nf_status probed = nf_probe_add_state(net, pop, (nf_state_kind)s, 1, &kind_probe);
            cr_assert_eq(got, probed, "model %d: get_state and probe_add_state disagree on "
                         "state kind %d", m, s);
            if (got == NF_OK && s != NF_STATE_OUTPUT)
                NFT_OK(net, nf_population_set_state(net, pop, (nf_state_kind)s, values));
        }
        NFT_OK(net, nf_network_run(net, T));
        float *out = nft_probe_take(net, out_probe, T, B * N);
        for (int i = 0; i < T * B * N; i++)
            cr_assert(isfinite(out[i]), "model %d: output %d is %g", m, i, (double)out[i]);
        free(out);
        nf_network_destroy(net);
    }
}
