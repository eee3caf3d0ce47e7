/*
 * .npy writing (engine/npy.c) and nf_device_query. Files are parsed back here
 * by the rules of numpy's format 1.0: magic "\x93NUMPY", version 1.0, uint16
 * little-endian header length, the dict, '\n', data at a multiple of 64 bytes,
 * '<f4' values in C order. When /usr/bin/python3 has numpy, numpy.load reads
 * the same file as a second, independent check.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
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
