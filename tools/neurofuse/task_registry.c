/*
 * The task registry: one line per task of examples/tasks/tasks.h, in one of
 * these lists, each giving the task's shape:
 *   STEP_TASKS(X): X(id, dt, unit, summary) for tasks shaped like
 *       nf_sussillo_*: nf_<id>_task with train_steps and test_steps,
 *       nf_<id>_defaults(), nf_<id>_net with output_probe and error_probe,
 *       nf_<id>_build(net, &task, &ids); run at dt.
 *   RUN_TASKS(X): X(id, dt, unit, summary) for tasks with only
 *       nf_<id>_defaults() and nf_<id>_run(net, &task, &errors).
 */
#include <string.h>

#include "task_registry.h"
#include "tasks/tasks.h"

#define STEP_TASKS(X)                                                                              \
    X(sussillo, 0.1, "tau",                                                                        \
      "Sussillo & Abbott 2009: sum of four sines, 1000 tanh units, output feedback")

#define RUN_TASKS(X) /* none yet: X(tension, 0.0025, "s", "TENSION ...") once it exists */

// --- adapters

#define STEP_TASK_BUILD(id, dt, unit, summary)                                                     \
    static nf_status build_##id(nf_network *net, int64_t train, int64_t test, cli_task_ids *ids) { \
        nf_##id##_task task = nf_##id##_defaults();                                                \
        if (train >= 0)                                                                            \
            task.train_steps = train;                                                              \
        if (test >= 0)                                                                             \
            task.test_steps = test;                                                                \
        nf_##id##_net built;                                                                       \
        nf_status st = nf_network_set_dt(net, dt);                                                 \
        if (st == NF_OK)                                                                           \
            st = nf_##id##_build(net, &task, &built);                                              \
        *ids = (cli_task_ids){built.output_probe, built.error_probe, 0, task.train_steps,          \
                              task.test_steps};                                                    \
        return st;                                                                                 \
    }
STEP_TASKS(STEP_TASK_BUILD)

#define RUN_TASK_RUN(id, dt, unit, summary)                                                        \
    static nf_status run_##id(nf_network *net, uint64_t seed, double *train, double *test) {       \
        (void)seed;                                                                                \
        nf_##id##_task task = nf_##id##_defaults();                                                \
        nf_task_errors errors = {0, 0};                                                            \
        nf_status st = nf_network_set_dt(net, dt);                                                 \
        if (st == NF_OK)                                                                           \
            st = nf_##id##_run(net, &task, &errors);                                               \
        *train = errors.train;                                                                     \
        *test = errors.test;                                                                       \
        return st;                                                                                 \
    }
RUN_TASKS(RUN_TASK_RUN)

// --- the table

#define STEP_ENTRY(id, dt, unit, summary)    {#id, summary, unit, build_##id, NULL},
#define RUN_ENTRY(id, dt, unit, summary)     {#id, summary, unit, NULL, run_##id},
const cli_task cli_tasks[] = {STEP_TASKS(STEP_ENTRY) RUN_TASKS(RUN_ENTRY)};
const int cli_task_count = (int)(sizeof cli_tasks / sizeof *cli_tasks);

const cli_task *cli_task_find(const char *name) {
    for (int k = 0; k < cli_task_count; k++)
        if (!strcmp(cli_tasks[k].name, name))
            return &cli_tasks[k];
    return NULL;
}
