/*
 * Error paths (errors_common.h) of connections, weights, readouts and
 * learners: nf_connect with bad ids, enums, sizes, generators, propagation and
 * CSR arrays, the weight and readout calls, nf_learner_add and the learner
 * calls. Each bad call is refused with its status and a message naming the
 * argument, and changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors_common.h"

TestSuite(errors, .timeout = 60);

// --- nf_connect ----------------------------------------------------------------------------

/* Connects pre -> post with the default (dense, given) descriptor broken by "...". */
#define BAD_CONN(pre, post, words, ...)                                                            \
    do {                                                                                           \
        nf_connection_desc c_ = nf_connection_defaults();                                          \
        c_.weights = ok_weights();                                                                 \
        __VA_ARGS__;                                                                               \
        int32_t id_ = -1;                                                                          \
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #pre " -> " #post ": " #__VA_ARGS__,         \
                 nf_connect(net, (pre), (post), &c_, &id_));                                       \
    } while (0)

Test(errors, connect_rejects_ids_enums_and_null) {
    TWINS();
    EACH_ID(pre, 999, -1, a.probe[P_LIF_OUT], a.c_in, a.learner) {
        BAD_CONN(*pre, a.relu, "pre", (void)0);
    }
    EACH_ID(post, 999, -5, a.in, a.readout, a.c_in) { BAD_CONN(a.lif, *post, "post", (void)0); }
    int32_t id = -1;
    nf_connection_desc c = nf_connection_defaults();
    c.weights = ok_weights();
    REFUSED(NULL, nf_connect(net, a.lif, a.relu, NULL, &id));
    REFUSED(NULL, nf_connect(net, a.lif, a.relu, &c, NULL));
    BAD_CONN(a.lif, a.relu, "kind", c_.kind = (nf_connection_kind)3);
    BAD_CONN(a.lif, a.relu, "init", c_.init = (nf_weights_init)4);
    BAD_CONN(a.lif, a.relu, "propagation", c_.propagation = (nf_propagation)3);
    BAD_CONN(a.in, a.relu, "propagation", c_.propagation = (nf_propagation)-1);
    ref_finish(&a, &b);
}

Test(errors, connect_rejects_bad_weights_sizes_generators_and_propagation) {
    TWINS();
#define IDENTITY(s) c_.kind = NF_CONNECTION_IDENTITY, c_.scale = (s)
    EACH_ID(pre, a.in, a.in3, a.readout) { /* 2, 3 and 2 values into 4 neurons */
        BAD_CONN(*pre, a.relu, "identity|n_pre|n_post|size", IDENTITY(1.0f));
    }
    BAD_CONN(a.lif, a.relu, "scale", IDENTITY(NAN));
    BAD_CONN(a.lif, a.relu, "scale", IDENTITY(INFINITY));
#undef IDENTITY
    float w[2 * REF_N * REF_N];
    memcpy(w, ok_weights(), sizeof w);
    BAD_CONN(a.lif, a.relu, "weights|null", c_.weights = NULL);
    BAD_CONN(a.in, a.relu, "weights|null", c_.weights = NULL; c_.per_batch = 1);
    w[REF_N * REF_N - 1] = NAN; /* last of [4][4] */
    BAD_CONN(a.lif, a.relu, "weights", c_.weights = w);
    BAD_CONN(a.lif, a.relu, "weights", c_.weights = w; c_.propagation = NF_PROPAGATION_DENSE);
    w[REF_N * REF_N - 1] = 0.0f;
    w[0] = -INFINITY;
    BAD_CONN(a.in, a.relu, "weights", c_.weights = w);
    w[0] = 0.0f;
    w[2 * REF_N * REF_N - 1] = INFINITY; /* last of the second batch copy */
    BAD_CONN(a.lif, a.relu, "weights", c_.weights = w; c_.per_batch = 1);
    /* Event-driven propagation needs a spiking pre population. */
    EACH_ID(pre, a.in, a.relu, a.readout) {
        BAD_CONN(*pre, a.lif, "event|spiking|propagation", c_.propagation = NF_PROPAGATION_EVENT);
    }
    const float bad_p[] = {0.0f, -0.5f, 1.5f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_p / sizeof *bad_p; i++) {
        BAD_CONN(a.lif, a.relu, "p", c_.init = NF_WEIGHTS_NORMAL; c_.p = bad_p[i]);
        BAD_CONN(a.in, a.relu, "p", c_.init = NF_WEIGHTS_UNIFORM; c_.low = -1.0f; c_.high = 1.0f;
                 c_.p = bad_p[i]);
        BAD_CONN(a.lif, a.relu, "p", c_.kind = NF_CONNECTION_SPARSE; c_.init = NF_WEIGHTS_NORMAL;
                 c_.p = bad_p[i]);
    }
    BAD_CONN(a.lif, a.relu, "g", c_.init = NF_WEIGHTS_NORMAL; c_.scale = 0.0f; c_.g = NAN);
    BAD_CONN(a.lif, a.relu, "scale", c_.init = NF_WEIGHTS_NORMAL; c_.scale = -1.0f);
    BAD_CONN(a.lif, a.relu, "scale", c_.init = NF_WEIGHTS_NORMAL; c_.scale = NAN);
#define UNIFORM(lo, hi) c_.init = NF_WEIGHTS_UNIFORM, c_.low = (lo), c_.high = (hi)
    BAD_CONN(a.in, a.relu, "low|high", UNIFORM(1.0f, -1.0f));
    BAD_CONN(a.in, a.relu, "low|high", UNIFORM(NAN, 1.0f));
    BAD_CONN(a.in, a.relu, "low|high", UNIFORM(0.0f, INFINITY));
#undef UNIFORM
    /* a refused generated connection took no random draws */
    ref_finish(&a, &b);
}

