/*
 * The neurofuse command: one entry per subcommand (demo, bench, info) and the
 * small option helpers they share. A subcommand returns the process's exit
 * status: 0 success, 1 a failure while running, 2 a usage error (usage on
 * stderr).
 */
#ifndef NF_CLI_H
#define NF_CLI_H

#include <stdint.h>

#include "neurofuse.h"

#define CLI_OK     0
#define CLI_FAILED 1
#define CLI_USAGE  2

int cli_demo(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_info(int argc, char **argv);

/* 1 when arg is -h or --help. */
int cli_is_help(const char *arg);

/* Matches argv[*i] against an option taking a value ("--name VALUE" or
 * "--name=VALUE"): 0 when it is another argument; 1 with *value set (and *i
 * moved past the value); -1 when the value is missing. */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value);

/* Prints "neurofuse CMD: <message>" and the usage to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A whole decimal integer in [lo, hi]; else prints why and returns CLI_USAGE. */
int cli_parse_int(const char *cmd, const char *usage, const char *option, const char *text,
                  int64_t lo, int64_t hi, int64_t *out);

/* "auto", "cpu" or "cuda"; else prints why and returns CLI_USAGE. */
int cli_parse_backend(const char *cmd, const char *usage, const char *text, nf_backend *out);

/* The one option loop every subcommand shares: for each argument, `handle`
 * is called and returns CLI_OK (consumed), CLI_USAGE (already reported) or -1
 * (not one of its options). --help prints the usage to stdout and gives -2 as
 * the status (the caller exits 0). */
typedef int (*cli_handler)(void *ctx, int argc, char **argv, int *i);
int cli_parse(const char *cmd, const char *usage, int argc, char **argv, cli_handler handle,
              void *ctx);

/* Seconds on a monotonic clock. */
double cli_now(void);

#endif
