/*
 * What the fuzz target (tests/fuzz) found, one test each, through the public
 * API, so that it stays fixed without a fuzzer: each failed before its fix.
 *   - A layer accepted dt 1e300 (inf as a float) and time constants whose
 *     derived constants overflow float (tau_ref 1e-45: 1/tau_ref is inf),
 *     then gave NaN outputs for finite inputs (engine/sequence.c now refuses
 *     them, as a network refuses such a dt).
 *   - nf_npy_write_f32 wrote an empty array whose other dimensions multiply
 *     past int64 when the 0 came first (shape (0, 2^40, 2^40)), a file numpy
 *     and nf_npy_read_f32 both refuse; it now refuses such a shape as the
 *     reader does.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

TestSuite(fuzz_findings, .timeout = 30);

static nf_status layer_status(nf_layer_desc *d, char *msg, size_t cap) {
    nf_layer *l = NULL;
    d->backend = NF_BACKEND_CPU;
    const nf_status st = nf_layer_create_ex(d, &l, msg, cap);
    if (st == NF_OK) {
        /* finite input must give finite output */
        float in[4] = {0.5f, -0.25f, 1.0f, 2.0f}, out[4];
        cr_assert_eq(nf_layer_apply(l, in, out, 1, 4, 1, NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 1),
                     NF_OK, "%s", nf_layer_last_error(l));
        for (int i = 0; i < 4; i++)
            cr_assert(isfinite(out[i]), "output %d is %g", i, (double)out[i]);
    }
    nf_layer_destroy(l);
    return st;
}

Test(fuzz_findings, a_layer_refuses_a_dt_or_constant_that_is_not_a_finite_float) {
    char msg[512];
    const double bad_dt[] = {1e300, 3.5e38, 1e-300, 1e-40};
    for (size_t i = 0; i < sizeof bad_dt / sizeof *bad_dt; i++) {
        for (int kind = NF_LAYER_SPIKING_ACTIVATION; kind <= NF_LAYER_ALPHA; kind++) {
            nf_layer_desc d = nf_layer_defaults((nf_layer_kind)kind, 1);
            d.dt = bad_dt[i];
            cr_assert_eq(layer_status(&d, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT,
                         "kind %d, dt %g accepted", kind, bad_dt[i]);
            cr_assert_not_null(strstr(msg, "dt"), "the message \"%s\" names no dt", msg);
        }
    }
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, 1);
    d.model = NF_MODEL_TANH;
    d.tau_ref = 1e-45f; /* 1/tau_ref overflows float */
    cr_assert_eq(layer_status(&d, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT,
                 "tau_ref 1e-45 accepted");
    /* and the ordinary ones still work */
    d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, 1);
    d.dt = 1.0;
    cr_assert_eq(layer_status(&d, msg, sizeof msg), NF_OK, "%s", msg);
    d = nf_layer_defaults(NF_LAYER_ALPHA, 1);
    d.dt = 1e-6;
    cr_assert_eq(layer_status(&d, msg, sizeof msg), NF_OK, "%s", msg);
}

Test(fuzz_findings, the_npy_writer_refuses_an_empty_shape_the_reader_refuses) {
    char path[] = "/tmp/nft_fuzz_findings_XXXXXX";
    const int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    unlink(path);
    const int64_t big = (int64_t)1 << 40;
    const int64_t shapes[3][3] = {{0, big, big}, {big, 0, big}, {big, big, 0}};
    char msg[512] = "";
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(nf_npy_write_f32(path, NULL, 3, shapes[k], msg, sizeof msg),
                     NF_ERR_INVALID_ARGUMENT, "shape %d written", k);
        cr_assert_not_null(strstr(msg, "overflows"), "%s", msg);
        cr_assert_neq(access(path, F_OK), 0, "a file was left at %s", path);
    }
    /* an empty array whose other dimensions fit is written and read back */
    const int64_t fits[3] = {3, 0, 5};
    cr_assert_eq(nf_npy_write_f32(path, NULL, 3, fits, msg, sizeof msg), NF_OK, "%s", msg);
    float *data = NULL;
    int32_t ndim = 0;
    int64_t got[NF_NPY_MAX_DIMS];
    cr_assert_eq(nf_npy_read_f32(path, &data, &ndim, got, msg, sizeof msg), NF_OK, "%s", msg);
    cr_assert_eq(ndim, 3);
    cr_assert(got[0] == 3 && got[1] == 0 && got[2] == 5);
    nf_npy_free(data);
    unlink(path);
}
