/*
 * The reference tasks `neurofuse demo --task NAME` can train, all from
 * tasks/ (neurofuse_tasks). A task either builds into an empty network with
 * a probe of the readout z and of the learner's error e = z - f every step
 * (the demo then runs it, shows progress and writes the traces; the target is
 * f = z - e), or only has a run function that builds and runs it whole (the
 * demo then reports its errors and speed, without traces).
 */
#ifndef NF_CLI_TASK_REGISTRY_H
#define NF_CLI_TASK_REGISTRY_H

#include <stdint.h>

#include "neurofuse.h"

/* What a built task left in the network. Steps [0, train_from) run without
 * learning (warm-up), [train_from, train_steps) train (the training error),
 * and test_steps more test (the testing error). */
typedef struct cli_task_ids {
    int32_t output_probe, error_probe; /* every step, [batch][dim] each */
    int64_t train_from, train_steps, test_steps;
} cli_task_ids;

typedef struct cli_task {
    const char *name;
    const char *summary;
    const char *time_unit; /* of the network's dt, for the plot's axis */
    /* Sets the network's dt and builds the task with its defaults; steps >= 0
     * replace the default training / testing lengths. NULL for run-only tasks. */
    nf_status (*build)(nf_network *net, int64_t train_steps, int64_t test_steps, cli_task_ids *ids);
    /* Run-only tasks: sets dt, builds, runs; the training and testing MAE. */
    nf_status (*run)(nf_network *net, uint64_t seed, double *train, double *test);
} cli_task;

extern const cli_task cli_tasks[];
extern const int cli_task_count;

/* The whole batch a network is part of (its own batch unless it holds a
 * window of a sharded one): whether a task's networks are independent
 * (per_batch) depends on it, not on a rank's slice. */
int32_t cli_global_batch(const nf_network *net);

/* The task called name, or NULL. */
const cli_task *cli_task_find(const char *name);

#endif
