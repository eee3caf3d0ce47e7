/*
 * Replicated values set collectively (nf_mpi_connection_set_weights,
 * nf_mpi_readout_set_weights, nf_mpi_population_set_gain_bias), run by ctest
 * with mpiexec on 1, 2 and 3 ranks, CPU backend, a batch of 7: an input
 * (f(t, g, j) of the global element g) into a tanh population through a
 * shared and a per-batch dense connection, a shared and a per-batch readout.
 *  - Set on every rank (shared weights with a signed zero and a subnormal,
 *    each rank's slice of per-batch weights, gains and biases, readout
 *    weights), the sharded network runs, element for element and bit for
 *    bit, as the whole batch does in one process with the same values set
 *    (the population's output gathered to rank 0, both readouts' z).
 *  - Shared values that differ on one rank (a zero's sign, one ulp of a
 *    readout weight, the biases only on rank 1, gains given on one rank only)
 *    are refused on every rank, naming the rank and what differs, and every
 *    rank's values stay as they were.
 *  - A failure on one rank (a non-finite weight in the last rank's per-batch
 *    slice, refused by nf_connection_set_weights after the other ranks have
 *    set theirs; an id that does not exist there) fails on every rank with
 *    that rank's message, and every rank's weights are the old ones.
 * Usage: mpiexec -n N nft_mpi_replicated [N]; exit status 0 when every rank passed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_check.h"
#include "neurofuse_mpi.h"

enum { GLOBAL = 7, N = 5, DIM = 3, OUT = 2, STEPS = 12 };

#define OK(call) CHECK((call) == NF_OK, "%s: %s", #call, nf_mpi_last_error())
#define NET_OK(net, call) CHECK((call) == NF_OK, "%s: %s", #call, nf_network_last_error(net))

typedef struct ids {
    int32_t in, pop, shared, per_batch, ro_shared, ro_batch, probe;
} ids;

static float drive(int64_t t, int32_t g, int32_t j) {
    return sinf(0.3f * (float)t + 0.9f * (float)g + 0.4f * (float)j);
}

/* The whole batch (whole != 0) or this rank's slice, built; NULL after a failed CHECK. */
static nf_network *made(int whole, ids *x) {
    nf_network *net = nft_mpi_cpu(GLOBAL, 17, whole);
    if (!net)
        return NULL;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, N);
    nf_connection_desc shared = nf_connection_defaults(), per_batch = nf_connection_defaults();
    shared.init = NF_WEIGHTS_ZERO;
    per_batch.init = NF_WEIGHTS_NORMAL;
    per_batch.per_batch = 1;
    per_batch.scale = 0.5f;
    const nf_readout_desc rs = {.per_batch = 0}, rb = {.per_batch = 1, .z_init_scale = 0.1f};
    NET_OK(net, nf_input_add(net, DIM, &x->in));
    NET_OK(net, nf_population_add(net, &pd, &x->pop));
    NET_OK(net, nf_connect(net, x->in, x->pop, &shared, &x->shared));
    NET_OK(net, nf_connect(net, x->in, x->pop, &per_batch, &x->per_batch));
    NET_OK(net, nf_readout_add(net, x->pop, OUT, &rs, &x->ro_shared));
    NET_OK(net, nf_readout_add(net, x->pop, OUT, &rb, &x->ro_batch));
    NET_OK(net, nf_probe_add(net, x->pop, NF_PROBE_OUTPUT, 1, &x->probe));
    nft_mpi_set_rows(net, x->in, STEPS, DIM, drive);
    return net;
}

/* The values set: shared weights (a signed zero, a subnormal), the global
 * per-batch weights [GLOBAL][N][DIM], gains, biases, readout weights. */
static float w_shared[N * DIM], w_batch[GLOBAL * N * DIM], gains[N], biases[N];
static float ro_shared[OUT * N], ro_batch[GLOBAL * OUT * N];

static void values(void) {
    for (int i = 0; i < N * DIM; i++)
        w_shared[i] = 0.25f * (float)(i % 7) - 0.6f;
    w_shared[3] = -0.0f;
    w_shared[4] = 1e-40f;
    for (int i = 0; i < GLOBAL * N * DIM; i++)
        w_batch[i] = 0.1f * cosf((float)i);
    for (int i = 0; i < N; i++) {
        gains[i] = 1.0f + 0.1f * (float)i;
        biases[i] = 0.05f * (float)i - 0.1f;
    }
    for (int i = 0; i < OUT * N; i++)
        ro_shared[i] = 0.3f * sinf((float)i);
    for (int i = 0; i < GLOBAL * OUT * N; i++)
        ro_batch[i] = 0.2f * cosf(0.7f * (float)i);
}

