/*
 * Checkpoints continue runs exactly: for every neuron model (relu, sigmoid,
 * tanh, lif_rate, softlif_rate, each also through the spiking conversion;
 * lif in nengo and Nicola & Clopath form; leaky_rate and its conversion;
 * izhikevich in both orders; theta), every filter (none, lowpass, alpha,
 * double exponential), every connection kind (dense, sparse given and
 * generated, identity, event-driven dense and sparse, per batch element,
 * feedback from a readout), every learner kind (readout with and without a
 * learning connection, currents, masked dense and sparse; P in float32 and
 * float64; one disabled), probes with unread rows (and one started late),
 * rate statistics, energy devices, a changed dt and rate mode, and a reset
 * after loading: a network run, saved, loaded, and both run the same steps
 * are equal byte for byte (their checkpoints, holding every state, weight,
 * P, sum, row and stream position, are compared) and read the same probe
 * rows. Saved on CUDA and loaded on the CPU (and back) they agree within the
 * equivalence tests' tolerances (skipped without a GPU).
 */
#include "checkpoint_util.h"

#include <math.h>

TestSuite(checkpoint, .timeout = 120);

/* Deterministic values in [lo, hi). */
static void fill_values(float *v, size_t n, unsigned seed, float lo, float hi) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = lo + (hi - lo) * (float)((seed >> 8) & 0xffff) / 65536.0f;
    }
}

/* An input of dim with `steps` rows of values in [lo, hi). */
static int32_t add_input(nf_network *net, int32_t dim, int64_t steps, unsigned seed, float lo,
                         float hi) {
    int32_t id;
    const size_t n = (size_t)steps * nf_network_batch(net) * dim;
    float *v = nft_alloc(n, sizeof *v);
    fill_values(v, n, seed, lo, hi);
    NFT_OK(net, nf_input_add(net, dim, &id));
    NFT_OK(net, nf_input_set(net, id, steps, v));
    free(v);
    return id;
}

/* A dense connection of generated weights N(0, scale^2). */
static int32_t connect_normal(nf_network *net, int32_t pre, int32_t post, float scale) {
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.scale = scale;
    int32_t id;
    NFT_OK(net, nf_connect(net, pre, post, &cd, &id));
    return id;
}

// --- every model and filter

typedef struct model_variant {
    const char *name;
    nf_model model;
    int spiking;
    int form; /* LIF: lif form; IZHIKEVICH: 1 = nengo preset */
    float drive, bias;
} model_variant;

static const model_variant variants[] = {
    {"relu", NF_MODEL_RELU, 0, 0, 1.0f, 0.5f},
    {"relu spiking", NF_MODEL_RELU, 1, 0, 50.0f, 100.0f},
    {"sigmoid", NF_MODEL_SIGMOID, 0, 0, 1.0f, 0.0f},
    {"sigmoid spiking", NF_MODEL_SIGMOID, 1, 0, 1.0f, 0.0f},
    {"tanh", NF_MODEL_TANH, 0, 0, 1.0f, 0.0f},
    {"tanh spiking", NF_MODEL_TANH, 1, 0, 1.0f, 0.5f},
    {"lif_rate", NF_MODEL_LIF_RATE, 0, 0, 1.0f, 1.5f},
    {"lif_rate spiking", NF_MODEL_LIF_RATE, 1, 0, 1.0f, 1.5f},
    {"softlif_rate", NF_MODEL_SOFTLIF_RATE, 0, 0, 1.0f, 1.5f},
    {"softlif_rate spiking", NF_MODEL_SOFTLIF_RATE, 1, 0, 1.0f, 1.5f},
    {"lif nengo", NF_MODEL_LIF, 0, NF_LIF_NENGO, 1.0f, 1.5f},
    {"lif nicola-clopath", NF_MODEL_LIF, 0, NF_LIF_NICOLA_CLOPATH, 20.0f, 40.0f},
    {"leaky_rate", NF_MODEL_LEAKY_RATE, 0, 0, 1.0f, 0.0f},
    {"leaky_rate spiking", NF_MODEL_LEAKY_RATE, 1, 0, 1.0f, 0.5f},
    {"izhikevich nicola-clopath", NF_MODEL_IZHIKEVICH, 0, 0, 200.0f, 1000.0f},
    {"izhikevich nengo", NF_MODEL_IZHIKEVICH, 0, 1, 5.0f, 10.0f},
    {"theta", NF_MODEL_THETA, 0, 0, 1.0f, 0.5f},
    {"adaptive_lif", NF_MODEL_ADAPTIVE_LIF, 0, 0, 1.0f, 1.5f},
};
#define N_VARIANTS ((int)(sizeof variants / sizeof *variants))

