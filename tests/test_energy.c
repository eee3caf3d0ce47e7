/*
 * Firing-rate statistics and energy estimates (keras-spiking ModelEnergy):
 * the 784 -> 128 dense example (100352 connections, 128 neurons: 8.64e-4 J
 * per inference on cpu); per-neuron rates of a population driven at known
 * constant rates (dt = 1/1024 and rates that are multiples of 64 Hz make
 * every count exact), their mean and percentiles; spiking devices following
 * those measured rates in closed form; registered devices; the summary
 * table; refused requests; the sums and rates behind them given back
 * (nf_rate_stats_from_sums, nf_energy_*_rates) reproduce the network's own.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

TestSuite(energy, .timeout = 120);

#define DT_EXACT (1.0 / 1024.0)

NFT_BACKEND_TEST(energy, dense_784_128_on_cpu, .timeout = 60) {
    nf_network *net = nft_network(backend, 0.001, 1, 0);
    int32_t input, pop, conn;
    NFT_OK(net, nf_input_add(net, 784, &input));
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 128);
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_ZERO;
    NFT_OK(net, nf_connect(net, input, pop, &cd, &conn));
    double j = 0.0;
    NFT_OK(net, nf_energy_estimate(net, "cpu", 1, 0.001, &j));
    /* 8.6e-9 (100352 + 128) */
    cr_assert(nft_close(8.6e-9 * (100352 + 128), j, 1e-12, 0), "cpu: %.6e J", j);
    char printed[16];
    snprintf(printed, sizeof printed, "%.2e", j);
    cr_assert_str_eq(printed, "8.64e-04");
    /* non-spiking devices assume one step: T does not change them */
    double j10 = 0.0;
    NFT_OK(net, nf_energy_estimate(net, "cpu", 10, 0.001, &j10));
    cr_assert_eq(j10, j);
    NFT_OK(net, nf_energy_estimate(net, "gpu", 1, 0.001, &j));
    cr_assert(nft_close(0.3e-9 * 100480, j, 1e-12, 0), "gpu: %.6e J", j);
    /* spiking devices need the rates: refused with NF_ERR_STATE until measured */
    cr_assert_eq(nf_energy_estimate(net, "loihi", 1, 0.001, &j), NF_OK,
                 "only the input feeds it: %s", nf_network_last_error(net));
    nf_network_destroy(net);
}

/* input (dim n, value 64 i Hz) -> identity -> relu spiking pop A (n) -> dense -> pop B (m). */
static nf_network *driven(nf_backend backend, int32_t n, int32_t m, int64_t T, int32_t *a,
                          int32_t *b) {
    nf_network *net = nft_network(backend, DT_EXACT, 2, 3);
    int32_t input, c1, c2;
    NFT_OK(net, nf_input_add(net, n, &input));
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, n);
    pd.spiking = 1;
    NFT_OK(net, nf_population_add(net, &pd, a));
    nf_population_desc pb = nf_population_defaults(NF_MODEL_RELU, m);
    NFT_OK(net, nf_population_add(net, &pb, b));
    nf_connection_desc id = nf_connection_defaults();
    id.kind = NF_CONNECTION_IDENTITY;
    id.scale = 1.0f;
    NFT_OK(net, nf_connect(net, input, *a, &id, &c1));
    nf_connection_desc dense = nf_connection_defaults();
    dense.init = NF_WEIGHTS_ZERO;
    dense.propagation = NF_PROPAGATION_DENSE;
    NFT_OK(net, nf_connect(net, *a, *b, &dense, &c2));
    float *x = nft_alloc((size_t)2 * n, sizeof(float));
    for (int32_t k = 0; k < 2; k++)
        for (int32_t i = 0; i < n; i++)
            x[k * n + i] = 64.0f * (float)i;
    NFT_OK(net, nf_input_set(net, input, 1, x));
    float *zero = nft_alloc((size_t)2 * n, sizeof(float));
    NFT_OK(net, nf_population_set_state(net, *a, NF_STATE_SPIKE_ACCUMULATOR, zero));
    NFT_OK(net, nf_population_rate_stats_enable(net, *a, 1));
    NFT_OK(net, nf_network_run(net, T));
    free(x);
    free(zero);
    return net;
}

