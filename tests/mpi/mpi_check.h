/*
 * The checks the MPI test programs share: nft_mpi_start starts MPI and
 * checks the rank count; a failed CHECK prints the rank and line and counts;
 * nft_mpi_finish sums the failures over the ranks (through PMPI, so that a
 * program counting MPI calls does not count it), prints the verdict on rank
 * 0, ends MPI and gives the exit status (0: every rank passed). And the
 * networks they build: nft_mpi_create (the whole batch or this rank's slice),
 * nft_mpi_cpu (a CPU network of a batch and seed), nft_mpi_set_rows (an
 * input's rows of the slice from a function of the global element).
 */
#ifndef NFT_MPI_CHECK_H
#define NFT_MPI_CHECK_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "neurofuse_mpi.h"


static int rank, ranks, failures;

static void fail(int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rank %d: FAIL line %d: ", rank, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond))                                                                         \
            fail(__LINE__, __VA_ARGS__);                                                     \
    } while (0)

/* Starts MPI; with an argument, checks that the program runs on that many ranks. */
static void nft_mpi_start(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (argc > 1)
        CHECK(atoi(argv[1]) == ranks, "started on %d ranks, expected %s", ranks, argv[1]);
}

/* what: the verdict's subject ("sharded checkpoints on 3 ranks (batch 7)"). */
static int nft_mpi_finish(const char *what) {
    int total = 0;
    PMPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: %s (%d failures)\n", what, total ? "FAIL" : "ok", total);
    MPI_Finalize();
    return total ? 1 : 0;
}

/* The network of d: the whole batch in this process (whole != 0) or this
 * rank's slice (nf_network_create_mpi on MPI_COMM_WORLD); NULL after a failed
 * CHECK. */
static inline nf_network *nft_mpi_create(const nf_network_desc *d, int whole) {
    nf_network *net = NULL;
    char msg[512];
    const nf_status st = whole ? nf_network_create_window(d, 0, d->batch, &net, msg, sizeof msg)
                               : nf_network_create_mpi(d, MPI_COMM_WORLD, &net, msg, sizeof msg);
    CHECK(st == NF_OK, "create: %s", msg);
    return st == NF_OK ? net : NULL;
}

/* nft_mpi_create of a batch of `batch` on the CPU backend with `seed`. */
static inline nf_network *nft_mpi_cpu(int32_t batch, uint64_t seed, int whole) {
    nf_network_desc d = nf_network_defaults();
    d.batch = batch;
    d.seed = seed;
    d.backend = NF_BACKEND_CPU;
    return nft_mpi_create(&d, whole);
}

/* Sets `steps` rows of input `in` (dim values) of the network's slice:
 * f(t, g, j) for global element g; fails a CHECK otherwise. */
static inline void nft_mpi_set_rows(nf_network *net, int32_t in, int64_t steps, int32_t dim,
                                    float (*f)(int64_t t, int32_t g, int32_t j)) {
    int32_t first = 0, count = 0;
    nf_network_batch_window(net, &first, &count, NULL);
    float *rows = malloc((size_t)steps * count * dim * sizeof *rows + 1);
    CHECK(rows != NULL, "out of memory");
    if (!rows)
        return;
    for (int64_t t = 0; t < steps; t++)
        for (int32_t b = 0; b < count; b++)
            for (int32_t j = 0; j < dim; j++)
                rows[((size_t)t * count + b) * dim + j] = f(t, first + b, j);
    const nf_status st = nf_input_set(net, in, steps, rows);
    CHECK(st == NF_OK, "nf_input_set: %s", nf_network_last_error(net));
    free(rows);
}

#endif
