/*
 * The demo's checkpoints (demo_checkpoint.h): the network through
 * nf_network_save / nf_network_load (under MPI nf_network_save_mpi /
 * nf_network_load_mpi: FILE.rank-R-of-K), the traces so far beside it as
 * FILE.traces.npy (written and read by rank 0), (2, steps, batch, dim)
 * float32: [0] the readout z, [1] the error e of each step.
 */
#include "demo_checkpoint.h"

#include "cli_mpi.h"
#include "task_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void traces_path(const char *path, char *out, size_t capacity) {
    snprintf(out, capacity, "%s.traces.npy", path);
}

/* Rank 0's (or the only process's) traces of the first `done` steps. */
static nf_status traces_write(const char *path, const float *z, const float *e, int64_t done,
                              int32_t batch, int32_t dim, char *why, size_t capacity) {
    const size_t per = (size_t)done * (size_t)batch * (size_t)dim;
    float *both = malloc(2 * per * sizeof *both + 1);
    if (!both) {
        snprintf(why, capacity, "out of memory for the traces of %lld steps", (long long)done);
        return NF_ERR_OUT_OF_MEMORY;
    }
    memcpy(both, z, per * sizeof *both);
    memcpy(both + per, e, per * sizeof *both);
    char traces[4200];
    traces_path(path, traces, sizeof traces);
    const int64_t shape[4] = {2, done, batch, dim};
    const nf_status st = nf_npy_write_f32(traces, both, 4, shape, why, capacity);
    free(both);
    return st;
}

/* Rank 0's (or the only process's) traces of the first `at` steps into z and e. */
static nf_status traces_read(const char *path, float *z, float *e, int64_t at, int32_t batch,
                             int32_t dim, char *why, size_t capacity) {
    char traces[4200];
    traces_path(path, traces, sizeof traces);
    float *data = NULL;
    int32_t ndim = 0;
    int64_t shape[NF_NPY_MAX_DIMS];
    nf_status st = nf_npy_read_f32(traces, &data, &ndim, shape, why, capacity);
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
    }
    nf_npy_free(data);
    return st;
}

int cli_checkpoint_write(const char *path, nf_network *net, const float *z, const float *e,
                         int64_t done, int32_t batch, int32_t dim, char *why, size_t capacity) {
    nf_status st = cli_mpi_rank() == 0 ? traces_write(path, z, e, done, batch, dim, why, capacity)
                                       : NF_OK;
    if (cli_mpi_agree(st, why, capacity) != NF_OK)
        return -1;
    if (cli_mpi_on())
        return cli_mpi_network_save(net, path, why, capacity) == NF_OK ? 0 : -1;
    if ((st = nf_network_save(net, path)) != NF_OK) {
        snprintf(why, capacity, "%s", nf_network_last_error(net));
        return -1;
    }
    return 0;
}

int cli_checkpoint_resume(const char *path, nf_backend backend, int32_t device, nf_network **net,
                          float *z, float *e, int64_t steps, int32_t batch, int32_t dim,
                          int64_t *done, char *why, size_t capacity) {
    nf_status st = cli_mpi_on() ? cli_mpi_network_load(path, backend, device, net, why, capacity)
                                : nf_network_load(path, backend, device, net, why, capacity);
    if (st != NF_OK) /* agreed over the ranks under MPI */
        return -1;
    const int64_t at = nf_network_step_count(*net);
    if (cli_global_batch(*net) != batch || at >= steps) {
        snprintf(why, capacity,
                 "'%s' holds a network of batch %d at step %lld, not one of this run (batch %d, "
                 "%lld steps): resume with the options it was started with",
                 path, cli_global_batch(*net), (long long)at, batch, (long long)steps);
        st = NF_ERR_INVALID_ARGUMENT;
    } else if (cli_mpi_rank() == 0)
        st = traces_read(path, z, e, at, batch, dim, why, capacity);
    if (cli_mpi_agree(st, why, capacity) != NF_OK) {
        nf_network_destroy(*net);
        *net = NULL;
        return -1;
    }
    *done = at;
    return 0;
}
