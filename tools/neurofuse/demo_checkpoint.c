/*
 * The demo's checkpoints (demo_checkpoint.h): the network through
 * nf_network_save / nf_network_load, the traces so far beside it as
 * FILE.traces.npy, (2, steps, batch, dim) float32: [0] the readout z, [1] the
 * error e of each step.
 */
#include "demo_checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void traces_path(const char *path, char *out, size_t capacity) {
    snprintf(out, capacity, "%s.traces.npy", path);
}

int cli_checkpoint_write(const char *path, nf_network *net, const float *z, const float *e,
                         int64_t done, int32_t batch, int32_t dim, char *why, size_t capacity) {
    const size_t per = (size_t)done * (size_t)batch * (size_t)dim;
    float *both = malloc(2 * per * sizeof *both + 1);
    if (!both) {
        snprintf(why, capacity, "out of memory for the traces of %lld steps", (long long)done);
        return -1;
    }
    memcpy(both, z, per * sizeof *both);
    memcpy(both + per, e, per * sizeof *both);
    char traces[4200];
    traces_path(path, traces, sizeof traces);
    const int64_t shape[4] = {2, done, batch, dim};
    nf_status st = nf_npy_write_f32(traces, both, 4, shape, why, capacity);
    free(both);
    if (st != NF_OK)
        return -1;
    if ((st = nf_network_save(net, path)) != NF_OK) {
        snprintf(why, capacity, "%s", nf_network_last_error(net));
        return -1;
    }
    return 0;
}

int cli_checkpoint_resume(const char *path, nf_backend backend, int32_t device, nf_network **net,
                          float *z, float *e, int64_t steps, int32_t batch, int32_t dim,
                          int64_t *done, char *why, size_t capacity) {
    nf_status st = nf_network_load(path, backend, device, net, why, capacity);
    if (st != NF_OK)
        return -1;
    const int64_t at = nf_network_step_count(*net);
    if (nf_network_batch(*net) != batch || at >= steps) {
        snprintf(why, capacity,
                 "'%s' holds a network of batch %d at step %lld, not one of this run (batch %d, "
                 "%lld steps): resume with the options it was started with",
                 path, nf_network_batch(*net), (long long)at, batch, (long long)steps);
        nf_network_destroy(*net);
        *net = NULL;
        return -1;
    }
    char traces[4200];
    traces_path(path, traces, sizeof traces);
    float *data = NULL;
    int32_t ndim = 0;
    int64_t shape[NF_NPY_MAX_DIMS];
    st = nf_npy_read_f32(traces, &data, &ndim, shape, why, capacity);
    if (st == NF_OK && (ndim != 4 || shape[0] != 2 || shape[1] < at || shape[2] != batch ||
                        shape[3] != dim)) {
        snprintf(why, capacity,
                 "'%s' is not the traces of this run's %lld steps of batch %d, dim %d", traces,
                 (long long)at, batch, dim);
        st = NF_ERR_INVALID_ARGUMENT;
    }
    if (st == NF_OK) {
        const size_t row = (size_t)batch * (size_t)dim, per = (size_t)shape[1] * row;
        memcpy(z, data, (size_t)at * row * sizeof *z);
        memcpy(e, data + per, (size_t)at * row * sizeof *e);
        *done = at;
    }
    nf_npy_free(data);
    if (st != NF_OK) {
        nf_network_destroy(*net);
        *net = NULL;
        return -1;
    }
    return 0;
}
