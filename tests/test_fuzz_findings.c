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
 *   - Initial values drawn from the seed came out inf for finite scales and
 *     ranges: a readout's z_init_scale or a leaky-rate population's
 *     x_init_scale of 3e38 (normal draws reach 6.7 scales), a Nicola &
 *     Clopath LIF's [v_reset, v_init_max) or an Izhikevich population's
 *     [v_r, v_peak) wider than float holds; the network then failed its first
 *     run with NF_ERR_NUMERIC. They are refused now.
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

/* Every state variable of the population is finite (or absent). */
static void assert_states_finite(nf_network *net, int32_t pop, int32_t n) {
    float v[64];
    for (int k = 0; k < NF_STATE_KIND_COUNT; k++)
        if (nf_population_get_state(net, pop, (nf_state_kind)k, v) == NF_OK)
            for (int i = 0; i < n; i++)
                cr_assert(isfinite(v[i]), "state %d [%d] is %g", k, i, (double)v[i]);
}

Test(fuzz_findings, initial_values_drawn_from_the_seed_are_finite_or_refused) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 1, 3);
    int32_t pop, id;
    nf_population_desc d = nf_population_defaults(NF_MODEL_LEAKY_RATE, 8);
    d.x_init_scale = 3e38f;
    cr_assert_eq(nf_population_add(net, &d, &pop), NF_ERR_INVALID_ARGUMENT, "x_init_scale");
    cr_assert_not_null(strstr(nf_network_last_error(net), "x_init_scale"));
    d.x_init_scale = 1e30f;
    NFT_OK(net, nf_population_add(net, &d, &pop));
    assert_states_finite(net, pop, 8);

    nf_population_desc lif = nf_population_defaults(NF_MODEL_LIF, 8);
    nf_lif_form_apply(&lif, NF_LIF_NICOLA_CLOPATH);
    lif.nc_lif.v_reset = -3e38f;
    lif.nc_lif.v_init_max = 3e38f;
    lif.nc_lif.v_peak = 3e38f;
    cr_assert_eq(nf_population_add(net, &lif, &id), NF_ERR_INVALID_ARGUMENT, "LIF range");
    lif.nc_lif.v_reset = -1e38f;
    lif.nc_lif.v_init_max = 1e38f;
    NFT_OK(net, nf_population_add(net, &lif, &id));
    assert_states_finite(net, id, 8);

    nf_population_desc izh = nf_population_defaults(NF_MODEL_IZHIKEVICH, 8);
    izh.izh.v_r = -3e38f;
    izh.izh.v_peak = 3e38f;
    cr_assert_eq(nf_population_add(net, &izh, &id), NF_ERR_INVALID_ARGUMENT, "Izhikevich range");

    nf_readout_desc r = {.z_init_scale = 3e38f};
    cr_assert_eq(nf_readout_add(net, pop, 2, &r, &id), NF_ERR_INVALID_ARGUMENT, "z_init_scale");
    cr_assert_not_null(strstr(nf_network_last_error(net), "z_init_scale"));
    r.z_init_scale = 1e30f;
    NFT_OK(net, nf_readout_add(net, pop, 2, &r, &id));
    float z[2];
    NFT_OK(net, nf_readout_get_state(net, id, z));
    cr_assert(isfinite(z[0]) && isfinite(z[1]), "z %g %g", (double)z[0], (double)z[1]);
    NFT_OK(net, nf_network_run(net, 3));
    nf_network_destroy(net);
}
