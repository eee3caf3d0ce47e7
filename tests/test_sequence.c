/*
 * Sequence layers (keras-spiking SpikingActivation, Lowpass, Alpha) on every
 * backend: closed forms (lowpass and alpha step responses, spike counts
 * floor(v0 + rate dt T) with exactly representable dt and rates), equality
 * with the network API for the same settings (a population of that model or
 * filter fed the same input through an identity connection), stateful calls
 * split in two equal to one call, return_sequences, both layouts, rate mode,
 * chains, state get/set, rate statistics and argument errors.
 */
#if NFT_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define DT_EXACT (1.0 / 1024.0) /* rates that are multiples of 4 Hz give exact v */

TestSuite(sequence, .timeout = 120);

static nf_layer *make_layer(nf_backend backend, const nf_layer_desc *d0) {
    nf_layer_desc d = *d0;
    d.backend = backend;
    nf_layer *layer = NULL;
    char msg[512] = "";
    nf_status st = nf_layer_create_ex(&d, &layer, msg, sizeof msg);
    cr_assert_eq(st, NF_OK, "nf_layer_create on %s: %s: %s", nf_backend_name(backend),
                 nf_status_string(st), msg);
    return layer;
}

#define LAYER_OK(layer, call)                                                                \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        cr_assert_eq(st_, NF_OK, "%s -> %s: %s", #call, nf_status_string(st_),              \
                     nf_layer_last_error(layer));                                            \
    } while (0)

/* x[b][t][u] (batch-major) from a deterministic pattern. */
static float *pattern(int32_t batch, int64_t time, int32_t units, float scale) {
    float *x = nft_alloc((size_t)batch * time * units, sizeof(float));
    for (int32_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < time; t++)
            for (int32_t u = 0; u < units; u++)
                x[((size_t)b * time + t) * units + u] =
                    scale * (float)(0.5 + 0.5 * sin(0.05 * t + 0.7 * u + 1.3 * b));
    return x;
}

/* Batch-major [b][t][u] <-> time-major [t][b][u]. */
static float *to_time_major(const float *x, int32_t batch, int64_t time, int32_t units) {
    float *y = nft_alloc((size_t)batch * time * units, sizeof(float));
    for (int32_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < time; t++)
            memcpy(y + ((size_t)t * batch + b) * units, x + ((size_t)b * time + t) * units,
                   (size_t)units * sizeof(float));
    return y;
}

NFT_BACKEND_TEST(sequence, lowpass_step_response, .timeout = 60) {
    const int32_t units = 3, batch = 2;
    const int64_t T = 200;
    const float taus[3] = {0.005f, 0.01f, 0.02f};
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_LOWPASS, units);
    d.taus = taus;
    nf_layer *layer = make_layer(backend, &d);
    float *in = nft_alloc((size_t)batch * T * units, sizeof(float));
    float *out = nft_alloc((size_t)batch * T * units, sizeof(float));
    for (size_t i = 0; i < (size_t)batch * T * units; i++)
        in[i] = 1.0f;
    LAYER_OK(layer, nf_layer_apply(layer, in, out, batch, T, units, NF_LAYOUT_BATCH_MAJOR,
                                   NF_MEMORY_HOST, 1));
    for (int32_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < T; t++)
            for (int32_t u = 0; u < units; u++) {
                /* y_t = 1 - a^(t+1): the output at step t includes the input at step t */
                const double ref = 1.0 - exp(-(double)(t + 1) * 0.001 / taus[u]);
                const float got = out[((size_t)b * T + t) * units + u];
                cr_assert(nft_close(ref, got, 1e-4, 1e-5), "b %d t %lld u %d: %.9g vs %.9g", b,
                          (long long)t, u, ref, (double)got);
            }
    free(in);
    free(out);
    nf_layer_destroy(layer);
}

