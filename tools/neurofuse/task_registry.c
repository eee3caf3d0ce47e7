/*
 * The task registry: one line per task of tasks/tasks.h, in one of
 * these lists, each giving the task's shape:
 *   STEP_TASKS(X): X(id, dt, unit, summary) for tasks shaped like
 *       nftask_sussillo_*: nftask_<id>_task with train_steps, test_steps and per_batch
 *       (set when the batch has more than one element: independent networks),
 *       nftask_<id>_defaults(), nftask_<id>_net with output_probe and error_probe,
 *       nftask_<id>_build(net, &task, &ids); run at dt.
 *   NC_TASKS(X): X(name, model, unit, summary) for the Nicola & Clopath
 *       spiking tasks (nftask_nc_defaults(model), nftask_nc_build; trained on
 *       [learn_start, learn_stop), tested after; the batch shares one network).
 *   RUN_TASKS(X): X(id, dt, unit, summary) for tasks with only
 *       nftask_<id>_defaults() and nftask_<id>_run(net, &task, seed, &errors)
 *       (the seed of the task's own draws: the demo's --seed).
 */
#include <string.h>

#include "task_registry.h"
#include "tasks/tasks.h"

#define STEP_TASKS(X)                                                                              \
    X(sussillo, 0.1, "tau",                                                                        \
      "Sussillo & Abbott 2009: sum of four sines, 1000 tanh units, output feedback")

#define NC_TASKS(X)                                                                                \
    X(nc_lif, NF_MODEL_LIF, "s", "Nicola & Clopath 2017: 5 Hz sine, 2000 spiking LIF neurons")     \
    X(nc_izhikevich, NF_MODEL_IZHIKEVICH, "ms",                                                    \
      "Nicola & Clopath 2017: 5 Hz sine, 2000 Izhikevich neurons")                                 \
    X(nc_theta, NF_MODEL_THETA, "s", "Nicola & Clopath 2017: 5 Hz sine, 2000 theta neurons")

#define RUN_TASKS(X)                                                                               \
    X(tension, 0.0025, "s", "TENSION: full-FORCE sum of sinusoids on a no-feedback ESN, N 750")

// --- adapters

#define STEP_TASK_BUILD(id, dt, unit, summary)                                                     \
    static nf_status build_##id(nf_network *net, int64_t train, int64_t test, cli_task_ids *ids) { \
        nftask_##id##_task task = nftask_##id##_defaults();                                        \
        if (train >= 0)                                                                            \
            task.train_steps = train;                                                              \
        if (test >= 0)                                                                             \
            task.test_steps = test;                                                                \
        task.per_batch = cli_global_batch(net) > 1;                                                \
        nftask_##id##_net built;                                                                   \
        nf_status st = nf_network_set_dt(net, dt);                                                 \
        if (st == NF_OK)                                                                           \
            st = nftask_##id##_build(net, &task, &built);                                          \
        *ids = (cli_task_ids){built.output_probe, built.error_probe, 0, task.train_steps,          \
                              task.test_steps};                                                    \
        return st;                                                                                 \
    }
STEP_TASKS(STEP_TASK_BUILD)

/* The Nicola & Clopath tasks, with training and testing lengths in steps. */
static nf_status build_nc(nf_network *net, nf_model model, int64_t train, int64_t test,
                          cli_task_ids *ids) {
    nftask_nc_task task = nftask_nc_defaults(model);
    const double step_seconds = task.dt / task.unit;
    const double test_seconds =
        test >= 0 ? (double)test * step_seconds : task.seconds - task.learn_stop;
    if (train >= 0)
        task.learn_stop = task.learn_start + (double)train * step_seconds;
    task.seconds = task.learn_stop + test_seconds;
    nftask_nc_net built;
    nf_status st = nf_network_set_dt(net, task.dt);
    if (st == NF_OK)
        st = nftask_nc_build(net, &task, &built);
    int32_t output = -1;
    if (st == NF_OK)
        st = nf_probe_add(net, built.readout, NF_PROBE_OUTPUT, 1, &output);
    *ids = (cli_task_ids){output, built.error_probe, built.learn_start, built.learn_stop,
                          built.steps - built.learn_stop};
    return st;
}
#define NC_TASK_BUILD(name, model, unit, summary)                                                  \
    static nf_status build_##name(nf_network *net, int64_t train, int64_t test,                    \
                                  cli_task_ids *ids) {                                             \
        return build_nc(net, model, train, test, ids);                                             \
    }
NC_TASKS(NC_TASK_BUILD)

#define RUN_TASK_RUN(id, dt, unit, summary)                                                        \
    static nf_status run_##id(nf_network *net, uint64_t seed, double *train, double *test) {       \
        nftask_##id##_task task = nftask_##id##_defaults();                                        \
        nftask_errors errors = {0, 0};                                                             \
        nf_status st = nf_network_set_dt(net, dt);                                                 \
        if (st == NF_OK)                                                                           \
            st = nftask_##id##_run(net, &task, seed, &errors);                                     \
        *train = errors.train;                                                                     \
        *test = errors.test;                                                                       \
        return st;                                                                                 \
    }
RUN_TASKS(RUN_TASK_RUN)

/* full-FORCE oscillation: its run function also takes the seed of its coin flips. */
static nf_status run_ff_oscillation(nf_network *net, uint64_t seed, double *train, double *test) {
    nftask_ff_oscillation_task task = nftask_ff_oscillation_defaults();
    nftask_errors errors = {0, 0};
    nf_status st = nf_network_set_dt(net, 2.0 / task.trial_steps);
    if (st == NF_OK)
        st = nftask_ff_oscillation_run(net, &task, seed, &errors);
    *train = errors.train;
    *test = errors.test;
    return st;
}

// --- the table

#define STEP_ENTRY(id, dt, unit, summary)    {#id, summary, unit, build_##id, NULL},
#define NC_ENTRY(name, model, unit, summary) {#name, summary, unit, build_##name, NULL},
#define RUN_ENTRY(id, dt, unit, summary)     {#id, summary, unit, NULL, run_##id},
// clang-format off
const cli_task cli_tasks[] = {
    STEP_TASKS(STEP_ENTRY)
    NC_TASKS(NC_ENTRY)
    RUN_TASKS(RUN_ENTRY)
    {"ff_oscillation", "DePasquale et al. 2018: full-FORCE chirp oscillation, N 300", "s", NULL,
     run_ff_oscillation},
};
// clang-format on
const int cli_task_count = (int)(sizeof cli_tasks / sizeof *cli_tasks);

int32_t cli_global_batch(const nf_network *net) {
    int32_t global = 0;
    nf_network_batch_window(net, NULL, NULL, &global);
    return global;
}

const cli_task *cli_task_find(const char *name) {
    for (int k = 0; k < cli_task_count; k++)
        if (!strcmp(cli_tasks[k].name, name))
            return &cli_tasks[k];
    return NULL;
}
