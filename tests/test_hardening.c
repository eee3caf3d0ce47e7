/*
 * Regression tests for the defects an outside campaign found: size
 * products that overflowed, huge step counts, a stack array sized by the
 * probe count, non-finite generated weights and dt,
 * queries that failed silently, a .npy writer that deleted or truncated
 * what it was given, and a size limit applied to the wrong kind of
 * connection. Each checks the status, the message and that the network is
 * unchanged and still usable. Limits are tested at and just past their
 * boundary (memory's address space, PTRDIFF_MAX bytes): just past is refused
 * as an invalid argument, at it the allocation fails cleanly.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* Asserts `call` gives `want` and a message holding `needle`. */
#define EXPECT_FAIL(net, want, needle, call)                                                  \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        cr_assert_eq(st_, (want), "%s -> %s (%s)", #call, nf_status_string(st_),            \
                     nf_network_last_error(net));                                            \
        cr_assert(strstr(nf_network_last_error(net), (needle)), "%s: message \"%s\" lacks %s", \
                  #call, nf_network_last_error(net), (needle));                              \
    } while (0)

static nf_network *cpu_net(int32_t batch, double dt) {
    return nft_network(NF_BACKEND_CPU, dt, batch, 1);
}

static int32_t relu_pop(nf_network *net, int32_t n) {
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, n);
    d.bias = 1.0f;
    int32_t id;
    NFT_OK(net, nf_population_add(net, &d, &id));
    return id;
}

Test(hardening, input_size_product_overflow_is_refused) {
    nf_network *net = cpu_net(4, 0.001);
    int32_t in;
    NFT_OK(net, nf_input_add(net, 1, &in));
    float dummy = 0.0f;
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "more than memory can address",
                nf_input_set(net, in, INT64_C(1) << 62, &dummy));
    /* just past the address space (2^61 floats of 4 bytes > PTRDIFF_MAX), and at it */
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "more than memory can address",
                nf_input_set(net, in, INT64_C(1) << 59, &dummy));
    /* the input still holds its one row of zeros and runs */
    NFT_OK(net, nf_network_run(net, 3));
    nf_network_destroy(net);
}

Test(hardening, population_size_limit_at_and_past_the_boundary) {
    nf_network *net = cpu_net(1 << 29, 0.001);
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, 1 << 30);
    int32_t id = -1;
    /* 2^59 elements x 16 bytes = 2^63 > PTRDIFF_MAX: refused */
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "more than memory can address",
                nf_population_add(net, &d, &id));
    /* 2^58 elements: addressable, but no machine has it: a clean out-of-memory */
    d.n = 1 << 29;
    cr_assert_eq(nf_population_add(net, &d, &id), NF_ERR_OUT_OF_MEMORY);
    cr_assert_eq(id, -1);
    nf_network_destroy(net);
}

Test(hardening, huge_step_counts_are_refused_without_overflow) {
    nf_network *net = cpu_net(2, 0.001);
    int32_t pop = relu_pop(net, 3), probe;
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_network_run(net, 5));
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "overflow the step count",
                nf_network_run(net, INT64_MAX));
    int64_t rows = 0;
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, 5);
    cr_assert_eq(nf_network_step_count(net), 5);
    /* fits the step count, but not memory: the probe would need 2^61 rows of 6 floats */
    cr_assert_eq(nf_network_run(net, INT64_MAX / 4), NF_ERR_OUT_OF_MEMORY);
    cr_assert(strstr(nf_network_last_error(net), "probe"), "%s", nf_network_last_error(net));
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, 5);
    /* a fresh network without the history: the same */
    nf_network *fresh = cpu_net(1, 0.001);
    int32_t p2 = relu_pop(fresh, 1), pr2;
    NFT_OK(fresh, nf_probe_add(fresh, p2, NF_PROBE_OUTPUT, 1, &pr2));
    cr_assert_neq(nf_network_run(fresh, INT64_MAX / 4), NF_OK);
    cr_assert_eq(nf_network_step_count(fresh), 0);
    NFT_OK(fresh, nf_network_run(fresh, 2));
    nf_network_destroy(fresh);
    NFT_OK(net, nf_network_run(net, 1));
    nf_network_destroy(net);
}

Test(hardening, a_million_probes_run, .timeout = 120) {
    nf_network *net = cpu_net(1, 0.001);
    int32_t pop = relu_pop(net, 1), probe = -1;
    for (int i = 0; i < 1000000; i++)
        NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_network_run(net, 2));
    float out[2];
    int64_t rows = 0;
    NFT_OK(net, nf_probe_read(net, probe, out, 2, &rows));
    cr_assert_eq(rows, 2);
    cr_assert_eq(out[1], 1.0f);
    nf_network_destroy(net);
}

Test(hardening, generated_weights_must_be_finite) {
    nf_network *net = cpu_net(1, 0.001);
    int32_t a = relu_pop(net, 64), b = relu_pop(net, 64), c;
    nf_connection_desc d = nf_connection_defaults();
    d.init = NF_WEIGHTS_NORMAL;
    d.scale = 3e38f;
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "not finite", nf_connect(net, a, b, &d, &c));
    d.init = NF_WEIGHTS_UNIFORM;
    d.low = -3e38f;
    d.high = 3e38f;
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "not finite", nf_connect(net, a, b, &d, &c));
    /* the largest range that stays finite is accepted */
    d.low = -1.5e38f;
    d.high = 1.5e38f;
    NFT_OK(net, nf_connect(net, a, b, &d, &c));
    int64_t count;
    NFT_OK(net, nf_connection_weight_count(net, c, &count));
    cr_assert_eq(count, 64 * 64);
    nf_network_destroy(net);
}

