/*
 * Choosing the backend a network or a layer runs on, written once for both:
 * AUTO takes CUDA when the requested device can run this build's CUDA code,
 * else the CPU; an explicit CUDA request that cannot be met fails with
 * NF_ERR_NO_DEVICE and says why (built without CUDA, no such device, or no
 * code for the device's architecture).
 */
#include <stdio.h>

#include "backend.h"

nf_status nf__backend_select(const char *fn, nf_backend requested, int32_t device,
                             nf_backend *chosen, const nf_backend_i **be, char *why,
                             size_t capacity) {
    char reason[384] = "";
    *chosen = NF_BACKEND_CPU;
    *be = nf_cpu_backend();
    if (requested == NF_BACKEND_CPU)
        return NF_OK;
    if (nf__cuda_device_usable(device, reason, sizeof reason)) {
        *chosen = NF_BACKEND_CUDA;
        *be = nf_cuda_backend();
        return NF_OK;
    }
    if (requested == NF_BACKEND_AUTO)
        return NF_OK;
    snprintf(why, capacity, "%s: backend cuda: %s", fn, reason);
    return NF_ERR_NO_DEVICE;
}
