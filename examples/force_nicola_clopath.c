/*
 * Nicola & Clopath (2017): spiking networks (LIF, Izhikevich, Theta) with
 * double-exponential synapses learn a 5 Hz sine by FORCE on their readout,
 * with feedback (docs/equations.md canonical task). RLS from 5 s to 10 s, test
 * from 10 s to 15 s; prints the training and testing mean absolute error (a
 * zero output scores 2/pi = 0.64), and the error of each second of the run.
 * Usage: force_nicola_clopath [--model lif|izhikevich|theta|all] [--n N]
 *        [--seconds T] [--learn START STOP] [--seed S] [--p32] [--backend cpu|cuda]
 * P is float64 (as in the reference's MATLAB) unless --p32.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/tasks.h"

static const struct {
    const char *name;
    nf_model model;
} MODELS[] = {{"lif", NF_MODEL_LIF}, {"izhikevich", NF_MODEL_IZHIKEVICH},
              {"theta", NF_MODEL_THETA}};

typedef struct options {
    int32_t n;
    double seconds, learn_start, learn_stop;
    nf_network_desc nd; /* seed, backend */
    int p32;
} options;

static int run_model(nf_model model, const char *name, const options *o) {
    nf_nc_task task = nf_nc_defaults(model);
    if (o->n > 0)
        task.n = o->n;
    if (o->seconds > 0.0)
        task.seconds = o->seconds;
    if (o->p32)
        task.p_precision = NF_PRECISION_F32;
    if (o->learn_stop > 0.0) {
        task.learn_start = o->learn_start;
        task.learn_stop = o->learn_stop;
    }
    nf_network_desc nd = o->nd;
    nd.dt = task.dt;
    nf_network *net = nf_example_network(&nd);
    if (!net)
        return 1;
    nf_nc_net ids;
    const double t0 = nf_example_clock();
    nf_status st = nf_nc_build(net, &task, &ids);
    if (st == NF_OK)
        st = nf_network_run(net, ids.steps);
    const double secs = nf_example_clock() - t0;
    float *e = st == NF_OK ? malloc(sizeof *e * (size_t)ids.steps) : NULL;
    int64_t rows = 0;
    if (st == NF_OK)
        st = e ? nf_probe_read(net, ids.error_probe, e, (size_t)ids.steps, &rows)
               : NF_ERR_OUT_OF_MEMORY;
    if (st != NF_OK) {
        free(e);
        return nf_example_fail(net, name, st);
    }
    printf("%-10s N %d, dt %g, %g s (RLS %g-%g s, every %d, P %s), %s: training MAE %.4f, "
           "testing MAE %.4f  (%.1f s wall)\n           MAE per second:",
           name, task.n, task.dt, task.seconds, task.learn_start, task.learn_stop, task.every,
           task.p_precision == NF_PRECISION_F64 ? "f64" : "f32",
           nf_backend_name(nf_network_backend(net)),
           nf_mean_abs(e, ids.learn_start, ids.learn_stop, 1),
           nf_mean_abs(e, ids.learn_stop, ids.steps, 1), secs);
    const int64_t per_second = (int64_t)(task.unit / task.dt + 0.5);
    for (int64_t t = 0; t < ids.steps; t += per_second)
        printf(" %.3f", nf_mean_abs(e, t, t + per_second < ids.steps ? t + per_second : ids.steps,
                                    1));
    printf("\n");
    free(e);
    fflush(stdout);
    nf_network_destroy(net);
    return 0;
}

int main(int argc, char **argv) {
    options o = {.nd = nf_network_defaults()};
    o.nd.seed = 2017;
    const char *which = "all";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc)
            which = argv[++i];
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            o.n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            o.seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--learn") && i + 2 < argc) {
            o.learn_start = atof(argv[++i]);
            o.learn_stop = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--p32"))
            o.p32 = 1;
        else if (!nf_example_common_option(argc, argv, &i, &o.nd)) {
            fprintf(stderr,
                    "usage: %s [--model lif|izhikevich|theta|all] [--n N] [--seconds T] "
                    "[--learn START STOP] [--seed S] [--p32] [--backend cpu|cuda]\n",
                    argv[0]);
            return 2;
        }
    }
    int ran = 0, status = 0;
    for (size_t m = 0; m < sizeof MODELS / sizeof *MODELS; m++)
        if (!strcmp(which, "all") || !strcmp(which, MODELS[m].name)) {
            ran = 1;
            status |= run_model(MODELS[m].model, MODELS[m].name, &o);
        }
    if (!ran) {
        fprintf(stderr, "unknown model %s (lif, izhikevich, theta or all)\n", which);
        return 2;
    }
    return status;
}
