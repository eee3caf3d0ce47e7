/*
 * Replicas, without MPI: windows of one batch built by the same calls have
 * equal digests object for object (nf_network_object_digest: a network of
 * every kind of object and draw), also after running, another seed or one value one ulp or one
 * zero's sign apart changes exactly the part that holds it; a sparse
 * connection's structure, a learner's mask and row scales are parts; the run check
 * (nf_network_set_run_check) is called before the first run and after each
 * structural change only, its refusal leaves the network as it was, its
 * context is released when replaced and on destroy, and it cannot run the
 * network or replace itself.
 */
#include <math.h>
#include <string.h>

#include "common.h"
#include "window_network.h"

TestSuite(replica, .timeout = 300);

enum { GLOBAL = 5 };

static nf_network *built(nf_backend backend, uint64_t seed, int32_t first, int32_t count,
                         nft_wn *w) {
    nf_network_desc d = nft_wn_desc(GLOBAL, seed);
    d.backend = backend;
    nf_network *net = NULL;
    char msg[256];
    cr_assert_eq(nf_network_create_window(&d, first, count, &net, msg, sizeof msg), NF_OK,
                 "%s", msg);
    cr_assert_eq(nft_wn_build(net, 4, w, msg, sizeof msg), NF_OK, "%s", msg);
    return net;
}

static nf_object_digest digest(nf_network *net, int32_t id) {
    nf_object_digest d;
    NFT_OK(net, nf_network_object_digest(net, id, &d));
    return d;
}

/* The index of part `name` in d, or -1. */
static int part(const nf_object_digest *d, const char *name) {
    for (int k = 0; k < d->parts; k++)
        if (strcmp(d->part[k], name) == 0)
            return k;
    return -1;
}

NFT_BACKEND_TEST(replica, windows_of_one_batch_have_equal_digests, .timeout = 300) {
    nft_wn ww, w1, w2, wo;
    nf_network *whole = built(backend, 77, 0, GLOBAL, &ww);
    nf_network *a = built(backend, 77, 1, 2, &w1), *b = built(backend, 77, 4, 1, &w2);
    nf_network *other = built(backend, 78, 0, GLOBAL, &wo);
    const int32_t n = nf_network_object_count(whole);
    cr_assert_eq(n, nf_network_object_count(a));
    cr_assert_gt(n, 25);
    int shared_weights = 0, structures = 0;
    for (int32_t id = -1; id < n; id++) {
        const nf_object_digest dw = digest(whole, id), da = digest(a, id), db = digest(b, id);
        cr_assert(memcmp(&dw, &da, sizeof dw) == 0 && memcmp(&dw, &db, sizeof dw) == 0,
                  "object %d (%s): digests of windows differ", id, dw.kind);
        cr_assert_str_eq(dw.part[0], "parameters");
        shared_weights += part(&dw, "weights") >= 0;
        structures += part(&dw, "structure") >= 0;
    }
    /* after runs (learning per element) the shared values are still equal */
    char why[256] = "";
    NFT_OK(whole, nf_network_run(whole, 4));
    NFT_OK(a, nf_network_run(a, 4));
    cr_assert_eq(nft_wn_compare(whole, a, &w1, why, sizeof why), 0, "%s", why);
    for (int32_t id = -1; id < n; id++) {
        const nf_object_digest dw = digest(whole, id), da = digest(a, id);
        cr_assert(memcmp(&dw, &da, sizeof dw) == 0, "object %d after a run", id);
    }
    /* the shared generated connections and the shared readout; the sparse ones */
    cr_assert_geq(shared_weights, 3, "%d objects with shared weights", shared_weights);
    cr_assert_geq(structures, 1);
    /* another seed: the network's parameters and the shared draws differ, not the rest */
    const nf_object_digest net_w = digest(whole, -1), net_o = digest(other, -1);
    cr_assert_str_eq(net_w.kind, "network");
    cr_assert(net_w.hash[0] != net_o.hash[0]);
    const nf_object_digest rec_w = digest(whole, ww.conns[1]), rec_o = digest(other, wo.conns[1]);
    const int k = part(&rec_w, "weights");
    cr_assert(k > 0 && rec_w.hash[0] == rec_o.hash[0] && rec_w.hash[k] != rec_o.hash[k],
              "the shared generated recurrence: only its weights differ");
    int32_t per_batch = 0;
    NFT_OK(whole, nf_connection_per_batch(whole, ww.conns[0], &per_batch));
    const nf_object_digest input_w = digest(whole, ww.conns[0]);
    cr_assert(per_batch && part(&input_w, "weights") < 0, "per-batch weights are not digested");
    nf_network_destroy(whole);
    nf_network_destroy(a);
    nf_network_destroy(b);
    nf_network_destroy(other);
}

