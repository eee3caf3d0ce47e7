/*
 * neurofuse_mpi: one batch sharded over the ranks of an MPI communicator, the
 * companion library of neurofuse (as fftw3-mpi is FFTW's): it links the core
 * library and MPI, the core library never links MPI, and it is a client of the
 * core's public API alone (batch windows: nf_network_create_window).
 *
 * Sharding. A network of d->batch elements is split over the communicator's
 * p ranks in contiguous slices whose sizes differ by at most one: rank r
 * holds count = batch / p elements, plus one when r < batch % p, from element
 * first = r (batch / p) + min(r, batch % p) (nf_mpi_local_size). Each rank's
 * network is an ordinary nf_network holding its slice: every call of
 * neurofuse.h works on it as on a network of batch `count` (inputs take
 * [steps][count][dim], probes record [rows][count][dim], states are
 * [count][n]); the functions below add the collective steps. Ranks do not
 * communicate while the network steps: a step needs nothing of another rank
 * (the first nf_network_run after a structural change compares the ranks'
 * networks before it steps: nf_mpi_network_check_replicated, below).
 *
 * Results. Every random draw of a batch element is keyed by its global
 * element and dense products are computed element by element
 * (nf_network_create_window), so element g computes the same bits whatever
 * the number of ranks, 1 included, on the same backend and build. Weights
 * shared by the batch are replicated: every rank draws the same generated
 * weights; weights and parameters the caller gives must be the same on every
 * rank, and are checked to be. The nf_mpi_*_set_* calls below compare what
 * they set; every rank must build the same network (the same calls of
 * neurofuse.h, in the same order, with the same descriptors), and before the
 * first run after its structure changed (objects added, dt or the mode set)
 * nf_network_run compares, collectively, the ranks' whole networks: every
 * shared value a descriptor gave or a setter set, and the objects
 * (nf_mpi_network_check_replicated, below). nf_connection_set_weights and the
 * other setters of neurofuse.h are a rank's own: they do not communicate and
 * accept different values on different ranks (the next comparison, after a
 * structural change, refuses them). A learner with weights shared by the
 * batch (one P updated element after element) is refused on more than one
 * rank (NF_ERR_UNSUPPORTED).
 *
 * Collective calls and errors. The functions marked collective must be called
 * by every rank of the communicator with the same arguments except where
 * said. They fail on every rank or on none: a rank's failure (a bad argument,
 * an allocation, a file) is shared with the others before any data moves
 * where that is possible, and every rank returns the failing rank's status
 * (the lowest rank that failed) with its message, prefixed by the rank, in
 * nf_mpi_last_error(). MPI's own errors follow the communicator's error
 * handler (MPI_ERRORS_ARE_FATAL by default: the job ends); with
 * MPI_ERRORS_RETURN they come back as NF_ERR_BACKEND with MPI's text.
 * Checkpoints: one file per rank (nf_network_save_mpi, below).
 * Thread rules are MPI's and neurofuse's: a network belongs to one thread.
 */
#ifndef NEUROFUSE_MPI_H
#define NEUROFUSE_MPI_H

#include <mpi.h>

#include "neurofuse.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(NF_MPI_SHARED_BUILD)
#define NF_MPI_API __attribute__((visibility("default")))
#else
#define NF_MPI_API
#endif

/* The slice of a batch of `batch` elements this rank of comm holds (see the
 * top): *first and *count. Local: no communication. NF_ERR_INVALID_ARGUMENT
 * when batch is smaller than the number of ranks (every rank holds at least
 * one element), or for NULL pointers or MPI_COMM_NULL. */
NF_MPI_API nf_status nf_mpi_local_size(int32_t batch, MPI_Comm comm, int32_t *first,
                                       int32_t *count);

