/* The demo's --target FILE.npy: reading, checking and splitting a user's signal,
 * and building the sussillo task's network on it (see demo_target.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "demo_target.h"
#include "task_registry.h"
#include "tasks/tasks.h"

#define TARGET_DT 0.1 /* the sussillo task's dt, in units of tau */

int cli_target_load(const char *path, cli_target *t, char *message, size_t capacity) {
    *t = (cli_target){NULL, 0, 0};
    float *v = NULL;
    int32_t ndim = 0;
    int64_t shape[NF_NPY_MAX_DIMS];
    if (nf_npy_read_f32(path, &v, &ndim, shape, message, capacity) != NF_OK)
        return 1;
    const int ok_shape = ndim == 1 || ndim == 2 || (ndim == 3 && shape[1] == 1);
    const int64_t steps = ndim >= 1 ? shape[0] : 0, dim = ndim >= 2 ? shape[ndim - 1] : 1;
    const char *why = !ok_shape   ? "its shape must be (steps,), (steps, dim) or (steps, 1, dim)"
                      : steps < 1 ? "it has no steps"
                      : dim < 1   ? "its dim is 0"
                      : dim > INT32_MAX ? "its dim is too large"
                                        : NULL;
    if (why) {
        char dims[64] = "";
        for (int32_t d = 0, n = 0; d < ndim && n >= 0 && (size_t)n < sizeof dims; d++)
            n += snprintf(dims + n, sizeof dims - (size_t)n, "%s%lld", d ? ", " : "",
                          (long long)shape[d]);
        snprintf(message, capacity, "'%s' has shape (%s%s): %s", path, dims, ndim == 1 ? "," : "",
                 why);
        nf_npy_free(v);
        return 1;
    }
    for (int64_t k = 0; k < steps * dim; k++)
        if (!isfinite(v[k])) {
            snprintf(message, capacity,
                     "'%s': the value at step %lld, dimension %lld is %g; a target must be finite",
                     path, (long long)(k / dim), (long long)(k % dim), (double)v[k]);
            nf_npy_free(v);
            return 1;
        }
    *t = (cli_target){v, steps, (int32_t)dim};
    return 0;
}

void cli_target_free(cli_target *t) {
    nf_npy_free(t->values);
    t->values = NULL;
}

int cli_target_split(const cli_target *t, int64_t train, int64_t test, int64_t *train_steps,
                     int64_t *test_steps, char *message, size_t capacity) {
    const long long steps = (long long)t->steps;
    if (train > t->steps || test > t->steps) {
        snprintf(message, capacity, "--%s-steps %lld is more than the target's %lld steps",
                 train > t->steps ? "train" : "test", (long long)(train > t->steps ? train : test),
                 steps);
        return 1;
    }
    if (train >= 0 && test >= 0 && train + test != t->steps) {
        snprintf(message, capacity,
                 "--train-steps %lld and --test-steps %lld must add up to the target's %lld "
                 "steps (or give one of them)",
                 (long long)train, (long long)test, steps);
        return 1;
    }
    *train_steps = train >= 0 ? train : test >= 0 ? t->steps - test : t->steps / 2;
    *test_steps = t->steps - *train_steps;
    return 0;
}

nf_status cli_target_build(nf_network *net, const cli_target *t, int64_t train_steps,
                           int64_t test_steps, cli_task_ids *ids) {
    nftask_sussillo_task task = nftask_sussillo_defaults();
    task.train_steps = train_steps;
    task.test_steps = test_steps;
    task.per_batch = cli_global_batch(net) > 1;
    nftask_sussillo_net built = {.output_probe = -1, .error_probe = -1};
    nf_status st = nf_network_set_dt(net, TARGET_DT);
    if (st == NF_OK)
        st = nftask_sussillo_build_signal(net, &task, t->dim, t->values, &built);
    *ids = (cli_task_ids){built.output_probe, built.error_probe, 0, train_steps, test_steps};
    return st;
}
