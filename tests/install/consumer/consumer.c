/*
 * An outside program built against an installed neurofuse (find_package or
 * pkg-config). Two ReLU neurons with biases 0.5 and 2 feed a lowpass filter
 * (tau 10 ms, dt 1 ms, zero-order hold: y_k = b (1 - exp(-k dt / tau)));
 * checks that header and library versions agree (NF_VERSION_NUMBER), prints
 * the version and the filtered outputs after 10 steps, which
 * tests/install/run.sh compares with b (1 - e^-1) = 0.31606, 1.26424.
 * It also writes them with nf_npy_write_f32 to argv[1] when given.
 */
#include <stdio.h>

#include <neurofuse.h>

int main(int argc, char **argv) {
    if (nf_version_number() != NF_VERSION_NUMBER) {
        fprintf(stderr, "header %d and library %d disagree\n", NF_VERSION_NUMBER,
                nf_version_number());
        return 1;
    }
    nf_network_desc nd = nf_network_defaults();
    nd.backend = NF_BACKEND_CPU;
    nf_network *net = NULL;
    if (nf_network_create(&nd, &net) != NF_OK)
        return 1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, 2);
    const float bias[2] = {0.5f, 2.0f};
    pd.biases = bias;
    pd.filter.kind = NF_FILTER_LOWPASS;
    pd.filter.tau = 0.01f;
    int32_t pop, probe;
    float y[2];
    int64_t rows = 0;
    nf_status st = nf_population_add(net, &pd, &pop);
    if (st == NF_OK)
        st = nf_probe_add(net, pop, NF_PROBE_FILTERED, 10, &probe);
    if (st == NF_OK)
        st = nf_network_run(net, 10);
    if (st == NF_OK)
        st = nf_probe_read(net, probe, y, 2, &rows);
    if (st != NF_OK || rows != 1) {
        fprintf(stderr, "%s: %s\n", nf_status_string(st), nf_network_last_error(net));
        nf_network_destroy(net);
        return 1;
    }
    printf("version %s\ny %.6f %.6f\n", nf_version(), y[0], y[1]);
    const int64_t shape[1] = {2};
    char msg[256];
    if (argc > 1 && nf_npy_write_f32(argv[1], y, 1, shape, msg, sizeof msg) != NF_OK) {
        fprintf(stderr, "%s\n", msg);
        st = NF_ERR_IO;
    }
    nf_network_destroy(net);
    return st == NF_OK ? 0 : 1;
}