/* Collective: creates this rank's network, the slice nf_mpi_local_size gives
 * of the batch d->batch (nf_network_create_window). Every rank passes the same
 * dt, batch, seed and backend (checked). The device: on the CUDA backend (or
 * AUTO where a GPU is usable) d->device 0, the default, means the GPU of this
 * rank's node-local rank (MPI_Comm_split_type MPI_COMM_TYPE_SHARED), modulo
 * the GPUs the rank sees; another value is used as it is. The ranks must
 * resolve to one backend (AUTO giving CUDA on one rank and the CPU on another
 * is refused). On failure *out is NULL on every rank, nothing is allocated and
 * the failing rank's reason is written into message (truncated to capacity)
 * on every rank. The network keeps a duplicate of comm (MPI_Comm_dup; freed
 * by nf_network_destroy unless MPI is finalized by then) for the check before
 * its runs (nf_mpi_network_check_replicated); pass comm to the calls below. */
NF_MPI_API nf_status nf_network_create_mpi(const nf_network_desc *d, MPI_Comm comm,
                                           nf_network **out, char *message, size_t capacity);

/* The slice this rank's network holds: its first global element and its
 * element count. Local. NF_ERR_INVALID_ARGUMENT for a NULL net. */
NF_MPI_API nf_status nf_mpi_local_batch(const nf_network *net, int32_t *first, int32_t *count);

/* Collective: sets `steps` rows of an input from the global array the root
 * holds, values [steps][batch][dim] (batch the global batch; read only on
 * root, may be NULL elsewhere): each rank receives its slice
 * [steps][count][dim] and sets it (nf_input_set: the input is rewound).
 * Every rank passes the same input, steps and root. */
NF_MPI_API nf_status nf_mpi_input_scatter(nf_network *net, int32_t input, int64_t steps,
                                          const float *values, int root, MPI_Comm comm);

/* Collective: gathers every unread row of a probe to the root as the global
 * array [rows][batch][dim] (dst, capacity floats, used only on root; may be
 * NULL elsewhere) and forgets them on every rank, as nf_probe_read. *rows (if
 * not NULL) gets the row count on every rank. Every rank holds the same row
 * count (the ranks ran the same steps). A dst too small on the root is refused
 * on every rank and nothing is lost; after the rows are read a failure loses
 * them. */
NF_MPI_API nf_status nf_mpi_probe_gather(nf_network *net, int32_t probe, float *dst,
                                         size_t capacity, int64_t *rows, int root,
                                         MPI_Comm comm);

/* Collective: writes every unread row of a probe to one .npy file of shape
 * (rows, batch, dim), the global batch, with MPI-IO: rank 0 writes the header,
 * each rank its slab of every row. The file is byte for byte what
 * nf_probe_write_npy writes for a network holding the whole batch (numpy's
 * .npy format 1.0, '<f4'). It is written to a temporary file beside `path`
 * and renamed over path once every rank has written, so path holds the whole
 * array or is left as it was. The rows are forgotten on success; on a failure
 * after they are read they are lost. The path (the same on every rank) must
 * name a file system every rank shares. */
NF_MPI_API nf_status nf_mpi_probe_write_npy(nf_network *net, int32_t probe, const char *path,
                                            MPI_Comm comm);

/* Collective: sets a connection's weights on every rank, as
 * nf_connection_set_weights. For a connection shared by the batch (per_batch
 * 0, identity included) w is the whole weight array and must be the same on
 * every rank, bit for bit (signed zeros and NaN payloads count): the ranks
 * compare a 64-bit hash of the bits before any sets them, and weights that
 * differ are refused on every rank (NF_ERR_INVALID_ARGUMENT, naming the
 * lowest rank whose weights differ from rank 0's). For a per-batch
 * connection w is the rank's slice [count][...], not compared. Each rank
 * keeps its old weights until every rank has set the new ones; a failure on
 * any rank (nf_connection_set_weights' refusals, e.g. a non-finite weight)
 * fails the call on every rank with that rank's message and leaves every
 * rank's weights as they were. Every rank passes the same conn. */
