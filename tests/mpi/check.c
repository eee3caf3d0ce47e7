/*
 * The ranks' networks compared (nf_mpi_network_check_replicated, and the run
 * check nf_network_run calls on a sharded network), run by ctest with
 * mpiexec on 1, 2 and 3 ranks, CPU backend, a batch of 7: an input into a
 * tanh population with gains and biases given in its descriptor, through a
 * shared dense connection with given weights, a shared readout with given
 * weights (a signed zero among them), a probe.
 *  - Networks that differ on some ranks, by what a descriptor gave: a
 *    connection weight one ulp apart (on the last rank; on every rank but 0,
 *    where rank 1 is named), a readout weight's zero of the other sign, the
 *    biases on rank 1, a population's tau, an extra connection among the
 *    objects or after them, are refused on every rank by the explicit call
 *    and by nf_network_run, naming the object, what of it differs and the
 *    lowest rank whose network differs from rank 0's; nothing runs (step
 *    count 0, no probe row).
 *  - The same descriptors on every rank: the check passes and the sharded
 *    network runs, element for element and bit for bit, as the whole batch in
 *    one process (the output gathered to rank 0, z). A weight set on one rank
 *    alone (nf_connection_set_weights, a rank's own) is refused at the first
 *    run after the next structural change (a probe added on every rank).
 * Usage: mpiexec -n N nft_mpi_check [N]; exit status 0 when every rank passed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_check.h"
#include "neurofuse_mpi.h"

enum { GLOBAL = 7, N = 4, DIM = 2, OUT = 2, STEPS = 10 };

#define OK(call) CHECK((call) == NF_OK, "%s: %s", #call, nf_mpi_last_error())
#define NET_OK(net, call) CHECK((call) == NF_OK, "%s: %s", #call, nf_network_last_error(net))

/* How this build differs from rank 0's on the ranks of `ranks_mask` (bit r: rank r). */
typedef enum change {
    SAME = 0,
    WEIGHT_ULP,   /* connection 2: one weight one ulp up */
    ZERO_SIGN,    /* readout 3: +0 where rank 0 has -0 */
    BIASES,       /* population 1: the last bias + 1 */
    TAU,          /* population 1: tau_ref 0.003 instead of 0.0025 */
    EXTRA_MIDDLE, /* a connection from the population to itself before the readout */
    EXTRA_END     /* the same connection after the probe */
} change;

typedef struct ids {
    int32_t in, pop, conn, readout, probe;
} ids;

static float drive(int64_t t, int32_t g, int32_t j) {
    return sinf(0.5f * (float)t + 0.8f * (float)g + 0.3f * (float)j);
}

static void extra(nf_network *net) {
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_ZERO;
    int32_t id = -1;
    NET_OK(net, nf_connect(net, 1, 1, &d, &id));
}

/* The whole batch (whole != 0) or this rank's slice, built with `c` on the
 * ranks of mask; NULL after a failed CHECK. */
static nf_network *build(int whole, change c, unsigned mask, ids *x) {
    const int mine = (mask >> rank) & 1u;
    nf_network *net = nft_mpi_cpu(GLOBAL, 5, whole);
    if (!net)
        return NULL;
    float gains[N], biases[N], w[N * DIM], ro[OUT * N];
    for (int i = 0; i < N; i++) {
        gains[i] = 0.8f + 0.1f * (float)i;
        biases[i] = 0.2f - 0.1f * (float)i;
    }
    for (int i = 0; i < N * DIM; i++)
        w[i] = 0.3f * cosf(1.3f * (float)i);
    for (int i = 0; i < OUT * N; i++)
        ro[i] = 0.25f * sinf(0.9f * (float)i + 0.2f);
    ro[1] = -0.0f;
    if (mine && c == WEIGHT_ULP)
        w[5] = nextafterf(w[5], 1.0f);
    if (mine && c == ZERO_SIGN)
        ro[1] = 0.0f;
    if (mine && c == BIASES)
        biases[N - 1] += 1.0f;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, N);
    pd.gains = gains;
    pd.biases = biases;
    if (mine && c == TAU)
        pd.tau_ref = 0.003f;
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    const nf_readout_desc rd = {.per_batch = 0, .weights = ro};
    NET_OK(net, nf_input_add(net, DIM, &x->in));
    NET_OK(net, nf_population_add(net, &pd, &x->pop));
    NET_OK(net, nf_connect(net, x->in, x->pop, &cd, &x->conn));
    if (mine && c == EXTRA_MIDDLE)
        extra(net);
    NET_OK(net, nf_readout_add(net, x->pop, OUT, &rd, &x->readout));
    NET_OK(net, nf_probe_add(net, x->pop, NF_PROBE_OUTPUT, 1, &x->probe));
    if (mine && c == EXTRA_END)
        extra(net);
    nft_mpi_set_rows(net, x->in, STEPS, DIM, drive);
    return net;
}

/* The lowest rank of mask other than 0. */
static int lowest(unsigned mask) {
    for (int r = 1; r < 32; r++)
        if ((mask >> r) & 1u)
            return r;
    return -1;
}

/* Expects NF_ERR_INVALID_ARGUMENT with "rank bad: " then words in message. */
static void refused(nf_status st, const char *message, const char *prefix, int bad,
                    const char *words, const char *what) {
    char expect[160];
    snprintf(expect, sizeof expect, "%srank %d: nf_mpi_network_check_replicated: ", prefix, bad);
    CHECK(st == NF_ERR_INVALID_ARGUMENT && strncmp(message, expect, strlen(expect)) == 0 &&
              strstr(message, words),
          "%s: %s '%s', expected a refusal beginning '%s' with '%s'", what,
          nf_status_string(st), message, expect, words);
}

