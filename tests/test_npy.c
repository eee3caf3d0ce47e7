/*
 * .npy writing (engine/npy.c), reading (engine/npy_read.c) and
 * nf_device_query. Written files are parsed back here by the rules of numpy's
 * format 1.0: magic "\x93NUMPY", version 1.0, uint16 little-endian header
 * length, the dict, '\n', data at a multiple of 64 bytes, '<f4' values in C
 * order. When /usr/bin/python3 has numpy, numpy.load reads the same file as a
 * second, independent check. The reader reads files numpy itself wrote
 * (tests/fixtures/npy, from make_fixtures.py there), good and bad, and what
 * the writer wrote.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

TestSuite(npy, .timeout = 60);

typedef struct npy_file {
    char header[1024]; /* the dict text, NUL-terminated */
    size_t data_offset;
    float *data;
    size_t count;
} npy_file;

/* Reads a whole .npy file, asserting the fixed parts of the format. */
static npy_file npy_read(const char *path) {
    npy_file r = {0};
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
    unsigned char pre[10];
    cr_assert_eq(fread(pre, 1, 10, f), 10);
    cr_assert(memcmp(pre, "\x93NUMPY", 6) == 0, "bad magic");
    cr_assert_eq(pre[6], 1, "major version %d", pre[6]);
    cr_assert_eq(pre[7], 0, "minor version %d", pre[7]);
    const size_t hlen = pre[8] | (size_t)pre[9] << 8;
    r.data_offset = 10 + hlen;
    cr_assert_eq(r.data_offset % 64, 0, "data starts at %zu, not a multiple of 64", r.data_offset);
    cr_assert_lt(hlen, sizeof r.header);
    cr_assert_eq(fread(r.header, 1, hlen, f), hlen);
    cr_assert_eq(r.header[hlen - 1], '\n', "the header must end with a newline");
    r.header[hlen] = '\0';
    fseek(f, 0, SEEK_END);
    const long end = ftell(f);
    cr_assert_eq((end - (long)r.data_offset) % 4, 0);
    r.count = (size_t)(end - (long)r.data_offset) / 4;
    r.data = nft_alloc(r.count, sizeof(float));
    fseek(f, (long)r.data_offset, SEEK_SET);
    unsigned char b[4];
    for (size_t i = 0; i < r.count; i++) {
        cr_assert_eq(fread(b, 1, 4, f), 4);
        const uint32_t u = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        memcpy(&r.data[i], &u, 4);
    }
    fclose(f);
    return r;
}

static void tmp_path(char *path, size_t capacity, const char *name) {
    snprintf(path, capacity, "/tmp/nft_npy_%ld_%s.npy", (long)getpid(), name);
}

/* numpy's own reading of the file, when numpy is installed: shape and the sum. */
static void numpy_check(const char *path, const char *shape, double sum) {
    if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import numpy as n; a = n.load('%s'); "
             "assert a.dtype == n.float32, a.dtype; assert str(a.shape) == '%s', a.shape; "
             "assert abs(float(a.astype(n.float64).sum()) - %.17g) <= 1e-9 * max(1, abs(%.17g))"
             ", a.sum()\"",
             path, shape, sum, sum);
    cr_assert_eq(system(cmd), 0, "numpy.load disagrees on %s (expected shape %s, sum %g)", path,
                 shape, sum);
}

Test(npy, array_round_trips_with_header_and_values) {
    char path[256];
    tmp_path(path, sizeof path, "array");
    enum { A = 3, B = 5, C = 7 };
    float v[A * B * C];
    double sum = 0.0;
    for (int i = 0; i < A * B * C; i++) {
        v[i] = (float)(i * 0.25 - 10.0) * (i % 2 ? -1.0f : 1.0f);
        sum += v[i];
    }
    const int64_t shape[3] = {A, B, C};
    char msg[256] = "";
    cr_assert_eq(nf_npy_write_f32(path, v, 3, shape, msg, sizeof msg), NF_OK, "%s", msg);
    npy_file r = npy_read(path);
    cr_assert(strstr(r.header, "'descr': '<f4'"), "header: %s", r.header);
    cr_assert(strstr(r.header, "'fortran_order': False"), "header: %s", r.header);
    cr_assert(strstr(r.header, "'shape': (3, 5, 7)"), "header: %s", r.header);
    cr_assert_eq(r.count, (size_t)(A * B * C));
    nft_assert_all_equal(v, r.data, r.count, "data");
    numpy_check(path, "(3, 5, 7)", sum);
    free(r.data);
    remove(path);
}

