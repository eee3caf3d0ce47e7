/*
 * CUDA device discovery for backend selection: how many devices the runtime
 * sees (0 without a driver or a GPU), whether this build's code can run on a
 * device (the runtime finds a kernel image for it: machine code of its
 * architecture or PTX it can compile), and one device's name, compute
 * capability and memory for nf_device_query.
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <string.h>

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

/* An empty kernel: the runtime has an image of it for a device exactly when
 * it has one of every kernel of the library (all are built for the same
 * architectures). */
static __global__ void nf__image_probe(void) {}

extern "C" int nf__cuda_device_usable(int32_t device, char *why, size_t capacity) {
    const int count = nf__cuda_device_count();
    if (count == 0) {
        snprintf(why, capacity, "no CUDA device: the runtime sees none (no GPU or no driver)");
        return 0;
    }
    if (device < 0 || device >= count) {
        snprintf(why, capacity, "no such CUDA device %d (%d present)", device, count);
        return 0;
    }
    int previous = 0;
    cudaFuncAttributes attributes;
    cudaError_t e = cudaGetDevice(&previous);
    if (e == cudaSuccess)
        e = cudaSetDevice(device);
    if (e == cudaSuccess)
        e = cudaFuncGetAttributes(&attributes, nf__image_probe);
    cudaGetLastError();
    cudaSetDevice(previous);
    cudaGetLastError();
    if (e == cudaSuccess)
        return 1;
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, device) == cudaSuccess)
        snprintf(why, capacity,
                 "CUDA device %d (%s, compute capability %d.%d) has no code in this build "
                 "(built for %s); rebuild with -DCMAKE_CUDA_ARCHITECTURES=%d%d",
                 device, prop.name, prop.major, prop.minor, NF_CUDA_ARCHITECTURES, prop.major,
                 prop.minor);
    else
        snprintf(why, capacity, "CUDA device %d cannot run this build's CUDA code (built for %s): %s",
                 device, NF_CUDA_ARCHITECTURES, cudaGetErrorString(e));
    cudaGetLastError();
    return 0;
}

extern "C" nf_status nf__cuda_device_describe(int32_t device, nf__cuda_device_info *out,
                                              char *err, size_t err_capacity) {
    memset(out, 0, sizeof *out);
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        snprintf(err, err_capacity, "no CUDA device: %s", cudaGetErrorString(e));
        cudaGetLastError();
        return NF_ERR_NO_DEVICE;
    }
    out->count = count;
    if (count == 0) {
        snprintf(err, err_capacity, "no CUDA device: the runtime sees none");
        return NF_ERR_NO_DEVICE;
    }
    if (device < 0 || device >= count) {
        snprintf(err, err_capacity, "CUDA device %d does not exist (devices 0..%d)", device,
                 count - 1);
        return NF_ERR_INVALID_ARGUMENT;
    }
    cudaDeviceProp prop;
    if ((e = cudaGetDeviceProperties(&prop, device)) != cudaSuccess) {
        snprintf(err, err_capacity, "cudaGetDeviceProperties(%d): %s", device,
                 cudaGetErrorString(e));
        cudaGetLastError();
        return NF_ERR_NO_DEVICE;
    }
    snprintf(out->name, sizeof out->name, "%s", prop.name);
    out->memory_total = prop.totalGlobalMem;
    out->multiprocessors = prop.multiProcessorCount;
    out->cc_major = prop.major;
    out->cc_minor = prop.minor;
    /* Free memory needs the device's context; the caller's current device is kept. */
    int previous = 0;
    size_t free_bytes = 0, total_bytes = 0;
    if (cudaGetDevice(&previous) == cudaSuccess && cudaSetDevice(device) == cudaSuccess &&
        cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
        out->memory_free = free_bytes;
    cudaGetLastError();
    cudaSetDevice(previous);
    return NF_OK;
}