Test(hardening, dt_and_derived_constants_must_be_finite_floats) {
    nf_network_desc nd = nf_network_defaults();
    nd.backend = NF_BACKEND_CPU;
    nf_network *net = NULL;
    char msg[512];
    const double bad[] = {1e300, 1e-300, 1e39, 1e-39};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd.dt = bad[i];
        cr_assert_eq(nf_network_create_ex(&nd, &net, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT,
                     "dt %g", bad[i]);
        cr_assert_null(net);
        cr_assert(strstr(msg, "dt"), "%s", msg);
    }
    net = cpu_net(1, 0.001);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "dt", nf_network_set_dt(net, bad[i]));
    cr_assert_eq(nf_network_dt(net), 0.001);
    /* a leaky unit whose dt/tau is finite at 1 ms but overflows at dt 10 s */
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, 2);
    d.tau = 1e-38f;
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "not finite", nf_network_set_dt(net, 10.0));
    cr_assert_eq(nf_network_dt(net), 0.001);
    /* and one that overflows already: refused when added */
    d.tau = 1e-44f;
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "not finite", nf_population_add(net, &d, &pop));
    nf_network_destroy(net);
}

Test(hardening, queries_of_a_bad_id_say_why) {
    nf_network *net = cpu_net(1, 0.001);
    int32_t pop = relu_pop(net, 2);
    int64_t v64;
    int32_t v32;
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "nf_probe_rows", nf_probe_rows(net, 7, &v64));
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "nf_probe_row_size",
                nf_probe_row_size(net, pop, &v64));
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "nf_population_size",
                nf_population_size(net, -1, &v32));
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "nf_connection_weight_count",
                nf_connection_weight_count(net, pop, &v64));
    EXPECT_FAIL(net, NF_ERR_INVALID_ARGUMENT, "NULL", nf_population_size(net, pop, NULL));
    NFT_OK(net, nf_population_size(net, pop, &v32));
    cr_assert_eq(v32, 2);
    nf_network_destroy(net);
}

Test(hardening, npy_writer_never_destroys_what_it_is_given) {
    char msg[512];
    const float v[3] = {1, 2, 3};
    const int64_t shape[1] = {3}, none[1] = {0};
    /* an empty array with no data is fine */
    char dir[] = "/tmp/nf_hardening_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[600], link_path[600];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    cr_assert_eq(nf_npy_write_f32(path, NULL, 1, none, msg, sizeof msg), NF_OK, "%s", msg);
    /* a device node as destination: refused, and still there */
    cr_assert_eq(nf_npy_write_f32("/dev/null", v, 1, shape, msg, sizeof msg), NF_ERR_IO);
    struct stat st;
    cr_assert(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null was touched");
    /* a folder as destination: refused, still a folder */
    cr_assert_eq(nf_npy_write_f32(dir, v, 1, shape, msg, sizeof msg), NF_ERR_IO);
    cr_assert(strstr(msg, "not a regular file"), "%s", msg);
    cr_assert(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    /* through a symbolic link: the target is replaced whole, the link stays */
    cr_assert_eq(nf_npy_write_f32(path, v, 1, shape, msg, sizeof msg), NF_OK, "%s", msg);
    snprintf(link_path, sizeof link_path, "%s/link.npy", dir);
    cr_assert_eq(symlink("a.npy", link_path), 0);
    const float w[2] = {7, 8};
    const int64_t two[1] = {2};
    cr_assert_eq(nf_npy_write_f32(link_path, w, 1, two, msg, sizeof msg), NF_OK, "%s", msg);
    cr_assert(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode), "the link was replaced");
    float *back = NULL;
    int32_t ndim = 0;
    int64_t got[NF_NPY_MAX_DIMS];
    cr_assert_eq(nf_npy_read_f32(path, &back, &ndim, got, msg, sizeof msg), NF_OK, "%s", msg);
    cr_assert(ndim == 1 && got[0] == 2 && back[0] == 7.0f && back[1] == 8.0f);
    nf_npy_free(back);
    /* no temporary file is left behind */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", dir);
    cr_assert_eq(system(cmd), 0, "stray files in %s", dir);
    unlink(link_path);
    unlink(path);
    rmdir(dir);
}

Test(hardening, identity_connection_is_sized_by_what_it_stores, .timeout = 60) {
    nf_network *net = cpu_net(1, 0.001);
    const int32_t n = 1 << 22;
    int32_t in, pop, c;
    NFT_OK(net, nf_input_add(net, n, &in));
    nf_population_desc d = nf_population_defaults(NF_MODEL_RELU, n);
    NFT_OK(net, nf_population_add(net, &d, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_IDENTITY;
    cd.init = NF_WEIGHTS_ZERO;
    cd.scale = 2.0f;
    NFT_OK(net, nf_connect(net, in, pop, &cd, &c));
    int64_t count = 0;
    NFT_OK(net, nf_connection_weight_count(net, c, &count));
    cr_assert_eq(count, 1);
    NFT_OK(net, nf_network_run(net, 1));
    nf_network_destroy(net);
}
