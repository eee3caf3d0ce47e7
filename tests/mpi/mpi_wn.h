/*
 * The network of every kind of draw (tests/window_network.h) in the MPI test
 * programs: nft_mpi_wn builds it whole in this process or as this rank's
 * slice of a sharded network.
 */
#ifndef NFT_MPI_WN_H
#define NFT_MPI_WN_H

#include "mpi/mpi_check.h"
#include "neurofuse_mpi.h"
#include "window_network.h"

/* The window network of d, the whole batch in this process (whole != 0) or
 * this rank's slice (nf_network_create_mpi on MPI_COMM_WORLD), built with
 * `rows` rows of its inputs; NULL after a failed CHECK. */
static nf_network *nft_mpi_wn(const nf_network_desc *d, int whole, int64_t rows, nft_wn *w) {
    nf_network *net = nft_mpi_create(d, whole);
    char msg[512];
    if (!net)
        return NULL;
    const nf_status built = nft_wn_build(net, rows, w, msg, sizeof msg);
    CHECK(built == NF_OK, "build: %s", msg);
    if (built == NF_OK)
        return net;
    nf_network_destroy(net);
    return NULL;
}

#endif
