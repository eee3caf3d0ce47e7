/*
 * The two device ceilings the benchmarks compare against (bench/device_bandwidth.cu),
 * callable from C:
 *   - device-to-device copy bandwidth: cudaMemcpyAsync of a 1 GiB buffer into
 *     another, timed with CUDA events, best of several after a warm-up copy,
 *     counted as bytes read + bytes written per second (2 GiB per copy);
 *   - cuBLAS's own SGEMM rate for the shape the engine's dense product uses.
 * Both return 0 and write a reason into `err` (when not NULL) where no device
 * is usable or a call fails; they never print or exit. Every resource they
 * take is released before they return.
 */
#ifndef NF_BENCH_DEVICE_BANDWIDTH_H
#define NF_BENCH_DEVICE_BANDWIDTH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes read + written per second of a device-to-device copy of 1 GiB on CUDA
 * device `device` (best of 10 event-timed copies, after one warm-up copy).
 * Writes the device's name (cudaDeviceProp.name) into name[name_capacity]
 * when name is not NULL. Returns 0 with a message in err on failure. */
double nfb_device_copy_bandwidth(int device, char *name, size_t name_capacity, char *err,
                                 size_t err_capacity);

/* FLOP/s (2 m n k per product) of cuBLAS's own SGEMM on device `device` for the
 * call the engine's dense product makes (kernels/cuda/products.cu):
 *   cublasSgemm(CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, 1, A, k, B, k, 1, C, m)
 * i.e. C[n][m] += B[n][k] A[m][k]^T in row-major terms, with m = post neurons,
 * n = batch, k = pre neurons. Same handle settings as the backend (default math
 * mode, so full float32 unless NVIDIA_TF32_OVERRIDE says otherwise; a 32 MiB
 * workspace; a non-blocking stream). Operands are pseudo-random in [-1, 1), not
 * zeros. Best of 7 event-timed groups of 10 products, after 3 warm-up products.
 * Returns 0 with a message in err on failure. */
double nfb_cublas_sgemm_flops(int device, int m, int n, int k, char *err, size_t err_capacity);

/* A device buffer of `bytes` on the current CUDA device, filled from `host`
 * when it is not NULL; NULL when it cannot be made (or without CUDA). */
void *nfb_device_buffer(const void *host, size_t bytes);
/* Frees a buffer of nfb_device_buffer (NULL is a no-op). */
void nfb_device_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* NF_BENCH_DEVICE_BANDWIDTH_H */
