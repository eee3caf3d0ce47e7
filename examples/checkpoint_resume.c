/*
 * Checkpoint and resume: a FORCE network (Sussillo & Abbott 2009, 500 tanh
 * units, output feedback, a sum of four sines; dt 0.1; their g, p, alpha) trains for half its
 * training steps, is saved with nf_network_save, loaded with nf_network_load
 * on the other backend when this machine has one (else on the same one, and
 * it says so), and then the loaded network and the original both finish the
 * training and test. On the same backend the two runs are bit-identical; on
 * the other they agree within rounding. The file is a numpy .npz: see the
 * README for reading the trained weights and P in Python.
 * Usage: checkpoint_resume [--backend auto|cpu|cuda] [--file PATH]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurofuse.h"

#define N      500
#define TRAIN  10000 /* training steps; the checkpoint is taken after TRAIN / 2 */
#define TEST   2000
#define STEPS  (TRAIN + TEST)

static double target(int64_t t) {
    const double w = 3.14159265358979323846 / 60.0, s = (double)(t + 1) * 0.1;
    return (1.3 / 1.5) * (sin(w * s) + sin(2 * w * s) / 2 + sin(3 * w * s) / 6 +
                          sin(4 * w * s) / 3);
}

#define TRY(net, call)                                                                       \
    do {                                                                                     \
        nf_status st_ = (call);                                                              \
        if (st_ != NF_OK) {                                                                  \
            fprintf(stderr, "%s: %s\n  %s\n", #call, nf_status_string(st_),                  \
                    (net) ? nf_network_last_error(net) : "");                                \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

/* The network; *probe records the learner's error e = z - f every step. */
static nf_network *build(nf_backend backend, int32_t *probe) {
    nf_network_desc nd = nf_network_defaults();
    nd.dt = 0.1;
    nd.seed = 2009;
    nd.backend = backend;
    nf_network *net = NULL;
    char msg[512];
    if (nf_network_create_ex(&nd, &net, msg, sizeof msg) != NF_OK) {
        fprintf(stderr, "cannot create the network: %s\n", msg);
        exit(1);
    }
    int32_t pop, c, readout, input, learner;
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
    pd.x_init_scale = 0.5f;
    TRY(net, nf_population_add(net, &pd, &pop));
    nf_connection_desc cd = nf_connection_defaults();
    cd.kind = NF_CONNECTION_SPARSE;
    cd.init = NF_WEIGHTS_NORMAL;
    cd.g = 1.5f;
    cd.p = 0.1f;
    cd.scale = 0.0f; /* g / sqrt(p N) */
    TRY(net, nf_connect(net, pop, pop, &cd, &c));
    const nf_readout_desc rd = {.z_init_scale = 0.5f};
    TRY(net, nf_readout_add(net, pop, 1, &rd, &readout));
    cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_UNIFORM;
    cd.low = -1.0f;
    cd.high = 1.0f;
    TRY(net, nf_connect(net, readout, pop, &cd, &c));
    float *f = malloc(STEPS * sizeof *f);
    for (int64_t t = 0; t < STEPS; t++)
        f[t] = (float)target(t);
    TRY(net, nf_input_add(net, 1, &input));
    TRY(net, nf_input_set(net, input, STEPS, f));
    free(f);
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = readout;
    ld.target = input;
    ld.every = 2;
    ld.stop = TRAIN;
    TRY(net, nf_learner_add(net, &ld, &learner));
    TRY(net, nf_probe_add(net, learner, NF_PROBE_ERROR, 1, probe));
    return net;
}

/* Mean |e| over the probe's rows [from, to) of the `steps` it holds. */
static double mean_error(nf_network *net, int32_t probe, int64_t steps, int64_t from,
                         int64_t to, float *e) {
    int64_t rows;
    TRY(net, nf_probe_read(net, probe, e, (size_t)steps, &rows));
    double sum = 0.0;
    for (int64_t t = from; t < to; t++)
        sum += fabs(e[t]);
    return sum / (double)(to - from);
}

int main(int argc, char **argv) {
    nf_backend backend = NF_BACKEND_AUTO;
    const char *path = "force_checkpoint.npz";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            const char *b = argv[++i];
            backend = !strcmp(b, "cpu") ? NF_BACKEND_CPU
                      : !strcmp(b, "cuda") ? NF_BACKEND_CUDA
                                           : NF_BACKEND_AUTO;
        } else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
            path = argv[++i];
        } else {
            fprintf(stderr, "usage: checkpoint_resume [--backend auto|cpu|cuda] [--file PATH]\n");
            return 2;
        }
    }
    int32_t probe;
    nf_network *net = build(backend, &probe);
    const nf_backend used = nf_network_backend(net);
    printf("FORCE, %d tanh units on %s: %d training steps, checkpoint after %d\n", N,
           nf_backend_name(used), TRAIN, TRAIN / 2);
    TRY(net, nf_network_run(net, TRAIN / 2));
    TRY(net, nf_network_save(net, path));
    printf("saved %s at step %lld\n", path, (long long)nf_network_step_count(net));

    const nf_backend other = used == NF_BACKEND_CPU ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    const nf_backend to = nf_backend_available(other) ? other : used;
    if (to == used)
        printf("no %s backend here: loading on %s, the same backend\n", nf_backend_name(other),
               nf_backend_name(used));
    nf_network *loaded = NULL;
    char msg[1024];
    if (nf_network_load(path, to, 0, &loaded, msg, sizeof msg) != NF_OK) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    printf("loaded on %s at step %lld; both continue for %d steps\n",
           nf_backend_name(nf_network_backend(loaded)),
           (long long)nf_network_step_count(loaded), STEPS - TRAIN / 2);
    TRY(net, nf_network_run(net, STEPS - TRAIN / 2));
    TRY(loaded, nf_network_run(loaded, STEPS - TRAIN / 2));

    float *e0 = malloc(STEPS * sizeof *e0), *e1 = malloc(STEPS * sizeof *e1);
    const double train0 = mean_error(net, probe, STEPS, TRAIN / 2, TRAIN, e0);
    const double train1 = mean_error(loaded, probe, STEPS, TRAIN / 2, TRAIN, e1);
    double test0 = 0.0, test1 = 0.0, worst = 0.0;
    for (int64_t t = TRAIN; t < STEPS; t++) {
        test0 += fabs(e0[t]) / TEST;
        test1 += fabs(e1[t]) / TEST;
        worst = fmax(worst, fabs((double)e0[t] - e1[t]));
    }
    printf("mean |z - f|        training (second half)  testing\n");
    printf("  never stopped     %.5f                 %.5f\n", train0, test0);
    printf("  saved and loaded  %.5f                 %.5f\n", train1, test1);
    if (to == used)
        printf("the two runs are %s\n",
               memcmp(e0, e1, STEPS * sizeof *e0) ? "NOT bit-identical" : "bit-identical");
    else
        printf("largest difference of e between the backends: %.3g\n", worst);
    printf("in Python: numpy.load(\"%s\") lists the arrays (readout_2/weights, learner_5/P, ...)\n",
           path);
    free(e0);
    free(e1);
    nf_network_destroy(loaded);
    nf_network_destroy(net);
    return 0;
}
