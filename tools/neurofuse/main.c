/*
 * neurofuse: the command-line front end of the library.
 *   neurofuse demo    train a FORCE network on a reference task, write .npy + SVG
 *   neurofuse bench   the throughput suite on the chosen backends
 *   neurofuse info    version, backends, devices
 * Exit status: 0 success, 1 failure while running, 2 usage error.
 * Started by an MPI launcher (mpirun -np K neurofuse ...) or with --mpi, the
 * command runs sharded over the ranks (cli_mpi.h); rank 0 prints.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_mpi.h"

static const char USAGE[] =
    "usage: neurofuse <command> [options]\n"
    "\n"
    "commands:\n"
    "  demo    train a FORCE network on a reference task (Sussillo & Abbott by default)\n"
    "          and write target, output and error as .npy files and an SVG plot\n"
    "  bench   run the throughput suite on the CPU and/or CUDA backend\n"
    "  info    show the version, the backends and the devices available\n"
    "\n"
    "`neurofuse <command> --help` describes a command's options.\n"
    "`neurofuse --version` prints the version.\n"
    "Under mpirun (or with --mpi) demo shards its batch over the ranks and bench --mpi\n"
    "measures the scaling; rank 0 prints.\n";

static int run(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "neurofuse: a command is needed\n%s", USAGE);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd) || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return CLI_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("neurofuse %s\n", nf_version());
        return CLI_OK;
    }
    if (!strcmp(cmd, "demo"))
        return cli_demo(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench"))
        return cli_bench(argc - 2, argv + 2);
    if (!strcmp(cmd, "info"))
        return cli_info(argc - 2, argv + 2);
    fprintf(stderr, "neurofuse: unknown command '%s'\n%s", cmd, USAGE);
    return CLI_USAGE;
}

int main(int argc, char **argv) {
    const int mpi = cli_mpi_start(argc, argv); /* under a launcher or --mpi: cli_mpi.h */
    if (mpi < 0)
        return CLI_USAGE;
    const int status = run(argc, argv);
    cli_mpi_stop();
    return status;
}
