/*
 * The CUDA entry points of a library built without CUDA (NF_CUDA=OFF, or
 * AUTO without a CUDA compiler): no backend table, no devices, and every
 * question about CUDA answered with that reason.
 */
#include <stdio.h>
#include <string.h>

#include "engine/backend.h"

#define NF_NO_CUDA_REASON                                                                     \
    "this library was built without CUDA (NF_CUDA=OFF, or no CUDA compiler when it was "      \
    "built); rebuild with the CUDA toolkit for the CUDA backend"

const nf_backend_i *nf_cuda_backend(void) { return NULL; }

int nf__cuda_device_count(void) { return 0; }

int nf__cuda_device_usable(int32_t device, char *why, size_t capacity) {
    (void)device;
    snprintf(why, capacity, "%s", NF_NO_CUDA_REASON);
    return 0;
}

nf_status nf__cuda_device_describe(int32_t device, nf__cuda_device_info *out, char *err,
                                   size_t err_capacity) {
    (void)device;
    memset(out, 0, sizeof *out);
    snprintf(err, err_capacity, "%s", NF_NO_CUDA_REASON);
    return NF_ERR_NO_DEVICE;
}
