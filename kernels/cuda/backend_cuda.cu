/*
 * The CUDA backend's table: device memory on one stream, cuBLAS for dense
 * products, the library's Philox stream (kernels/math/philox.h: uniforms
 * drawn by a kernel, normals on the host, both equal to the CPU backend's), a
 * device step counter, and stream capture into CUDA graphs so that a run
 * replays one recording of many steps instead of launching every kernel. The
 * entry points that begin an operation (memory, draws, a run) select the
 * network's device, so networks on different devices can share a thread.
 */
#include <stdlib.h>
#include <string.h>

#include "common.cuh"
#include "kernels/cpu/philox_fill.h"
#include "kernels/math/philox.h"
#include "kernels/math/probe.h"
#include "population_step.cuh"
#include "products.cuh"
#include "rls.cuh"
#include "run_state.cuh"
#include "sequence.cuh"

#define NF_CUBLAS_WORKSPACE_BYTES ((size_t)32 << 20)

nf_status nf_cuda_fail(nf_backend_ctx *ctx, nf_status st, const char *file, int line,
                       const char *call, const char *text) {
    const char *base = strrchr(file, '/');
    snprintf(ctx->error, sizeof ctx->error, "%s:%d: %s: %s", base ? base + 1 : file, line, call,
             text);
    return st;
}

// --- lifecycle

static void cuda_shutdown(nf_backend_ctx *ctx) {
    if (!ctx)
        return;
    cudaSetDevice(ctx->device);
    if (ctx->stream)
        cudaStreamSynchronize(ctx->stream);
    if (ctx->cublas)
        cublasDestroy(ctx->cublas);
    cudaFree(ctx->cublas_workspace);
    cudaFree(ctx->counter);
    if (ctx->stream)
        cudaStreamDestroy(ctx->stream);
    free(ctx);
}

/* One 1 x 1 SGEMM on the network's stream, so that cuBLAS initialises now and
 * not during the first graph capture. */
static nf_status warm_up_cublas(nf_backend_ctx *ctx) {
    const float one = 1.0f, zero = 0.0f;
    float *x = NULL;
    NF_CUDA_CHECK(ctx, cudaMalloc(&x, 2 * sizeof(float)));
    cublasStatus_t s = CUBLAS_STATUS_SUCCESS;
    cudaError_t e = cudaMemsetAsync(x, 0, 2 * sizeof(float), ctx->stream);
    if (e == cudaSuccess)
        s = cublasSgemm(ctx->cublas, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, x, 1, x, 1, &zero,
                        x + 1, 1);
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(ctx->stream);
    cudaFree(x);
    NF_CUBLAS_CHECK(ctx, s);
    NF_CUDA_CHECK(ctx, e);
    return NF_OK;
}

static nf_status init_handles(nf_backend_ctx *ctx) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    NF_CUDA_CHECK(ctx, cudaDeviceGetAttribute(&ctx->sm_count, cudaDevAttrMultiProcessorCount,
                                              ctx->device));
    NF_CUDA_CHECK(ctx, cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking));
    NF_CUBLAS_CHECK(ctx, cublasCreate(&ctx->cublas));
    NF_CUBLAS_CHECK(ctx, cublasSetStream(ctx->cublas, ctx->stream));
    NF_CUDA_CHECK(ctx, cudaMalloc(&ctx->cublas_workspace, NF_CUBLAS_WORKSPACE_BYTES));
    NF_CUBLAS_CHECK(ctx, cublasSetWorkspace(ctx->cublas, ctx->cublas_workspace,
                                            NF_CUBLAS_WORKSPACE_BYTES));
    NF_CUDA_CHECK(ctx, cudaMalloc(&ctx->counter, sizeof(int64_t)));
    NF_CUDA_CHECK(ctx, cudaMemsetAsync(ctx->counter, 0, sizeof(int64_t), ctx->stream));
    return warm_up_cublas(ctx);
}

