/*
 * Writes the seed corpus of the loader's fuzz target (load_fuzz.c) into a
 * folder: real checkpoints of small networks that hold every kind of object,
 * each prefixed with the target's mode byte (1: load the bytes as they are;
 * a copy with 0: CRCs recomputed after mutation). Run once by
 * scripts/fuzz_load.sh when tests/fuzz/corpus/load is empty; the committed
 * corpus was made with it.
 * Usage: nft_fuzz_load_corpus FOLDER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse.h"

#define OK(call)                                                                             \
    do {                                                                                     \
        if ((call) != NF_OK) {                                                               \
            fprintf(stderr, "%s: %s\n", #call, net ? nf_network_last_error(net) : "");       \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

static const char *folder;

/* Saves net, then writes FOLDER/name-raw and FOLDER/name-crc with the mode byte. */
static void emit(nf_network *net, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.npz", folder, name);
    OK(nf_network_save(net, path));
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)size + 1);
    if (fread(b + 1, 1, (size_t)size, f) != (size_t)size)
        exit(1);
    fclose(f);
    remove(path);
    for (int mode = 0; mode < 2; mode++) {
        snprintf(path, sizeof path, "%s/%s-%s", folder, name, mode ? "raw" : "crc");
        b[0] = (unsigned char)mode;
        f = fopen(path, "wb");
        if (!f || fwrite(b, 1, (size_t)size + 1, f) != (size_t)size + 1 || fclose(f))
            exit(1);
    }
    free(b);
    nf_network_destroy(net);
}

static nf_network *network(int32_t batch) {
    nf_network *net = NULL;
    nf_network_desc d = nf_network_defaults();
    d.batch = batch;
    d.seed = 5;
    d.backend = NF_BACKEND_CPU;
    OK(nf_network_create(&d, &net));
    return net;
}

static int32_t input(nf_network *net, int32_t dim, int64_t steps) {
    int32_t id;
    const size_t n = (size_t)steps * nf_network_batch(net) * dim;
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((i * 7) % 11) / 11.0f;
    OK(nf_input_add(net, dim, &id));
    OK(nf_input_set(net, id, steps, v));
    free(v);
    return id;
}

static int32_t normal(nf_network *net, int32_t pre, int32_t post, nf_connection_kind kind,
                      int32_t per_batch, float p) {
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = kind;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.scale = 0.3f;
    cd.p = p;
    cd.per_batch = per_batch;
    int32_t id;
    OK(nf_connect(net, pre, post, &cd, &id));
    return id;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: nft_fuzz_load_corpus FOLDER\n");
        return 2;
    }
    folder = argv[1];
    nf_network *net = network(1);
    emit(net, "empty");

    /* every model, every filter (two neurons each) */
    net = network(1);
    const int32_t in = input(net, 2, 8);
    for (int m = NF_MODEL_RELU; m <= NF_MODEL_THETA; m++)
        for (int spiking = 0; spiking < 2; spiking++) {
            nf_population_desc pd = nf_population_defaults((nf_model)m, 2);
            pd.spiking = spiking;
            pd.filter.kind = (nf_filter_kind)((m + spiking) % 4);
            pd.filter.tau = 0.01f;
            pd.filter.tau_decay = 0.01f;
            if (m == NF_MODEL_LIF && spiking)
                OK(nf_lif_form_apply(&pd, NF_LIF_NICOLA_CLOPATH));
            if (m == NF_MODEL_IZHIKEVICH && spiking)
                OK(nf_izhikevich_preset_apply(&pd, NF_IZHIKEVICH_RS));
            int32_t pop, probe;
            OK(nf_population_add(net, &pd, &pop));
            normal(net, in, pop, NF_CONNECTION_DENSE, 0, 1.0f);
            OK(nf_probe_add(net, pop, NF_PROBE_FILTERED, 2, &probe));
        }
    OK(nf_network_run(net, 3));
    emit(net, "models");

    /* connections of every kind, batch 2, rate statistics, energy devices */
    net = network(2);
    const int32_t in2 = input(net, 2, 6);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 3);
    pd.bias = 1.5f;
    pd.filter.kind = NF_FILTER_ALPHA;
    pd.filter.tau = 0.005f;
    int32_t lif, relu, r, c, probe;
    OK(nf_population_add(net, &pd, &lif));
    pd = nf_population_defaults(NF_MODEL_RELU, 3);
    OK(nf_population_add(net, &pd, &relu));
    normal(net, in2, lif, NF_CONNECTION_DENSE, 0, 1.0f);
    normal(net, lif, relu, NF_CONNECTION_DENSE, 1, 1.0f);
    normal(net, lif, relu, NF_CONNECTION_SPARSE, 0, 0.5f);
    normal(net, relu, relu, NF_CONNECTION_SPARSE, 1, 0.5f);
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_IDENTITY;
    cd.scale = 0.5f;
    OK(nf_connect(net, relu, relu, &cd, &c));
    const nf_readout_desc rd = {.per_batch = 1, .z_init_scale = 0.1f};
    OK(nf_readout_add(net, relu, 2, &rd, &r));
    normal(net, r, lif, NF_CONNECTION_DENSE, 0, 1.0f);
    OK(nf_probe_add_state(net, lif, NF_STATE_REFRACTORY, 1, &probe));
    OK(nf_population_rate_stats_enable(net, lif, 1));
    OK(nf_energy_device_register(net, "chip", 1e-12, 2e-12, 1));
    OK(nf_network_set_dt(net, 0.0005));
    OK(nf_network_run(net, 2));
    emit(net, "connections");

    /* learners of every kind */
    net = network(1);
    pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, 4);
    pd.x_init_scale = 0.5f;
    int32_t p0, p1, l;
    OK(nf_population_add(net, &pd, &p0));
    pd = nf_population_defaults(NF_MODEL_TANH, 3);
    OK(nf_population_add(net, &pd, &p1));
    const int32_t f = input(net, 1, 5), f3 = input(net, 3, 5), drive = input(net, 2, 5);
    const int32_t rec = normal(net, p1, p1, NF_CONNECTION_DENSE, 0, 1.0f);
    OK(nf_readout_add(net, p1, 1, NULL, &r));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = r;
    ld.target = f;
    ld.connection = rec;
    ld.p_precision = NF_PRECISION_F64;
    OK(nf_learner_add(net, &ld, &l));
    const int32_t w = normal(net, p0, p1, NF_CONNECTION_DENSE, 0, 1.0f);
    int32_t desired[1] = {normal(net, drive, p1, NF_CONNECTION_DENSE, 0, 1.0f)};
    ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_CURRENTS;
    ld.connection = w;
    ld.desired = desired;
    ld.n_desired = 1;
    OK(nf_learner_add(net, &ld, &l));
    ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_MASKED;
    ld.connection = normal(net, p0, p1, NF_CONNECTION_DENSE, 0, 0.5f);
    ld.target = f3;
    OK(nf_learner_add(net, &ld, &l));
    ld.connection = normal(net, p0, p1, NF_CONNECTION_SPARSE, 0, 0.5f);
    ld.target = -1;
    ld.desired = desired;
    ld.n_desired = 1;
    OK(nf_learner_add(net, &ld, &l));
    OK(nf_learner_set_enabled(net, l, 0));
    OK(nf_probe_add(net, l, NF_PROBE_ERROR, 1, &probe));
    OK(nf_network_set_mode(net, NF_MODE_RATE));
    OK(nf_network_run(net, 2));
    emit(net, "learners");
    return 0;
}
