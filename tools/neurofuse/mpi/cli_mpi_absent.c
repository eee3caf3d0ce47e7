/*
 * The command built without MPI (NF_MPI=OFF, or no MPI found): --mpi and a
 * launch of more than one rank are refused, saying so; a launch of one
 * process runs as a plain one. The sharded entries are never reached.
 */
#include <stdio.h>
#include <string.h>

#include "tools/neurofuse/cli_mpi.h"

static const char WHY[] = "this neurofuse was built without MPI: build it with -DNF_MPI=ON (an "
                          "MPI such as Debian's libopenmpi-dev installed) to run it under "
                          "mpirun or with --mpi";

int cli_mpi_built(void) { return 0; }

int cli_mpi_start(int argc, char **argv) {
    int rank = 0, flag = 0;
    for (int i = 0; i < argc; i++)
        flag |= !strcmp(argv[i], "--mpi");
    const int launched = cli_mpi_launched(&rank);
    if (!flag && launched <= 1)
        return 0;
    if (rank == 0)
        fprintf(stderr, "neurofuse: %s%s\n", WHY,
                flag ? "" : " (started by an MPI launcher with more than one process)");
    return -1;
}

void cli_mpi_stop(void) {}
int cli_mpi_on(void) { return 0; }
int cli_mpi_rank(void) { return 0; }
int cli_mpi_ranks(void) { return 1; }

nf_status cli_mpi_network_create(const nf_network_desc *d, nf_network **out, char *message,
                                 size_t capacity) {
    (void)d;
    *out = NULL;
    snprintf(message, capacity, "%s", WHY);
    return NF_ERR_UNSUPPORTED;
}

nf_status cli_mpi_agree(nf_status st, char *message, size_t capacity) {
    (void)message, (void)capacity;
    return st;
}

nf_status cli_mpi_network_save(nf_network *net, const char *path, char *message,
                               size_t capacity) {
    (void)net, (void)path;
    snprintf(message, capacity, "%s", WHY);
    return NF_ERR_UNSUPPORTED;
}

nf_status cli_mpi_network_load(const char *path, nf_backend backend, int32_t device,
                               nf_network **out, char *message, size_t capacity) {
    (void)path, (void)backend, (void)device;
    *out = NULL;
    snprintf(message, capacity, "%s", WHY);
    return NF_ERR_UNSUPPORTED;
}

nf_status cli_mpi_probe_gather(nf_network *net, int32_t probe, float *dst, size_t capacity,
                               int64_t *rows, char *message, size_t capacity_message) {
    (void)net, (void)probe, (void)dst, (void)capacity, (void)rows;
    snprintf(message, capacity_message, "%s", WHY);
    return NF_ERR_UNSUPPORTED;
}

int cli_bench_mpi(int quick, const char *backend, const char *json) {
    (void)quick, (void)backend, (void)json;
    fprintf(stderr, "neurofuse bench: %s\n", WHY);
    return 2;
}