NFT_BACKEND_TEST(sequence, alpha_step_response_and_initial_level, .timeout = 60) {
    const int32_t units = 2, batch = 1;
    const int64_t T = 300;
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_ALPHA, units);
    d.tau = 0.02f;
    const float level[2] = {0.0f, 2.0f};
    d.initial = level;
    nf_layer *layer = make_layer(backend, &d);
    float *in = nft_alloc((size_t)T * units, sizeof(float));
    float *out = nft_alloc((size_t)T * units, sizeof(float));
    for (int64_t t = 0; t < T; t++) {
        in[t * units] = 1.0f; /* a held step: ZOH is exact at the samples */
        in[t * units + 1] = 0.0f;
    }
    LAYER_OK(layer, nf_layer_apply(layer, in, out, batch, T, units, NF_LAYOUT_BATCH_MAJOR,
                                   NF_MEMORY_HOST, 1));
    for (int64_t t = 0; t < T; t++) {
        const double s = (double)(t + 1) * 0.001 / 0.02;
        /* step response 1 - (1 + t/tau) e^(-t/tau); free response from x1 = 2, x0 = 0 */
        const double step = 1.0 - (1.0 + s) * exp(-s), free_ = 2.0 * (1.0 + s) * exp(-s);
        cr_assert(nft_close(step, out[t * units], 1e-4, 1e-5), "step t %lld: %.9g vs %.9g",
                  (long long)t, step, (double)out[t * units]);
        cr_assert(nft_close(free_, out[t * units + 1], 1e-4, 1e-5), "free t %lld: %.9g vs %.9g",
                  (long long)t, free_, (double)out[t * units + 1]);
    }
    free(in);
    free(out);
    nf_layer_destroy(layer);
}

NFT_BACKEND_TEST(sequence, spike_counts_follow_floor_v0_plus_rate_t, .timeout = 60) {
    const int32_t units = 5, batch = 2;
    const int64_t T = 1000;
    const float rates[5] = {0.0f, 100.0f, 256.0f, 1500.0f, -40.0f}; /* relu: last is 0 */
    const float v0[5] = {0.5f, 0.25f, 0.0f, 0.75f, 0.125f};
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
    d.dt = DT_EXACT;
    d.initial = v0;
    d.rate_stats = 1;
    nf_layer *layer = make_layer(backend, &d);
    float *in = nft_alloc((size_t)batch * T * units, sizeof(float));
    float *out = nft_alloc((size_t)batch * T * units, sizeof(float));
    for (int32_t b = 0; b < batch; b++)
        for (int64_t t = 0; t < T; t++)
            memcpy(in + ((size_t)b * T + t) * units, rates, sizeof rates);
    LAYER_OK(layer, nf_layer_apply(layer, in, out, batch, T, units, NF_LAYOUT_BATCH_MAJOR,
                                   NF_MEMORY_HOST, 1));
    for (int32_t b = 0; b < batch; b++)
        for (int32_t u = 0; u < units; u++) {
            double count = 0.0;
            for (int64_t t = 0; t < T; t++) {
                const float o = out[((size_t)b * T + t) * units + u];
                cr_assert(o == floorf(o * (float)DT_EXACT) / (float)DT_EXACT,
                          "output %g is not a whole number of spikes of 1/dt", (double)o);
                count += o * DT_EXACT;
            }
            const double r = rates[u] > 0.0f ? rates[u] : 0.0;
            cr_assert_eq(count, floor(v0[u] + r * DT_EXACT * T), "unit %d: %g spikes", u, count);
        }
    float v[10];
    LAYER_OK(layer, nf_layer_get_state(layer, NF_STATE_SPIKE_ACCUMULATOR, batch, v));
    for (int32_t u = 0; u < units; u++) {
        const double acc = v0[u] + (rates[u] > 0 ? rates[u] : 0) * DT_EXACT * T;
        cr_assert_eq(v[u], (float)(acc - floor(acc)), "v[%d] = %g", u, (double)v[u]);
    }
    nf_rate_stats s;
    float per_unit[5];
    const double q[2] = {0.0, 100.0};
    LAYER_OK(layer, nf_layer_rate_stats(layer, q, 2, &s, per_unit));
    for (int32_t u = 0; u < units; u++) {
        const double r = rates[u] > 0.0f ? rates[u] : 0.0;
        const double expect = floor(v0[u] + r * DT_EXACT * T) / (T * DT_EXACT);
        cr_assert(nft_close(expect, per_unit[u], 1e-6, 1e-9), "rate[%d] %g vs %g", u,
                  (double)per_unit[u], expect);
    }
    cr_assert(nft_close(s.max, s.percentile[1], 1e-12, 0) && s.min == s.percentile[0]);
    cr_assert_eq(s.steps, T);
    free(in);
    free(out);
    nf_layer_destroy(layer);
}

