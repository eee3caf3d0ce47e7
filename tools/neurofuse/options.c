/* Option helpers shared by the subcommands (see cli.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

int cli_option(int argc, char **argv, int *i, const char *name, const char **value) {
    const char *arg = argv[*i];
    const size_t len = strlen(name);
    if (strncmp(arg, name, len))
        return 0;
    if (arg[len] == '=') {
        *value = arg + len + 1;
        return 1;
    }
    if (arg[len])
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "neurofuse %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return CLI_USAGE;
}

int cli_parse_int(const char *cmd, const char *usage, const char *option, const char *text,
                  int64_t lo, int64_t hi, int64_t *out) {
    char *end = NULL;
    errno = 0;
    const long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < lo || v > hi)
        return cli_usage_error(cmd, usage, "%s must be an integer in %lld..%lld, got '%s'", option,
                               (long long)lo, (long long)hi, text);
    *out = v;
    return CLI_OK;
}

int cli_parse_backend(const char *cmd, const char *usage, const char *text, nf_backend *out) {
    static const nf_backend all[] = {NF_BACKEND_AUTO, NF_BACKEND_CPU, NF_BACKEND_CUDA};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        if (!strcmp(text, nf_backend_name(all[k]))) {
            *out = all[k];
            return CLI_OK;
        }
    return cli_usage_error(cmd, usage, "--backend must be auto, cpu or cuda, got '%s'", text);
}

int cli_parse(const char *cmd, const char *usage, int argc, char **argv, cli_handler handle,
              void *ctx) {
    for (int i = 0; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return -2;
        }
        const int r = handle(ctx, argc, argv, &i);
        if (r == CLI_USAGE)
            return r;
        if (r != CLI_OK)
            return cli_usage_error(cmd, usage, "unknown option '%s'", argv[i]);
    }
    return CLI_OK;
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