NF_MPI_API nf_status nf_mpi_connection_set_weights(nf_network *net, int32_t conn, const float *w,
                                                   MPI_Comm comm);

/* Collective: the same for a readout's W_out (nf_readout_set_weights): a
 * readout shared by the batch (per_batch 0) takes [dim][n], the same on every
 * rank (compared); a per-batch one the rank's slice [count][dim][n]. */
NF_MPI_API nf_status nf_mpi_readout_set_weights(nf_network *net, int32_t readout, const float *w,
                                                MPI_Comm comm);

/* Collective: the same for a population's gains and biases
 * (nf_population_set_gain_bias; [n] each, shared by the batch, compared;
 * either may be NULL to leave it, on every rank alike). */
NF_MPI_API nf_status nf_mpi_population_set_gain_bias(nf_network *net, int32_t pop,
                                                     const float *gains, const float *biases,
                                                     MPI_Comm comm);

/* Collective: checks that every rank holds the same network, the values the
 * batch shares included: the network's parameters (dt, mode, seed, batch,
 * backend), then object after object in creation order its kind, its
 * parameters (its descriptor's values, the ids it connects) and what the
 * batch shares of it (a population's gains and biases, a shared connection's
 * or readout's weights, a sparse connection's structure, a learner's row
 * scales and mask), whether a descriptor gave them or a setter set them, then
 * the object count; each compared bit for bit with rank 0's by a 64-bit hash
 * (nf_network_object_digest; signed zeros and NaN payloads count). Values of
 * one element (states, per-batch weights, inputs, P) are not compared. When
 * they differ, NF_ERR_INVALID_ARGUMENT on every rank, and nf_mpi_last_error()
 * names the first object that differs and the lowest rank whose network
 * differs from rank 0's ("rank 2: nf_mpi_network_check_replicated:
 * connection 3 (weights) differs between ranks (rank 2's from rank 0's)").
 * Nothing changes. nf_network_run calls it on the networks this layer makes
 * (nf_network_create_mpi, nf_network_load_mpi), through their run check
 * (nf_network_set_run_check), before their first run and the first after
 * each structural change: a run of networks that differ is refused on every
 * rank with this message after "nf_network_run: ", and runs between
 * structural changes make no MPI call. That check is collective like this
 * call: every rank runs after the same structural changes (a rank that
 * changed its network alone waits for the others in that run). Cost: the
 * shared values hashed on each rank, two broadcasts (the count, then rank 0's
 * digests: 96 bytes an object) and three MPI_Allreduce of one int. */
NF_MPI_API nf_status nf_mpi_network_check_replicated(nf_network *net, MPI_Comm comm);

/* Collective: nf_population_rate_stats of the whole batch: neuron i's rate
 * is the sum of |output_i| over every rank's elements and the steps counted,
 * over the global batch times the steps, and the statistics follow the
 * core's rule (nf_rate_stats_from_sums). The sums over the batch are added in
 * element order, rank after rank, so stats and rates (may be NULL; n floats)
 * are, bit for bit, what one process with the whole batch gets; every rank
 * receives them. Every rank passes the same pop, q and nq and has counted the
 * same steps (checked: NF_ERR_INVALID_ARGUMENT). Status as
 * nf_population_rate_stats (NF_ERR_STATE: counting off or no step ran on a
 * rank), agreed over the ranks. Cost: one message of n doubles from each rank
 * to the next, then a broadcast. */
NF_MPI_API nf_status nf_mpi_population_rate_stats(nf_network *net, int32_t pop, const double *q,
                                                  int32_t nq, nf_rate_stats *stats, float *rates,
                                                  MPI_Comm comm);