/* Expects st on every rank with words in the last error (after "rank bad: "
 * when bad >= 0). */
static void refused(nf_status st, int bad, const char *words, const char *what) {
    char expect[32] = "nf_mpi_";
    if (bad >= 0)
        snprintf(expect, sizeof expect, "rank %d: ", bad);
    CHECK(st == NF_ERR_INVALID_ARGUMENT &&
              strncmp(nf_mpi_last_error(), expect, strlen(expect)) == 0 &&
              strstr(nf_mpi_last_error(), words),
          "%s: %s '%s', expected a refusal with '%s%s'", what, nf_status_string(st),
          nf_mpi_last_error(), expect, words);
}

/* Every value now equals what was set (the slice's for per-batch ones). */
static void unchanged(nf_network *net, const ids *x, int32_t first, int32_t count,
                      const char *after) {
    float cw[N * DIM], bw[GLOBAL * N * DIM], g[N], b[N], rs[OUT * N], rbw[GLOBAL * OUT * N];
    NET_OK(net, nf_connection_get_weights(net, x->shared, cw));
    NET_OK(net, nf_connection_get_weights(net, x->per_batch, bw));
    NET_OK(net, nf_population_get_gain_bias(net, x->pop, g, b));
    NET_OK(net, nf_readout_get_weights(net, x->ro_shared, rs));
    NET_OK(net, nf_readout_get_weights(net, x->ro_batch, rbw));
    CHECK(!memcmp(cw, w_shared, sizeof cw), "after %s: shared weights changed", after);
    CHECK(!memcmp(bw, w_batch + (size_t)first * N * DIM, (size_t)count * N * DIM * sizeof *bw),
          "after %s: per-batch weights changed", after);
    CHECK(!memcmp(g, gains, sizeof g) && !memcmp(b, biases, sizeof b),
          "after %s: gains or biases changed", after);
    CHECK(!memcmp(rs, ro_shared, sizeof rs), "after %s: shared readout weights changed", after);
    CHECK(!memcmp(rbw, ro_batch + (size_t)first * OUT * N,
                  (size_t)count * OUT * N * sizeof *rbw),
          "after %s: per-batch readout weights changed", after);
}

static void set_everything(nf_network *whole, nf_network *net, const ids *x, int32_t first) {
    NET_OK(whole, nf_connection_set_weights(whole, x->shared, w_shared));
    NET_OK(whole, nf_connection_set_weights(whole, x->per_batch, w_batch));
    NET_OK(whole, nf_population_set_gain_bias(whole, x->pop, gains, biases));
    NET_OK(whole, nf_readout_set_weights(whole, x->ro_shared, ro_shared));
    NET_OK(whole, nf_readout_set_weights(whole, x->ro_batch, ro_batch));
    OK(nf_mpi_connection_set_weights(net, x->shared, w_shared, MPI_COMM_WORLD));
    OK(nf_mpi_connection_set_weights(net, x->per_batch, w_batch + (size_t)first * N * DIM,
                                     MPI_COMM_WORLD));
    OK(nf_mpi_population_set_gain_bias(net, x->pop, gains, biases, MPI_COMM_WORLD));
    OK(nf_mpi_readout_set_weights(net, x->ro_shared, ro_shared, MPI_COMM_WORLD));
    OK(nf_mpi_readout_set_weights(net, x->ro_batch, ro_batch + (size_t)first * OUT * N,
                                  MPI_COMM_WORLD));
}