Test(replica, a_value_changes_only_its_part) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 3, 1);
    int32_t in = -1, pop = -1, conn = -1;
    NFT_OK(net, nf_input_add(net, 2, &in));
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 3);
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    float w[6] = {0.5f, -0.0f, 1.0f, 2.0f, 0.25f, 1e-40f};
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    NFT_OK(net, nf_connect(net, in, pop, &cd, &conn));
    const nf_object_digest c0 = digest(net, conn), p0 = digest(net, pop);
    cr_assert_eq(c0.parts, 2);
    cr_assert_str_eq(c0.kind, "connection");
    cr_assert_str_eq(c0.part[1], "weights");
    w[1] = 0.0f; /* the other zero */
    NFT_OK(net, nf_connection_set_weights(net, conn, w));
    const nf_object_digest c1 = digest(net, conn);
    cr_assert(c1.hash[0] == c0.hash[0] && c1.hash[1] != c0.hash[1], "a zero's sign");
    w[1] = -0.0f;
    NFT_OK(net, nf_connection_set_weights(net, conn, w));
    cr_assert_eq(digest(net, conn).hash[1], c0.hash[1], "the same weights again");
    float g[3] = {1, 1, 1}, b[3] = {0, 0, 0};
    NFT_OK(net, nf_population_get_gain_bias(net, pop, g, b));
    b[2] = nextafterf(b[2], 1.0f);
    NFT_OK(net, nf_population_set_gain_bias(net, pop, NULL, b));
    const nf_object_digest p1 = digest(net, pop);
    cr_assert_str_eq(p1.part[2], "biases");
    cr_assert(p1.hash[0] == p0.hash[0] && p1.hash[1] == p0.hash[1] && p1.hash[2] != p0.hash[2],
              "one ulp of one bias changes the biases' hash only");
    nf_object_digest d;
    cr_assert_eq(nf_network_object_digest(net, 3, &d), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "nf_network_object_digest: id 3"));
    cr_assert_eq(nf_network_object_digest(net, 0, NULL), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_network_object_count(NULL), 0);
    nf_network_destroy(net);
}

Test(replica, sparse_structure_row_scales_and_masks_are_parts) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 2, 1);
    int32_t pop = -1, target = -1, conn = -1, dense = -1, ro = -1, masked = -1, force = -1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 3);
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    NFT_OK(net, nf_input_add(net, 3, &target));
    const int32_t row_ptr[4] = {0, 2, 3, 5}, col[5] = {0, 2, 1, 0, 1};
    const float values[5] = {0.5f, -0.25f, 1.0f, 0.125f, -1.0f};
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.weights = values;
    cd.row_ptr = row_ptr;
    cd.col_idx = col;
    cd.nnz = 5;
    cd.propagation = NF_PROPAGATION_DENSE;
    NFT_OK(net, nf_connect(net, pop, pop, &cd, &conn));
    nf_connection_desc dd = nf_connection_defaults();
    dd.init = NF_WEIGHTS_ZERO;
    NFT_OK(net, nf_connect(net, pop, pop, &dd, &dense));
    NFT_OK(net, nf_readout_add(net, pop, 3, NULL, &ro));
    nf_learner_desc ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_MASKED;
    ld.connection = conn;
    ld.target = target;
    NFT_OK(net, nf_learner_add(net, &ld, &masked));
    const float scale[9] = {1, 0, 0, 0, 1, 0, 0, 0, 2};
    ld = nf_learner_defaults();
    ld.readout = ro;
    ld.target = target;
    ld.connection = dense;
    ld.row_scale = scale;
    NFT_OK(net, nf_learner_add(net, &ld, &force));
    const nf_object_digest c = digest(net, conn), m = digest(net, masked), f = digest(net, force);
    cr_assert(c.parts == 3 && part(&c, "weights") == 1 && part(&c, "structure") == 2);
    cr_assert(m.parts == 2 && part(&m, "mask") == 1, "%s %d", m.part[1], m.parts);
    cr_assert(f.parts == 2 && part(&f, "row scale") == 1, "%s %d", f.part[1], f.parts);
    cr_assert_str_eq(m.kind, "learner");
    nf_network_destroy(net);
}