/* The network's population fed x through an identity connection; probe `what`. */
static float *network_reference(nf_backend backend, const nf_population_desc *pd, double dt,
                                uint64_t seed, const float *x_tm, int32_t batch, int64_t T,
                                nf_probe_kind what, nf_mode mode) {
    nf_network *net = nft_network(backend, dt, batch, seed);
    int32_t pop, input, conn, probe;
    NFT_OK(net, nf_population_add(net, pd, &pop)); /* first draw: Philox position 0 */
    NFT_OK(net, nf_input_add(net, pd->n, &input));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_IDENTITY;
    cd.scale = 1.0f;
    NFT_OK(net, nf_connect(net, input, pop, &cd, &conn));
    NFT_OK(net, nf_input_set(net, input, T, x_tm));
    NFT_OK(net, nf_probe_add(net, pop, what, 1, &probe));
    NFT_OK(net, nf_network_set_mode(net, mode));
    NFT_OK(net, nf_network_run(net, T));
    float *ref = nft_probe_take(net, probe, T, (int64_t)batch * pd->n);
    nf_network_destroy(net);
    return ref;
}

NFT_BACKEND_TEST(sequence, equals_network_population_for_each_model, .timeout = 60) {
    const int32_t units = 7, batch = 3;
    const int64_t T = 120;
    const nf_model models[] = {NF_MODEL_RELU, NF_MODEL_SIGMOID, NF_MODEL_TANH,
                               NF_MODEL_LIF_RATE, NF_MODEL_SOFTLIF_RATE};
    float *x = pattern(batch, T, units, 3.0f);
    float *x_tm = to_time_major(x, batch, T, units);
    float *out = nft_alloc((size_t)batch * T * units, sizeof(float));
    for (size_t m = 0; m < sizeof models / sizeof *models; m++)
        for (int mode = NF_MODE_SPIKING; mode <= NF_MODE_RATE; mode++) {
            nf_population_desc pd = nf_population_defaults(models[m], units);
            pd.spiking = 1;
            float *ref = network_reference(backend, &pd, 0.001, 77, x_tm, batch, T,
                                           NF_PROBE_OUTPUT, (nf_mode)mode);
            nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
            d.model = models[m];
            d.tau_ref = pd.tau_ref; /* a layer's sigmoid and tanh default to tau_ref 1 */
            d.seed = 77;
            d.mode = (nf_mode)mode;
            nf_layer *layer = make_layer(backend, &d);
            LAYER_OK(layer, nf_layer_apply(layer, x_tm, out, batch, T, units,
                                           NF_LAYOUT_TIME_MAJOR, NF_MEMORY_HOST, 1));
            nft_assert_all_equal(ref, out, (size_t)batch * T * units, "layer vs population");
            free(ref);
            nf_layer_destroy(layer);
        }
    free(x);
    free(x_tm);
    free(out);
}

NFT_BACKEND_TEST(sequence, chain_equals_filtered_population, .timeout = 60) {
    const int32_t units = 6, batch = 2;
    const int64_t T = 150;
    float *x = pattern(batch, T, units, 400.0f);
    float *x_tm = to_time_major(x, batch, T, units);
    float *out = nft_alloc((size_t)batch * T * units, sizeof(float));
    const nf_filter_kind kinds[2] = {NF_FILTER_LOWPASS, NF_FILTER_ALPHA};
    for (int k = 0; k < 2; k++) {
        nf_population_desc pd = nf_population_defaults(NF_MODEL_RELU, units);
        pd.spiking = 1;
        pd.filter.kind = kinds[k];
        pd.filter.tau = 0.01f;
        float *ref = network_reference(backend, &pd, 0.001, 5, x_tm, batch, T,
                                       NF_PROBE_FILTERED, NF_MODE_SPIKING);
        nf_layer_desc a = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
        a.seed = 5;
        nf_layer_desc f =
            nf_layer_defaults(k ? NF_LAYER_ALPHA : NF_LAYER_LOWPASS, units);
        f.tau = 0.01f;
        nf_layer *layers[2] = {make_layer(backend, &a), make_layer(backend, &f)};
        LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x_tm, out, batch, T, units,
                                                 NF_LAYOUT_TIME_MAJOR, NF_MEMORY_HOST, 1));
        nft_assert_all_equal(ref, out, (size_t)batch * T * units, "chain vs population");
        free(ref);
        nf_layer_destroy(layers[0]);
        nf_layer_destroy(layers[1]);
    }
    free(x);
    free(x_tm);
    free(out);
}

