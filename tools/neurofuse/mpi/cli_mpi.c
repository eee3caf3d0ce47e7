/*
 * The command under MPI (cli_mpi.h): MPI started when a launcher started the
 * command or --mpi was given, the other ranks' output silenced (rank 0
 * prints), the agreement on every step's outcome (a failure on any rank is
 * reported once, by rank 0, with the failing rank's message) and the calls of
 * neurofuse_mpi the demo makes on MPI_COMM_WORLD.
 */
#include <stdio.h>
#include <string.h>

#include "neurofuse_mpi.h"
#include "tools/neurofuse/cli_mpi.h"

static int started, world_rank, world_ranks = 1;

int cli_mpi_built(void) { return 1; }
int cli_mpi_on(void) { return started; }
int cli_mpi_rank(void) { return world_rank; }
int cli_mpi_ranks(void) { return world_ranks; }

int cli_mpi_start(int argc, char **argv) {
    int rank = 0, flag = 0;
    for (int i = 0; i < argc; i++)
        flag |= !strcmp(argv[i], "--mpi");
    if (!flag && cli_mpi_launched(&rank) == 0)
        return 0;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fprintf(stderr, "neurofuse: MPI_Init failed\n");
        return -1;
    }
    started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_ranks);
    if (world_rank != 0) { /* rank 0 speaks for all; the others' failures reach it */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            return -1;
    }
    return 1;
}

void cli_mpi_stop(void) {
    if (started) {
        fflush(stdout);
        MPI_Finalize();
        started = 0;
    }
}

nf_status cli_mpi_network_create(const nf_network_desc *d, nf_network **out, char *message,
                                 size_t capacity) {
    return nf_network_create_mpi(d, MPI_COMM_WORLD, out, message, capacity);
}

nf_status cli_mpi_agree(nf_status st, char *message, size_t capacity) {
    if (!started)
        return st;
    int mine = st == NF_OK ? world_ranks : world_rank, bad = world_ranks;
    MPI_Allreduce(&mine, &bad, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (bad == world_ranks)
        return NF_OK;
    struct {
        int status;
        char why[1024];
    } m = {(int)st, ""};
    if (world_rank == bad)
        snprintf(m.why, sizeof m.why, "rank %d: %s", bad, message ? message : "");
    MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, bad, MPI_COMM_WORLD);
    if (message && capacity)
        snprintf(message, capacity, "%s", m.why);
    return (nf_status)m.status;
}

nf_status cli_mpi_probe_gather(nf_network *net, int32_t probe, float *dst, size_t capacity,
                               int64_t *rows, char *message, size_t capacity_message) {
    const nf_status st = nf_mpi_probe_gather(net, probe, dst, capacity, rows, 0, MPI_COMM_WORLD);
    if (st != NF_OK && message && capacity_message)
        snprintf(message, capacity_message, "%s", nf_mpi_last_error());
    return st;
}

nf_status cli_mpi_network_save(nf_network *net, const char *path, char *message,
                               size_t capacity) {
    const nf_status st = nf_network_save_mpi(net, path, MPI_COMM_WORLD);
    if (st != NF_OK && message && capacity)
        snprintf(message, capacity, "%s", nf_mpi_last_error());
    return st;
}

nf_status cli_mpi_network_load(const char *path, nf_backend backend, int32_t device,
                               nf_network **out, char *message, size_t capacity) {
    return nf_network_load_mpi(path, backend, device, MPI_COMM_WORLD, out, message, capacity);
}
