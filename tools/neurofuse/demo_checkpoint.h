/*
 * neurofuse demo --checkpoint FILE / --resume FILE: the network is saved to
 * FILE with nf_network_save (everything that determines the rest of the run)
 * and the demo's own record of the steps run so far, the readout z and the
 * error e of every step, to FILE.traces.npy (float32, shape (2, steps, batch,
 * dim)). The traces are written first, so whenever FILE exists its traces
 * cover at least its steps, and a run killed at any moment resumes from the
 * last checkpoint to the same final output as a run never stopped.
 */
#ifndef NF_CLI_DEMO_CHECKPOINT_H
#define NF_CLI_DEMO_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "neurofuse.h"

/* Writes the traces of the first `done` steps (z and e, [steps][batch][dim]
 * each) and then the network; 0 on success, else -1 with why. Each file is
 * replaced whole or not at all. Under MPI (cli_mpi.h) collective: rank 0
 * writes the traces (z and e are read on rank 0 only), every rank its
 * slice of the network (FILE.rank-R-of-K, nf_network_save_mpi). */
int cli_checkpoint_write(const char *path, nf_network *net, const float *z, const float *e,
                         int64_t done, int32_t batch, int32_t dim, char *why, size_t capacity);

/* Loads FILE on backend/device into *net and the first (its step count)
 * steps of its traces into z and e (room for `steps` steps each); checks
 * that the network is one of `batch` elements whose step count is at most
 * `steps`. 0 on success (*done = its step count), else -1 with why and *net
 * NULL. Under MPI collective: every rank loads its slice
 * (nf_network_load_mpi, as many ranks as saved it), rank 0 the traces. */
int cli_checkpoint_resume(const char *path, nf_backend backend, int32_t device, nf_network **net,
                          float *z, float *e, int64_t steps, int32_t batch, int32_t dim,
                          int64_t *done, char *why, size_t capacity);

#endif
