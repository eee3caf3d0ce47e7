/*
 * Batch windows (nf_network_create_window), without MPI: a window of a batch
 * computes, element for element and bit for bit, what the same elements of
 * the whole batch's window compute, through creation (every per-element draw keyed by
 * the global element), runs with learning, and a reset (states and z drawn
 * again); a learner with weights shared by the batch is refused on a partial
 * window; windows outside the batch are refused; the weight layouts
 * (per element or shared) and gains the MPI layer's setters read.
 */
#include <string.h>

#include "common.h"
#include "window_network.h"

TestSuite(window, .timeout = 300);

enum { GLOBAL = 5, STEPS = 60 };

static nf_network *window(nf_backend backend, int32_t first, int32_t count) {
    nf_network_desc d = nft_wn_desc(GLOBAL, 77);
    d.backend = backend;
    nf_network *net = NULL;
    char msg[256];
    nf_status st = nf_network_create_window(&d, first, count, &net, msg, sizeof msg);
    cr_assert_eq(st, NF_OK, "window (%d, %d): %s", first, count, msg);
    return net;
}

/* Builds the whole batch (as the window of all of it) and the window [first,
 * first + count), runs both, compares. */
static void check_window(nf_backend backend, int32_t first, int32_t count) {
    char why[512] = "";
    nft_wn ww, wb;
    nf_network *whole = window(backend, 0, GLOBAL);
    nf_network *win = window(backend, first, count);
    cr_assert_eq(nft_wn_build(whole, STEPS, &ww, why, sizeof why), NF_OK, "%s", why);
    cr_assert_eq(nft_wn_build(win, STEPS, &wb, why, sizeof why), NF_OK, "%s", why);
    cr_assert_eq(nf_network_batch(win), count);
    /* the state as drawn, before any step */
    cr_assert_eq(nft_wn_compare_state(whole, win, &wb, why, sizeof why), 0,
                 "window (%d, %d) at creation: %s", first, count, why);
    NFT_OK(whole, nf_network_run(whole, STEPS / 2));
    NFT_OK(win, nf_network_run(win, STEPS / 2));
    cr_assert_eq(nft_wn_compare(whole, win, &wb, why, sizeof why), 0,
                 "window (%d, %d) after %d steps: %s", first, count, STEPS / 2, why);
    NFT_OK(whole, nf_network_reset(whole));
    NFT_OK(win, nf_network_reset(win));
    NFT_OK(whole, nf_network_run(whole, STEPS));
    NFT_OK(win, nf_network_run(win, STEPS));
    cr_assert_eq(nft_wn_compare(whole, win, &wb, why, sizeof why), 0,
                 "window (%d, %d) after a reset and %d steps: %s", first, count, STEPS, why);
    nf_network_destroy(win);
    nf_network_destroy(whole);
}

NFT_BACKEND_TEST(window, windows_equal_the_same_elements_of_the_whole_batch, .timeout = 300) {
    /* two halves, an element alone at the end, the whole batch as a window */
    const int32_t windows[][2] = {{0, 2}, {2, 3}, {4, 1}, {1, 1}, {0, GLOBAL}};
    for (size_t k = 0; k < sizeof windows / sizeof *windows; k++)
        check_window(backend, windows[k][0], windows[k][1]);
}

Test(window, a_plain_network_is_the_window_of_its_whole_batch) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 3, 1);
    int32_t first = -1, count = -1, global = -1;
    NFT_OK(net, nf_network_batch_window(net, &first, &count, &global));
    cr_assert(first == 0 && count == 3 && global == 3);
    NFT_OK(net, nf_network_batch_window(net, NULL, NULL, NULL));
    cr_assert_eq(nf_network_batch_window(NULL, &first, &count, &global), NF_ERR_INVALID_ARGUMENT);
    int32_t in, dim = 0;
    NFT_OK(net, nf_input_add(net, 7, &in));
    NFT_OK(net, nf_input_size(net, in, &dim));
    cr_assert_eq(dim, 7);
    cr_assert_eq(nf_input_size(net, in + 1, &dim), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_input_size(net, in, NULL), NF_ERR_INVALID_ARGUMENT);
    nf_network_destroy(net);
}

Test(window, windows_outside_the_batch_are_refused) {
    nf_network_desc d = nf_network_defaults();
    d.batch = 4;
    d.backend = NF_BACKEND_CPU;
    const int32_t bad[][2] = {{-1, 2}, {0, 0}, {3, 2}, {4, 1}, {0, 5}, {2, -1}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        nf_network *net = (nf_network *)&d; /* must become NULL */
        char msg[256] = "";
        nf_status st = nf_network_create_window(&d, bad[k][0], bad[k][1], &net, msg, sizeof msg);
        cr_assert_eq(st, NF_ERR_INVALID_ARGUMENT, "window (%d, %d)", bad[k][0], bad[k][1]);
        cr_assert_null(net);
        cr_assert(strstr(msg, "nf_network_create_window") != NULL, "%s", msg);
    }
    nf_network *net = NULL;
    cr_assert_eq(nf_network_create_window(NULL, 0, 1, &net, NULL, 0), NF_ERR_INVALID_ARGUMENT);
    d.batch = 0;
    cr_assert_eq(nf_network_create_window(&d, 0, 1, &net, NULL, 0), NF_ERR_INVALID_ARGUMENT);
}

