/*
 * keras-spiking in C: a SpikingActivation (relu) chained with a Lowpass over a
 * [batch][time][units] sequence in one pass, the firing-rate statistics of
 * that pass, and the ModelEnergy-style estimate of a 784 -> 128 dense layer
 * (8.64e-4 J per inference on cpu) with its summary table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "neurofuse.h"

#define CHECK(call, what)                                                                   \
    do {                                                                                    \
        nf_status st_ = (call);                                                             \
        if (st_ != NF_OK) {                                                                 \
            fprintf(stderr, "%s: %s: %s\n", #call, nf_status_string(st_), what);            \
            return 1;                                                                       \
        }                                                                                   \
    } while (0)

static int layers_demo(void) {
    enum { BATCH = 4, TIME = 500, UNITS = 64 };
    float *in = malloc(sizeof(float) * BATCH * TIME * UNITS);
    float *out = malloc(sizeof(float) * BATCH * TIME * UNITS);
    if (!in || !out)
        return 1;
    for (int i = 0; i < BATCH * TIME * UNITS; i++) /* rates 0..200 Hz, varying by unit */
        in[i] = 100.0f * (1.0f + sinf(0.1f * (float)(i % UNITS)));
    nf_layer_desc a = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, UNITS);
    a.seed = 1;
    a.rate_stats = 1;
    nf_layer_desc f = nf_layer_defaults(NF_LAYER_LOWPASS, UNITS);
    f.tau = 0.02f;
    nf_layer *layers[2] = {NULL, NULL};
    char msg[512] = "";
    CHECK(nf_layer_create_ex(&a, &layers[0], msg, sizeof msg), msg);
    CHECK(nf_layer_create_ex(&f, &layers[1], msg, sizeof msg), msg);
    CHECK(nf_layer_chain_apply(layers, 2, in, out, BATCH, TIME, UNITS, NF_LAYOUT_BATCH_MAJOR,
                               NF_MEMORY_HOST, 1),
          nf_layer_last_error(layers[0]));
    const double q[3] = {5.0, 50.0, 95.0};
    nf_rate_stats s;
    CHECK(nf_layer_rate_stats(layers[0], q, 3, &s, NULL), nf_layer_last_error(layers[0]));
    printf("SpikingActivation on %s over %d x %d steps x %d units: rates mean %.1f Hz, "
           "max %.1f, p5/p50/p95 %.1f/%.1f/%.1f\n",
           nf_backend_name(nf_layer_backend(layers[0])), BATCH, TIME, UNITS, s.mean, s.max,
           s.percentile[0], s.percentile[1], s.percentile[2]);
    printf("filtered output of unit 0 at the last step: %.2f (input rate %.2f Hz)\n",
           out[(TIME - 1) * UNITS], in[0]);
    nf_layer_destroy(layers[0]);
    nf_layer_destroy(layers[1]);
    free(in);
    free(out);
    return 0;
}

static int energy_demo(void) {
    nf_network *net = NULL;
    nf_network_desc nd = nf_network_defaults();
    CHECK(nf_network_create(&nd, &net), "network");
    int32_t input, pop, conn;
    CHECK(nf_input_add(net, 784, &input), nf_network_last_error(net));
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 128);
    CHECK(nf_population_add(net, &pd, &pop), nf_network_last_error(net));
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_ZERO;
    CHECK(nf_connect(net, input, pop, &cd, &conn), nf_network_last_error(net));
    CHECK(nf_energy_device_register(net, "my-cpu", 1e-10, 2e-9, 0), nf_network_last_error(net));
    const char *devices[2] = {"cpu", "my-cpu"};
    char table[4096];
    CHECK(nf_energy_summary(net, devices, 2, 1, 0.001, table, sizeof table, NULL),
          nf_network_last_error(net));
    fputs(table, stdout);
    nf_network_destroy(net);
    return 0;
}

int main(void) { return layers_demo() || energy_demo(); }