Test(npy, one_and_zero_dimensions_use_python_tuples) {
    char path[256];
    tmp_path(path, sizeof path, "vec");
    const float v[4] = {1.5f, -2.0f, 0.0f, 1e-30f};
    const int64_t n4 = 4;
    cr_assert_eq(nf_npy_write_f32(path, v, 1, &n4, NULL, 0), NF_OK);
    npy_file r = npy_read(path);
    cr_assert(strstr(r.header, "'shape': (4,)"), "header: %s", r.header);
    nft_assert_all_equal(v, r.data, 4, "vector");
    numpy_check(path, "(4,)", 1.5 - 2.0 + (double)1e-30f);
    free(r.data);

    cr_assert_eq(nf_npy_write_f32(path, v, 0, NULL, NULL, 0), NF_OK);
    r = npy_read(path);
    cr_assert(strstr(r.header, "'shape': ()"), "header: %s", r.header);
    cr_assert_eq(r.count, 1);
    cr_assert_eq(r.data[0], 1.5f);
    free(r.data);

    const int64_t empty[2] = {0, 3};
    cr_assert_eq(nf_npy_write_f32(path, NULL, 2, empty, NULL, 0), NF_OK);
    r = npy_read(path);
    cr_assert(strstr(r.header, "'shape': (0, 3)"), "header: %s", r.header);
    cr_assert_eq(r.count, 0);
    free(r.data);
    remove(path);
}

Test(npy, bad_arguments_and_unwritable_paths_are_refused_with_reasons) {
    const float v[2] = {1, 2};
    const int64_t good[1] = {2}, bad[1] = {-1};
    char msg[256];
    cr_assert_eq(nf_npy_write_f32(NULL, v, 1, good, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "path"), "%s", msg);
    cr_assert_eq(nf_npy_write_f32("/tmp/x.npy", v, 33, good, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "ndim") && strstr(msg, "33"), "%s", msg);
    cr_assert_eq(nf_npy_write_f32("/tmp/x.npy", v, 1, bad, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "shape[0]") && strstr(msg, "-1"), "%s", msg);
    cr_assert_eq(nf_npy_write_f32("/tmp/x.npy", NULL, 1, good, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "data"), "%s", msg);
    const char *missing = "/nonexistent-dir-nft/out.npy";
    cr_assert_eq(nf_npy_write_f32(missing, v, 1, good, msg, sizeof msg), NF_ERR_IO);
    cr_assert(strstr(msg, missing), "the message must name the path: %s", msg);
    cr_assert(strstr(msg, strerror(ENOENT)), "the message must give errno's text: %s", msg);
}

/* An input's rows, probed every step, come back as (rows, batch, dim) in order. */
NFT_BACKEND_TEST(npy, probe_rows_are_written_as_rows_batch_dim, .timeout = 60) {
    enum { STEPS = 6, BATCH = 3, DIM = 2 };
    nf_network *net = nft_network(backend, 0.001, BATCH, 7);
    int32_t in, probe;
    float values[STEPS * BATCH * DIM];
    double sum = 0.0;
    for (int i = 0; i < STEPS * BATCH * DIM; i++)
        sum += values[i] = (float)(i * i) / 8.0f - 3.0f;
    NFT_OK(net, nf_input_add(net, DIM, &in));
    NFT_OK(net, nf_input_set(net, in, STEPS, values));
    NFT_OK(net, nf_probe_add(net, in, NF_PROBE_INPUT, 1, &probe));
    NFT_OK(net, nf_network_run(net, STEPS));

    /* A failed write keeps the rows. */
    cr_assert_eq(nf_probe_write_npy(net, probe, "/nonexistent-dir-nft/p.npy"), NF_ERR_IO);
    cr_assert(strstr(nf_network_last_error(net), "/nonexistent-dir-nft/p.npy"), "%s",
              nf_network_last_error(net));
    int64_t rows = 0;
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, STEPS);
    cr_assert_eq(nf_probe_write_npy(net, probe + 100, "/tmp/x.npy"), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_network_last_error(net), "probe"), "%s", nf_network_last_error(net));

    char path[256];
    tmp_path(path, sizeof path, backend == NF_BACKEND_CPU ? "probe_cpu" : "probe_cuda");
    NFT_OK(net, nf_probe_write_npy(net, probe, path));
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, 0, "writing must consume the rows, %lld left", (long long)rows);
    npy_file r = npy_read(path);
    cr_assert(strstr(r.header, "'shape': (6, 3, 2)"), "header: %s", r.header);
    cr_assert_eq(r.count, (size_t)(STEPS * BATCH * DIM));
    nft_assert_all_equal(values, r.data, r.count, "probe rows");
    numpy_check(path, "(6, 3, 2)", sum);
    free(r.data);
    remove(path);
    nf_network_destroy(net);
}