Test(window, a_learner_of_weights_shared_by_the_batch_needs_the_whole_batch) {
    for (int whole = 0; whole <= 1; whole++) {
        nf_network *net = whole ? window(NF_BACKEND_CPU, 0, GLOBAL) : window(NF_BACKEND_CPU, 1, 2);
        nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 4);
        int32_t pop, target, readout, learner;
        NFT_OK(net, nf_population_add(net, &pd, &pop));
        NFT_OK(net, nf_input_add(net, 1, &target));
        nf_readout_desc rd = {.per_batch = 0};
        NFT_OK(net, nf_readout_add(net, pop, 1, &rd, &readout));
        nf_learner_desc ld = nf_learner_defaults();
        ld.readout = readout;
        ld.target = target;
        nf_status st = nf_learner_add(net, &ld, &learner);
        if (whole) {
            cr_assert_eq(st, NF_OK, "%s", nf_network_last_error(net));
        } else {
            cr_assert_eq(st, NF_ERR_UNSUPPORTED, "%s", nf_status_string(st));
            cr_assert(strstr(nf_network_last_error(net), "shared by the batch") != NULL, "%s",
                      nf_network_last_error(net));
            /* per element: allowed */
            nf_readout_desc pb = {.per_batch = 1};
            NFT_OK(net, nf_readout_add(net, pop, 1, &pb, &readout));
            ld.readout = readout;
            NFT_OK(net, nf_learner_add(net, &ld, &learner));
        }
        nf_network_destroy(net);
    }
}

/* What the MPI layer's collective setters read: whether weights are per
 * element (their count then the window's elements times one matrix) or
 * shared, and gains and biases read back. */
Test(window, weight_layouts_and_gains_read_back) {
    nf_network *net = window(NF_BACKEND_CPU, 1, 3);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 4);
    int32_t in, pop, shared, per_batch, ident, ro_shared, ro_batch, flag = -1;
    int64_t count = 0;
    NFT_OK(net, nf_input_add(net, 2, &in));
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_ZERO;
    NFT_OK(net, nf_connect(net, in, pop, &cd, &shared));
    cd.per_batch = 1;
    NFT_OK(net, nf_connect(net, in, pop, &cd, &per_batch));
    nf_connection_desc id = nf_connection_defaults();
    id.kind = NF_CONNECTION_IDENTITY;
    NFT_OK(net, nf_connect(net, pop, pop, &id, &ident));
    NFT_OK(net, nf_connection_per_batch(net, shared, &flag));
    cr_assert_eq(flag, 0);
    NFT_OK(net, nf_connection_per_batch(net, per_batch, &flag));
    cr_assert_eq(flag, 1);
    NFT_OK(net, nf_connection_weight_count(net, per_batch, &count));
    cr_assert_eq(count, 3 * 4 * 2);
    NFT_OK(net, nf_connection_per_batch(net, ident, &flag));
    cr_assert_eq(flag, 0);
    cr_assert_eq(nf_connection_per_batch(net, pop, &flag), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "nf_connection_per_batch: "), "%s",
              nf_network_last_error(net));
    cr_assert_eq(nf_connection_per_batch(net, shared, NULL), NF_ERR_INVALID_ARGUMENT);

    const nf_readout_desc rs = {.per_batch = 0}, rb = {.per_batch = 1};
    NFT_OK(net, nf_readout_add(net, pop, 5, &rs, &ro_shared));
    NFT_OK(net, nf_readout_add(net, pop, 5, &rb, &ro_batch));
    NFT_OK(net, nf_readout_weight_count(net, ro_shared, &count, &flag));
    cr_assert(count == 5 * 4 && flag == 0, "%lld %d", (long long)count, flag);
    NFT_OK(net, nf_readout_weight_count(net, ro_batch, &count, NULL));
    cr_assert_eq(count, 3 * 5 * 4);
    NFT_OK(net, nf_readout_weight_count(net, ro_batch, &count, &flag));
    cr_assert_eq(flag, 1);
    cr_assert_eq(nf_readout_weight_count(net, shared, &count, &flag), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "nf_readout_weight_count: "), "%s",
              nf_network_last_error(net));

    const float gains[4] = {1.5f, -0.0f, 2.0f, 1e-40f}, biases[4] = {0.1f, 0.2f, -0.3f, 0.0f};
    float g[4], b[4] = {9, 9, 9, 9};
    NFT_OK(net, nf_population_set_gain_bias(net, pop, gains, biases));
    NFT_OK(net, nf_population_get_gain_bias(net, pop, g, NULL));
    cr_assert(!memcmp(g, gains, sizeof g));
    NFT_OK(net, nf_population_get_gain_bias(net, pop, NULL, b));
    cr_assert(!memcmp(b, biases, sizeof b));
    cr_assert_eq(nf_population_get_gain_bias(net, in, g, b), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "nf_population_get_gain_bias: "), "%s",
              nf_network_last_error(net));
    cr_assert_eq(nf_population_get_gain_bias(NULL, pop, g, b), NF_ERR_INVALID_ARGUMENT);
    nf_network_destroy(net);
}
