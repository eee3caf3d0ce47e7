/*
 * The networks whose batched step the MPI scaling benchmarks time
 * (bench_mpi_scaling and `neurofuse bench --mpi`), built into an empty
 * network, plain or a rank's slice of a sharded one:
 *   lif    a nengo LIF population of n neurons (lowpass 5 ms) driven through
 *          an identity connection (the batched elementwise step; no products)
 *   force  Sussillo & Abbott FORCE: a leaky-rate reservoir of n units with
 *          per-batch sparse recurrent weights (p 0.1), a per-batch readout fed
 *          back, RLS every 2 steps (per element P, n x n)
 *   dense  a leaky-rate reservoir with dense recurrent weights shared by the
 *          batch (windows compute it element by element)
 */
#ifndef NF_BENCH_MPI_SCALING_NETS_H
#define NF_BENCH_MPI_SCALING_NETS_H

#include "neurofuse.h"

/* Builds kind ("lif", "force" or "dense") with n neurons into net; on failure
 * the status, with the call and the network's message in why[capacity]. */
nf_status nfbm_build(nf_network *net, const char *kind, int32_t n, char *why, size_t capacity);

/* This process's CPU time in seconds (every thread's). */
double nfbm_cpu_seconds(void);

#endif
