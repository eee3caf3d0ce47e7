/*
 * neurofuse demo: a batch of spiking LIF populations, each element driven by
 * a different constant current through an input, filtered by a lowpass,
 * read out as the population's mean rate. Prints measured firing rates
 * against the LIFRate formula 1 / (tau_ref + tau_rc log1p(1/(J-1))) and the
 * simulation throughput in neuron-steps per second.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "neurofuse.h"

#define CHECK(call)                                                                          \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        if (st_ != NF_OK) {                                                                  \
            fprintf(stderr, "%s failed: %s\n  %s\n", #call, nf_status_string(st_),            \
                    net ? nf_network_last_error(net) : "");                                  \
            nf_network_destroy(net);                                                         \
            return 1;                                                                        \
        }                                                                                    \
    } while (0)

enum { BATCH = 8, NEURONS = 4096, STEPS = 1000 };

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(void) {
    nf_network *net = NULL;
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.001;
    nd.batch = BATCH;
    nd.seed = 42;
    CHECK(nf_network_create(&nd, &net));
    printf("neurofuse %s on the %s backend: %d populations x %d LIF neurons, %d steps\n",
           nf_version(), nf_backend_name(nf_network_backend(net)), BATCH, NEURONS, STEPS);

    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, NEURONS);
    pd.filter.kind = NF_FILTER_LOWPASS;
    pd.filter.tau = 0.05f;
    int32_t pop, in, conn, readout, probe;
    CHECK(nf_population_add(net, &pd, &pop));

    /* One input dimension drives every neuron of an element with current J_b. */
    float current[BATCH];
    for (int b = 0; b < BATCH; b++)
        current[b] = 1.25f + 1.5f * b;
    CHECK(nf_input_add(net, 1, &in));
    CHECK(nf_input_set(net, in, 1, current));
    float *encoder = malloc(sizeof(float) * NEURONS);
    float *mean = malloc(sizeof(float) * NEURONS);
    for (int i = 0; i < NEURONS; i++) {
        encoder[i] = 1.0f;
        mean[i] = 1.0f / NEURONS;
    }
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = encoder;
    CHECK(nf_connect(net, in, pop, &cd, &conn));
    nf_readout_desc rd = {.weights = mean};
    CHECK(nf_readout_add(net, pop, 1, &rd, &readout));
    CHECK(nf_probe_add(net, readout, NF_PROBE_OUTPUT, STEPS, &probe));
    free(encoder);
    free(mean);

    double t0 = seconds();
    CHECK(nf_network_run(net, STEPS));
    double elapsed = seconds() - t0;

    float rate[BATCH];
    int64_t rows = 0;
    CHECK(nf_probe_read(net, probe, rate, BATCH, &rows));
    printf("\n   J      LIFRate (Hz)   filtered mean rate after 1 s (Hz)\n");
    for (int b = 0; b < BATCH; b++) {
        double theory = 1.0 / (0.002 + 0.02 * log1p(1.0 / (current[b] - 1.0)));
        printf("  %5.2f   %10.2f     %10.2f\n", current[b], theory, rate[b]);
    }
    printf("\n%.3g neuron-steps/s (%.2f ms for %d steps of %d neurons)\n",
           (double)BATCH * NEURONS * STEPS / elapsed, 1e3 * elapsed, STEPS, BATCH * NEURONS);
    nf_network_destroy(net);
    return 0;
}