Test(errors, connect_rejects_malformed_csr) {
    TWINS();
    /* A valid CSR over [4 post][4 pre]: rows {0}, {1, 3}, {2}, {0, 3}. */
    const int32_t rp[REF_N + 1] = {0, 1, 3, 4, 6}, ci[6] = {0, 1, 3, 2, 0, 3};
    const float vals[6] = {0.01f, -0.02f, 0.03f, 0.01f, 0.02f, -0.01f};
    const float vals_nan[6] = {0.01f, -0.02f, 0.03f, 0.01f, 0.02f, NAN};
    const int32_t rp_start1[] = {1, 1, 3, 4, 6}, rp_decreasing[] = {0, 3, 1, 4, 6};
    const int32_t rp_short[] = {0, 1, 3, 4, 5}, rp_long[] = {0, 1, 3, 4, 7}; /* vs nnz 6 */
    const int32_t rp_jump[] = {0, 1, 300, 4, 6};                             /* far past col_idx */
    const int32_t ci_out[] = {0, 1, 3, 2, 0, 4}, ci_neg[] = {-1, 1, 3, 2, 0, 3}; /* [0, 4) */
    const int32_t ci_dup[] = {0, 1, 1, 2, 0, 3}, ci_unsorted[] = {0, 3, 1, 2, 0, 3};
#define CSR(r, c, n, v)                                                                            \
    c_.kind = NF_CONNECTION_SPARSE, c_.row_ptr = (r), c_.col_idx = (c), c_.nnz = (n),              \
    c_.weights = (v)
    BAD_CONN(a.lif, a.relu, "row_ptr", CSR(NULL, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, NULL, 6, vals));
    BAD_CONN(a.lif, a.relu, "nnz", CSR(rp, ci, -1, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr", CSR(rp_start1, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr", CSR(rp_decreasing, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr|nnz", CSR(rp_short, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr|nnz", CSR(rp_long, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "row_ptr|nnz", CSR(rp_jump, ci, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_out, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_neg, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_dup, 6, vals));
    BAD_CONN(a.lif, a.relu, "col_idx", CSR(rp, ci_unsorted, 6, vals));
    BAD_CONN(a.in, a.relu, "col_idx", CSR(rp, ci, 6, vals)); /* the input has 2 columns */
    BAD_CONN(a.lif, a.relu, "weights|null", CSR(rp, ci, 6, NULL));
    BAD_CONN(a.lif, a.relu, "weights", CSR(rp, ci, 6, vals_nan));
    BAD_CONN(a.lif, a.relu, "weights", CSR(rp, ci, 6, vals_nan);
             c_.propagation = NF_PROPAGATION_DENSE);
    /* The well-formed one is accepted (on both twins, with the same id). */
    int32_t ids[2];
    for (int k = 0; k < 2; k++) {
        nf_connection_desc c_ = nf_connection_defaults();
        CSR(rp, ci, 6, vals);
        const ref_net *t = k ? &b : &a;
        NFT_OK(t->net, nf_connect(t->net, t->lif, t->relu, &c_, &ids[k]));
    }
#undef CSR
    cr_assert_eq(ids[0], ids[1], "failed connects shifted the next id");
    ref_finish(&a, &b);
}

// --- connection weights, readouts ---------------------------------------------------------

Test(errors, weights_and_readouts_reject_and_change_nothing) {
    TWINS();
    float w[REF_N * REF_N];
    memcpy(w, ok_weights(), sizeof w);
    int64_t count = -1;
    EACH_ID(conn, 999, -1, a.lif, a.readout, a.probe[P_INPUT]) {
        REFUSED("conn|connection", nf_connection_set_weights(net, *conn, w));
        REFUSED("conn|connection", nf_connection_get_weights(net, *conn, w));
        STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_connection_weight_count(net, *conn, &count));
    }
    STATUS_IS(NF_ERR_INVALID_ARGUMENT, nf_connection_weight_count(net, a.c_in, NULL));
    REFUSED("w|weights|null", nf_connection_set_weights(net, a.c_in, NULL));
    REFUSED("w|weights|null", nf_connection_get_weights(net, a.c_in, NULL));
    /* Non-finite weights into a dense, an event-driven and an identity connection. */
    w[REF_N * REF_DIM - 1] = NAN;
    REFUSED("w|weights", nf_connection_set_weights(net, a.c_in, w));
    w[REF_N * REF_DIM - 1] = 0.0f;
    w[REF_N * REF_N - 1] = INFINITY;
    REFUSED("w|weights", nf_connection_set_weights(net, a.c_event, w));
    const float scale_nan = NAN;
    REFUSED("w|weights|scale", nf_connection_set_weights(net, a.c_identity, &scale_nan));
    int32_t id = -1;
    float wo[REF_DIM * REF_N] = {0}, z[REF_BATCH * REF_DIM] = {0};
    nf_readout_desc ok = {.weights = wo}, bad_scale = {.z_init_scale = NAN};
    EACH_ID(pop, 999, -1, a.in, a.readout) {
        REFUSED("pop", nf_readout_add(net, *pop, REF_DIM, &ok, &id));
    }
    REFUSED("dim", nf_readout_add(net, a.lif, 0, &ok, &id));
    REFUSED("dim", nf_readout_add(net, a.lif, -2, NULL, &id));
    REFUSED(NULL, nf_readout_add(net, a.lif, REF_DIM, &ok, NULL));
    REFUSED("z_init_scale", nf_readout_add(net, a.lif, REF_DIM, &bad_scale, &id));
    EACH_ID(r, 999, -1, a.c_feedback, a.lif, a.learner, a.in) {
        REFUSED("readout", nf_readout_set_weights(net, *r, wo));
        REFUSED("readout", nf_readout_get_weights(net, *r, wo));
        REFUSED("readout", nf_readout_set_state(net, *r, z));
        REFUSED("readout", nf_readout_get_state(net, *r, z));
    }
    REFUSED("w|weights|null", nf_readout_set_weights(net, a.readout, NULL));
    REFUSED("w|weights|null", nf_readout_get_weights(net, a.readout, NULL));
    REFUSED("z|null", nf_readout_set_state(net, a.readout, NULL));
    REFUSED("z|null", nf_readout_get_state(net, a.readout, NULL));
    wo[REF_DIM * REF_N - 1] = NAN;
    REFUSED("weights", nf_readout_add(net, a.lif, REF_DIM, &ok, &id));
    REFUSED("w|weights", nf_readout_set_weights(net, a.readout, wo));
    z[REF_BATCH * REF_DIM - 1] = INFINITY;
    REFUSED("z", nf_readout_set_state(net, a.readout, z));
    ref_finish(&a, &b);
}

// --- learners ---------------------------------------------------------------------------

/* Adds a learner from `base` broken by the statements in "...". */
#define BAD_LEARNER(base, words, ...)                                                              \
    do {                                                                                           \
        nf_learner_desc l_ = (base);                                                               \
        __VA_ARGS__;                                                                               \
        int32_t id_ = -1;                                                                          \
        FAILS_AS(net, NF_ERR_INVALID_ARGUMENT, words, #__VA_ARGS__,                                \
                 nf_learner_add(net, &l_, &id_));                                                  \
    } while (0)

Test(errors, learners_reject_and_change_nothing) {
    TWINS();
    nf_learner_desc ok = nf_learner_defaults();
    ok.readout = a.readout;
    ok.target = a.in;
    int32_t id = -1;
    REFUSED(NULL, nf_learner_add(net, NULL, &id));
    REFUSED(NULL, nf_learner_add(net, &ok, NULL));
    BAD_LEARNER(ok, "kind", l_.kind = (nf_learner_kind)99);
    BAD_LEARNER(ok, "alpha", l_.alpha = 0.0f);
    BAD_LEARNER(ok, "alpha", l_.alpha = NAN);
    BAD_LEARNER(ok, "alpha", l_.alpha = 1e-39f); /* 1/alpha overflows a float P */
    BAD_LEARNER(ok, "every", l_.every = 0);
    BAD_LEARNER(ok, "start", l_.start = -1);
    BAD_LEARNER(ok, "stop", l_.start = 10; l_.stop = 5);
    BAD_LEARNER(ok, "rule", l_.rule = (nf_rls_rule)2);
    EACH_ID(r, 999, -1, a.lif) BAD_LEARNER(ok, "readout", l_.readout = *r);
    EACH_ID(t, 999, a.lif, a.readout) BAD_LEARNER(ok, "target", l_.target = *t);
    BAD_LEARNER(ok, "dim|target", l_.target = a.in3); /* dim 3, the readout's is 2 */
    /* Recurrent rows: a dense, not event-driven connection from the readout's population:
     * not from the input, the readout, event-driven or identity. */
    EACH_ID(c, 999, a.lif, a.c_in, a.c_feedback, a.c_event, a.c_identity) {
        BAD_LEARNER(ok, "connection", l_.connection = *c);
    }
    float row_scale[REF_N * REF_DIM] = {1, 1, 1, 1, 1, 1, 1, NAN};
    BAD_LEARNER(ok, "row_scale", l_.connection = a.c_dense; l_.row_scale = row_scale);
    float p[REF_N * REF_N] = {2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2};
    EACH_ID(l, 999, -1, a.readout, a.probe[P_ERROR]) {
        REFUSED("learner", nf_learner_set_enabled(net, *l, 0));
        REFUSED("learner", nf_learner_get_p(net, *l, p));
        REFUSED("learner", nf_learner_set_p(net, *l, p));
    }
    REFUSED("p|null", nf_learner_get_p(net, a.learner, NULL));
    REFUSED("p|null", nf_learner_set_p(net, a.learner, NULL));
    p[REF_N * REF_N - 1] = NAN;
    REFUSED("p", nf_learner_set_p(net, a.learner, p));
    p[REF_N * REF_N - 1] = 2.0f;
    p[1] = 0.5f; /* p[0][1] != p[1][0]: P is symmetric */
    REFUSED("symmetric|p", nf_learner_set_p(net, a.learner, p));
    ref_finish(&a, &b);
}

Test(errors, learner_add_rejects_bad_currents_learners) {
    nf_network *net = nft_network(NF_BACKEND_CPU, REF_DT, 2, 5);
    int32_t in, pre, post, small, c_learn, c_desired, c_small, c_from_input, id = -1;
    NFT_OK(net, nf_input_add(net, 2, &in));
    nf_population_desc d = nf_population_defaults(NF_MODEL_TANH, 3);
    NFT_OK(net, nf_population_add(net, &d, &pre));
    NFT_OK(net, nf_population_add(net, &d, &post));
    d.n = 2;
    NFT_OK(net, nf_population_add(net, &d, &small));
    nf_connection_desc c = nf_connection_defaults();
    c.weights = ok_weights();
    NFT_OK(net, nf_connect(net, pre, post, &c, &c_learn));
    NFT_OK(net, nf_connect(net, in, post, &c, &c_desired));
    NFT_OK(net, nf_connect(net, in, small, &c, &c_small));
    NFT_OK(net, nf_connect(net, in, pre, &c, &c_from_input));
    const int32_t one[1] = {c_desired}, not_a_connection[1] = {post}, other_rows[1] = {c_small};
    const int32_t nine[9] = {c_desired, c_desired, c_desired, c_desired, c_desired,
                             c_desired, c_desired, c_desired, c_desired};
    nf_learner_desc ok = nf_learner_defaults();
    ok.kind = NF_LEARNER_CURRENTS;
    ok.connection = c_learn;
    ok.desired = one;
    ok.n_desired = 1;
    EACH_ID(conn, -1, post, c_from_input) { /* c_from_input: its pre is an input */
        BAD_LEARNER(ok, "connection", l_.connection = *conn);
    }
    BAD_LEARNER(ok, "desired", l_.desired = NULL);
    BAD_LEARNER(ok, "desired|n_desired", l_.n_desired = 0);
    BAD_LEARNER(ok, "desired|n_desired", l_.desired = nine; l_.n_desired = 9);
    BAD_LEARNER(ok, "desired", l_.desired = not_a_connection);
    BAD_LEARNER(ok, "desired", l_.desired = other_rows); /* feeds 2 neurons, not 3 */
    BAD_LEARNER(ok, "alpha", l_.alpha = 0.0f);
    NFT_OK(net, nf_learner_add(net, &ok, &id)); /* the network still takes a valid one */
    NFT_OK(net, nf_network_run(net, 3));
    nf_network_destroy(net);
}
