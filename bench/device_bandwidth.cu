/*
 * The device ceilings for the benchmarks (see device_bandwidth.h): the
 * device-to-device copy bandwidth and cuBLAS's own SGEMM rate. Every CUDA and
 * cuBLAS call is checked; a failure writes file:line, the call and the
 * library's text into err, releases what was taken and returns 0. Operands are
 * filled with a hash of their index (never zeros), and each helper checks
 * that the work it timed produced what it should before it reports a rate.
 */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "device_bandwidth.h"

#define NFB_COPY_BYTES ((size_t)1 << 30)
#define NFB_COPY_REPEATS 10
#define NFB_GEMM_WARMUP 3
#define NFB_GEMM_GROUPS 7
#define NFB_GEMM_PER_GROUP 10
#define NFB_CUBLAS_WORKSPACE_BYTES ((size_t)32 << 20) /* as kernels/cuda/backend_cuda.cu */
#define NFB_SAMPLE 256                                 /* floats compared after a copy */

static void set_error(char *err, size_t capacity, const char *fmt, ...) {
    if (!err || !capacity)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, capacity, fmt, ap);
    va_end(ap);
}

#define NFB_CUDA(call)                                                                        \
    do {                                                                                      \
        cudaError_t nfb_e_ = (call);                                                          \
        if (nfb_e_ != cudaSuccess) {                                                          \
            set_error(err, err_capacity, "%s:%d: %s: %s", __FILE__, __LINE__, #call,          \
                      cudaGetErrorString(nfb_e_));                                            \
            goto done;                                                                        \
        }                                                                                     \
    } while (0)

#define NFB_CUBLAS(call)                                                                      \
    do {                                                                                      \
        cublasStatus_t nfb_s_ = (call);                                                       \
        if (nfb_s_ != CUBLAS_STATUS_SUCCESS) {                                                \
            set_error(err, err_capacity, "%s:%d: %s: %s", __FILE__, __LINE__, #call,          \
                      cublasGetStatusString(nfb_s_));                                         \
            goto done;                                                                        \
        }                                                                                     \
    } while (0)

/* p[i] = a hash of (i, seed) mapped to [-1, 1). */
static __global__ void fill_pattern(float *p, size_t count, unsigned seed) {
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < count;
         i += (size_t)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ (unsigned)(i >> 32) ^ seed * 0x9e3779b9u;
        h ^= h >> 16;
        h *= 0x7feb352du;
        h ^= h >> 15;
        h *= 0x846ca68bu;
        h ^= h >> 16;
        p[i] = (float)(h >> 8) * (2.0f / 16777216.0f) - 1.0f;
    }
}

/* Makes `device` current; 0 with a reason when no device is usable. */
static int select_device(int device, char *err, size_t err_capacity) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky error of a missing driver */
        set_error(err, err_capacity, "no usable CUDA device: cudaGetDeviceCount: %s",
                  cudaGetErrorString(e));
        return 0;
    }
    if (count < 1) {
        set_error(err, err_capacity, "no usable CUDA device (cudaGetDeviceCount found 0)");
        return 0;
    }
    if (device < 0 || device >= count) {
        set_error(err, err_capacity, "CUDA device %d asked for, %d present", device, count);
        return 0;
    }
    e = cudaSetDevice(device);
    if (e != cudaSuccess) {
        cudaGetLastError();
        set_error(err, err_capacity, "cudaSetDevice(%d): %s", device, cudaGetErrorString(e));
        return 0;
    }
    return 1;
}

