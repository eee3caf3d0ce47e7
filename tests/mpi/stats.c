/*
 * Rate statistics and energy estimates reduced over the ranks, run by ctest
 * with mpiexec on 1, 2 and 3 ranks, CPU backend, a batch of 7 (which neither
 * 2 nor 3 divides), the network of every kind of draw (tests/window_network.h)
 * with rate statistics on for every population, run 25 steps; each rank also
 * runs the whole batch in one network:
 *  - nf_mpi_population_rate_stats (mean, min, max, 5 percentiles, the rates)
 *    equals nf_population_rate_stats of the whole batch bit for bit (the sums
 *    are added in the same order), on every rank;
 *  - nf_mpi_energy_estimate on a spiking and a non-spiking device equals
 *    nf_energy_estimate of the whole batch within a relative 1e-12 (each rate
 *    is a count-weighted mean of the ranks' means: the sums differ in order
 *    only, a relative error of about (terms + ranks) 2^-53 with terms, the
 *    values a mean adds, below 2000 here), bit for bit on one rank; the
 *    rate's mean is not the sharded one alone: the estimate differs from a
 *    rank's own nf_energy_estimate on more than one rank; nf_mpi_energy_summary
 *    prints the whole batch's table;
 *  - errors are collective: statistics off on the last rank only (NF_ERR_STATE),
 *    a population id or q that differs on the last rank, a bad q, an unknown device on
 *    the last rank, a summary buffer too small on the last rank (every
 *    rank's buf left as it was): every rank fails with the failing rank's
 *    message.
 * Usage: mpiexec -n N nft_mpi_stats [N]; exit status 0 when every rank passed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_wn.h"

enum { GLOBAL = 7, STEPS = 25 };
#define ENERGY_RTOL 1e-12

#define OK(call) CHECK((call) == NF_OK, "%s: %s", #call, nf_mpi_last_error())

/* The whole batch (whole != 0) or this rank's slice, built with every
 * population's statistics on, run STEPS. */
static nf_network *made(int whole, nft_wn *w) {
    const nf_network_desc d = nft_wn_desc(GLOBAL, 31);
    nf_network *net = nft_mpi_wn(&d, whole, STEPS, w);
    if (!net)
        return NULL;
    for (int i = 0; i < NFT_WN_POPS; i++)
        CHECK(nf_population_rate_stats_enable(net, w->pops[i], 1) == NF_OK, "enable: %s",
              nf_network_last_error(net));
    CHECK(nf_network_run(net, STEPS) == NF_OK, "run: %s", nf_network_last_error(net));
    return net;
}

/* Expects st on every rank with words in the last error, after "rank <bad>: "
 * (bad >= 0: the failing rank's message) or, bad < 0, without (ranks that
 * disagree: no one rank failed). */
static void refused(nf_status st, nf_status want, int bad, const char *words, const char *what) {
    char expect[32] = "nf_mpi_";
    if (bad >= 0)
        snprintf(expect, sizeof expect, "rank %d: ", bad);
    CHECK(st == want && strncmp(nf_mpi_last_error(), expect, strlen(expect)) == 0 &&
              strstr(nf_mpi_last_error(), words),
          "%s: %s '%s', expected %s from rank %d with '%s'", what, nf_status_string(st),
          nf_mpi_last_error(), nf_status_string(want), bad, words);
}

static void rate_stats_equal(nf_network *whole, nf_network *net, const nft_wn *ww,
                             const nft_wn *ws) {
    const double q[] = {0.0, 10.0, 50.0, 90.0, 100.0};
    int active = 0;
    for (int i = 0; i < NFT_WN_POPS; i++) {
        nf_rate_stats a, b;
        float ra[NFT_WN_RES], rb[NFT_WN_RES];
        int32_t n = 0;
        nf_population_size(whole, ww->pops[i], &n);
        memset(&a, 0, sizeof a);
        memset(&b, 0xa5, sizeof b);
        CHECK(nf_population_rate_stats(whole, ww->pops[i], q, 5, &a, ra) == NF_OK, "%s",
              nf_network_last_error(whole));
        OK(nf_mpi_population_rate_stats(net, ws->pops[i], q, 5, &b, rb, MPI_COMM_WORLD));
        CHECK(a.steps == STEPS, "population %d: steps %lld", i, (long long)a.steps);
        active += a.mean > 0.0;
        CHECK(a.steps == b.steps && a.neurons == b.neurons &&
                  a.n_percentiles == b.n_percentiles && !memcmp(&a.mean, &b.mean, sizeof a.mean) &&
                  !memcmp(&a.min, &b.min, sizeof a.min) && !memcmp(&a.max, &b.max, sizeof a.max) &&
                  !memcmp(a.percentile, b.percentile, 5 * sizeof *a.percentile),
              "population %d: mean %.17g min %.17g max %.17g p50 %.17g, whole batch %.17g %.17g "
              "%.17g %.17g",
              i, b.mean, b.min, b.max, b.percentile[2], a.mean, a.min, a.max, a.percentile[2]);
        CHECK(!memcmp(ra, rb, (size_t)n * sizeof *ra), "population %d: rates differ", i);
    }
    CHECK(active >= 3, "only %d populations had a nonzero rate", active);
    if (rank == 0)
        printf("rate statistics of %d populations: the whole batch's bits\n", NFT_WN_POPS);
}

