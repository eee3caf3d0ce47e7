/*
 * CUDA device discovery for backend selection: how many devices the runtime
 * can use (0 without a driver or a GPU), and the CUDA backend's table, which
 * is NULL until the fused-kernel backend is built.
 */
#include <cuda_runtime.h>

extern "C" {
#include "engine/backend.h"
}

extern "C" int nf__cuda_device_count(void) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky error of a missing driver */
        return 0;
    }
    return count;
}

extern "C" const nf_backend_i *nf_cuda_backend(void) { return NULL; }
