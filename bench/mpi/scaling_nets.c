/* The networks of the MPI scaling benchmarks (scaling_nets.h). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scaling_nets.h"

#define TRY(call)                                                                            \
    do {                                                                                     \
        if ((st = (call)) != NF_OK) {                                                        \
            snprintf(why, capacity, "%s: %s: %s", #call, nf_status_string(st),               \
                     nf_network_last_error(net));                                            \
            goto done;                                                                       \
        }                                                                                    \
    } while (0)

double nfbm_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

nf_status nfbm_build(nf_network *net, const char *kind, int32_t n, char *why, size_t capacity) {
    int32_t pop, in, conn, readout, learner, target;
    const int64_t batch = nf_network_batch(net);
    nf_connection_desc cd = nf_connection_defaults();
    nf_status st = NF_OK;
    float *values = NULL;
    if (!strcmp(kind, "lif")) {
        nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, n);
        pd.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.005f};
        TRY(nf_population_add(net, &pd, &pop));
        TRY(nf_input_add(net, n, &in));
        TRY((values = malloc(sizeof *values * (size_t)batch * n)) ? NF_OK : NF_ERR_OUT_OF_MEMORY);
        for (int64_t i = 0; i < batch * n; i++)
            values[i] = 1.0f + (float)(i % 97) / 48.0f;
        TRY(nf_input_set(net, in, 1, values));
        cd.kind = NF_CONNECTION_IDENTITY;
        TRY(nf_connect(net, in, pop, &cd, &conn));
        goto done;
    }
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
    pd.tau = 10.0f;
    pd.x_init_scale = 0.5f;
    TRY(nf_population_add(net, &pd, &pop));
    const int force = !strcmp(kind, "force");
    cd.kind = force ? NF_CONNECTION_SPARSE : NF_CONNECTION_DENSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.per_batch = force;
    cd.g = 1.5f;
    cd.p = 0.1f;
    TRY(nf_connect(net, pop, pop, &cd, &conn));
    if (!force)
        goto done;
    nf_readout_desc rd = {.per_batch = 1, .z_init_scale = 0.5f};
    TRY(nf_readout_add(net, pop, 1, &rd, &readout));
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.per_batch = 1;
    cd.low = -1.0f;
    cd.high = 1.0f;
    TRY(nf_connect(net, readout, pop, &cd, &conn));
    TRY(nf_input_add(net, 1, &target));
    TRY((values = calloc((size_t)batch, sizeof *values)) ? NF_OK : NF_ERR_OUT_OF_MEMORY);
    TRY(nf_input_set(net, target, 1, values));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    ld.target = target;
    ld.every = 2;
    TRY(nf_learner_add(net, &ld, &learner));
done:
    free(values);
    return st;
}