static void energy_close(nf_network *whole, nf_network *net) {
    const char *const devices[] = {"loihi", "cpu"};
    for (int k = 0; k < 2; k++) {
        double a = 0.0, b = 0.0, mine = 0.0;
        CHECK(nf_energy_estimate(whole, devices[k], 10, 0.001, &a) == NF_OK, "%s",
              nf_network_last_error(whole));
        OK(nf_mpi_energy_estimate(net, devices[k], 10, 0.001, &b, MPI_COMM_WORLD));
        CHECK(nf_energy_estimate(net, devices[k], 10, 0.001, &mine) == NF_OK, "%s",
              nf_network_last_error(net));
        const double rel = fabs(a - b) / a;
        CHECK(a > 0.0 && rel <= ENERGY_RTOL, "%s: %.17g, whole batch %.17g (relative %.3g)",
              devices[k], b, a, rel);
        if (ranks == 1)
            CHECK(!memcmp(&a, &b, sizeof a), "%s on one rank: %.17g, not %.17g", devices[k], b,
                  a);
        if (k == 0 && ranks > 1) /* the slice's own rates are not the batch's */
            CHECK(fabs(mine - a) / a > 1e-6, "a rank's own estimate %.17g equals the batch's",
                  mine);
        if (rank == 0)
            printf("energy (%s): %.17g J, whole batch %.17g J, relative %.3g\n", devices[k], b, a,
                   rel);
    }
    char ta[8192], tb[8192];
    size_t need_a = 0, need_b = 0;
    CHECK(nf_energy_summary(whole, devices, 2, 10, 0.001, ta, sizeof ta, &need_a) == NF_OK, "%s",
          nf_network_last_error(whole));
    OK(nf_mpi_energy_summary(net, devices, 2, 10, 0.001, tb, sizeof tb, &need_b, MPI_COMM_WORLD));
    CHECK(need_a == need_b && !strcmp(ta, tb), "summary:\n%s\nwhole batch:\n%s", tb, ta);
}

static void errors_are_collective(nf_network *net, const nft_wn *ws) {
    const int bad = ranks - 1;
    const double q[] = {50.0}, q_other[] = {49.0};
    nf_rate_stats s;
    if (ranks > 1) {
        refused(nf_mpi_population_rate_stats(net, rank == bad ? ws->pops[1] : ws->pops[0], q, 1,
                                             &s, NULL, MPI_COMM_WORLD),
                NF_ERR_INVALID_ARGUMENT, -1, "disagree on the population", "pops differ");
        char words[64];
        snprintf(words, sizeof words, "q differ between ranks (rank %d's", bad);
        refused(nf_mpi_population_rate_stats(net, ws->pops[0], rank == bad ? q_other : q, 1, &s,
                                             NULL, MPI_COMM_WORLD),
                NF_ERR_INVALID_ARGUMENT, -1, words, "q differs");
    }
    const double q_bad[] = {101.0}; /* the same on every rank: the core refuses it */
    refused(nf_mpi_population_rate_stats(net, ws->pops[0], q_bad, 1, &s, NULL, MPI_COMM_WORLD),
            NF_ERR_INVALID_ARGUMENT, 0, "q[0] must be in [0, 100]", "a bad q");
    if (rank == bad)
        nf_population_rate_stats_enable(net, ws->pops[0], 0);
    refused(nf_mpi_population_rate_stats(net, ws->pops[0], q, 1, &s, NULL, MPI_COMM_WORLD),
            NF_ERR_STATE, bad, "no rate statistics", "statistics off on one rank");
    refused(nf_mpi_energy_estimate(net, "loihi", 10, 0.001, &s.mean, MPI_COMM_WORLD),
            NF_ERR_STATE, 0, "rate statistics", "a spiking estimate without one population's rates");
    double e = 0.0;
    refused(nf_mpi_energy_estimate(net, rank == bad ? "loihi3" : "cpu", 10, 0.001, &e,
                                   MPI_COMM_WORLD),
            NF_ERR_INVALID_ARGUMENT, bad, "unknown device \"loihi3\"", "an unknown device");
    const char *const cpu[] = {"cpu"};
    char buf[4096] = "untouched";
    size_t need = 0;
    refused(nf_mpi_energy_summary(net, cpu, 1, 10, 0.001, buf, rank == bad ? 10 : sizeof buf,
                                  &need, MPI_COMM_WORLD),
            NF_ERR_INVALID_ARGUMENT, bad, "capacity 10 is too small", "a small buffer");
    CHECK(!strcmp(buf, "untouched") && need > 10, "a refused summary wrote buf ('%.20s'), need %zu",
          buf, need);
}

int main(int argc, char **argv) {
    nft_mpi_start(argc, argv);
    nft_wn ww, ws;
    nf_network *whole = made(1, &ww), *net = made(0, &ws);
    if (whole && net) {
        rate_stats_equal(whole, net, &ww, &ws);
        energy_close(whole, net);
        errors_are_collective(net, &ws);
        char why[512] = "";
        CHECK(nft_wn_compare(whole, net, &ws, why, sizeof why) == 0, "states: %s", why);
    }
    nf_network_destroy(net);
    nf_network_destroy(whole);
    char what[80];
    snprintf(what, sizeof what, "rate statistics and energy on %d ranks (batch %d)", ranks,
             GLOBAL);
    return nft_mpi_finish(what);
}