NFT_BACKEND_TEST(energy, rate_stats_of_known_constant_rates, .timeout = 60) {
    const int32_t n = 11, m = 3;
    int32_t a, b;
    nf_network *net = driven(backend, n, m, 1024, &a, &b);
    const double q[3] = {0.0, 50.0, 95.0};
    nf_rate_stats s;
    float rates[11];
    NFT_OK(net, nf_population_rate_stats(net, a, q, 3, &s, rates));
    for (int32_t i = 0; i < n; i++) /* floor(0 + 64 i dt T) spikes in T dt = 1 s */
        cr_assert_eq(rates[i], 64.0f * (float)i, "rate[%d] = %g", i, (double)rates[i]);
    cr_assert_eq(s.steps, 1024);
    cr_assert_eq(s.neurons, n);
    cr_assert(nft_close(64.0 * (n - 1) / 2.0, s.mean, 1e-12, 0), "mean %g", s.mean);
    cr_assert_eq(s.min, 0.0);
    cr_assert_eq(s.max, 640.0);
    cr_assert_eq(s.percentile[0], 0.0);
    cr_assert(nft_close(320.0, s.percentile[1], 1e-12, 0));
    cr_assert(nft_close(64.0 * 0.95 * (n - 1), s.percentile[2], 1e-12, 0), "p95 %g",
              s.percentile[2]);
    /* off for B; after a reset A counts again from zero */
    cr_assert_eq(nf_population_rate_stats(net, b, NULL, 0, &s, NULL), NF_ERR_STATE);
    cr_assert(strstr(nf_network_last_error(net), "no rate statistics"));
    NFT_OK(net, nf_network_reset(net));
    cr_assert_eq(nf_population_rate_stats(net, a, NULL, 0, &s, NULL), NF_ERR_STATE);
    const double bad = 101.0;
    NFT_OK(net, nf_network_run(net, 4));
    cr_assert_eq(nf_population_rate_stats(net, a, &bad, 1, &s, NULL), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "q[0]"));
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(energy, spiking_devices_follow_measured_rates, .timeout = 60) {
    const int32_t n = 11, m = 3;
    const int64_t T = 1024;
    int32_t a, b;
    nf_network *net = driven(backend, n, m, T, &a, &b);
    const double mean = 64.0 * (n - 1) / 2.0; /* of the input values and of A's rates */
    const int64_t steps = 50;
    const double dt = 0.002;
    /* A: n identity synapses at the input's mean |value|; B: n m synapses at A's rate */
    const double synops = (n * mean + (double)n * m * mean) * dt * steps;
    const struct { const char *name; double es, en; } dev[3] = {
        {"loihi", 27.1e-12, 81e-12}, {"spinnaker", 13.3e-9, 26e-9}, {"spinnaker2", 450e-12,
                                                                      2.19e-9}};
    for (int k = 0; k < 3; k++) {
        double j = 0.0;
        NFT_OK(net, nf_energy_estimate(net, dev[k].name, steps, dt, &j));
        const double ref = dev[k].es * synops + dev[k].en * (double)(n + m) * steps;
        cr_assert(nft_close(ref, j, 1e-9, 0), "%s: %.9e vs %.9e", dev[k].name, j, ref);
    }
    /* a registered device, spiking and not */
    NFT_OK(net, nf_energy_device_register(net, "my-chip", 1e-10, 2e-9, 1));
    double j = 0.0;
    NFT_OK(net, nf_energy_estimate(net, "my-chip", steps, dt, &j));
    cr_assert(nft_close(1e-10 * synops + 2e-9 * (n + m) * steps, j, 1e-9, 0), "my-chip %g", j);
    NFT_OK(net, nf_energy_device_register(net, "my-cpu", 1e-10, 2e-9, 0));
    NFT_OK(net, nf_energy_estimate(net, "my-cpu", steps, dt, &j));
    cr_assert(nft_close(1e-10 * (n + n * m) + 2e-9 * (n + m), j, 1e-12, 0), "my-cpu %g", j);
    /* the table: one line per population, totals per device */
    const char *devs[2] = {"cpu", "loihi"};
    size_t needed = 0;
    char small[8];
    cr_assert_eq(nf_energy_summary(net, devs, 2, steps, dt, small, sizeof small, &needed),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert_gt(needed, sizeof small);
    char *table = nft_alloc(needed, 1);
    NFT_OK(net, nf_energy_summary(net, devs, 2, steps, dt, table, needed, NULL));
    cr_assert(strstr(table, "J/inf (loihi)"), "%s", table);
    cr_assert(strstr(table, "population 1 (RELU)"), "%s", table);
    cr_assert(strstr(table, "Total energy per inference [Joules/inf] (cpu): "), "%s", table);
    cr_assert(strstr(table, "|          33|"), "B's 33 connections: %s", table);
    free(table);
    /* refused: unknown names, built-in names, bad numbers, unmeasured rates */
    cr_assert_eq(nf_energy_estimate(net, "tpu", steps, dt, &j), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "unknown device \"tpu\""));
    cr_assert_eq(nf_energy_device_register(net, "loihi", 1, 1, 1), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_energy_device_register(net, "", 1, 1, 1), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_energy_device_register(net, "x", -1, 1, 1), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_energy_estimate(net, "cpu", 0, dt, &j), NF_ERR_INVALID_ARGUMENT);
    NFT_OK(net, nf_population_rate_stats_enable(net, a, 0));
    cr_assert_eq(nf_energy_estimate(net, "loihi", steps, dt, &j), NF_ERR_STATE);
    cr_assert(strstr(nf_network_last_error(net), "rate statistics"));
    NFT_OK(net, nf_energy_estimate(net, "cpu", steps, dt, &j));
    nf_network_destroy(net);
}

/* The hooks behind statistics and estimates over several networks' elements:
 * the sums and the rates, given back, reproduce the network's own results. */
