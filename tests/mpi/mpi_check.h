/*
 * The checks the MPI test programs share: nft_mpi_start starts MPI and
 * checks the rank count; a failed CHECK prints the rank and line and counts; nft_mpi_finish sums the failures over the ranks, prints
 * the verdict on rank 0, ends MPI and gives the exit status (0: every rank
 * passed). Through PMPI, so that a program counting MPI calls does not count it.
 */
#ifndef NFT_MPI_CHECK_H
#define NFT_MPI_CHECK_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>


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

#endif
