/*
 * Step-by-step check of neurofuse's Nicola & Clopath LIF FORCE against the
 * numpy reference (nicola_clopath_lif.py --f32 --dump DIR): the same network
 * (the dumped recurrent weights OMEGA, feedback E, initial v) built through
 * the public API, RLS (w -= e k, P(0) = I dt 0.1) on steps i = 1 + 50 m of the
 * reference's 1-based count (neurofuse step t = i - 1; start 1, every 50), the
 * reference's first 2 ms frozen (refractory time tau_ref at the start, as its
 * tlast = 0). Prints the first step whose spike count differs, the largest
 * |z_nf - z_ref|, the spike totals and both mean |z - f| over the learning
 * window and after it. The window is the reference's imin < i < icrit
 * (default: every step); run the reference with --ref-steps for identical
 * refractory periods.
 * Build: cc -O2 -Iinclude bench/peers/nc_lif_steps.c -LBUILD -lneurofuse -lm
 * Usage: nc_lif_steps DIR N STEPS [IMIN ICRIT]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "neurofuse.h"

static void *load(const char *dir, const char *name, size_t bytes) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    void *p = malloc(bytes);
    if (!f || !p || fread(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "cannot read %zu bytes of %s\n", bytes, path);
        exit(1);
    }
    fclose(f);
    return p;
}

#define CHECK(x)                                                                        \
    do {                                                                                \
        nf_status st_ = (x);                                                            \
        if (st_ != NF_OK) {                                                             \
            fprintf(stderr, "%s: %d: %s\n", #x, (int)st_, nf_network_last_error(net));  \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

int main(int argc, char **argv) {
    if (argc < 4)
        return 2;
    const char *dir = argv[1];
    const int n = atoi(argv[2]);
    const int64_t steps = atoll(argv[3]);
    const int64_t imin = argc > 5 ? atoll(argv[4]) : 0;
    const int64_t icrit = argc > 5 ? atoll(argv[5]) : steps + 2;
    const double dt = 5e-5;
    float *omega = load(dir, "omega.f32", sizeof(float) * (size_t)n * (size_t)n);
    float *e = load(dir, "e.f32", sizeof(float) * (size_t)n);
    float *v0 = load(dir, "v0.f32", sizeof(float) * (size_t)n);
    double *zref = load(dir, "z.f64", sizeof(double) * (size_t)steps);
    int32_t *sref = load(dir, "spikes.i32", sizeof(int32_t) * (size_t)steps);

    int32_t *row_ptr = malloc(sizeof(int32_t) * (size_t)(n + 1));
    int32_t *col = malloc(sizeof(int32_t) * (size_t)n * (size_t)n);
    float *val = malloc(sizeof(float) * (size_t)n * (size_t)n);
    int64_t nnz = 0;
    for (int i = 0; i < n; i++) {
        row_ptr[i] = (int32_t)nnz;
        for (int j = 0; j < n; j++)
            if (omega[(size_t)i * n + j] != 0.0f) {
                col[nnz] = j;
                val[nnz++] = omega[(size_t)i * n + j];
            }
    }
    row_ptr[n] = (int32_t)nnz;

    nf_network_desc nd = nf_network_defaults();
    nd.dt = dt;
    nd.backend = NF_BACKEND_CPU;
    nf_network *net = NULL;
    if (nf_network_create(&nd, &net) != NF_OK)
        return 1;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, n);
    CHECK(nf_lif_form_apply(&pd, NF_LIF_NICOLA_CLOPATH));
    pd.filter.kind = NF_FILTER_DOUBLE_EXP;
    pd.filter.tau_rise = 0.002f;
    pd.filter.tau_decay = 0.02f;
    int32_t pop, rec, ro, fb, in, lr, pz, ps;
    CHECK(nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.weights = val;
    cd.row_ptr = row_ptr;
    cd.col_idx = col;
    cd.nnz = nnz;
    CHECK(nf_connect(net, pop, pop, &cd, &rec));
    CHECK(nf_readout_add(net, pop, 1, NULL, &ro));
    cd = nf_connection_defaults();
    cd.weights = e;
    CHECK(nf_connect(net, ro, pop, &cd, &fb));
    float *f = malloc(sizeof(float) * (size_t)steps);
    for (int64_t t = 0; t < steps; t++)
        f[t] = (float)sin(2.0 * 5.0 * M_PI * (double)(t + 1) * dt);
    CHECK(nf_input_add(net, 1, &in));
    CHECK(nf_input_set(net, in, steps, f));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = ro;
    ld.target = in;
    ld.alpha = (float)(1.0 / (dt * 0.1));
    ld.every = 50;
    /* due on t = i - 1 = imin, imin + 50, ... (at t = 0, r = 0: no update) */
    ld.start = imin >= 49 ? imin - 49 : 1;
    ld.stop = icrit - 1;
    ld.rule = NF_RLS_NICOLA_CLOPATH;
    ld.p_precision = NF_PRECISION_F64;
    CHECK(nf_learner_add(net, &ld, &lr));
    CHECK(nf_population_set_state(net, pop, NF_STATE_VOLTAGE, v0));
    float *ref = malloc(sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++)
        ref[i] = 0.002f;
    CHECK(nf_population_set_state(net, pop, NF_STATE_REFRACTORY, ref));
    CHECK(nf_probe_add(net, ro, NF_PROBE_OUTPUT, 1, &pz));
    CHECK(nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &ps));
    CHECK(nf_network_run(net, steps));
    float *z = malloc(sizeof(float) * (size_t)steps);
    float *out = malloc(sizeof(float) * (size_t)steps * (size_t)n);
    int64_t rows;
    CHECK(nf_probe_read(net, pz, z, (size_t)steps, &rows));
    CHECK(nf_probe_read(net, ps, out, (size_t)steps * (size_t)n, &rows));
    int64_t first = -1, tot_nf = 0, tot_ref = 0;
    double maxdz = 0.0, maxz = 0.0, mae[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
    int64_t counted[2] = {0, 0};
    int64_t at = 0;
    for (int64_t t = 0; t < steps; t++) {
        int32_t c = 0;
        for (int i = 0; i < n; i++)
            c += out[(size_t)t * n + i] != 0.0f;
        tot_nf += c;
        tot_ref += sref[t];
        if (c != sref[t] && first < 0) {
            first = t;
            printf("first spike-count difference at step t %lld (i %lld): nf %d, ref %d\n",
                   (long long)t, (long long)t + 1, c, sref[t]);
            printf("  neurofuse spikers:");
            for (int i = 0; i < n; i++)
                if (out[(size_t)t * n + i] != 0.0f)
                    printf(" %d", i);
            printf("\n");
        }
        double d = fabs((double)z[t] - zref[t]);
        if (d > maxdz) {
            maxdz = d;
            at = t;
        }
        const int after = t + 1 >= icrit;
        if (t + 1 > imin) {
            mae[after][0] += fabs((double)z[t] - (double)f[t]);
            mae[after][1] += fabs(zref[t] - sin(2.0 * 5.0 * M_PI * (double)(t + 1) * dt));
            counted[after]++;
        }
        if (fabs(zref[t]) > maxz)
            maxz = fabs(zref[t]);
    }
    printf("N %d, %lld steps: spikes nf %lld ref %lld; max |z_nf - z_ref| %.3g at step %lld "
           "(max |z_ref| %.3g); z at the end nf %.6f ref %.6f\n",
           n, (long long)steps, (long long)tot_nf, (long long)tot_ref, maxdz, (long long)at,
           maxz, z[steps - 1], zref[steps - 1]);
    for (int k = 0; k < 2; k++)
        if (counted[k])
            printf("%s MAE: neurofuse %.4f, reference %.4f\n", k ? "testing" : "training",
                   mae[k][0] / (double)counted[k], mae[k][1] / (double)counted[k]);
    for (int64_t t = 0; t < steps; t += steps / 8)
        printf("  t %6lld: z nf %+.6e ref %+.6e\n", (long long)t, z[t], zref[t]);
    nf_network_destroy(net);
    return 0;
}
