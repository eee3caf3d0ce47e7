/*
 * neurofuse's TENSION task (tasks/tension_sines.c, its defaults) on TENSION's
 * own networks: builds the task for seed S (network seed S, dt 0.0025, CPU),
 * then, with DIR, overwrites every draw with the files that
 * `tension_sines.py --seed S --dump DIR` wrote from TENSION's model before
 * its first step (raw float32, neurofuse's [post][pre] layout): both
 * recurrent matrices (task_rec, gen_rec), both input kernels (task_in,
 * gen_in), the generator's feedback (gen_fb), the readout's start (readout)
 * and both networks' x0 (task_x0, gen_x0; the outputs follow as tanh x0).
 * Prints the task's training and testing MAE, to compare with TENSION's own
 * run of that seed: the same numbers mean the two programs compute the same
 * steps, and any gap between their distributions over seeds comes from the
 * networks their random streams draw.
 * Build: cc -O2 -Iinclude -I. bench/peers/tension_on_draws.c \
 *          BUILD/tasks/libneurofuse_tasks.a -LBUILD -lneurofuse -lm
 * Usage: tension_on_draws S [DIR]   (without DIR: the task's own draws)
 */
#include <stdio.h>
#include <stdlib.h>

#include "neurofuse.h"
#include "tasks/tasks.h"

/* Reads count floats from DIR/name.f32 into w; 0 on success. */
static int load(const char *dir, const char *name, float *w, size_t count) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.f32", dir, name);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(w, sizeof *w, count, f) : 0;
    if (f)
        fclose(f);
    if (got != count)
        fprintf(stderr, "tension_on_draws: %s: expected %zu floats, read %zu\n", path, count,
                got);
    return got != count;
}

/* Sets the draws of the built task from DIR. */
static nf_status set_draws(nf_network *net, const nftask_ff_net *ids, int32_t n,
                           const char *dir) {
    const struct {
        const char *name;
        int32_t id;
        size_t count;
        int what; /* 0 connection, 1 readout, 2 population x */
    } draws[] = {{"task_rec", ids->task_rec, (size_t)n * n, 0},
                 {"gen_rec", ids->gen_rec, (size_t)n * n, 0},
                 {"task_in", ids->task_in, (size_t)n, 0},
                 {"gen_in", ids->gen_in, (size_t)n, 0},
                 {"gen_fb", ids->gen_fb, (size_t)n, 0},
                 {"readout", ids->readout, (size_t)n, 1},
                 {"task_x0", ids->task, (size_t)n, 2},
                 {"gen_x0", ids->gen, (size_t)n, 2}};
    float *w = malloc(sizeof *w * (size_t)n * n);
    nf_status st = w ? NF_OK : NF_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < sizeof draws / sizeof *draws && st == NF_OK; i++) {
        if (load(dir, draws[i].name, w, draws[i].count)) {
            st = NF_ERR_INVALID_ARGUMENT;
            break;
        }
        if (draws[i].what == 0)
            st = nf_connection_set_weights(net, draws[i].id, w);
        else if (draws[i].what == 1)
            st = nf_readout_set_weights(net, draws[i].id, w);
        else
            st = nf_population_set_state(net, draws[i].id, NF_STATE_X, w);
    }
    free(w);
    return st;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: tension_on_draws S [DIR]\n");
        return 2;
    }
    const uint64_t seed = strtoull(argv[1], NULL, 10);
    nf_network_desc nd = nf_network_defaults();
    nd.seed = seed;
    nd.backend = NF_BACKEND_CPU;
    nd.dt = 0.0025;
    nf_network *net = NULL;
    nf_status st = nf_network_create(&nd, &net);
    const nftask_tension_task task = nftask_tension_defaults();
    nftask_ff_net ids;
    if (st == NF_OK)
        st = nftask_tension_build(net, &task, seed, &ids);
    if (st == NF_OK && argc == 3)
        st = set_draws(net, &ids, task.n, argv[2]);
    /* nftask_tension_run's schedule: learning on every step of the epochs, one more without */
    const nftask_ff_spec spec = {.n = task.n, .learn_fraction = 1.0f};
    const int64_t learn = (int64_t)task.epochs * task.epoch_steps;
    nftask_errors e = {0, 0};
    if (st == NF_OK)
        st = nftask_ff_run(net, &spec, &ids, learn + task.epoch_steps, learn,
                           learn - task.epoch_steps, 0, &e);
    if (st != NF_OK) {
        fprintf(stderr, "tension_on_draws: %s: %s\n", nf_status_string(st),
                net ? nf_network_last_error(net) : "");
        nf_network_destroy(net);
        return 1;
    }
    printf("seed %llu, %s draws: training MAE %.5f   testing MAE %.5f\n",
           (unsigned long long)seed, argc == 3 ? "TENSION's" : "neurofuse's", e.train, e.test);
    nf_network_destroy(net);
    return 0;
}