/* Networks differing by c on the ranks of mask: refused everywhere, nothing run. */
static void differs(change c, unsigned mask, const char *words_fmt, const char *what) {
    mask &= (1u << ranks) - 1u;
    const int bad = lowest(mask);
    if (bad < 0)
        return; /* no rank but 0 to differ */
    char words[200];
    snprintf(words, sizeof words, words_fmt, bad, bad);
    ids x;
    nf_network *net = build(0, c, mask, &x);
    if (!net)
        return;
    refused(nf_mpi_network_check_replicated(net, MPI_COMM_WORLD), nf_mpi_last_error(), "", bad,
            words, what);
    refused(nf_network_run(net, STEPS), nf_network_last_error(net), "nf_network_run: ", bad,
            words, what);
    int64_t rows = -1;
    NET_OK(net, nf_probe_rows(net, x.probe, &rows));
    CHECK(nf_network_step_count(net) == 0 && rows == 0, "%s: ran %lld steps, %lld rows", what,
          (long long)nf_network_step_count(net), (long long)rows);
    /* refused again: a refused check has not passed */
    refused(nf_network_run(net, 1), nf_network_last_error(net), "nf_network_run: ", bad, words,
            what);
    nf_network_destroy(net);
}

/* The same networks: checked, run as the whole batch; then a rank's own set. */
static void same(void) {
    ids xw, xs;
    nf_network *whole = build(1, SAME, 0, &xw), *net = build(0, SAME, 0, &xs);
    int32_t first = 0, count = 0;
    if (whole && net && nf_mpi_local_batch(net, &first, &count) == NF_OK) {
        OK(nf_mpi_network_check_replicated(net, MPI_COMM_WORLD));
        NET_OK(whole, nf_network_run(whole, STEPS));
        NET_OK(net, nf_network_run(net, STEPS));
        static float a[STEPS * GLOBAL * N], b[STEPS * GLOBAL * N];
        int64_t rows = 0;
        NET_OK(whole, nf_probe_read(whole, xw.probe, a, STEPS * GLOBAL * N, &rows));
        OK(nf_mpi_probe_gather(net, xs.probe, b, STEPS * GLOBAL * N, &rows, 0, MPI_COMM_WORLD));
        if (rank == 0)
            CHECK(rows == STEPS && !memcmp(a, b, sizeof a),
                  "the output differs from the whole batch's");
        float za[GLOBAL * OUT], zb[GLOBAL * OUT];
        NET_OK(whole, nf_readout_get_state(whole, xw.readout, za));
        NET_OK(net, nf_readout_get_state(net, xs.readout, zb));
        CHECK(!memcmp(za + (size_t)first * OUT, zb, (size_t)count * OUT * sizeof *zb),
              "z differs from the whole batch's");
        /* a rank's own weights: not compared until the structure changes */
        const int last = ranks - 1;
        float w[N * DIM];
        NET_OK(net, nf_connection_get_weights(net, xs.conn, w));
        if (rank == last && ranks > 1)
            w[0] = -w[0];
        NET_OK(net, nf_connection_set_weights(net, xs.conn, w));
        NET_OK(net, nf_network_reset(net)); /* the input rewound */
        NET_OK(net, nf_network_run(net, 1));
        int32_t probe = -1;
        NET_OK(net, nf_probe_add(net, xs.pop, NF_PROBE_FILTERED, 1, &probe));
        const nf_status st = nf_network_run(net, 1);
        if (ranks > 1)
            refused(st, nf_network_last_error(net), "nf_network_run: ", last,
                    "connection 2 (weights) differs between ranks", "a rank's own weights");
        else
            CHECK(st == NF_OK, "one rank: %s", nf_network_last_error(net));
    }
    nf_network_destroy(net);
    nf_network_destroy(whole);
}

int main(int argc, char **argv) {
    nft_mpi_start(argc, argv);
    const unsigned last = 1u << (ranks - 1), all_but_0 = ~1u;
    differs(WEIGHT_ULP, last, "connection 2 (weights) differs between ranks (rank %d's from rank "
                              "0's)", "one ulp on the last rank");
    differs(WEIGHT_ULP, all_but_0, "connection 2 (weights) differs between ranks (rank %d's from "
                                   "rank 0's)", "one ulp on every rank but 0");
    differs(ZERO_SIGN, last, "readout 3 (weights) differs between ranks (rank %d's from rank "
                             "0's)", "a zero's sign");
    differs(BIASES, 1u << 1, "population 1 (biases) differs between ranks (rank %d's from rank "
                             "0's)", "biases on rank 1");
    differs(TAU, last, "population 1 (parameters) differs between ranks (rank %d's from rank "
                       "0's)", "tau_ref");
    differs(EXTRA_MIDDLE, last, "object 3 is a connection on rank %d and a readout on rank 0",
            "an extra connection among the objects");
    differs(EXTRA_END, last, "rank %d has 6 objects, rank 0 has 5 (connection 5 is on that rank "
                             "only)", "an extra connection after them");
    same();
    char what[80];
    snprintf(what, sizeof what, "networks compared over %d ranks (batch %d)", ranks, GLOBAL);
    return nft_mpi_finish(what);
}
