/*
 * The device ceilings of a build without CUDA: there is no device to measure,
 * so both return 0 with that reason (bench/device_bandwidth.h).
 */
#include <stdio.h>

#include "device_bandwidth.h"

static const char *const no_cuda = "built without CUDA: no device ceiling to measure";

double nfb_device_copy_bandwidth(int device, char *name, size_t name_capacity, char *err,
                                 size_t err_capacity) {
    (void)device;
    if (name && name_capacity)
        name[0] = '\0';
    if (err && err_capacity)
        snprintf(err, err_capacity, "%s", no_cuda);
    return 0.0;
}

double nfb_cublas_sgemm_flops(int device, int m, int n, int k, char *err, size_t err_capacity) {
    (void)device, (void)m, (void)n, (void)k;
    if (err && err_capacity)
        snprintf(err, err_capacity, "%s", no_cuda);
    return 0.0;
}

void *nfb_device_buffer(const void *host, size_t bytes) {
    (void)host, (void)bytes;
    return NULL;
}

void nfb_device_free(void *p) { (void)p; }
