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