NFT_BACKEND_TEST(sequence, stateful_split_layouts_and_return_sequences, .timeout = 60) {
    const int32_t units = 33, batch = 4;
    const int64_t T = 64, T1 = 24;
    float *x = pattern(batch, T, units, 200.0f);
    float *x_tm = to_time_major(x, batch, T, units);
    const size_t all = (size_t)batch * T * units, row = (size_t)batch * units;
    float *full_bm = nft_alloc(all, sizeof(float)), *full_tm = nft_alloc(all, sizeof(float));
    float *split = nft_alloc(all, sizeof(float)), *last = nft_alloc(row, sizeof(float));
    nf_layer_desc a = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
    a.seed = 9;
    a.stateful = 1;
    nf_layer_desc f = nf_layer_defaults(NF_LAYER_ALPHA, units);
    f.tau = 0.005f;
    f.stateful = 1;
    nf_layer *layers[2] = {make_layer(backend, &a), make_layer(backend, &f)};
    LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x, full_bm, batch, T, units,
                                             NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 1));
    for (int k = 0; k < 2; k++)
        LAYER_OK(layers[k], nf_layer_reset(layers[k]));
    LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x_tm, full_tm, batch, T, units,
                                             NF_LAYOUT_TIME_MAJOR, NF_MEMORY_HOST, 1));
    float *full_bm_tm = to_time_major(full_bm, batch, T, units);
    nft_assert_all_equal(full_bm_tm, full_tm, all, "batch-major vs time-major");
    for (int k = 0; k < 2; k++)
        LAYER_OK(layers[k], nf_layer_reset(layers[k]));
    /* time-major halves are contiguous: [0, T1) then [T1, T) */
    LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x_tm, split, batch, T1, units,
                                             NF_LAYOUT_TIME_MAJOR, NF_MEMORY_HOST, 1));
    LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x_tm + T1 * row, split + T1 * row, batch,
                                             T - T1, units, NF_LAYOUT_TIME_MAJOR,
                                             NF_MEMORY_HOST, 1));
    nft_assert_all_equal(full_tm, split, all, "stateful split vs one call");
    for (int k = 0; k < 2; k++)
        LAYER_OK(layers[k], nf_layer_reset(layers[k]));
    LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x, last, batch, T, units,
                                             NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 0));
    nft_assert_all_equal(full_tm + (T - 1) * row, last, row, "last step vs full sequence");
    /* stateful: a different batch size is refused until reset */
    cr_assert_eq(nf_layer_chain_apply(layers, 2, x, last, 1, T, units, NF_LAYOUT_BATCH_MAJOR,
                                      NF_MEMORY_HOST, 0),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_layer_last_error(layers[0]), "batch"));
    free(x);
    free(x_tm);
    free(full_bm);
    free(full_tm);
    free(full_bm_tm);
    free(split);
    free(last);
    nf_layer_destroy(layers[0]);
    nf_layer_destroy(layers[1]);
}

