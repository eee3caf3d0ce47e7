/* Shared test helpers (see common.h). */
#include "common.h"

#include <stdlib.h>
#include <string.h>

void nft_require_backend(nf_backend b) {
    if (!nf_backend_available(b)) {
        nf_device_info info;
        nf_device_query(b, 0, &info);
        cr_skip_test("backend %s is not usable here: %s", nf_backend_name(b), info.detail);
    }
}

nf_network *nft_network(nf_backend b, double dt, int32_t batch, uint64_t seed) {
    nft_require_backend(b);
    nf_network_desc d = nf_network_defaults();
    d.dt = dt;
    d.batch = batch;
    d.seed = seed;
    d.backend = b;
    nf_network *net = NULL;
    char msg[512] = "";
    nf_status st = nf_network_create_ex(&d, &net, msg, sizeof msg);
    cr_assert_eq(st, NF_OK, "network create on %s: %s: %s", nf_backend_name(b),
                 nf_status_string(st), msg);
    cr_assert_not_null(net);
    return net;
}

int nft_close(double ref, double x, double rtol, double atol) {
    if (isnan(ref) || isnan(x))
        return isnan(ref) && isnan(x);
    return fabs(ref - x) <= atol + rtol * fabs(ref);
}

void nft_assert_all_close(const float *ref, const float *x, size_t n, double rtol, double atol,
                          const char *what) {
    for (size_t i = 0; i < n; i++)
        cr_assert(nft_close(ref[i], x[i], rtol, atol), "%s[%zu]: expected %.9g, got %.9g", what,
                  i, (double)ref[i], (double)x[i]);
}

void nft_assert_all_equal(const float *ref, const float *x, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++)
        cr_assert(memcmp(&ref[i], &x[i], sizeof(float)) == 0,
                  "%s[%zu]: expected %.9g, got %.9g (not bit-identical)", what, i,
                  (double)ref[i], (double)x[i]);
}

void *nft_alloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size);
    cr_assert_not_null(p, "out of memory allocating %zu x %zu", count, size);
    return p;
}

float *nft_probe_take(nf_network *net, int32_t probe, int64_t rows, int64_t row_size) {
    const size_t cap = (size_t)(rows * row_size);
    float *buf = nft_alloc(cap, sizeof(float));
    int64_t got = -1;
    NFT_OK(net, nf_probe_read(net, probe, buf, cap, &got));
    cr_assert_eq(got, rows, "probe %d: expected %lld rows, read %lld", probe, (long long)rows,
                 (long long)got);
    return buf;
}

void nft_readout_rls_on_rows(nf_network *net, int32_t n, int64_t T, const float *r,
                             const float *f, float alpha, nf_precision precision,
                             int32_t *readout, int32_t *learner) {
    nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, n);
    int32_t pop, in, target, conn;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    NFT_OK(net, nf_input_add(net, n, &in));
    NFT_OK(net, nf_input_add(net, 1, &target));
    NFT_OK(net, nf_input_set(net, in, T, r));
    NFT_OK(net, nf_input_set(net, target, T, f));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_IDENTITY;
    NFT_OK(net, nf_connect(net, in, pop, &cd, &conn));
    NFT_OK(net, nf_readout_add(net, pop, 1, NULL, readout));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = *readout;
    ld.target = target;
    ld.alpha = alpha;
    ld.p_precision = precision;
    NFT_OK(net, nf_learner_add(net, &ld, learner));
    NFT_OK(net, nf_network_run(net, T));
}