extern "C" double nfb_device_copy_bandwidth(int device, char *name, size_t name_capacity,
                                            char *err, size_t err_capacity) {
    const size_t bytes = NFB_COPY_BYTES;
    double result = 0.0;
    float *src = NULL, *dst = NULL, ms = 0.0f, best = 0.0f;
    float head_src[NFB_SAMPLE], head_dst[NFB_SAMPLE], tail_src[NFB_SAMPLE], tail_dst[NFB_SAMPLE];
    const size_t tail = bytes / sizeof(float) - NFB_SAMPLE;
    cudaStream_t stream = NULL;
    cudaEvent_t start = NULL, stop = NULL;
    cudaDeviceProp prop;
    int r;

    if (name && name_capacity)
        name[0] = '\0';
    set_error(err, err_capacity, "%s", "");
    if (!select_device(device, err, err_capacity))
        return 0.0;
    NFB_CUDA(cudaGetDeviceProperties(&prop, device));
    if (name && name_capacity)
        snprintf(name, name_capacity, "%s", prop.name);
    NFB_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    NFB_CUDA(cudaEventCreate(&start));
    NFB_CUDA(cudaEventCreate(&stop));
    NFB_CUDA(cudaMalloc((void **)&src, bytes));
    NFB_CUDA(cudaMalloc((void **)&dst, bytes));
    fill_pattern<<<1024, 256, 0, stream>>>(src, bytes / sizeof(float), 1u);
    NFB_CUDA(cudaGetLastError());
    NFB_CUDA(cudaMemsetAsync(dst, 0xff, bytes, stream)); /* NaN: an unwritten copy shows */
    NFB_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream)); /* warm-up */
    for (r = 0; r < NFB_COPY_REPEATS; r++) {
        NFB_CUDA(cudaEventRecord(start, stream));
        NFB_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream));
        NFB_CUDA(cudaEventRecord(stop, stream));
        NFB_CUDA(cudaEventSynchronize(stop));
        NFB_CUDA(cudaEventElapsedTime(&ms, start, stop));
        if (r == 0 || ms < best)
            best = ms;
    }
    /* The copy did copy: both ends of dst equal src. */
    NFB_CUDA(cudaMemcpyAsync(head_src, src, sizeof head_src, cudaMemcpyDeviceToHost, stream));
    NFB_CUDA(cudaMemcpyAsync(head_dst, dst, sizeof head_dst, cudaMemcpyDeviceToHost, stream));
    NFB_CUDA(cudaMemcpyAsync(tail_src, src + tail, sizeof tail_src, cudaMemcpyDeviceToHost,
                             stream));
    NFB_CUDA(cudaMemcpyAsync(tail_dst, dst + tail, sizeof tail_dst, cudaMemcpyDeviceToHost,
                             stream));
    NFB_CUDA(cudaStreamSynchronize(stream));
    if (memcmp(head_src, head_dst, sizeof head_src) || memcmp(tail_src, tail_dst, sizeof tail_src)) {
        set_error(err, err_capacity, "device copy check failed: the destination differs");
        goto done;
    }
    if (!(best > 0.0f)) {
        set_error(err, err_capacity, "device copy timed at %g ms: events did not time it", best);
        goto done;
    }
    result = 2.0 * (double)bytes / (best * 1e-3);
done:
    cudaFree(src);
    cudaFree(dst);
    if (start)
        cudaEventDestroy(start);
    if (stop)
        cudaEventDestroy(stop);
    if (stream)
        cudaStreamDestroy(stream);
    cudaGetLastError();
    return result;
}