NFT_BACKEND_TEST(sequence, rate_mode_and_state_set_get, .timeout = 60) {
    const int32_t units = 4, batch = 2;
    const int64_t T = 10;
    float *x = pattern(batch, T, units, 50.0f);
    float *out = nft_alloc((size_t)batch * T * units, sizeof(float));
    /* rate mode: relu passes its rate; a spiking_only filter is the identity, state kept */
    nf_layer_desc a = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
    a.mode = NF_MODE_RATE;
    nf_layer_desc f = nf_layer_defaults(NF_LAYER_LOWPASS, units);
    f.spiking_only = 1;
    f.mode = NF_MODE_RATE;
    nf_layer *layers[2] = {make_layer(backend, &a), make_layer(backend, &f)};
    LAYER_OK(layers[0], nf_layer_chain_apply(layers, 2, x, out, batch, T, units,
                                             NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 1));
    nft_assert_all_equal(x, out, (size_t)batch * T * units, "rate-mode relu + identity filter");
    float y[8];
    LAYER_OK(layers[1], nf_layer_get_state(layers[1], NF_STATE_FILTER, batch, y));
    for (int i = 0; i < 8; i++)
        cr_assert_eq(y[i], 0.0f, "the skipped filter kept its state");
    /* set the filter level, switch to spiking mode: one step of a lowpass from that level */
    float lvl[8];
    for (int i = 0; i < 8; i++)
        lvl[i] = (float)i;
    LAYER_OK(layers[1], nf_layer_set_state(layers[1], NF_STATE_FILTER, batch, lvl));
    LAYER_OK(layers[1], nf_layer_set_mode(layers[1], NF_MODE_SPIKING));
    float zero[8] = {0}, one_out[8];
    /* a state set for batch 2 is not silently dropped by an apply of batch 1 */
    cr_assert_eq(nf_layer_apply(layers[1], zero, one_out, 1, 1, units, NF_LAYOUT_BATCH_MAJOR,
                                NF_MEMORY_HOST, 0),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_layer_last_error(layers[1]), "batch"), "%s",
              nf_layer_last_error(layers[1]));
    LAYER_OK(layers[1], nf_layer_apply(layers[1], zero, one_out, batch, 1, units,
                                       NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 0));
    const double decay = exp(-0.001 / 0.01);
    for (int i = 0; i < 8; i++)
        cr_assert(nft_close(lvl[i] * decay, one_out[i], 1e-6, 1e-7), "[%d] %g", i,
                  (double)one_out[i]);
    free(x);
    free(out);
    nf_layer_destroy(layers[0]);
    nf_layer_destroy(layers[1]);
}

NFT_BACKEND_TEST(sequence, errors_are_refused_with_messages, .timeout = 60) {
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, 4);
    d.backend = backend;
    nf_layer *layer = (nf_layer *)1;
    char msg[512];
    d.model = NF_MODEL_LIF;
    cr_assert_eq(nf_layer_create_ex(&d, &layer, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT);
    cr_assert_null(layer);
    cr_assert(strstr(msg, "model"), "%s", msg);
    d = nf_layer_defaults(NF_LAYER_ALPHA, 3);
    d.backend = backend;
    const float taus[3] = {0.01f, 0.0f, 0.02f};
    d.taus = taus;
    cr_assert_eq(nf_layer_create_ex(&d, &layer, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(msg, "taus[1]"), "%s", msg);
    d.taus = NULL;
    layer = make_layer(backend, &d);
    float in[12] = {0}, out[12];
    cr_assert_eq(nf_layer_apply(layer, in, out, 1, 4, 5, NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST,
                                1),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_layer_last_error(layer), "nf_layer_apply: units 5"), "%s",
              nf_layer_last_error(layer));
    cr_assert_eq(nf_layer_apply(layer, in, out, 1, 0, 3, NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST,
                                1),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_layer_apply(layer, NULL, out, 1, 4, 3, NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST,
                                1),
                 NF_ERR_INVALID_ARGUMENT);
    if (backend == NF_BACKEND_CPU) {
        cr_assert_eq(nf_layer_apply(layer, in, out, 1, 4, 3, NF_LAYOUT_BATCH_MAJOR,
                                    NF_MEMORY_DEVICE, 1),
                     NF_ERR_UNSUPPORTED);
        cr_assert(strstr(nf_layer_last_error(layer), "NF_MEMORY_DEVICE"));
    }
    float st[3];
    cr_assert_eq(nf_layer_get_state(layer, NF_STATE_FILTER, 1, st), NF_ERR_STATE);
    cr_assert_eq(nf_layer_get_state(layer, NF_STATE_SPIKE_ACCUMULATOR, 1, st),
                 NF_ERR_INVALID_ARGUMENT);
    nf_rate_stats s;
    cr_assert_eq(nf_layer_rate_stats(layer, NULL, 0, &s, NULL), NF_ERR_STATE);
    cr_assert_eq(nf_layer_apply(layer, in, in + 1, 1, 2, 3, NF_LAYOUT_BATCH_MAJOR,
                                NF_MEMORY_HOST, 1),
                 NF_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(nf_layer_last_error(layer), "overlap"), "%s", nf_layer_last_error(layer));
    nf_layer *twice[2] = {layer, layer};
    cr_assert_eq(nf_layer_chain_apply(twice, 2, in, out, 1, 4, 3, NF_LAYOUT_BATCH_MAJOR,
                                      NF_MEMORY_HOST, 1),
                 NF_ERR_INVALID_ARGUMENT);
    nf_layer_destroy(layer);
    nf_layer_destroy(NULL);
}