/* Collective: nf_energy_estimate of the whole batch. The rates it reads (a
 * population's mean rate, an input's mean |value|, a readout's mean |z|:
 * nf_energy_source_rates) are each a mean over the batch; each rank's is
 * weighted by its share of the batch and summed over the ranks (one
 * MPI_Allreduce), and every rank then estimates from those rates
 * (nf_energy_estimate_rates) and gets the same *joules. The result equals one
 * process's with the whole batch up to the order of the sums: each rate within
 * a relative (terms + ranks) 2^-53 of it (terms: the values its mean adds up),
 * and on one rank bit for bit. A rate not measured on some rank (a population
 * without rate statistics) counts as not measured. Every rank passes the same
 * device, steps and dt and has the same devices registered (the ranks'
 * estimates are compared: NF_ERR_INVALID_ARGUMENT when they differ). Status as
 * nf_energy_estimate, agreed over the ranks. */
NF_MPI_API nf_status nf_mpi_energy_estimate(nf_network *net, const char *device,
                                            int64_t steps_per_inference, double dt,
                                            double *joules, MPI_Comm comm);

/* Collective: nf_energy_summary of the whole batch, from the rates
 * nf_mpi_energy_estimate reduces; every rank receives the same table (its
 * buf, capacity and needed as nf_energy_summary's: a capacity too small on
 * any rank is refused on every rank and every buf is left as it was). */
NF_MPI_API nf_status nf_mpi_energy_summary(nf_network *net, const char *const *devices,
                                           int32_t n_devices, int64_t steps_per_inference,
                                           double dt, char *buf, size_t capacity, size_t *needed,
                                           MPI_Comm comm);

/* Checkpoints of a sharded network: one file per rank, PATH.rank-R-of-K, each
 * an ordinary checkpoint (nf_network_save) of the rank's slice, loadable by
 * the same number of ranks. Per rank rather than one global file because the
 * ranks then write in parallel without exchanging data, each file stays a
 * checkpoint the core reads (and numpy: a window of the batch), and this
 * library stays a client of the core's public API; the price is that a set
 * loads only on the number of ranks that saved it, and that weights shared by
 * the batch are stored by every rank. */

/* Collective: saves this rank's slice of a network made by
 * nf_network_create_mpi (or nf_network_load_mpi) on comm to
 * PATH.rank-R-of-K (R this rank, K the ranks of comm) with nf_network_save:
 * each file is replaced whole or left as it was. After every rank has
 * saved, rank 0 removes files of PATH saved by another number of ranks.
 * Every rank passes the same path, on a file system every rank can reach
 * again when loading. A crash while saving may leave some ranks' files of the
 * new save beside others of the previous one: nf_network_load_mpi refuses
 * such a set (alternate between two paths to keep one loadable).
 * Status as nf_network_save, agreed over the ranks. */
NF_MPI_API nf_status nf_network_save_mpi(nf_network *net, const char *path, MPI_Comm comm);

/* Collective: loads the checkpoint nf_network_save_mpi wrote at PATH on as
 * many ranks as comm has: rank r's network is PATH.rank-r-of-K
 * (nf_network_load on `backend`, the device chosen as nf_network_create_mpi
 * does), the same slice of the batch it held, and runs on bit for bit as the
 * saved one would. Refused on every rank: NF_ERR_INVALID_ARGUMENT when PATH
 * was saved by another number of ranks (the message names the count to load
 * it on), or when the files do not hold the ranks' slices of one batch at
 * one step count (files of two saves); NF_ERR_IO when there is no such
 * checkpoint; else nf_network_load's status for any rank's file. On failure
 * *out is NULL on every rank and message (may be NULL) has the failing
 * rank's reason. */
NF_MPI_API nf_status nf_network_load_mpi(const char *path, nf_backend backend, int32_t device,
                                         MPI_Comm comm, nf_network **out, char *message,
                                         size_t capacity);

/* The message of the last failed nf_mpi_* call on this thread ("" after
 * none): the failing rank, then its reason. Owned by the library. */
NF_MPI_API const char *nf_mpi_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* NEUROFUSE_MPI_H */