static nf_status cuda_init(int32_t device, nf_backend_ctx **out) {
    nf_backend_ctx *ctx = (nf_backend_ctx *)calloc(1, sizeof *ctx);
    if (!ctx)
        return NF_ERR_OUT_OF_MEMORY;
    ctx->device = device;
    nf_status st = init_handles(ctx);
    if (st != NF_OK) {
        cuda_shutdown(ctx);
        return st;
    }
    *out = ctx;
    return NF_OK;
}

static const char *cuda_last_error(const nf_backend_ctx *ctx) { return ctx ? ctx->error : ""; }

static nf_status cuda_synchronize(nf_backend_ctx *ctx) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    NF_CUDA_CHECK(ctx, cudaStreamSynchronize(ctx->stream));
    return NF_OK;
}

// --- memory

static nf_status cuda_alloc(nf_backend_ctx *ctx, size_t bytes, void **ptr) {
    *ptr = NULL;
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    NF_CUDA_CHECK(ctx, cudaMalloc(ptr, bytes ? bytes : 1));
    cudaError_t e = cudaMemsetAsync(*ptr, 0, bytes ? bytes : 1, ctx->stream);
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(ctx->stream);
    if (e != cudaSuccess) {
        cudaFree(*ptr);
        *ptr = NULL;
        return nf_cuda_fail(ctx, NF_ERR_BACKEND, __FILE__, __LINE__, "cudaMemsetAsync",
                            cudaGetErrorString(e));
    }
    return NF_OK;
}

/* Waits for the stream first: a copy queued from ptr may still be reading it. */
static void cuda_free(nf_backend_ctx *ctx, void *ptr) {
    if (!ptr)
        return;
    cudaSetDevice(ctx->device);
    cudaStreamSynchronize(ctx->stream);
    cudaFree(ptr);
    cudaGetLastError(); /* nothing to report from a free; leave no error behind */
}

static nf_status cuda_upload(nf_backend_ctx *ctx, void *dst, const void *src, size_t bytes) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    NF_CUDA_CHECK(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx->stream));
    NF_CUDA_CHECK(ctx, cudaStreamSynchronize(ctx->stream));
    return NF_OK;
}

static nf_status cuda_download(nf_backend_ctx *ctx, void *dst, const void *src, size_t bytes) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    NF_CUDA_CHECK(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx->stream));
    NF_CUDA_CHECK(ctx, cudaStreamSynchronize(ctx->stream));
    return NF_OK;
}

static nf_status cuda_copy(nf_backend_ctx *ctx, void *dst, const void *src, size_t bytes) {
    if (bytes)
        NF_CUDA_CHECK(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx->stream));
    return NF_OK;
}

static __global__ void fill_kernel(float *dst, float value, long long count) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
         e += (long long)gridDim.x * blockDim.x)
        dst[e] = value;
}

static nf_status cuda_fill(nf_backend_ctx *ctx, float *dst, float value, size_t count) {
    if (!ctx->capturing) /* fill also starts operations (reset, resync) */
        NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    if (!count)
        return NF_OK;
    fill_kernel<<<nf_cuda_blocks(ctx, (long long)count, 256), 256, 0, ctx->stream>>>(
        dst, value, (long long)count);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

// --- random draws

static __global__ void affine_flip_kernel(float *dst, long long count, float lo, float hi) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
         e += (long long)gridDim.x * blockDim.x)
        dst[e] = lo + (hi - lo) * (1.0f - dst[e]);
}