Test(npy, device_query_describes_the_cpu_and_says_none_without_a_gpu) {
    nf_device_info info;
    cr_assert_eq(nf_device_query(NF_BACKEND_CPU, 0, &info), NF_OK, "%s", info.detail);
    cr_assert_eq(info.backend, NF_BACKEND_CPU);
    cr_assert_eq(info.count, 1);
    cr_assert_eq(info.processors, (int32_t)sysconf(_SC_NPROCESSORS_ONLN));
    const uint64_t phys = (uint64_t)sysconf(_SC_PAGESIZE) * (uint64_t)sysconf(_SC_PHYS_PAGES);
    cr_assert_eq(info.memory_total, phys);
    cr_assert(info.memory_free > 0 && info.memory_free <= info.memory_total);
    cr_assert(info.name[0]);
    cr_assert_eq(nf_device_query(NF_BACKEND_CPU, 1, &info), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(info.detail, "device"), "%s", info.detail);
    cr_assert_eq(nf_device_query(NF_BACKEND_CPU, 0, NULL), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_device_query((nf_backend)9, 0, &info), NF_ERR_INVALID_ARGUMENT);

    const nf_status st = nf_device_query(NF_BACKEND_CUDA, 0, &info);
    if (nf_backend_available(NF_BACKEND_CUDA)) {
        cr_assert_eq(st, NF_OK, "%s", info.detail);
        cr_assert_geq(info.count, 1);
        cr_assert_gt(info.memory_total, 0);
        cr_assert_geq(info.cc_major, 1);
        cr_assert_eq(nf_device_query(NF_BACKEND_CUDA, info.count, &info), NF_ERR_INVALID_ARGUMENT);
    } else {
        cr_assert_eq(st, NF_ERR_NO_DEVICE);
        cr_assert_eq(info.count, 0);
        cr_assert(info.detail[0], "a reason must be given");
    }
    cr_assert_eq(nf_device_query(NF_BACKEND_AUTO, 0, &info), NF_OK, "%s", info.detail);
}

// --- reading (engine/npy_read.c), from files numpy wrote (tests/fixtures/npy/make_fixtures.py)

#define NPY_FIXTURE(name) NFT_FIXTURES_DIR "/npy/" name

/* Reads a fixture and asserts its shape and bit-identical values. */
static void expect_read(const char *path, int32_t ndim, const int64_t *shape, const float *values,
                        size_t count) {
    float *data = NULL;
    int32_t got_ndim = -1;
    int64_t got_shape[NF_NPY_MAX_DIMS];
    char msg[1024] = "";
    cr_assert_eq(nf_npy_read_f32(path, &data, &got_ndim, got_shape, msg, sizeof msg), NF_OK,
                 "%s: %s", path, msg);
    cr_assert_not_null(data, "%s: data must not be NULL on success", path);
    cr_assert_eq(got_ndim, ndim, "%s: ndim %d, expected %d", path, got_ndim, ndim);
    for (int32_t d = 0; d < ndim; d++)
        cr_assert_eq(got_shape[d], shape[d], "%s: shape[%d] %lld, expected %lld", path, d,
                     (long long)got_shape[d], (long long)shape[d]);
    nft_assert_all_equal(values, data, count, path);
    nf_npy_free(data);
}