static nf_filter_desc filter_of(int k) {
    nf_filter_desc f = {.kind = (nf_filter_kind)k};
    if (k == NF_FILTER_LOWPASS)
        f.tau = 0.005f;
    if (k == NF_FILTER_ALPHA)
        f.tau = 0.004f;
    if (k == NF_FILTER_DOUBLE_EXP)
        f.tau_rise = 0.002f, f.tau_decay = 0.01f;
    return f;
}

/* Every model variant with every filter, driven by one input, each probed in
 * its primary state (output when it has none) and filtered output; returns
 * the probe count. */
static int model_zoo(nf_network *net, int32_t in, int32_t *probes) {
    int count = 0;
    for (int v = 0; v < N_VARIANTS; v++)
        for (int k = NF_FILTER_NONE; k <= NF_FILTER_DOUBLE_EXP; k++) {
            const model_variant *mv = &variants[v];
            nf_population_desc pd = nf_population_defaults(mv->model, 6);
            pd.spiking = mv->spiking;
            if (mv->model == NF_MODEL_LIF)
                NFT_OK(net, nf_lif_form_apply(&pd, (nf_lif_form)mv->form));
            if (mv->model == NF_MODEL_IZHIKEVICH && mv->form)
                NFT_OK(net, nf_izhikevich_preset_apply(&pd, NF_IZHIKEVICH_RS));
            if (mv->model == NF_MODEL_LEAKY_RATE)
                pd.x_init_scale = 0.7f, pd.tau = 0.02f;
            pd.bias = mv->bias;
            pd.filter = filter_of(k);
            int32_t pop;
            NFT_OK(net, nf_population_add(net, &pd, &pop));
            connect_normal(net, in, pop, mv->drive);
            const int stateless = !mv->spiking && mv->model != NF_MODEL_LEAKY_RATE &&
                                  mv->model <= NF_MODEL_SOFTLIF_RATE;
            NFT_OK(net, nf_probe_add(net, pop, stateless ? NF_PROBE_OUTPUT : NF_PROBE_STATE, 1,
                                     &probes[count++]));
            NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_FILTERED, 3, &probes[count++]));
        }
    return count;
}