NFT_BACKEND_TEST(energy, sums_and_rates_given_back_reproduce_the_network, .timeout = 60) {
    const int32_t n = 11, m = 3;
    int32_t a, b;
    nf_network *net = driven(backend, n, m, 1024, &a, &b);
    const double q[3] = {0.0, 37.5, 95.0};
    nf_rate_stats s, t;
    float rates[11], again[11];
    NFT_OK(net, nf_population_rate_stats(net, a, q, 3, &s, rates));
    double sums[2 * 11], totals[11];
    int64_t steps = 0;
    NFT_OK(net, nf_population_rate_sums(net, a, sums, 2 * n, &steps));
    cr_assert_eq(steps, 1024);
    for (int32_t i = 0; i < n; i++) { /* 64 i spikes of 1/dt per element over 1 s: exact */
        totals[i] = 0.0 + sums[i] + sums[n + i];
        cr_assert_eq(sums[i], 64.0 * i * 1024.0, "sums[0][%d] = %g", i, sums[i]);
    }
    char msg[256] = "x";
    cr_assert_eq(nf_rate_stats_from_sums(totals, n, 2, steps, q, 3, &t, again, msg, sizeof msg),
                 NF_OK, "%s", msg);
    cr_assert_str_eq(msg, "");
    cr_assert(!memcmp(&s, &t, sizeof s) && !memcmp(rates, again, sizeof rates));
    const double bad = -1.0;
    cr_assert_eq(nf_rate_stats_from_sums(totals, n, 2, steps, &bad, 1, &t, NULL, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "nf_rate_stats_from_sums: q[0] must be in [0, 100]"), "%s", msg);
    cr_assert_eq(nf_rate_stats_from_sums(totals, n, 0, steps, q, 3, &t, NULL, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "batch 0"), "%s", msg);
    cr_assert_eq(nf_population_rate_sums(net, a, sums, 2 * n - 1, &steps), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "nf_population_rate_sums: sums holds 21"), "%s",
              nf_network_last_error(net));
    cr_assert_eq(nf_population_rate_sums(net, b, sums, 2 * n, &steps), NF_ERR_STATE);

    /* rates: input (object 0) 64 (n - 1) / 2, A's mean rate, B none, connections none */
    double r[8];
    int32_t count = 0;
    cr_assert_eq(nf_energy_source_rates(net, r, 2, &count), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(count, 5, "objects: input, A, B, two connections");
    NFT_OK(net, nf_energy_source_rates(net, r, 8, &count));
    cr_assert_eq(r[0], 320.0);
    cr_assert_eq(r[a], s.mean);
    cr_assert(isnan(r[b]) && isnan(r[3]) && isnan(r[4]));
    const char *devs[2] = {"loihi", "spinnaker"};
    for (int k = 0; k < 2; k++) {
        double measured = 0.0, given = 0.0;
        NFT_OK(net, nf_energy_estimate(net, devs[k], 50, 0.002, &measured));
        NFT_OK(net, nf_energy_estimate_rates(net, devs[k], 50, 0.002, r, count, &given));
        cr_assert(!memcmp(&measured, &given, sizeof given), "%s: %.17g %.17g", devs[k],
                  measured, given);
    }
    char t1[2048], t2[2048];
    NFT_OK(net, nf_energy_summary(net, devs, 2, 50, 0.002, t1, sizeof t1, NULL));
    NFT_OK(net, nf_energy_summary_rates(net, devs, 2, 50, 0.002, r, count, t2, sizeof t2, NULL));
    cr_assert_str_eq(t1, t2);
    /* given rates follow the formula: twice A's rate adds n m rate dt T e_synop */
    double base = 0.0, doubled = 0.0;
    NFT_OK(net, nf_energy_estimate_rates(net, "loihi", 50, 0.002, r, count, &base));
    r[a] *= 2.0;
    NFT_OK(net, nf_energy_estimate_rates(net, "loihi", 50, 0.002, r, count, &doubled));
    cr_assert(nft_close(27.1e-12 * n * m * s.mean * 0.002 * 50, doubled - base, 1e-9, 0),
              "%g", doubled - base);
    /* refused: the wrong count, a negative rate, a spiking device without A's rate */
    double j = 0.0;
    cr_assert_eq(nf_energy_estimate_rates(net, "loihi", 50, 0.002, r, 4, &j),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "nf_energy_estimate_rates: rates must hold one "
                                                 "rate per object id (5), got count 4"));
    r[0] = -1.0;
    cr_assert_eq(nf_energy_estimate_rates(net, "loihi", 50, 0.002, r, count, &j),
                 NF_ERR_INVALID_ARGUMENT);
    r[0] = 320.0;
    r[a] = NAN;
    cr_assert_eq(nf_energy_estimate_rates(net, "loihi", 50, 0.002, r, count, &j), NF_ERR_STATE);
    NFT_OK(net, nf_energy_estimate_rates(net, "cpu", 50, 0.002, r, count, &j));
    nf_network_destroy(net);
}
