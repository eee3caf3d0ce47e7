/*
 * The neurofuse side of bench/peers/nengo_lif.py: one nengo LIF population of n
 * neurons at batch B (tau_rc 20 ms, tau_ref 2 ms, min voltage 0), no input, its
 * biases read from a file of n raw float32 (the peer's first ensemble's; the
 * same for every batch element), gain 1, dt 1 ms. Times nf_network_run(steps)
 * `repeats` times after a warm-up run and prints one JSON line: seconds per step
 * (median, min) and the mean spike rate of the last run's output.
 * Usage: bench_peer_nengo --n N --bias FILE [--batch B] [--steps S] [--repeats R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "neurofuse.h"

#define MAX_REPEATS 21

int main(int argc, char **argv) {
    int32_t n = 0, batch = 1;
    int64_t steps = 1000;
    int repeats = 3;
    const char *bias_path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch"))
            batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps"))
            steps = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--repeats"))
            repeats = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--bias"))
            bias_path = argv[i + 1];
        else
            n = -1;
    }
    if (argc % 2 == 0 || n < 1 || batch < 1 || steps < 1 || repeats < 1 ||
        repeats > MAX_REPEATS || !bias_path)
        return fprintf(stderr, "usage: %s --n N --bias FILE [--batch B] [--steps S] "
                               "[--repeats 1..%d]\n", argv[0], MAX_REPEATS), 2;
    float *bias = malloc(sizeof *bias * (size_t)n);
    FILE *f = fopen(bias_path, "rb");
    const size_t got = f && bias ? fread(bias, sizeof *bias, (size_t)n, f) : 0;
    if (f)
        fclose(f);
    if (got != (size_t)n)
        return fprintf(stderr, "%s: %d float32 biases expected\n", bias_path, n), 1;
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.001;
    nd.batch = batch;
    nf_network *net = nfb_network_create(&nd);
    if (!net)
        return 1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, n);
    pd.biases = bias;
    int32_t pop;
    nf_status st = nf_population_add(net, &pd, &pop);
    if (st != NF_OK || (st = nf_network_run(net, steps)) != NF_OK) /* warm-up */
        return nfb_fail(net, "nf_population_add / nf_network_run", st);
    double times[MAX_REPEATS];
    for (int r = 0; r < repeats; r++) {
        const double t0 = nfb_now();
        if ((st = nf_network_run(net, steps)) != NF_OK)
            return nfb_fail(net, "nf_network_run", st);
        times[r] = (nfb_now() - t0) / (double)steps;
    }
    float *out = malloc(sizeof *out * (size_t)n * batch);
    if (!out || (st = nf_population_get_state(net, pop, NF_STATE_OUTPUT, out)) != NF_OK)
        return nfb_fail(net, "nf_population_get_state", st);
    double spikes = 0.0;
    for (size_t i = 0; i < (size_t)n * batch; i++)
        spikes += out[i] != 0.0f;
    qsort(times, (size_t)repeats, sizeof *times, nfb_cmp_double);
    printf("{\"target\": \"neurofuse-cpu\", \"n\": %d, \"batch\": %d, \"s_per_step\": %.6g, "
           "\"s_per_step_min\": %.6g, \"spiking_fraction_last_step\": %.4f}\n",
           n, batch, times[repeats / 2], times[0], spikes / ((double)n * batch));
    free(out);
    free(bias);
    nf_network_destroy(net);
    return 0;
}