/* Runs both STEPS and compares the output gathered to rank 0 and every z. */
static void runs_as_whole(nf_network *whole, nf_network *net, const ids *x, int32_t first,
                          int32_t count) {
    NET_OK(whole, nf_network_run(whole, STEPS));
    NET_OK(net, nf_network_run(net, STEPS));
    static float a[STEPS * GLOBAL * N], b[STEPS * GLOBAL * N];
    int64_t rows = 0;
    NET_OK(whole, nf_probe_read(whole, x->probe, a, STEPS * GLOBAL * N, &rows));
    OK(nf_mpi_probe_gather(net, x->probe, b, STEPS * GLOBAL * N, &rows, 0, MPI_COMM_WORLD));
    if (rank == 0)
        CHECK(rows == STEPS && !memcmp(a, b, sizeof a), "the output differs from the whole batch's");
    const int32_t ro[2] = {x->ro_shared, x->ro_batch};
    for (int k = 0; k < 2; k++) {
        float za[GLOBAL * OUT], zb[GLOBAL * OUT];
        NET_OK(whole, nf_readout_get_state(whole, ro[k], za));
        NET_OK(net, nf_readout_get_state(net, ro[k], zb));
        CHECK(!memcmp(za + (size_t)first * OUT, zb, (size_t)count * OUT * sizeof *zb),
              "readout %d: z differs from the whole batch's", k);
    }
    float w[N * DIM];
    NET_OK(net, nf_connection_get_weights(net, x->shared, w));
    CHECK(!memcmp(w, w_shared, sizeof w) && signbit(w[3]) && w[4] == 1e-40f,
          "shared weights read back differ");
}

static void disagreements(nf_network *net, const ids *x, int32_t first, int32_t count) {
    const int last = ranks - 1;
    float w[N * DIM], r[OUT * N], b[N];
    char words[128];
    memcpy(w, w_shared, sizeof w);
    if (rank == last)
        w[3] = 0.0f; /* +0 where the others have -0 */
    snprintf(words, sizeof words, "the weights differ between ranks (rank %d's from rank 0's)",
             last);
    refused(nf_mpi_connection_set_weights(net, x->shared, w, MPI_COMM_WORLD), -1, words,
            "a zero's sign");
    unchanged(net, x, first, count, "a zero's sign");
    memcpy(r, ro_shared, sizeof r);
    if (rank == last)
        r[1] = nextafterf(r[1], 1.0f);
    refused(nf_mpi_readout_set_weights(net, x->ro_shared, r, MPI_COMM_WORLD), -1, words,
            "one ulp");
    unchanged(net, x, first, count, "one ulp");
    memcpy(b, biases, sizeof b);
    if (rank == 1)
        b[N - 1] += 1.0f;
    refused(nf_mpi_population_set_gain_bias(net, x->pop, gains, b, MPI_COMM_WORLD), -1,
            "the biases differ between ranks (rank 1's from rank 0's)", "biases on rank 1");
    refused(nf_mpi_population_set_gain_bias(net, x->pop, rank == last ? gains : NULL, biases,
                                            MPI_COMM_WORLD),
            -1, "the ranks disagree on the gains", "gains given on one rank");
    unchanged(net, x, first, count, "gains and biases");
}

static void one_rank_fails(nf_network *net, const ids *x, int32_t first, int32_t count) {
    const int last = ranks - 1;
    float *slice = malloc((size_t)count * N * DIM * sizeof *slice);
    for (int i = 0; i < count * N * DIM; i++)
        slice[i] = -w_batch[(size_t)first * N * DIM + i];
    if (rank == last)
        slice[count * N * DIM - 1] = INFINITY;
    refused(nf_mpi_connection_set_weights(net, x->per_batch, slice, MPI_COMM_WORLD), last,
            "must be finite, got inf", "an inf in the last rank's slice");
    free(slice);
    unchanged(net, x, first, count, "an inf on the last rank");
    refused(nf_mpi_readout_set_weights(net, rank == last ? x->ro_shared + 100 : x->ro_shared,
                                       ro_shared, MPI_COMM_WORLD),
            last, "nf_mpi_readout_set_weights: nf_readout_weight_count", "an unknown readout");
    refused(nf_mpi_connection_set_weights(net, x->shared, rank == last ? NULL : w_shared,
                                          MPI_COMM_WORLD),
            last, "w must not be NULL", "w NULL on the last rank");
    unchanged(net, x, first, count, "refusals");
}

int main(int argc, char **argv) {
    nft_mpi_start(argc, argv);
    values();
    ids xw, xs;
    nf_network *whole = made(1, &xw), *net = made(0, &xs);
    int32_t first = 0, count = 0;
    if (whole && net && nf_mpi_local_batch(net, &first, &count) == NF_OK) {
        set_everything(whole, net, &xs, first);
        unchanged(net, &xs, first, count, "setting");
        if (ranks > 1)
            disagreements(net, &xs, first, count);
        one_rank_fails(net, &xs, first, count);
        runs_as_whole(whole, net, &xs, first, count);
    }
    nf_network_destroy(net);
    nf_network_destroy(whole);
    char what[80];
    snprintf(what, sizeof what, "replicated values set on %d ranks (batch %d)", ranks, GLOBAL);
    return nft_mpi_finish(what);
}
