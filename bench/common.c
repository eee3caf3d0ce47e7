/* Shared benchmark helpers (see common.h). */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

double nfb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int nfb_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Host memcpy bandwidth (bytes read + written per second) over 256 MiB, best of 5. */
double nfb_host_copy_bandwidth(void) {
    const size_t bytes = (size_t)256 << 20;
    char *a = malloc(bytes), *b = malloc(bytes);
    double best = 1e30;
    if (!a || !b) {
        free(a);
        free(b);
        return 0.0;
    }
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    for (int r = 0; r < 5; r++) {
        double t = nfb_now();
        memcpy(b, a, bytes);
        t = nfb_now() - t;
        best = t < best ? t : best;
    }
    const int ok = b[0] == 1 && b[bytes - 1] == 1;
    free(a);
    free(b);
    return ok ? 2.0 * bytes / best : 0.0;
}

/* The CPU's model name as nf_device_query gives it ("host CPU" when unreadable). */
void nfb_cpu_name(char *name, size_t capacity) {
    nf_device_info info;
    snprintf(name, capacity, "%s", nf_device_query(NF_BACKEND_CPU, 0, &info) == NF_OK
                                       ? info.name : "host CPU");
}

int nfb_part_args_parse(int argc, char **argv, int allow_csv, const int64_t steps_a[2],
                        const int64_t steps_b[2], nfb_part_args *out) {
    nfb_part_args a = {NF_BACKEND_CPU, 1, 1, 0, -1, -1, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            const char *b = argv[++i];
            if (strcmp(b, "cpu") && strcmp(b, "cuda")) {
                fprintf(stderr, "--backend must be cpu or cuda, got %s\n", b);
                return 2;
            }
            a.backend = !strcmp(b, "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
        } else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
            const char *p = argv[++i];
            a.part_a = !strcmp(p, "a") || !strcmp(p, "all");
            a.part_b = !strcmp(p, "b") || !strcmp(p, "all");
            if (!a.part_a && !a.part_b) {
                fprintf(stderr, "--part must be a, b or all, got %s\n", p);
                return 2;
            }
        } else if (!strcmp(argv[i], "--steps-a") && i + 1 < argc)
            a.steps_a = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--steps-b") && i + 1 < argc)
            a.steps_b = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--device") && i + 1 < argc)
            a.device = atoi(argv[++i]);
        else if (allow_csv && !strcmp(argv[i], "--csv"))
            a.csv = 1;
        else {
            fprintf(stderr,
                    "usage: %s [--backend cpu|cuda] [--part a|b|all] [--steps-a S] "
                    "[--steps-b S] [--device D]%s\n",
                    argv[0], allow_csv ? " [--csv]" : "");
            return 2;
        }
    }
    const int cuda = a.backend == NF_BACKEND_CUDA;
    if (a.steps_a < 0)
        a.steps_a = steps_a[cuda];
    if (a.steps_b < 0)
        a.steps_b = steps_b[cuda];
    if (a.steps_a < 1 || a.steps_b < 1) {
        fprintf(stderr, "--steps-a and --steps-b must be >= 1\n");
        return 2;
    }
    if (!nf_backend_available(a.backend)) {
        fprintf(stderr, "backend %s is not available here\n", nf_backend_name(a.backend));
        return 1;
    }
    *out = a;
    return 0;
}

nf_network *nfb_network_create(const nf_network_desc *d) {
    nf_network *net = NULL;
    char message[512];
    nf_status st = nf_network_create_ex(d, &net, message, sizeof message);
    if (st != NF_OK) {
        fprintf(stderr, "nf_network_create: %s: %s\n", nf_status_string(st), message);
        return NULL;
    }
    return net;
}

int nfb_fail(nf_network *net, const char *where, nf_status st) {
    fprintf(stderr, "%s: %s: %s\n", where, nf_status_string(st),
            net ? nf_network_last_error(net) : "");
    nf_network_destroy(net);
    return 1;
}
