/*
 * The neurofuse command under MPI. The command runs sharded when it was
 * started by an MPI launcher (mpirun, mpiexec, srun: the environment holds
 * OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK) or given --mpi; then `demo`
 * trains the global batch over the ranks of MPI_COMM_WORLD (neurofuse_mpi) and
 * `bench --mpi` measures the scaling of the batched step. Rank 0 prints and
 * writes the files; the other ranks' stdout and stderr go to /dev/null, and
 * their failures reach rank 0 through cli_mpi_agree. Built without MPI
 * (NF_MPI=OFF), the functions below say so (tools/neurofuse/mpi/cli_mpi_absent.c)
 * and a launch of more than one rank is refused.
 */
#ifndef NF_CLI_MPI_H
#define NF_CLI_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"

/* 1 when this build of the command has MPI. */
int cli_mpi_built(void);

/* The launch as the environment tells it: the number of processes an MPI
 * launcher started (0 when none did) and this process's rank among them. */
int cli_mpi_launched(int *rank);

/* Starts MPI when the command runs sharded (launched, or --mpi among the
 * arguments): 0 when it does not, 1 when MPI runs, or -1 when it cannot
 * (built without MPI; the reason printed by the environment's rank 0). */
int cli_mpi_start(int argc, char **argv);

/* Ends MPI if cli_mpi_start started it. */
void cli_mpi_stop(void);

/* 1 when MPI runs; this rank and the number of ranks (0 and 1 without MPI). */
int cli_mpi_on(void);
int cli_mpi_rank(void);
int cli_mpi_ranks(void);

/* Collective: this rank's slice of the batch d->batch (nf_network_create_mpi). */
nf_status cli_mpi_network_create(const nf_network_desc *d, nf_network **out, char *message,
                                 size_t capacity);

/* Collective: every rank's outcome; NF_OK when all succeeded, else on every
 * rank the lowest failing rank's status, with its message ("rank r: ...")
 * in message. Without MPI: st and message as they are. */
nf_status cli_mpi_agree(nf_status st, char *message, size_t capacity);

/* Collective: the network's checkpoint, one file per rank (nf_network_save_mpi,
 * nf_network_load_mpi at path); the failing rank's reason in message. */
nf_status cli_mpi_network_save(nf_network *net, const char *path, char *message,
                               size_t capacity);
nf_status cli_mpi_network_load(const char *path, nf_backend backend, int32_t device,
                               nf_network **out, char *message, size_t capacity);

/* Collective: a probe's unread rows gathered to rank 0 as [rows][batch][dim]
 * (nf_mpi_probe_gather; dst used on rank 0 only); failures as cli_mpi_agree. */
nf_status cli_mpi_probe_gather(nf_network *net, int32_t probe, float *dst, size_t capacity,
                               int64_t *rows, char *message, size_t capacity_message);

/* `neurofuse bench --mpi`: the weak and strong scaling of the batched step
 * over 1, 2, 4, ... ranks of MPI_COMM_WORLD (tools/neurofuse/mpi/bench_mpi.c)
 * on backend "cpu", "cuda" or "all" (auto); json (NULL for none) gets the
 * records. Returns the exit status. */
int cli_bench_mpi(int quick, const char *backend, const char *json);

#endif