extern "C" double nfb_cublas_sgemm_flops(int device, int m, int n, int k, char *err,
                                         size_t err_capacity) {
    const float one = 1.0f;
    double result = 0.0;
    float *a = NULL, *b = NULL, *c = NULL, ms = 0.0f, best = 0.0f, sample[NFB_SAMPLE];
    void *workspace = NULL;
    cublasHandle_t handle = NULL;
    cudaStream_t stream = NULL;
    cudaEvent_t start = NULL, stop = NULL;
    size_t count_c = 0, check = 0;
    int g, r;

    set_error(err, err_capacity, "%s", "");
    if (m < 1 || n < 1 || k < 1) {
        set_error(err, err_capacity, "SGEMM shape m %d, n %d, k %d: each must be >= 1", m, n, k);
        return 0.0;
    }
    if (!select_device(device, err, err_capacity))
        return 0.0;
    count_c = (size_t)m * n;
    check = count_c < NFB_SAMPLE ? count_c : NFB_SAMPLE;
    NFB_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    NFB_CUDA(cudaEventCreate(&start));
    NFB_CUDA(cudaEventCreate(&stop));
    NFB_CUBLAS(cublasCreate(&handle));
    NFB_CUBLAS(cublasSetStream(handle, stream));
    NFB_CUDA(cudaMalloc(&workspace, NFB_CUBLAS_WORKSPACE_BYTES));
    NFB_CUBLAS(cublasSetWorkspace(handle, workspace, NFB_CUBLAS_WORKSPACE_BYTES));
    NFB_CUDA(cudaMalloc((void **)&a, (size_t)m * k * sizeof(float)));
    NFB_CUDA(cudaMalloc((void **)&b, (size_t)k * n * sizeof(float)));
    NFB_CUDA(cudaMalloc((void **)&c, count_c * sizeof(float)));
    fill_pattern<<<1024, 256, 0, stream>>>(a, (size_t)m * k, 11u);
    NFB_CUDA(cudaGetLastError());
    fill_pattern<<<1024, 256, 0, stream>>>(b, (size_t)k * n, 12u);
    NFB_CUDA(cudaGetLastError());
    fill_pattern<<<1024, 256, 0, stream>>>(c, count_c, 13u);
    NFB_CUDA(cudaGetLastError());
    /* beta = 1, as the engine accumulates each connection into the currents. */
    for (r = 0; r < NFB_GEMM_WARMUP; r++)
        NFB_CUBLAS(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, a, k, b, k, &one,
                               c, m));
    NFB_CUDA(cudaStreamSynchronize(stream));
    for (g = 0; g < NFB_GEMM_GROUPS; g++) {
        NFB_CUDA(cudaEventRecord(start, stream));
        for (r = 0; r < NFB_GEMM_PER_GROUP; r++)
            NFB_CUBLAS(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, a, k, b, k,
                                   &one, c, m));
        NFB_CUDA(cudaEventRecord(stop, stream));
        NFB_CUDA(cudaEventSynchronize(stop));
        NFB_CUDA(cudaEventElapsedTime(&ms, start, stop));
        if (g == 0 || ms < best)
            best = ms;
    }
    /* The products ran: the first values of C are finite and not all the same. */
    NFB_CUDA(cudaMemcpyAsync(sample, c, check * sizeof(float), cudaMemcpyDeviceToHost, stream));
    NFB_CUDA(cudaStreamSynchronize(stream));
    for (size_t i = 0; i < check; i++)
        if (!isfinite(sample[i])) {
            set_error(err, err_capacity, "SGEMM check failed: C[%zu] = %g", i, sample[i]);
            goto done;
        }
    if (check > 1 && sample[0] == sample[check - 1] && sample[0] == sample[check / 2]) {
        set_error(err, err_capacity, "SGEMM check failed: C looks constant (%g)", sample[0]);
        goto done;
    }
    if (!(best > 0.0f)) {
        set_error(err, err_capacity, "SGEMM timed at %g ms: events did not time it", best);
        goto done;
    }
    result = 2.0 * (double)m * n * k * NFB_GEMM_PER_GROUP / (best * 1e-3);
done:
    if (handle)
        cublasDestroy(handle);
    cudaFree(workspace);
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    if (start)
        cudaEventDestroy(start);
    if (stop)
        cudaEventDestroy(stop);
    if (stream)
        cudaStreamDestroy(stream);
    cudaGetLastError();
    return result;
}

extern "C" void *nfb_device_buffer(const void *host, size_t bytes) {
    void *p = NULL;
    if (cudaMalloc(&p, bytes) != cudaSuccess) {
        cudaGetLastError();
        return NULL;
    }
    if (host && cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice) != cudaSuccess) {
        cudaGetLastError();
        cudaFree(p);
        return NULL;
    }
    return p;
}

extern "C" void nfb_device_free(void *p) {
    if (p)
        cudaFree(p);
}