/* The CPU result against CUDA, from host buffers and from device buffers (skipped
 * without a GPU or in a build without CUDA): rate-mode outputs to 1e-5 relative, spike
 * counts within 1%. */
#if !NFT_HAVE_CUDA
Test(sequence, cuda_matches_cpu_host_and_device_memory) {
    cr_skip_test("built without CUDA (NF_CUDA=OFF)");
}
#else
Test(sequence, cuda_matches_cpu_host_and_device_memory) {
    nft_require_backend(NF_BACKEND_CUDA);
    const int32_t units = 300, batch = 5;
    const int64_t T = 257;
    const size_t count = (size_t)batch * T * units;
    float *x = pattern(batch, T, units, 300.0f);
    float *ref = nft_alloc(count, sizeof(float)), *got = nft_alloc(count, sizeof(float));
    float *d_in = NULL, *d_out = NULL;
    cr_assert_eq(cudaMalloc((void **)&d_in, count * sizeof(float)), cudaSuccess);
    cr_assert_eq(cudaMalloc((void **)&d_out, count * sizeof(float)), cudaSuccess);
    cr_assert_eq(cudaMemcpy(d_in, x, count * sizeof(float), cudaMemcpyHostToDevice), cudaSuccess);
    for (int mode = NF_MODE_SPIKING; mode <= NF_MODE_RATE; mode++) {
        nf_layer *l[2][2];
        for (int be = 0; be < 2; be++) {
            nf_layer_desc a = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
            a.model = NF_MODEL_SOFTLIF_RATE;
            a.seed = 11;
            a.mode = (nf_mode)mode;
            nf_layer_desc f = nf_layer_defaults(NF_LAYER_ALPHA, units);
            f.tau = 0.004f;
            l[be][0] = make_layer(be ? NF_BACKEND_CUDA : NF_BACKEND_CPU, &a);
            l[be][1] = make_layer(be ? NF_BACKEND_CUDA : NF_BACKEND_CPU, &f);
        }
        LAYER_OK(l[0][0], nf_layer_chain_apply(l[0], 2, x, ref, batch, T, units,
                                               NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 1));
        for (int memory = NF_MEMORY_HOST; memory <= NF_MEMORY_DEVICE; memory++) {
            for (int k = 0; k < 2; k++)
                LAYER_OK(l[1][k], nf_layer_reset(l[1][k]));
            if (memory == NF_MEMORY_HOST) {
                LAYER_OK(l[1][0], nf_layer_chain_apply(l[1], 2, x, got, batch, T, units,
                                                       NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_HOST, 1));
            } else {
                LAYER_OK(l[1][0], nf_layer_chain_apply(l[1], 2, d_in, d_out, batch, T, units,
                                                       NF_LAYOUT_BATCH_MAJOR, NF_MEMORY_DEVICE,
                                                       1));
                cr_assert_eq(cudaMemcpy(got, d_out, count * sizeof(float),
                                        cudaMemcpyDeviceToHost),
                             cudaSuccess);
            }
            if (mode == NF_MODE_RATE) {
                nft_assert_all_close(ref, got, count, NFT_RTOL, 1e-3, "rate mode, cpu vs cuda");
            } else {
                /* the alpha filter integrates spikes: compare the total (spike count x tau-ish) */
                double sr = 0.0, sg = 0.0;
                for (size_t i = 0; i < count; i++) {
                    sr += ref[i];
                    sg += got[i];
                }
                cr_assert(nft_close(sr, sg, 0.01, 0.0), "spiking totals %g vs %g", sr, sg);
            }
        }
        for (int be = 0; be < 2; be++)
            for (int k = 0; k < 2; k++)
                nf_layer_destroy(l[be][k]);
    }
    cudaFree(d_in);
    cudaFree(d_out);
    free(x);
    free(ref);
    free(got);
}
#endif

