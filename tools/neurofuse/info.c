/*
 * neurofuse info: the library version, each backend's availability and the
 * device it would run on (name, memory), from nf_device_query, and whether
 * the command was built with MPI.
 */
#include <stdio.h>

#include "cli.h"
#include "cli_mpi.h"

static const char USAGE[] = "usage: neurofuse info\n"
                            "  Prints the version, the backends available and their devices.\n";

static int no_options(void *ctx, int argc, char **argv, int *i) {
    (void)ctx, (void)argc, (void)argv, (void)i;
    return -1;
}

static void print_device(const nf_device_info *d) {
    printf("    %-18s %s\n", d->backend == NF_BACKEND_CPU ? "processor" : "device", d->name);
    if (d->backend == NF_BACKEND_CPU)
        printf("    %-18s %d\n", "logical cores", d->processors);
    else
        printf("    %-18s %d.%d, %d multiprocessors\n", "compute capability", d->cc_major,
               d->cc_minor, d->processors);
    printf("    %-18s %.1f GiB total", "memory", d->memory_total / 1073741824.0);
    if (d->memory_free)
        printf(", %.1f GiB free", d->memory_free / 1073741824.0);
    printf("\n");
}

int cli_info(int argc, char **argv) {
    const int st = cli_parse("info", USAGE, argc, argv, no_options, NULL);
    if (st != CLI_OK)
        return st == -2 ? CLI_OK : st;
    printf("neurofuse %s\n", nf_version());
    nf_device_info d;
    printf("  backend cpu: available\n");
    if (nf_device_query(NF_BACKEND_CPU, 0, &d) == NF_OK)
        print_device(&d);
    else
        printf("    (%s)\n", d.detail);
    const nf_status cuda = nf_device_query(NF_BACKEND_CUDA, 0, &d);
    if (cuda == NF_OK) {
        printf("  backend cuda: available, %d device%s\n", d.count, d.count == 1 ? "" : "s");
        for (int32_t k = 0; k < d.count; k++) {
            if (k > 0 && nf_device_query(NF_BACKEND_CUDA, k, &d) != NF_OK)
                continue;
            printf("   [%d]\n", k);
            print_device(&d);
        }
    } else {
        printf("  backend cuda: not available (%s)\n", d.detail);
        printf("    device             none\n");
    }
    printf("  backend auto picks: %s\n",
           nf_backend_name(cuda == NF_OK && nf_backend_available(NF_BACKEND_CUDA)
                               ? NF_BACKEND_CUDA
                               : NF_BACKEND_CPU));
    if (cli_mpi_built())
        printf("  mpi: yes (mpirun -np K neurofuse demo shards the batch; now %d rank%s)\n",
               cli_mpi_ranks(), cli_mpi_ranks() == 1 ? "" : "s");
    else
        printf("  mpi: no (built without MPI: NF_MPI=OFF, or no MPI found)\n");
    return CLI_OK;
}
