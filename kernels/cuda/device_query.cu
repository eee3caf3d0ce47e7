/*
 * CUDA device discovery for backend selection: how many devices the runtime
 * can use (0 without a driver or a GPU).
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
