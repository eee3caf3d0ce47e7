/*
 * The neurofuse side of bench/peers/brian2_lif.py: N 1000 LIF neurons (nengo
 * form: exact integration v += (J - v)(1 - exp(-dt/tau_rc)), tau_rc 20 ms,
 * threshold 1, reset 0, refractory 2 ms, no lower voltage bound), J_i = 1.1 +
 * 0.9 i/(N-1), all-to-all event-driven synapses that move v of every neuron by
 * DV = -0.0002 per spike (weight DV dt / (1 - exp(-dt/tau_rc)) on the 1/dt
 * spike), v(0) = 0, 1 s at dt 0.1 ms (10000 steps). Median wall time of the
 * run over `repeats` runs after a warm-up run, each from the same initial
 * state, and the spike count (a readout of weights dt counts each step's
 * spikes). Prints one JSON line like the peer.
 * Usage: bench_peer_lif [--backend cpu|cuda] [--repeats R]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "neurofuse.h"

#define N           1000
#define STEPS       10000
#define DT          1e-4
#define TAU_RC      0.02
#define DV          (-0.0002)
#define MAX_REPEATS 21

#define TRY(call)                                                                                  \
    do {                                                                                           \
        nf_status st_ = (call);                                                                    \
        if (st_ != NF_OK)                                                                          \
            return nfb_fail(net, #call, st_);                                                          \
    } while (0)

int main(int argc, char **argv) {
    nf_backend backend = NF_BACKEND_CPU;
    int repeats = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc && !strcmp(argv[i + 1], "cpu"))
            backend = NF_BACKEND_CPU, i++;
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc && !strcmp(argv[i + 1], "cuda"))
            backend = NF_BACKEND_CUDA, i++;
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc &&
                 (repeats = atoi(argv[i + 1])) >= 1 && repeats <= MAX_REPEATS)
            i++;
        else {
            fprintf(stderr, "usage: %s [--backend cpu|cuda] [--repeats 1..%d]\n", argv[0],
                    MAX_REPEATS);
            return 2;
        }
    }
    nf_network_desc nd = nf_network_defaults();
    nd.dt = DT;
    nd.seed = 1;
    nd.backend = backend;
    nf_network *net = nfb_network_create(&nd);
    if (!net)
        return 1;
    static float bias[N], w[N * N], count_w[N], zeros[N];
    for (int i = 0; i < N; i++) {
        bias[i] = (float)(1.1 + 0.9 * i / (N - 1));
        count_w[i] = (float)DT;
    }
    const float weight = (float)(DV * DT / -expm1(-DT / TAU_RC));
    for (int i = 0; i < N * N; i++)
        w[i] = weight;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, N);
    pd.tau_rc = (float)TAU_RC;
    pd.tau_ref = 0.002f;
    pd.min_voltage = -1e30f;
    pd.biases = bias;
    int32_t pop, conn, counter, probe;
    TRY(nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    cd.propagation = NF_PROPAGATION_EVENT;
    TRY(nf_connect(net, pop, pop, &cd, &conn));
    nf_readout_desc rd = {.weights = count_w};
    TRY(nf_readout_add(net, pop, 1, &rd, &counter));
    TRY(nf_probe_add(net, counter, NF_PROBE_OUTPUT, 1, &probe));

    static float spikes[STEPS];
    double times[MAX_REPEATS + 1], total = 0.0;
    for (int r = 0; r <= repeats; r++) { /* run 0 is the warm-up */
        TRY(nf_network_reset(net));
        TRY(nf_population_set_state(net, pop, NF_STATE_VOLTAGE, zeros));
        TRY(nf_population_set_state(net, pop, NF_STATE_REFRACTORY, zeros));
        const double t0 = nfb_now();
        TRY(nf_network_run(net, STEPS));
        times[r] = nfb_now() - t0;
        int64_t rows = 0;
        TRY(nf_probe_read(net, probe, spikes, STEPS, &rows));
        total = 0.0;
        for (int64_t k = 0; k < rows; k++)
            total += spikes[k];
    }
    qsort(times + 1, (size_t)repeats, sizeof *times, nfb_cmp_double);
    char cpu[256];
    nfb_cpu_name(cpu, sizeof cpu);
    printf("{\"target\": \"neurofuse-%s\", \"sim_seconds\": %.6g, \"sim_seconds_min\": %.6g, "
           "\"spikes\": %.0f, \"n\": %d, \"duration_s\": %g, \"dt_ms\": %g, \"repeats\": %d, "
           "\"device\": \"%s\"}\n",
           nf_backend_name(backend), times[1 + repeats / 2], times[1], total, N, STEPS * DT,
           DT * 1e3, repeats, cpu);
    nf_network_destroy(net);
    return 0;
}