NFT_BACKEND_TEST(checkpoint, every_model_and_filter_continues_bit_for_bit, .timeout = 120) {
    nf_network *net = nft_network(backend, 0.001, 3, 11);
    const int32_t in = add_input(net, 4, 200, 5, 0.0f, 1.0f);
    int32_t probes[N_VARIANTS * 8];
    const int count = model_zoo(net, in, probes);
    nf_network *m = ckpt_continue(net, backend, 77, 120, 3, probes, count);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(checkpoint, rate_mode_and_a_changed_dt_are_kept, .timeout = 120) {
    nf_network *net = nft_network(backend, 0.001, 2, 12);
    const int32_t in = add_input(net, 3, 100, 6, 0.0f, 1.0f);
    int32_t probes[N_VARIANTS * 8];
    const int count = model_zoo(net, in, probes);
    NFT_OK(net, nf_network_run(net, 10));
    NFT_OK(net, nf_network_set_dt(net, 0.0005));
    NFT_OK(net, nf_network_set_mode(net, NF_MODE_RATE));
    nf_network *m = ckpt_continue(net, backend, 20, 50, 1, probes, count);
    cr_assert_eq(nf_network_dt(m), 0.0005);
    cr_assert_eq(nf_network_mode(m), NF_MODE_RATE);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

// --- every connection kind

NFT_BACKEND_TEST(checkpoint, every_connection_kind_continues_bit_for_bit, .timeout = 120) {
    nf_network *net = nft_network(backend, 0.001, 3, 13);
    const int32_t in = add_input(net, 3, 200, 7, 0.0f, 1.0f);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 12);
    pd.filter = filter_of(NF_FILTER_LOWPASS);
    pd.bias = 1.2f;
    int32_t lif, relu, tanh_pop, lif2, probes[8];
    NFT_OK(net, nf_population_add(net, &pd, &lif));
    pd = nf_population_defaults(NF_MODEL_RELU, 9);
    NFT_OK(net, nf_population_add(net, &pd, &relu));
    pd = nf_population_defaults(NF_MODEL_TANH, 9);
    pd.filter = filter_of(NF_FILTER_ALPHA);
    NFT_OK(net, nf_population_add(net, &pd, &tanh_pop));
    pd = nf_population_defaults(NF_MODEL_LIF, 7);
    pd.filter = filter_of(NF_FILTER_DOUBLE_EXP);
    pd.bias = 1.5f;
    NFT_OK(net, nf_population_add(net, &pd, &lif2));
    connect_normal(net, in, lif, 2.0f);
    connect_normal(net, in, lif2, 1.0f);
    int32_t c;
    /* event-driven dense from a spiking population (propagation AUTO) */
    connect_normal(net, lif, relu, 0.01f);
    /* event-driven sparse, generated, per batch element */
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.p = 0.4f;
    cd.per_batch = 1;
    cd.zero_mean_rows = 1;
    NFT_OK(net, nf_connect(net, lif2, tanh_pop, &cd, &c));
    /* dense forced from the spiking one */
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -0.01f, cd.high = 0.01f;
    cd.propagation = NF_PROPAGATION_DENSE;
    NFT_OK(net, nf_connect(net, lif, tanh_pop, &cd, &c));
    /* identity, recurrent */
    cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_IDENTITY;
    cd.scale = 0.3f;
    NFT_OK(net, nf_connect(net, relu, relu, &cd, &c));
    /* sparse given, per batch element, non-event */
    const int32_t row_ptr[10] = {0, 1, 3, 3, 4, 6, 6, 7, 8, 9};
    const int32_t col[9] = {2, 0, 8, 4, 1, 5, 7, 3, 6};
    float values[27];
    fill_values(values, 27, 9, -0.5f, 0.5f);
    cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.per_batch = 1;
    cd.row_ptr = row_ptr;
    cd.col_idx = col;
    cd.nnz = 9;
    cd.weights = values;
    NFT_OK(net, nf_connect(net, tanh_pop, relu, &cd, &c));
    /* dense per batch element, event-driven sparse given from the lif */
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.scale = 0.2f;
    cd.per_batch = 1;
    NFT_OK(net, nf_connect(net, relu, tanh_pop, &cd, &c));
    /* a readout fed back */
    int32_t r;
    const nf_readout_desc rd = {.z_init_scale = 0.1f};
    NFT_OK(net, nf_readout_add(net, tanh_pop, 2, &rd, &r));
    float w[18];
    fill_values(w, 18, 3, -0.3f, 0.3f);
    NFT_OK(net, nf_readout_set_weights(net, r, w));
    connect_normal(net, r, relu, 0.5f);
    /* weights changed after creation, and an identity's scale */
    int64_t wc;
    NFT_OK(net, nf_connection_weight_count(net, c, &wc));
    float *cw = nft_alloc((size_t)wc, sizeof *cw);
    NFT_OK(net, nf_connection_get_weights(net, c, cw));
    cw[0] += 0.25f;
    NFT_OK(net, nf_connection_set_weights(net, c, cw));
    free(cw);
    NFT_OK(net, nf_probe_add(net, lif, NF_PROBE_OUTPUT, 1, &probes[0]));
    NFT_OK(net, nf_probe_add(net, relu, NF_PROBE_OUTPUT, 1, &probes[1]));
    NFT_OK(net, nf_probe_add(net, tanh_pop, NF_PROBE_FILTERED, 2, &probes[2]));
    NFT_OK(net, nf_probe_add(net, lif2, NF_PROBE_STATE, 1, &probes[3]));
    NFT_OK(net, nf_probe_add(net, r, NF_PROBE_OUTPUT, 1, &probes[4]));
    NFT_OK(net, nf_probe_add(net, in, NF_PROBE_INPUT, 5, &probes[5]));
    nf_network *m = ckpt_continue(net, backend, 63, 100, 2, probes, 6);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

// --- every learner kind

NFT_BACKEND_TEST(checkpoint, every_learner_kind_continues_bit_for_bit, .timeout = 120) {
    enum { T = 240, N0 = 16, N1 = 10 };
    nf_network *net = nft_network(backend, 0.001, 2, 14);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, N0);
    pd.x_init_scale = 0.5f;
    pd.tau = 0.01f;
    int32_t p0, p1, probes[8], c;
    NFT_OK(net, nf_population_add(net, &pd, &p0));
    pd = nf_population_defaults(NF_MODEL_TANH, N1);
    pd.filter = filter_of(NF_FILTER_LOWPASS);
    NFT_OK(net, nf_population_add(net, &pd, &p1));
    const int32_t f2 = add_input(net, 2, T, 21, -1.0f, 1.0f);
    const int32_t drive = add_input(net, 3, T, 22, 0.0f, 1.0f);
    const int32_t f10 = add_input(net, N1, T, 23, -0.5f, 0.5f);
    connect_normal(net, p0, p0, 1.5f / sqrtf(N0));
    connect_normal(net, drive, p0, 1.0f);
    /* READOUT, no connection, float32 P, every 2nd step */
    int32_t r0, r1, l[5];
    NFT_OK(net, nf_readout_add(net, p0, 2, NULL, &r0));
    connect_normal(net, r0, p0, 0.5f);
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = r0;
    ld.target = f2;
    ld.every = 2;
    NFT_OK(net, nf_learner_add(net, &ld, &l[0]));
    /* READOUT with a learning connection (per batch), float64 P, row scales */
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    cd.scale = 0.3f;
    cd.per_batch = 1;
    NFT_OK(net, nf_connect(net, p1, p1, &cd, &c));
    const nf_readout_desc rd = {.per_batch = 1};
    NFT_OK(net, nf_readout_add(net, p1, 2, &rd, &r1));
    float scale[N1 * 2];
    fill_values(scale, N1 * 2, 4, -1.0f, 1.0f);
    ld = nf_learner_defaults();
    ld.readout = r1;
    ld.target = f2;
    ld.connection = c;
    ld.row_scale = scale;
    ld.p_precision = NF_PRECISION_F64;
    ld.alpha = 0.5f;
    ld.rule = NF_RLS_NICOLA_CLOPATH;
    NFT_OK(net, nf_learner_add(net, &ld, &l[1]));
    /* CURRENTS (full-FORCE): p0 -> p1 learns the currents of drive -> p1 */
    const int32_t w01 = connect_normal(net, p0, p1, 0.2f);
    int32_t desired[1] = {connect_normal(net, drive, p1, 0.5f)};
    ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_CURRENTS;
    ld.connection = w01;
    ld.desired = desired;
    ld.n_desired = 1;
    ld.start = 30;
    ld.stop = 200;
    NFT_OK(net, nf_learner_add(net, &ld, &l[2]));
    /* MASKED, dense with zeros (their mask derived), per-row target, float64 */
    float wm[N1 * N0];
    fill_values(wm, N1 * N0, 8, -0.2f, 0.2f);
    for (int i = 0; i < N1 * N0; i += 3)
        wm[i] = 0.0f;
    cd = nf_connection_defaults();
    cd.weights = wm;
    NFT_OK(net, nf_connect(net, p0, p1, &cd, &c));
    ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_MASKED;
    ld.connection = c;
    ld.target = f10;
    ld.p_precision = NF_PRECISION_F64;
    NFT_OK(net, nf_learner_add(net, &ld, &l[3]));
    /* MASKED, sparse, desired currents */
    cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.p = 0.3f;
    cd.scale = 0.1f;
    NFT_OK(net, nf_connect(net, p0, p1, &cd, &c));
    ld = nf_learner_defaults();
    ld.kind = NF_LEARNER_MASKED;
    ld.connection = c;
    ld.desired = desired;
    ld.n_desired = 1;
    ld.every = 3;
    NFT_OK(net, nf_learner_add(net, &ld, &l[4]));
    for (int i = 0; i < 5; i++)
        NFT_OK(net, nf_probe_add(net, l[i], NF_PROBE_ERROR, 1, &probes[i]));
    NFT_OK(net, nf_probe_add(net, r1, NF_PROBE_OUTPUT, 1, &probes[5]));
    NFT_OK(net, nf_network_run(net, 40));
    NFT_OK(net, nf_learner_set_enabled(net, l[3], 0));
    nf_network *m = ckpt_continue(net, backend, 41, 150, 2, probes, 6);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

/* P is saved a block of rows at a time (16 MB, engine/checkpoint_save.h): with
 * 2100 units a float32 P takes two blocks and a float64 one three, so rows
 * take their lower triangle from blocks before theirs. */
NFT_BACKEND_TEST(checkpoint, a_p_larger_than_the_stage_comes_back_whole, .timeout = 120) {
    enum { N = 2100 };
    nf_network *net = nft_network(backend, 0.001, 1, 21);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
    pd.x_init_scale = 0.5f;
    pd.tau = 0.01f;
    int32_t pop, r[2], l[2], probes[2];
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    const int32_t f = add_input(net, 1, 20, 30, -1.0f, 1.0f);
    for (int k = 0; k < 2; k++) {
        NFT_OK(net, nf_readout_add(net, pop, 1, NULL, &r[k]));
        nf_learner_desc ld = nf_learner_defaults();
        ld.readout = r[k];
        ld.target = f;
        ld.p_precision = k ? NF_PRECISION_F64 : NF_PRECISION_F32;
        NFT_OK(net, nf_learner_add(net, &ld, &l[k]));
        NFT_OK(net, nf_probe_add(net, r[k], NF_PROBE_OUTPUT, 1, &probes[k]));
    }
    NFT_OK(net, nf_network_run(net, 5));
    NFT_OK(net, nf_network_save(net, ckpt_path("big.npz")));
    nf_network *m = ckpt_load(ckpt_path("big.npz"), backend);
    double *a = nft_alloc((size_t)N * N, sizeof *a), *b = nft_alloc((size_t)N * N, sizeof *b);
    size_t size;
    unsigned char *file = ckpt_read(ckpt_path("big.npz"), &size);
    for (int k = 0; k < 2; k++) {
        NFT_OK(net, nf_learner_get_p_f64(net, l[k], a));
        /* the file holds both halves: P as nf_learner_get_p gives it */
        char member[64];
        snprintf(member, sizeof member, "learner_%d/P.npy", l[k]);
        const ckpt_member pm = ckpt_find(file, size, member);
        const unsigned char *v = file + pm.data + 10 + ckpt_u16(file + pm.data + 8);
        for (size_t i = 0; i < (size_t)N * N; i++) {
            float x32;
            double x;
            if (k) {
                memcpy(&x, v + 8 * i, 8);
            } else {
                memcpy(&x32, v + 4 * i, 4);
                x = x32;
            }
            cr_assert(x == a[i], "%s[%zu][%zu] in the file is %a, P is %a", member, i / N,
                      i % N, x, a[i]);
        }
        NFT_OK(net, nf_learner_get_p_f64(net, l[k], a));
        NFT_OK(m, nf_learner_get_p_f64(m, l[k], b));
        size_t i = 0;
        while (i < (size_t)N * N && !memcmp(&a[i], &b[i], sizeof *a))
            i++;
        cr_assert_eq(i, (size_t)N * N, "learner %d: P[%zu][%zu] = %a, loaded %a", l[k], i / N,
                     i % N, a[i < (size_t)N * N ? i : 0], b[i < (size_t)N * N ? i : 0]);
    }
    free(a);
    free(b);
    free(file);
    nf_network_destroy(m);
    nf_network *m2 = ckpt_continue(net, backend, 0, 4, 1, probes, 2);
    nf_network_destroy(m2);
    nf_network_destroy(net);
}

// --- probes, rate statistics, energy, reset

NFT_BACKEND_TEST(checkpoint, unread_probe_rows_are_kept, .timeout = 60) {
    nf_network *net = nft_network(backend, 0.001, 2, 15);
    const int32_t in = add_input(net, 2, 1, 1, 0.5f, 1.0f);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 5);
    pd.bias = 1.5f;
    int32_t pop, early, late;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    connect_normal(net, in, pop, 1.0f);
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_STATE, 4, &early));
    NFT_OK(net, nf_network_run(net, 13));
    NFT_OK(net, nf_probe_add_state(net, pop, NF_STATE_REFRACTORY, 3, &late));
    NFT_OK(net, nf_network_run(net, 17));
    int64_t rows;
    NFT_OK(net, nf_probe_rows(net, early, &rows));
    cr_assert_eq(rows, 7);
    NFT_OK(net, nf_network_save(net, ckpt_path("p.npz")));
    nf_network *m = ckpt_load(ckpt_path("p.npz"), backend);
    NFT_OK(m, nf_probe_rows(m, early, &rows));
    cr_assert_eq(rows, 7, "the unread rows are in the checkpoint");
    NFT_OK(m, nf_probe_rows(m, late, &rows));
    cr_assert_eq(rows, 5);
    const int32_t probes[2] = {early, late};
    ckpt_assert_same_probes(net, m, probes, 2);
    nf_network_destroy(m);
    /* read some, save, and the rest continue with the right decimation */
    NFT_OK(net, nf_network_run(net, 6));
    nf_network *m2 = ckpt_continue(net, backend, 5, 22, 3, probes, 2);
    nf_network_destroy(m2);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(checkpoint, rate_stats_and_energy_devices_are_kept, .timeout = 60) {
    nf_network *net = nft_network(backend, 0.001, 2, 16);
    const int32_t in = add_input(net, 2, 1, 2, 0.5f, 1.0f);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 8);
    pd.bias = 1.8f;
    int32_t pop, r;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    connect_normal(net, in, pop, 1.0f);
    NFT_OK(net, nf_readout_add(net, pop, 1, NULL, &r));
    NFT_OK(net, nf_energy_device_register(net, "my chip \\ =", 1e-12, 3e-12, 1));
    NFT_OK(net, nf_energy_device_register(net, "dense", 2e-9, 1e-9, 0));
    NFT_OK(net, nf_network_run(net, 9));
    NFT_OK(net, nf_population_rate_stats_enable(net, pop, 1));
    nf_network *m = ckpt_continue(net, backend, 31, 40, 1, NULL, 0);
    const double q[2] = {10, 90};
    nf_rate_stats a, b;
    float ra[8], rb[8];
    NFT_OK(net, nf_population_rate_stats(net, pop, q, 2, &a, ra));
    NFT_OK(m, nf_population_rate_stats(m, pop, q, 2, &b, rb));
    cr_assert_eq(a.steps, 80 - 9);
    cr_assert_eq(b.steps, a.steps);
    cr_assert(a.mean == b.mean && a.percentile[1] == b.percentile[1]);
    nft_assert_all_equal(ra, rb, 8, "rates");
    const char *devices[3] = {"my chip \\ =", "dense", "loihi"};
    char ta[4096], tb[4096];
    NFT_OK(net, nf_energy_summary(net, devices, 3, 100, 0.001, ta, sizeof ta, NULL));
    NFT_OK(m, nf_energy_summary(m, devices, 3, 100, 0.001, tb, sizeof tb, NULL));
    cr_assert_str_eq(ta, tb);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(checkpoint, a_reset_after_loading_redraws_the_same_state, .timeout = 60) {
    nf_network *net = nft_network(backend, 0.001, 2, 17);
    const int32_t in = add_input(net, 2, 200, 3, 0.0f, 1.0f);
    int32_t probes[N_VARIANTS * 8];
    const int count = model_zoo(net, in, probes);
    int32_t r;
    const nf_readout_desc rd = {.z_init_scale = 0.4f};
    NFT_OK(net, nf_readout_add(net, in + 1, 3, &rd, &r)); /* the first population */
    NFT_OK(net, nf_network_run(net, 50));
    NFT_OK(net, nf_network_save(net, ckpt_path("r.npz")));
    nf_network *m = ckpt_load(ckpt_path("r.npz"), backend);
    NFT_OK(net, nf_network_reset(net));
    NFT_OK(m, nf_network_reset(m));
    nf_network *k = ckpt_continue(net, backend, 0, 60, 1, NULL, 0);
    nf_network_destroy(k);
    NFT_OK(m, nf_network_run(m, 60));
    NFT_OK(m, nf_network_save(m, ckpt_path("m.npz")));
    ckpt_assert_same_files(ckpt_path("continued.npz"), ckpt_path("m.npz"),
                           "reset after loading and run");
    ckpt_assert_same_probes(net, m, probes, count);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(checkpoint, the_same_network_gives_the_same_bytes, .timeout = 30) {
    nf_network *net = nft_network(backend, 0.001, 1, 18);
    const int32_t in = add_input(net, 2, 10, 3, 0.0f, 1.0f);
    int32_t probes[N_VARIANTS * 8];
    model_zoo(net, in, probes);
    NFT_OK(net, nf_network_run(net, 4));
    NFT_OK(net, nf_network_save(net, ckpt_path("one.npz")));
    NFT_OK(net, nf_network_save(net, ckpt_path("two.npz")));
    ckpt_assert_same_files(ckpt_path("one.npz"), ckpt_path("two.npz"), "saved twice");
    int64_t rows;
    NFT_OK(net, nf_probe_rows(net, probes[0], &rows));
    cr_assert_eq(rows, 4, "saving reads no probe rows");
    nf_network_destroy(net);
}

NFT_BACKEND_TEST(checkpoint, a_batch_window_is_kept, .timeout = 60) {
    nft_require_backend(backend);
    nf_network_desc d = nf_network_defaults();
    d.batch = 5;
    d.seed = 20;
    d.backend = backend;
    nf_network *net = NULL;
    char msg[512];
    cr_assert_eq(nf_network_create_window(&d, 1, 3, &net, msg, sizeof msg), NF_OK, "%s", msg);
    const int32_t in = add_input(net, 2, 100, 9, 0.0f, 1.0f);
    int32_t probes[N_VARIANTS * 8 + 1];
    int count = model_zoo(net, in, probes);
    int32_t r, target, l;
    const nf_readout_desc rd = {.per_batch = 1, .z_init_scale = 0.2f};
    NFT_OK(net, nf_readout_add(net, in + 1, 2, &rd, &r));
    target = add_input(net, 2, 100, 10, -1.0f, 1.0f);
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = r;
    ld.target = target;
    NFT_OK(net, nf_learner_add(net, &ld, &l));
    NFT_OK(net, nf_probe_add(net, l, NF_PROBE_ERROR, 1, &probes[count++]));
    nf_network *m = ckpt_continue(net, backend, 30, 40, 2, probes, count);
    int32_t first, n, global;
    NFT_OK(m, nf_network_batch_window(m, &first, &n, &global));
    cr_assert(first == 1 && n == 3 && global == 5, "window (%d, %d) of %d", first, n, global);
    /* a reset redraws the window's elements of the whole batch's draws */
    NFT_OK(net, nf_network_reset(net));
    NFT_OK(m, nf_network_reset(m));
    NFT_OK(net, nf_network_save(net, ckpt_path("w1.npz")));
    NFT_OK(m, nf_network_save(m, ckpt_path("w2.npz")));
    ckpt_assert_same_files(ckpt_path("w1.npz"), ckpt_path("w2.npz"), "reset windows");
    nf_network_destroy(m);
    nf_network_destroy(net);
}

// --- across backends

/* Saved on `from`, loaded on `to`: both continue within the equivalence
 * tests' tolerances (rate outputs 1e-5 relative plus 1e-5 of the peak). */
static void across(nf_backend from, nf_backend to) {
    nft_require_backend(NF_BACKEND_CUDA);
    nf_network *net = nft_network(from, 0.001, 2, 19);
    const int32_t in = add_input(net, 3, 300, 4, 0.0f, 1.0f);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, 32);
    pd.tau = 0.01f;
    pd.x_init_scale = 0.5f;
    int32_t pop, r, target, l, probe;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    connect_normal(net, pop, pop, 0.1f);
    connect_normal(net, in, pop, 0.5f);
    NFT_OK(net, nf_readout_add(net, pop, 1, NULL, &r));
    target = add_input(net, 1, 300, 8, -0.5f, 0.5f);
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = r;
    ld.target = target;
    ld.p_precision = NF_PRECISION_F64;
    NFT_OK(net, nf_learner_add(net, &ld, &l));
    NFT_OK(net, nf_probe_add(net, r, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_network_run(net, 100));
    NFT_OK(net, nf_network_save(net, ckpt_path("x.npz")));
    nf_network *m = ckpt_load(ckpt_path("x.npz"), to);
    cr_assert_eq(nf_network_backend(m), to);
    NFT_OK(net, nf_network_run(net, 100));
    NFT_OK(m, nf_network_run(m, 100));
    float *a = nft_probe_take(net, probe, 200, 2), *b = nft_probe_take(m, probe, 200, 2);
    nft_assert_all_close(a, b, 400, 1e-5, 1e-5, "readout z across backends");
    free(a);
    free(b);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

Test(checkpoint, saved_on_cuda_loaded_on_the_cpu, .timeout = 60) {
    across(NF_BACKEND_CUDA, NF_BACKEND_CPU);
}

Test(checkpoint, saved_on_the_cpu_loaded_on_cuda, .timeout = 60) {
    across(NF_BACKEND_CPU, NF_BACKEND_CUDA);
}
