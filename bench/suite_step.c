/*
 * Population step throughput (see suite.h): one population of a model at
 * batch x n, run `steps` steps per timed run; the step's bytes per neuron.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "suite.h"

const nfb_step_model nfb_step_models[] = {
    {"relu", NF_MODEL_RELU, 0, 0, NF_FILTER_NONE, 0},
    {"relu-spiking", NF_MODEL_RELU, 1, 1, NF_FILTER_NONE, 0},
    {"softlif", NF_MODEL_SOFTLIF_RATE, 0, 0, NF_FILTER_NONE, 0},
    {"leaky-rate", NF_MODEL_LEAKY_RATE, 0, 1, NF_FILTER_NONE, 0},
    {"lif", NF_MODEL_LIF, 0, 2, NF_FILTER_NONE, 0},
    {"lif-lowpass", NF_MODEL_LIF, 0, 2, NF_FILTER_LOWPASS, 1},
    {"izhikevich", NF_MODEL_IZHIKEVICH, 0, 2, NF_FILTER_NONE, 0},
    {"theta", NF_MODEL_THETA, 0, 1, NF_FILTER_NONE, 0},
};

const int nfb_step_model_count = (int)(sizeof nfb_step_models / sizeof *nfb_step_models);

double nfb_bytes_per_neuron_step(const nfb_step_model *m, int32_t batch) {
    return 4.0 * (1 + 1 + 1) + 8.0 * (m->state_floats + m->filter_floats) + 8.0 / batch;
}

void nfb_size_split(int log2, int32_t *batch, int32_t *n) {
    *n = log2 <= 12 ? (1 << log2) : 4096;
    *batch = (int32_t)((1L << log2) / *n);
}

int64_t nfb_step_steps(nf_backend backend, double elements) {
    if (backend == NF_BACKEND_CUDA) {
        int64_t steps = (int64_t)(8.6e9 / elements); /* 2^33 neuron-steps */
        steps = steps < 256 ? 256 : steps > 16384 ? 16384 : steps;
        return steps / 64 * 64;
    }
    int64_t steps = (int64_t)(2e7 / elements);
    return steps < 5 ? 5 : steps;
}

int nfb_time_step(nf_backend backend, int32_t device, const nfb_step_model *m, int32_t batch,
                  int32_t n, int64_t steps, nfb_timing *out) {
    nf_network_desc nd = nf_network_defaults();
    nd.batch = batch;
    nd.backend = backend;
    nd.device = device;
    nd.dt = m->model == NF_MODEL_IZHIKEVICH ? 0.04 : 1e-4;
    nf_network *net = NULL;
    char message[512];
    nf_status st = nf_network_create_ex(&nd, &net, message, sizeof message);
    if (st != NF_OK) {
        fprintf(stderr, "%s batch %d n %d: nf_network_create: %s: %s\n", m->name, batch, n,
                nf_status_string(st), message);
        return 1;
    }
    nf_population_desc pd = nf_population_defaults(m->model, n);
    pd.spiking = m->spiking;
    pd.bias = m->model == NF_MODEL_IZHIKEVICH ? 1000.0f : m->model == NF_MODEL_THETA ? 0.01f : 1.5f;
    if (m->filter != NF_FILTER_NONE)
        pd.filter = (nf_filter_desc){.kind = m->filter, .tau = 0.005f};
    int32_t pop;
    double times[NFB_REPEATS];
    float *check = NULL;
    const char *where = "nf_population_add";
    if ((st = nf_population_add(net, &pd, &pop)) != NF_OK)
        goto fail;
    where = "nf_network_run";
    if ((st = nf_network_run(net, steps)) != NF_OK) /* warm-up */
        goto fail;
    for (int r = 0; r < NFB_REPEATS; r++) {
        double t = nfb_now();
        st = nf_network_run(net, steps);
        times[r] = (nfb_now() - t) / steps;
        if (st != NF_OK)
            goto fail;
    }
    /* The steps computed something: every output is finite. */
    where = "nf_population_get_state(OUTPUT)";
    check = malloc(sizeof *check * (size_t)batch * n);
    if (!check) {
        fprintf(stderr, "%s: out of host memory for the output check\n", m->name);
        nf_network_destroy(net);
        return 1;
    }
    if ((st = nf_population_get_state(net, pop, NF_STATE_OUTPUT, check)) != NF_OK)
        goto fail;
    for (size_t i = 0; i < (size_t)batch * n; i++)
        if (!isfinite(check[i])) {
            fprintf(stderr, "%s batch %d n %d: output %zu is %g after %lld steps\n", m->name, batch,
                    n, i, check[i], (long long)((NFB_REPEATS + 1) * steps));
            free(check);
            nf_network_destroy(net);
            return 1;
        }
    free(check);
    nf_network_destroy(net);
    qsort(times, NFB_REPEATS, sizeof *times, nfb_cmp_double);
    out->median = times[NFB_REPEATS / 2];
    out->min = times[0];
    return 0;
fail:
    fprintf(stderr, "%s batch %d n %d: %s: %s: %s\n", m->name, batch, n, where,
            nf_status_string(st), nf_network_last_error(net));
    free(check);
    nf_network_destroy(net);
    return 1;
}
