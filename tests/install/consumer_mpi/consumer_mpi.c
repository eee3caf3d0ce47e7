/* Creates a network of batch 3 sharded over the ranks and prints the slice
 * rank 0 holds: "slice 0 <count>" (tests/install/run.sh). */
#include <stdio.h>

#include "neurofuse_mpi.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    nf_network_desc d = nf_network_defaults();
    d.batch = 3;
    d.backend = NF_BACKEND_CPU;
    nf_network *net = NULL;
    char msg[512];
    int32_t first = -1, count = -1;
    int rc = nf_network_create_mpi(&d, MPI_COMM_WORLD, &net, msg, sizeof msg) != NF_OK;
    if (rc)
        fprintf(stderr, "%s\n", msg);
    else
        nf_mpi_local_batch(net, &first, &count);
    if (rank == 0 && !rc)
        printf("slice %d %d\n", first, count);
    nf_network_destroy(net);
    MPI_Finalize();
    return rc;
}
