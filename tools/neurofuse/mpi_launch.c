/*
 * How the command tells that an MPI launcher started it, from the environment
 * every common launcher sets (see cli_mpi.h): Open MPI's mpirun
 * (OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK), MPICH's and Intel MPI's
 * Hydra and Slurm's PMI (PMI_SIZE, PMI_RANK), and PMIx launchers (PMIX_RANK,
 * the size from SLURM_NTASKS where Slurm gives it, else unknown: counted as
 * more than one).
 */
#include <stdlib.h>

#include "cli_mpi.h"

/* The environment variable name as a non-negative integer, or -1. */
static int env_int(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v)
        return -1;
    char *end = NULL;
    const long n = strtol(v, &end, 10);
    return *end || n < 0 || n > 1 << 30 ? -1 : (int)n;
}

int cli_mpi_launched(int *rank) {
    static const char *const pairs[][2] = {{"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
                                           {"PMI_SIZE", "PMI_RANK"}};
    *rank = 0;
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        const int size = env_int(pairs[k][0]);
        if (size > 0) {
            const int r = env_int(pairs[k][1]);
            *rank = r > 0 ? r : 0;
            return size;
        }
    }
    const int r = env_int("PMIX_RANK");
    if (r < 0)
        return 0;
    *rank = r;
    const int size = env_int("SLURM_NTASKS");
    return size > 0 ? size : 2;
}