static nf_status cuda_affine_flip(nf_backend_ctx *ctx, float *dst, size_t count, float lo,
                                  float hi) {
    if (!count)
        return NF_OK;
    affine_flip_kernel<<<nf_cuda_blocks(ctx, (long long)count, 256), 256, 0, ctx->stream>>>(
        dst, (long long)count, lo, hi);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

/* One thread per Philox block of the draw: the conversion to float is exact
 * integer arithmetic, so the values equal the CPU backend's. */
static __global__ void uniform_kernel(uint64_t seed, uint64_t offset, float *dst,
                                      unsigned long long count, unsigned long long blocks) {
    for (unsigned long long j = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
         j < blocks; j += (unsigned long long)gridDim.x * blockDim.x)
        nf_philox_uniform_block(seed, offset, dst, (size_t)count, j);
}

static nf_status cuda_rng_uniform(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset,
                                  float *dst, size_t count) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    const uint64_t blocks = nf_philox_draw_blocks(offset, count);
    if (!blocks)
        return NF_OK;
    uniform_kernel<<<nf_cuda_blocks(ctx, (long long)blocks, 256), 256, 0, ctx->stream>>>(
        seed, offset, dst, (unsigned long long)count, (unsigned long long)blocks);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

/* Normal draws are made on the host (nf_philox_normal, the CPU backend's
 * code) and uploaded: a device's logf and sinf round differently from the C
 * library's, so device normals would differ from the CPU backend's in the
 * last bits. Draws happen only when a network is built or reset. A value
 * depends only on its stream position, so the draw may be cut into chunks. */
static nf_status cuda_rng_normal(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                                 size_t count, float mean, float std) {
    const size_t chunk = (size_t)1 << 22;
    if (!count)
        return NF_OK;
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    float *tmp = (float *)malloc((count < chunk ? count : chunk) * sizeof(float));
    if (!tmp)
        return nf_cuda_fail(ctx, NF_ERR_OUT_OF_MEMORY, __FILE__, __LINE__, "malloc",
                            "out of host memory for normal draws");
    nf_status st = NF_OK;
    for (size_t done = 0; done < count && st == NF_OK; done += chunk) {
        const size_t n = count - done < chunk ? count - done : chunk;
        nf_philox_normal(seed, offset + done, tmp, n, mean, std);
        cudaError_t e = cudaMemcpyAsync(dst + done, tmp, n * sizeof(float),
                                        cudaMemcpyHostToDevice, ctx->stream);
        if (e == cudaSuccess)
            e = cudaStreamSynchronize(ctx->stream);
        if (e != cudaSuccess) {
            cudaGetLastError();
            st = nf_cuda_fail(ctx, NF_ERR_BACKEND, __FILE__, __LINE__, "cudaMemcpyAsync",
                              cudaGetErrorString(e));
        }
    }
    free(tmp);
    return st;
}

// --- step bookkeeping

static __global__ void counter_kernel(int64_t *counter, long long value, int add) {
    *counter = add ? *counter + 1 : value;
}

static nf_status cuda_counter_set(nf_backend_ctx *ctx, int64_t value) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    counter_kernel<<<1, 1, 0, ctx->stream>>>(ctx->counter, (long long)value, 0);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

static nf_status cuda_counter_advance(nf_backend_ctx *ctx) {
    counter_kernel<<<1, 1, 0, ctx->stream>>>(ctx->counter, 0, 1);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

static __global__ void gather_row_kernel(const int64_t *counter, float *dst, const float *rows,
                                         long long row_floats, long long first_step) {
    const float *src = rows + (*counter - first_step) * row_floats;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < row_floats;
         e += (long long)gridDim.x * blockDim.x)
        dst[e] = src[e];
}

static nf_status cuda_gather_row(nf_backend_ctx *ctx, float *dst, const float *rows,
                                 int64_t row_floats, int64_t first_step) {
    gather_row_kernel<<<nf_cuda_blocks(ctx, row_floats, 256), 256, 0, ctx->stream>>>(
        ctx->counter, dst, rows, (long long)row_floats, (long long)first_step);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

static __global__ void probe_record_kernel(const int64_t *counter, nf_probe_record_args a) {
    const long long row = nf_probe_row(a.every, a.start, a.rows0, a.first_step, *counter);
    if (row < 0)
        return;
    float *dst = a.buf + row * a.row_floats;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < a.row_floats;
         e += (long long)gridDim.x * blockDim.x)
        dst[e] = a.src[e];
}

static nf_status cuda_probe_record(nf_backend_ctx *ctx, const nf_probe_record_args *a) {
    probe_record_kernel<<<nf_cuda_blocks(ctx, a->row_floats, 256), 256, 0, ctx->stream>>>(
        ctx->counter, *a);
    NF_CUDA_LAUNCHED(ctx);
    return NF_OK;
}

// --- graphs

typedef struct nf_cuda_graph {
    cudaGraph_t graph;
    cudaGraphExec_t exec;
} nf_cuda_graph;

static nf_status cuda_capture_begin(nf_backend_ctx *ctx) {
    NF_CUDA_CHECK(ctx, cudaSetDevice(ctx->device));
    NF_CUDA_CHECK(ctx, cudaStreamBeginCapture(ctx->stream, cudaStreamCaptureModeThreadLocal));
    ctx->capturing = 1;
    return NF_OK;
}

static nf_status cuda_capture_end(nf_backend_ctx *ctx, void **out) {
    *out = NULL;
    cudaGraph_t graph = NULL;
    ctx->capturing = 0;
    NF_CUDA_CHECK(ctx, cudaStreamEndCapture(ctx->stream, &graph));
    nf_cuda_graph *g = (nf_cuda_graph *)calloc(1, sizeof *g);
    if (!g) {
        cudaGraphDestroy(graph);
        return NF_ERR_OUT_OF_MEMORY;
    }
    g->graph = graph;
    cudaError_t e = cudaGraphInstantiate(&g->exec, graph, 0);
    if (e != cudaSuccess) {
        cudaGraphDestroy(graph);
        free(g);
        return nf_cuda_fail(ctx, NF_ERR_BACKEND, __FILE__, __LINE__, "cudaGraphInstantiate",
                            cudaGetErrorString(e));
    }
    *out = g;
    return NF_OK;
}

static nf_status cuda_graph_launch(nf_backend_ctx *ctx, void *graph, int64_t times) {
    nf_cuda_graph *g = (nf_cuda_graph *)graph;
    for (int64_t t = 0; t < times; t++)
        NF_CUDA_CHECK(ctx, cudaGraphLaunch(g->exec, ctx->stream));
    return NF_OK;
}

static void cuda_graph_free(nf_backend_ctx *ctx, void *graph) {
    (void)ctx;
    nf_cuda_graph *g = (nf_cuda_graph *)graph;
    if (!g)
        return;
    if (g->exec)
        cudaGraphExecDestroy(g->exec);
    if (g->graph)
        cudaGraphDestroy(g->graph);
    free(g);
}

static nf_backend_i make_table(void) {
    nf_backend_i t;
    memset(&t, 0, sizeof t);
    t.name = "cuda";
    t.init = cuda_init;
    t.shutdown = cuda_shutdown;
    t.last_error = cuda_last_error;
    t.synchronize = cuda_synchronize;
    t.alloc = cuda_alloc;
    t.free = cuda_free;
    t.upload = cuda_upload;
    t.download = cuda_download;
    t.copy = cuda_copy;
    t.fill = cuda_fill;
    t.rng_uniform = cuda_rng_uniform;
    t.rng_normal = cuda_rng_normal;
    t.affine_flip = cuda_affine_flip;
    t.counter_set = cuda_counter_set;
    t.counter_advance = cuda_counter_advance;
    t.gather_row = cuda_gather_row;
    t.probe_record = cuda_probe_record;
    t.capture_begin = cuda_capture_begin;
    t.capture_end = cuda_capture_end;
    t.graph_launch = cuda_graph_launch;
    t.graph_free = cuda_graph_free;
    t.population_step = nf_cuda_population_step;
    t.filter_step = nf_cuda_filter_step;
    t.sequence_apply = nf_cuda_sequence_apply;
    t.dense = nf_cuda_dense;
    t.sparse = nf_cuda_sparse;
    t.event = nf_cuda_event;
    t.axpy = nf_cuda_axpy;
    t.rls_update = nf_cuda_rls_update;
    t.rls_masked = nf_cuda_rls_masked;
    t.state_copy = nf_cuda_state_copy;
    t.state_check = nf_cuda_state_check;
    return t;
}

static const nf_backend_i cuda_backend = make_table();

extern "C" const nf_backend_i *nf_cuda_backend(void) { return &cuda_backend; }