/* Value i of a fixture the script wrote from a formula. */
static void expect_formula(const char *path, int32_t ndim, const int64_t *shape,
                           float (*value)(size_t i)) {
    size_t count = 1;
    for (int32_t d = 0; d < ndim; d++)
        count *= (size_t)shape[d];
    float *v = nft_alloc(count, sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = value(i);
    expect_read(path, ndim, shape, v, count);
    free(v);
}

static float quarter_minus_one(size_t i) { return (float)((double)i * 0.25 - 1.0); }
static float half_minus(size_t i) { return (float)((double)i * 0.5 - 2.5); }
static float eighths(size_t i) { return (float)(((double)i - 11.5) / 8.0); }
static float thirds(size_t i) { return (float)((double)i / 3.0); }
static float minus_two(size_t i) { return (float)((double)i - 2.0); }
static float thousands(size_t i) { return (float)(1000.0 * (double)i - 2500.0); }
static float fifty_ones(size_t i) { return (float)(51 * i); }
static float plus_one(size_t i) { return (float)(i + 1); }

Test(npy, reads_float_files_numpy_wrote_in_one_to_three_dimensions) {
    expect_formula(NPY_FIXTURE("f4_1d.npy"), 1, (int64_t[]){7}, quarter_minus_one);
    expect_formula(NPY_FIXTURE("f4_2d.npy"), 2, (int64_t[]){3, 4}, half_minus);
    expect_formula(NPY_FIXTURE("f4_3d.npy"), 3, (int64_t[]){2, 3, 4}, eighths);
    /* <f8 is rounded to the nearest float32, as the C cast of the same double. */
    expect_formula(NPY_FIXTURE("f8_2d.npy"), 2, (int64_t[]){4, 5}, thirds);
}

Test(npy, reads_header_versions_one_two_and_three_alike) {
    static const char *const names[] = {"f4_v1.npy", "f4_v2.npy", "f4_v3.npy"};
    for (int k = 0; k < 3; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/npy/%s", NFT_FIXTURES_DIR, names[k]);
        expect_formula(path, 2, (int64_t[]){2, 3}, minus_two);
    }
    /* A Fortran-order header whose layout is C order's (one dimension above 1). */
    expect_formula(NPY_FIXTURE("f4_fortran_row.npy"), 2, (int64_t[]){1, 4}, plus_one);
}

Test(npy, reads_zero_dimensional_and_empty_arrays) {
    expect_read(NPY_FIXTURE("f4_0d.npy"), 0, NULL, (float[]){3.5f}, 1);
    expect_read(NPY_FIXTURE("f8_0d.npy"), 0, NULL, (float[]){0.1f}, 1);
    expect_read(NPY_FIXTURE("f4_empty.npy"), 1, (int64_t[]){0}, NULL, 0);
    expect_read(NPY_FIXTURE("f4_empty_2d.npy"), 2, (int64_t[]){3, 0}, NULL, 0);
}

Test(npy, keeps_infinities_nans_and_signed_zeros_of_doubles) {
    float *v = NULL;
    int32_t ndim;
    int64_t shape[NF_NPY_MAX_DIMS];
    char msg[1024] = "";
    cr_assert_eq(nf_npy_read_f32(NPY_FIXTURE("f8_special.npy"), &v, &ndim, shape, msg,
                                 sizeof msg),
                 NF_OK, "%s", msg);
    cr_assert_eq(ndim, 1);
    cr_assert_eq(shape[0], 7);
    cr_assert(isinf(v[0]) && v[0] > 0, "%g", (double)v[0]);
    cr_assert(isinf(v[1]) && v[1] < 0, "%g", (double)v[1]);
    cr_assert(isnan(v[2]), "%g", (double)v[2]);
    cr_assert(v[3] == 0.0f && !signbit(v[3]), "1e-50 must become +0, got %g", (double)v[3]);
    cr_assert(v[4] == 0.0f && signbit(v[4]), "-0.0 must keep its sign, got %g", (double)v[4]);
    cr_assert_eq(v[5], FLT_MAX);
    cr_assert_eq(v[6], FLT_MAX, "the largest double below the overflow bound rounds to FLT_MAX");
    nf_npy_free(v);
}

Test(npy, reads_integers_and_booleans_float32_holds_exactly) {
    expect_formula(NPY_FIXTURE("i4_2d.npy"), 2, (int64_t[]){2, 3}, thousands);
    expect_formula(NPY_FIXTURE("u1_1d.npy"), 1, (int64_t[]){6}, fifty_ones);
    expect_read(NPY_FIXTURE("i4_1d.npy"), 1, (int64_t[]){6},
                (float[]){0, -1, 7, 16777216.0f, -2147483648.0f, 2147483520.0f}, 6);
    expect_read(NPY_FIXTURE("i8_1d.npy"), 1, (int64_t[]){6},
                (float[]){-0x1p63f, 0x1p62f, 123456, -5, 0x1p53f, 0xffffffp38f}, 6);
    expect_read(NPY_FIXTURE("i1_1d.npy"), 1, (int64_t[]){4}, (float[]){-128, 127, 0, -1}, 4);
    expect_read(NPY_FIXTURE("i2_1d.npy"), 1, (int64_t[]){3}, (float[]){-32768, 32767, 5}, 3);
    expect_read(NPY_FIXTURE("u2_1d.npy"), 1, (int64_t[]){2}, (float[]){65535, 1}, 2);
    expect_read(NPY_FIXTURE("u4_1d.npy"), 1, (int64_t[]){2}, (float[]){4294967040.0f, 3}, 2);
    expect_read(NPY_FIXTURE("u8_1d.npy"), 1, (int64_t[]){2}, (float[]){0xffffffp40f, 0}, 2);
    expect_read(NPY_FIXTURE("b1_1d.npy"), 1, (int64_t[]){4}, (float[]){1, 0, 1, 1}, 4);
}

/* A refused fixture: its status, and words its message must hold (with the path). */
typedef struct bad_fixture {
    const char *name;
    nf_status status;
    const char *words[2];
} bad_fixture;

Test(npy, refuses_bad_files_naming_the_file_and_what_is_wrong) {
    static const bad_fixture bad[] = {
        {"bad_f8_overflow.npy", NF_ERR_INVALID_ARGUMENT, {"value 2, index (2,)", "infinity"}},
        {"bad_i4_inexact.npy", NF_ERR_INVALID_ARGUMENT, {"value 1, index (1,)", "16777217"}},
        {"bad_i8_inexact.npy", NF_ERR_INVALID_ARGUMENT,
         {"value 3, index (1, 1)", "9007199254740993"}},
        {"bad_fortran.npy", NF_ERR_INVALID_ARGUMENT, {"Fortran order", "C order"}},
        {"bad_big_endian.npy", NF_ERR_INVALID_ARGUMENT, {"'>f4'", "big-endian"}},
        {"bad_object.npy", NF_ERR_INVALID_ARGUMENT, {"'|O'", "Python objects"}},
        {"bad_structured.npy", NF_ERR_INVALID_ARGUMENT, {"structured", NULL}},
        {"bad_complex.npy", NF_ERR_INVALID_ARGUMENT, {"'<c8' is not supported", NULL}},
        {"bad_33_dims.npy", NF_ERR_INVALID_ARGUMENT, {"more than 32 dimensions", NULL}},
        {"bad_truncated.npy", NF_ERR_IO, {"truncated", "holds 22 after the header"}},
        {"bad_truncated_header.npy", NF_ERR_INVALID_ARGUMENT, {"runs past the end", NULL}},
        {"bad_magic.npy", NF_ERR_INVALID_ARGUMENT, {"not a .npy file", NULL}},
        {"bad_header_past_end.npy", NF_ERR_INVALID_ARGUMENT,
         {"header length 65535 runs past the end", NULL}},
        {"bad_header_huge.npy", NF_ERR_INVALID_ARGUMENT,
         {"header length 2147483647 is over", "65536"}},
        {"bad_empty.npy", NF_ERR_IO, {"truncated", "after 0 bytes"}},
        {"bad_version.npy", NF_ERR_INVALID_ARGUMENT, {"version 4.0", NULL}},
        {"bad_negative_shape.npy", NF_ERR_INVALID_ARGUMENT, {"shape[0] is negative", NULL}},
        {"bad_shape_overflow.npy", NF_ERR_INVALID_ARGUMENT, {"overflows at shape[1]", NULL}},
        {"bad_malformed.npy", NF_ERR_INVALID_ARGUMENT, {"malformed header", "',' or '}'"}},
        {"bad_not_tuple.npy", NF_ERR_INVALID_ARGUMENT, {"(2) is not a tuple", "(2,)"}},
        {"bad_extra_key.npy", NF_ERR_INVALID_ARGUMENT, {"unexpected key 'units'", NULL}},
        {"bad_missing_key.npy", NF_ERR_INVALID_ARGUMENT, {"lacks the key 'fortran_order'", NULL}},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char path[512], msg[1024] = "";
        snprintf(path, sizeof path, "%s/npy/%s", NFT_FIXTURES_DIR, bad[k].name);
        float sentinel = 0.0f, *data = &sentinel;
        int32_t ndim = 7;
        int64_t shape[NF_NPY_MAX_DIMS];
        const nf_status st = nf_npy_read_f32(path, &data, &ndim, shape, msg, sizeof msg);
        cr_assert_eq(st, bad[k].status, "%s: %s, expected %s: %s", bad[k].name,
                     nf_status_string(st), nf_status_string(bad[k].status), msg);
        cr_assert_null(data, "%s: data must be NULL after a failure", bad[k].name);
        cr_assert_eq(ndim, 0, "%s", bad[k].name);
        cr_assert(strstr(msg, path), "%s: the message must name the file: %s", bad[k].name, msg);
        for (int w = 0; w < 2; w++)
            cr_assert(!bad[k].words[w] || strstr(msg, bad[k].words[w]),
                      "%s: the message lacks '%s': %s", bad[k].name, bad[k].words[w], msg);
    }
}

Test(npy, reads_back_what_nf_npy_write_f32_wrote_bit_for_bit) {
    char path[256];
    tmp_path(path, sizeof path, "read_back");
    /* NaN payloads, signed zeros, infinities and subnormals survive. */
    const uint32_t odd_bits[6] = {0x7fc00001u, 0xffa00000u, 0x80000000u,
                                  0x7f800000u, 0x00000001u, 0x80400000u};
    float v[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        v[i] = (float)(i * i) / 7.0f - 5.0f;
    memcpy(v, odd_bits, sizeof odd_bits);
    const int64_t ones[NF_NPY_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                           1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const struct {
        int32_t ndim;
        int64_t shape[3];
        const int64_t *many;
        size_t count;
    } cases[] = {{3, {2, 3, 4}, NULL, 24}, {1, {24}, NULL, 24},     {0, {0}, NULL, 1},
                 {2, {0, 3}, NULL, 0},     {3, {2, 0, 5}, NULL, 0}, {NF_NPY_MAX_DIMS, {0}, ones, 1}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const int64_t *shape = cases[k].many ? cases[k].many : cases[k].shape;
        char msg[1024] = "";
        cr_assert_eq(nf_npy_write_f32(path, v, cases[k].ndim, shape, msg, sizeof msg), NF_OK,
                     "%s", msg);
        expect_read(path, cases[k].ndim, shape, v, cases[k].count);
    }
    remove(path);
}

Test(npy, read_refuses_null_arguments_missing_files_and_folders) {
    float *data = NULL;
    int32_t ndim;
    int64_t shape[NF_NPY_MAX_DIMS];
    char msg[512];
    const char *good = NPY_FIXTURE("f4_1d.npy");
    cr_assert_eq(nf_npy_read_f32(NULL, &data, &ndim, shape, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "path"), "%s", msg);
    cr_assert_eq(nf_npy_read_f32("", &data, &ndim, shape, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_npy_read_f32(good, NULL, &ndim, shape, msg, sizeof msg),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "NULL"), "%s", msg);
    cr_assert_eq(nf_npy_read_f32(good, &data, NULL, shape, NULL, 0), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_npy_read_f32(good, &data, &ndim, NULL, NULL, 0), NF_ERR_INVALID_ARGUMENT);
    cr_assert_null(data);

    const char *missing = "/nonexistent-dir-nft/in.npy";
    cr_assert_eq(nf_npy_read_f32(missing, &data, &ndim, shape, msg, sizeof msg), NF_ERR_IO);
    cr_assert(strstr(msg, missing), "the message must name the path: %s", msg);
    cr_assert(strstr(msg, strerror(ENOENT)), "the message must give errno's text: %s", msg);
    cr_assert_eq(nf_npy_read_f32(NFT_FIXTURES_DIR, &data, &ndim, shape, msg, sizeof msg),
                 NF_ERR_IO, "%s", msg);
    cr_assert(strstr(msg, NFT_FIXTURES_DIR), "%s", msg);
    cr_assert_null(data);

    /* A short message buffer is filled and terminated, never overrun. */
    char tiny[12];
    memset(tiny, 'x', sizeof tiny);
    cr_assert_eq(nf_npy_read_f32(missing, &data, &ndim, shape, tiny, 8), NF_ERR_IO);
    cr_assert_eq(strlen(tiny), 7);
    cr_assert_eq(tiny[8], 'x');
    nf_npy_free(NULL);
}