typedef struct counter {
    int calls, released, refuse;
} counter;

static nf_status count_check(nf_network *net, void *context, char *message, size_t capacity) {
    (void)net;
    counter *c = context;
    c->calls++;
    if (!c->refuse)
        return NF_OK;
    snprintf(message, capacity, "refused by the check (call %d)", c->calls);
    return NF_ERR_INVALID_ARGUMENT;
}

static void count_release(void *context) { ((counter *)context)->released++; }

/* A check that runs the network and replaces itself: both refused. */
static nf_status nested_check(nf_network *net, void *context, char *message, size_t capacity) {
    int *refusals = context;
    *refusals += nf_network_run(net, 1) == NF_ERR_STATE &&
                 strstr(nf_network_last_error(net), "called from the run check");
    *refusals += nf_network_set_run_check(net, NULL, NULL, NULL) == NF_ERR_STATE;
    (void)message;
    (void)capacity;
    return NF_OK;
}

Test(replica, the_run_check_runs_after_structural_changes_only) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 2, 1);
    int32_t pop = -1, extra = -1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 3);
    pd.bias = 0.5f;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    counter c = {0}, other = {0};
    NFT_OK(net, nf_network_set_run_check(net, count_check, &c, count_release));
    NFT_OK(net, nf_network_run(net, 2));
    NFT_OK(net, nf_network_run(net, 3));
    NFT_OK(net, nf_network_reset(net));
    NFT_OK(net, nf_network_run(net, 0));
    cr_assert_eq(c.calls, 1, "before the first run only: %d calls", c.calls);
    NFT_OK(net, nf_input_add(net, 1, &extra));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_network_set_dt(net, 0.002));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_network_run(net, 1));
    cr_assert_eq(c.calls, 4, "after an object, dt, the mode: %d calls", c.calls);

    /* a refusal: nothing runs, the next run asks again */
    float before[6], after[6];
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, before));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &extra));
    c.refuse = 1;
    const int64_t step = nf_network_step_count(net);
    cr_assert_eq(nf_network_run(net, 5), NF_ERR_INVALID_ARGUMENT);
    cr_assert_str_eq(nf_network_last_error(net), "nf_network_run: refused by the check (call 5)");
    cr_assert_eq(nf_network_run(net, 5), NF_ERR_INVALID_ARGUMENT);
    int64_t rows = -1;
    NFT_OK(net, nf_probe_rows(net, extra, &rows));
    NFT_OK(net, nf_population_get_state(net, pop, NF_STATE_OUTPUT, after));
    cr_assert(nf_network_step_count(net) == step && rows == 0 &&
                  memcmp(before, after, sizeof before) == 0,
              "a refused run ran");
    c.refuse = 0;
    NFT_OK(net, nf_network_run(net, 2));
    cr_assert_eq(c.calls, 7);
    cr_assert_eq(nf_network_step_count(net), step + 2);

    /* replaced: the old context released, the new check never passed */
    NFT_OK(net, nf_network_set_run_check(net, count_check, &other, count_release));
    cr_assert_eq(c.released, 1);
    NFT_OK(net, nf_network_run(net, 1));
    cr_assert_eq(other.calls, 1);
    NFT_OK(net, nf_network_set_run_check(net, NULL, NULL, NULL));
    cr_assert_eq(other.released, 1);
    NFT_OK(net, nf_network_run(net, 1));
    NFT_OK(net, nf_network_set_run_check(net, count_check, &other, count_release));
    nf_network_destroy(net);
    cr_assert_eq(other.released, 2, "released by nf_network_destroy");
    cr_assert_eq(c.calls, 7);
    cr_assert_eq(nf_network_set_run_check(NULL, count_check, &c, NULL), NF_ERR_INVALID_ARGUMENT);

    net = nft_network(NF_BACKEND_CPU, 0.001, 1, 1);
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    int refusals = 0;
    NFT_OK(net, nf_network_set_run_check(net, nested_check, &refusals, NULL));
    NFT_OK(net, nf_network_run(net, 2));
    cr_assert_eq(refusals, 2, "a run and a new check from inside the check: refused");
    cr_assert_eq(nf_network_step_count(net), 2);
    nf_network_destroy(net);
}