NFT_BACKEND_TEST(sequence, negative_rates_give_negative_spikes, .timeout = 60) {
    /* tanh(+-20) is +-1 in float: rates +-400 Hz, +-0.390625 per step of 1/1024 s, exact */
    const int32_t units = 2;
    const int64_t T = 1000;
    const float v0[2] = {0.5f, 0.5f};
    nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
    d.model = NF_MODEL_TANH;
    d.tau_ref = 0.0025f; /* nengo's Tanh scale, 400 Hz */
    d.dt = DT_EXACT;
    d.initial = v0;
    nf_layer *layer = make_layer(backend, &d);
    float *in = nft_alloc((size_t)T * units, sizeof(float));
    float *out = nft_alloc((size_t)T * units, sizeof(float));
    for (int64_t t = 0; t < T; t++) {
        in[t * units] = 20.0f;
        in[t * units + 1] = -20.0f;
    }
    LAYER_OK(layer, nf_layer_apply(layer, in, out, 1, T, units, NF_LAYOUT_TIME_MAJOR,
                                   NF_MEMORY_HOST, 1));
    double count[2] = {0.0, 0.0};
    for (int64_t t = 0; t < T; t++)
        for (int32_t u = 0; u < units; u++) {
            const float o = out[t * units + u];
            cr_assert(o == 0.0f || fabsf(o) == 1024.0f, "one spike of height 1/dt, got %g",
                      (double)o);
            count[u] += o * DT_EXACT;
        }
    cr_assert_eq(count[0], floor(0.5 + 400.0 * DT_EXACT * T), "positive: %g", count[0]);
    cr_assert_eq(count[1], floor(0.5 - 400.0 * DT_EXACT * T), "negative: %g", count[1]);
    free(in);
    free(out);
    nf_layer_destroy(layer);
}

NFT_BACKEND_TEST(sequence, sigmoid_tanh_defaults_are_keras_activations, .timeout = 60) {
    /* keras-spiking: rate = sigmoid(x) or tanh(x), unscaled; in spiking mode
     * v0 + rate dt T of them spike over T steps (rates exact at DT_EXACT). */
    const int32_t units = 5;
    const int64_t T = 64;
    const float x[5] = {-3.0f, -0.5f, 0.0f, 0.75f, 20.0f};
    const nf_model models[2] = {NF_MODEL_SIGMOID, NF_MODEL_TANH};
    float *in = nft_alloc((size_t)T * units, sizeof(float));
    float *out = nft_alloc((size_t)T * units, sizeof(float));
    for (int64_t t = 0; t < T; t++)
        memcpy(in + t * units, x, sizeof x);
    for (int m = 0; m < 2; m++) {
        float want[5];
        for (int32_t u = 0; u < units; u++)
            want[u] = m == 0 ? 1.0f / (1.0f + expf(-x[u])) : tanhf(x[u]);
        nf_layer_desc d = nf_layer_defaults(NF_LAYER_SPIKING_ACTIVATION, units);
        d.model = models[m];
        d.mode = NF_MODE_RATE;
        nf_layer *layer = make_layer(backend, &d);
        LAYER_OK(layer, nf_layer_apply(layer, in, out, 1, T, units, NF_LAYOUT_TIME_MAJOR,
                                       NF_MEMORY_HOST, 1));
        nft_assert_all_close(want, out + (T - 1) * units, units, 1e-6, 1e-7,
                             "rate mode: the activation itself");
        nf_layer_destroy(layer);

        const float v0[5] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        d.mode = NF_MODE_SPIKING;
        d.dt = 0.25; /* rate 1 at dt 0.25: a spike every 4 steps */
        d.initial = v0;
        layer = make_layer(backend, &d);
        for (int64_t t = 0; t < T; t++)
            for (int32_t u = 0; u < units; u++)
                in[t * units + u] = 20.0f; /* sigmoid(20) = tanh(20) = 1 in float */
        LAYER_OK(layer, nf_layer_apply(layer, in, out, 1, T, units, NF_LAYOUT_TIME_MAJOR,
                                       NF_MEMORY_HOST, 1));
        for (int32_t u = 0; u < units; u++) {
            double count = 0.0;
            for (int64_t t = 0; t < T; t++)
                count += out[t * units + u] * d.dt;
            cr_assert_eq(count, (double)T / 4.0, "rate 1 Hz at dt 0.25: %g spikes", count);
        }
        for (int64_t t = 0; t < T; t++)
            memcpy(in + t * units, x, sizeof x);
        nf_layer_destroy(layer);
    }
    free(in);
    free(out);
}
