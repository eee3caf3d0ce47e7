/*
 * `neurofuse demo --target FILE.npy`: a user's signal as the FORCE target.
 * The file (read by nf_npy_read_f32) has shape (steps,) or (steps, dim), or
 * (steps, 1, dim) as the demo's own target.npy / output.npy of a --batch 1
 * run; row t is the target at step t and every value must be finite. It is
 * learned by the sussillo task's network (tasks/, dt 0.1 tau) with a
 * readout, feedback and target of dimension dim; the run is the file's steps.
 */
#ifndef NF_CLI_DEMO_TARGET_H
#define NF_CLI_DEMO_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"
#include "task_registry.h"

typedef struct cli_target {
    float *values; /* [steps][dim], from nf_npy_read_f32 (free with cli_target_free) */
    int64_t steps;
    int32_t dim;
} cli_target;

/* Reads and checks path; on failure writes why (naming the file) into
 * message and returns nonzero, with nothing allocated. */
int cli_target_load(const char *path, cli_target *t, char *message, size_t capacity);
void cli_target_free(cli_target *t);

/* The training / testing split of the file's steps from --train-steps and
 * --test-steps (< 0: not given): neither gives the first half (rounded down)
 * to training and the rest to testing; one of them takes its steps (at most
 * the file's) and leaves the rest to the other; both must add up to the
 * file's steps. Nonzero with the reason in message otherwise. */
int cli_target_split(const cli_target *t, int64_t train, int64_t test, int64_t *train_steps,
                     int64_t *test_steps, char *message, size_t capacity);

/* Sets dt and builds the sussillo network on the signal (independent
 * networks for a batch above 1, as the task), with the given split. */
nf_status cli_target_build(nf_network *net, const cli_target *t, int64_t train_steps,
                           int64_t test_steps, cli_task_ids *ids);

#endif
