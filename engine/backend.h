/*
 * The internal backend interface: a table of function pointers that a backend
 * fills (kernels/cpu/ for the CPU, kernels/cuda/ for CUDA). The engine owns
 * the schedule and the bookkeeping; a backend owns memory and arithmetic.
 * Buffers are backend pointers (host memory on the CPU, device memory on
 * CUDA): the engine passes them around and offsets them, never dereferences.
 * Every entry returns NF_OK or a status; on NF_ERR_BACKEND the backend's
 * last_error() says why. No CUDA header is included here.
 */
#ifndef NF_ENGINE_BACKEND_H
#define NF_ENGINE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/math/models.h"
#include "neurofuse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nf_backend_ctx nf_backend_ctx; /* a backend's own state */

/* One population step for the whole batch: J = bias + gain * input, the
 * model step, the output filter. */
typedef struct nf_pop_step_args {
    nf_model_params model;
    nf_filter_params filter;
    int32_t batch, n;
    const float *input;   /* [batch][n] summed synaptic input (never NULL) */
    const float *gain;    /* [n] */
    const float *bias;    /* [n] */
    float *s0, *s1, *s2;  /* [batch][n] model state slots (NULL when unused) */
    float *out;           /* [batch][n] */
    float *f0, *f1;       /* [batch][n] filter state (NULL when unused; f0 = filtered output) */
    double *abs_sum;      /* [batch][n] rate statistics: += |out| (NULL when off) */
} nf_pop_step_args;

/* One stage of a sequence pass (engine/sequence.c): a spiking activation
 * (a converted rate model's nf_neuron_step, state s0 = v) or a filter with per-unit
 * constants (nf_filter_step; pass_through: the identity, state kept). */
#define NF_SEQ_MAX_STAGES 8
typedef struct nf_seq_stage {
    int32_t filter;                 /* 0: spiking activation, 1: filter */
    int32_t pass_through;           /* filter: identity this pass */
    nf_model_params model;          /* spiking activation */
    const nf_filter_params *fp;     /* filter: [units] */
    float *s0, *s1;                 /* [batch][units] state (s1: ALPHA only, else NULL) */
    double *abs_sum;                /* [batch][units] += sum over time of |stage output|, or NULL */
} nf_seq_stage;

/* A whole sequence through the stages, one (batch, unit) at a time in step
 * order. Element (b, t, u) is at (b time + t) units + u (batch-major) or
 * (t batch + b) units + u (time-major); out holds every step in that layout,
 * or only the last step [batch][units] (return_sequences 0). */
typedef struct nf_seq_args {
    int32_t stages;
    nf_seq_stage stage[NF_SEQ_MAX_STAGES];
    int32_t batch, units;
    int64_t time;
    int32_t time_major;
    int32_t return_sequences;
    const float *in;
    float *out;
} nf_seq_args;

/* y[b] = beta y[b] + W_b x[b] for b < batch, W_b = w (shared) or
 * w + b * rows * cols (per batch); W is [rows][cols] row-major. beta is 0 or 1. */
typedef struct nf_dense_args {
    int32_t batch, rows, cols;
    int32_t per_batch;
    int32_t per_element;  /* nonzero: each element's product on its own, as per_batch does
                             (shared W: the same W for each), so that an element's result
                             never depends on the batch around it (batch windows) */
    float beta;
    const float *w;
    const float *x;       /* [batch][cols] */
    float *y;             /* [batch][rows] */
} nf_dense_args;

/* y[b][i] += sum_k val_b[k] x[b][col[k]] over row_ptr[i] <= k < row_ptr[i+1];
 * val_b = val (shared) or val + b * nnz (per batch). */
typedef struct nf_sparse_args {
    int32_t batch, rows, cols;
    int32_t per_batch;
    int64_t nnz;
    const int32_t *row_ptr; /* [rows + 1] */
    const int32_t *col;     /* [nnz] */
    const float *val;
    const float *x;         /* [batch][cols] */
    float *y;               /* [batch][rows] */
} nf_sparse_args;

/* Event-driven propagation over the transposed weights: y[b] = +0 plus, for
 * every pre neuron j with x[b][j] != 0 in increasing j, x[b][j] * (column j
 * of W), added in that order (y is not read). The columns are
 * stored as rows of W^T: dense wt [pre][post] (col_ptr == NULL), or CSC
 * (col_ptr [pre + 1], row [nnz], wt = values in that order). Cost follows the
 * number of nonzero x, times post. */
typedef struct nf_event_args {
    int32_t batch, pre, post;
    int32_t per_batch;
    int64_t nnz;              /* CSC only */
    const int32_t *col_ptr;   /* NULL for dense */
    const int32_t *row;
    const float *wt;
    const float *x;           /* [batch][pre] */
    float *y;                 /* [batch][post] */
    int32_t *spikes;          /* scratch [batch][pre + 1] for backends that list the
                                 nonzero x first (the last entry holds the count) */
} nf_event_args;

/* A probe's copy after a step, decided on the backend from its step counter t
 * by nf_probe_row (kernels/math/probe.h): when (t - start + 1) % every == 0,
 * src goes to row rows0 + (t - start + 1) / every - (first_step - start) / every - 1
 * of buf. */
typedef struct nf_probe_record_args {
    float *buf;           /* [capacity][row_floats] */
    const float *src;     /* [row_floats] */
    int64_t row_floats;
    int64_t every, start; /* the probe's decimation and the step it started at */
    int64_t rows0;        /* rows held when this run began */
    int64_t first_step;   /* the counter at the first step of this run */
} nf_probe_record_args;

/* A weight matrix an RLS step updates: row i of W_b (W_b = w, or w + b rows n
 * per batch) moves by -g(e[b][i]) k, g(e) = c e or e (nf_rls_rule). */
typedef struct nf_rls_target {
    float *w;          /* [copies][rows][n] */
    const float *e;    /* [batch][rows] errors of this step */
    int32_t rows;
} nf_rls_target;

#define NF_RLS_MAX_TARGETS 2

/* One RLS (FORCE) step for the whole batch, when due at the counter t
 * (enabled, start <= t, t < stop or stop == 0, (t - start + 1) % every == 0):
 * for b in order (all at once when P is per element):
 * k = P r_b; c = 1/(1 + r_b.k); P -= c (k_i k_j); each target's rows move. */
typedef struct nf_rls_args {
    int32_t batch, n;
    int32_t per_batch;     /* P and the targets' W per element, else shared */
    int32_t rule;          /* nf_rls_rule */
    int32_t enabled;
    int32_t f64;           /* P, k and c in double (nf_precision F64), else float */
    int64_t every, start, stop;
    void *p;               /* [copies][n][n] symmetric, float or double */
    const float *r;        /* [batch][n] */
    void *k;               /* scratch of P's type, [batch][2 n + 1] (f64: [batch][3 n + 1]):
                              the CPU's layout; CUDA uses [batch][n + 1] of it */
    void *owed;            /* NULL, or (a backend with rls_settle) [copies][n + 2] of P's
                              type: each copy's last P -= c (k_i k_j) left for its next
                              product to apply, k then c then 1 (0: nothing owed) */
    int32_t targets;
    nf_rls_target target[NF_RLS_MAX_TARGETS];
} nf_rls_args;

/* Masked recurrent RLS (BioFORCE), when due as nf_rls_args: row i of W has
 * the learning synapses s in [row_ptr[i], row_ptr[i+1]) (K_i of them), from
 * inputs col[s], stored at w_index[s] within one copy of W; its P_i is K_i x K_i
 * at p_off[i]. Per element b (in order when shared; at once when per batch),
 * per row: r_i = r_b[col]; k = P_i r_i; c = 1/(1 + r_i.k); W[w_index] -= g k
 * (g = c e[b][i] or e[b][i]); P_i -= c (k_x k_y). Rows are independent. */
typedef struct nf_rls_masked_args {
    int32_t batch, rows, n;  /* n: presynaptic size (r is [batch][n]) */
    int32_t per_batch, rule, enabled, f64;
    int64_t every, start, stop;
    int64_t nnz;             /* learning synapses, sum K_i */
    int64_t p_total;         /* P values per copy, sum K_i^2 */
    int64_t w_stride;        /* weights per copy of W */
    int32_t max_k;           /* the largest K_i */
    const int32_t *row_ptr;  /* [rows + 1] */
    const int32_t *col;      /* [nnz] */
    const int64_t *w_index;  /* [nnz] */
    const int64_t *p_off;    /* [rows] */
    void *p;                 /* [copies][p_total], float or double */
    float *w;                /* [copies][w_stride] */
    const float *r;          /* [batch][n] */
    const float *e;          /* [batch][rows] */
    void *k;                 /* scratch [batch][nnz + rows] of P's type */
} nf_rls_masked_args;

/* A buffer of run state the engine copies aside and checks for non-finite
 * values (see nf_backend_i.state_copy); tables of them live in backend memory. */
typedef struct nf_state_ref {
    void *ptr;
    int64_t count;      /* elements */
    int64_t offset;     /* bytes into the store */
    int32_t f64;        /* elements are double, else float */
    int32_t check;      /* nonzero: checked for non-finite values */
} nf_state_ref;

typedef struct nf_backend_i {
    const char *name;

    // --- lifecycle
    /* Creates the backend's context for device ordinal `device`. */
    nf_status (*init)(int32_t device, nf_backend_ctx **ctx);
    /* Frees the context (NULL is a no-op). */
    void (*shutdown)(nf_backend_ctx *ctx);
    /* The text of the last failure, never NULL. */
    const char *(*last_error)(const nf_backend_ctx *ctx);
    /* Waits for all queued work (optional: NULL when calls are synchronous). */
    nf_status (*synchronize)(nf_backend_ctx *ctx);

    // --- memory
    /* Allocates `bytes` of zeroed backend memory (NF_ERR_OUT_OF_MEMORY on failure). */
    nf_status (*alloc)(nf_backend_ctx *ctx, size_t bytes, void **ptr);
    /* Frees a buffer from alloc (NULL is a no-op). */
    void (*free)(nf_backend_ctx *ctx, void *ptr);
    nf_status (*upload)(nf_backend_ctx *ctx, void *dst, const void *host_src, size_t bytes);
    nf_status (*download)(nf_backend_ctx *ctx, void *host_dst, const void *src, size_t bytes);
    nf_status (*copy)(nf_backend_ctx *ctx, void *dst, const void *src, size_t bytes);
    nf_status (*fill)(nf_backend_ctx *ctx, float *dst, float value, size_t count);

    // --- random draws (kernels/math/philox.h, equal to cuRAND's Philox4_32_10)
    /* dst[i] = the i-th uniform in (0, 1] of the Philox stream (seed) from offset. */
    nf_status (*rng_uniform)(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                             size_t count);
    /* dst[i] = mean + std * the i-th normal of the Philox stream (seed) from offset. */
    nf_status (*rng_normal)(nf_backend_ctx *ctx, uint64_t seed, uint64_t offset, float *dst,
                            size_t count, float mean, float std);
    /* dst[i] = lo + (hi - lo) * (1 - dst[i]): uniforms in (0, 1] mapped to [lo, hi). */
    nf_status (*affine_flip)(nf_backend_ctx *ctx, float *dst, size_t count, float lo, float hi);

    // --- step bookkeeping: a step counter kept by the backend, so that every
    //     argument of a step is the same from step to step and a backend may
    //     record a step once and replay it
    /* Sets the step counter. */
    nf_status (*counter_set)(nf_backend_ctx *ctx, int64_t value);
    /* Advances the step counter by one, in order with the step's work. */
    nf_status (*counter_advance)(nf_backend_ctx *ctx);
    /* dst = row (counter - first_step) of rows [..][row_floats]. */
    nf_status (*gather_row)(nf_backend_ctx *ctx, float *dst, const float *rows,
                            int64_t row_floats, int64_t first_step);
    /* Records a probe if it is due at the current counter (see nf_probe_record_args). */
    nf_status (*probe_record)(nf_backend_ctx *ctx, const nf_probe_record_args *a);

    // --- replay (optional: NULL where every call runs at once)
    /* Starts recording the calls that follow instead of running them. */
    nf_status (*capture_begin)(nf_backend_ctx *ctx);
    /* Stops recording; *graph holds the recorded work. */
    nf_status (*capture_end)(nf_backend_ctx *ctx, void **graph);
    /* Runs recorded work `times` times in a row. */
    nf_status (*graph_launch)(nf_backend_ctx *ctx, void *graph, int64_t times);
    /* Frees recorded work (NULL is a no-op). */
    void (*graph_free)(nf_backend_ctx *ctx, void *graph);

    // --- dynamics
    /* One fused population step (currents, model, filter). */
    nf_status (*population_step)(nf_backend_ctx *ctx, const nf_pop_step_args *a);
    /* A filter over count elements with input u (post-side filter state). */
    nf_status (*filter_step)(nf_backend_ctx *ctx, const nf_filter_params *f, const float *u,
                             float *y0, float *y1, size_t count);
    /* A whole sequence through a chain of elementwise stages (nf_seq_args). */
    nf_status (*sequence_apply)(nf_backend_ctx *ctx, const nf_seq_args *a);

    // --- learning
    nf_status (*rls_update)(nf_backend_ctx *ctx, const nf_rls_args *a);
    /* Brings the `copies` copies of P up to date with what `owed` holds
     * (nf_rls_args; apply == 0: forgets it, P being replaced), leaving nothing
     * owed. NULL: rls_update uses no `owed` (it updates P in full each time). */
    nf_status (*rls_settle)(nf_backend_ctx *ctx, void *p, void *owed, int32_t n,
                            int32_t copies, int32_t f64, int32_t apply);
    /* Per-row RLS of a masked connection (see nf_rls_masked_args). */
    nf_status (*rls_masked)(nf_backend_ctx *ctx, const nf_rls_masked_args *a);

    // --- run state (numeric checks)
    /* Copies the `count` buffers of `table` (backend memory) into store at their
     * offsets (restore == 0), or back from it (restore != 0). */
    nf_status (*state_copy)(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                            void *store, int32_t restore);
    /* flags[i] (backend memory) = 1 when buffer i is checked and holds a
     * non-finite value, else 0, for i < count; one pass over them all. */
    nf_status (*state_check)(nf_backend_ctx *ctx, const nf_state_ref *table, int32_t count,
                             int32_t *flags);

    // --- products
    nf_status (*dense)(nf_backend_ctx *ctx, const nf_dense_args *a);
    nf_status (*sparse)(nf_backend_ctx *ctx, const nf_sparse_args *a);
    nf_status (*event)(nf_backend_ctx *ctx, const nf_event_args *a);
    /* y[i] += alpha x[i] for i < count. */
    nf_status (*axpy)(nf_backend_ctx *ctx, float *y, const float *x, float alpha, size_t count);
} nf_backend_i;

/* The CPU backend's table (kernels/cpu). */
const nf_backend_i *nf_cpu_backend(void);

/* The CUDA backend's table (kernels/cuda), or NULL when it is not built. */
const nf_backend_i *nf_cuda_backend(void);

/* Number of CUDA devices the runtime sees (0 when there is no driver or
 * device, or the library is built without CUDA). */
int nf__cuda_device_count(void);

/* 1 when CUDA device `device` exists and this build's CUDA code can run on it
 * (machine code or PTX for its architecture); else 0 and why[] says why. */
int nf__cuda_device_usable(int32_t device, char *why, size_t capacity);

/* The backend for a request (engine/backend_select.c): AUTO -> CUDA when
 * device is usable, else CPU; CPU -> CPU; CUDA -> CUDA, or NF_ERR_NO_DEVICE
 * with "fn: backend cuda: <reason>" in why. */
nf_status nf__backend_select(const char *fn, nf_backend requested, int32_t device,
                             nf_backend *chosen, const nf_backend_i **be, char *why,
                             size_t capacity);

/* One CUDA device as nf_device_query reports it (kernels/cuda/device_query.cu). */
typedef struct nf__cuda_device_info {
    int32_t count;            /* usable devices (0 without a driver or a GPU) */
    char name[256];
    uint64_t memory_total, memory_free;
    int32_t multiprocessors, cc_major, cc_minor;
} nf__cuda_device_info;

/* Describes device `device`: NF_OK, NF_ERR_NO_DEVICE (none usable: why in
 * err) or NF_ERR_INVALID_ARGUMENT (ordinal out of range). count is always set.
 * Leaves the calling thread's current device as it was. */
nf_status nf__cuda_device_describe(int32_t device, nf__cuda_device_info *out, char *err,
                                   size_t err_capacity);

/* A context shared by the layers one thread creates on (be, device)
 * (engine/backend_share.c): the first acquire starts it, the last release
 * shuts it down. */
nf_status nf__backend_share_acquire(const nf_backend_i *be, int32_t device,
                                    nf_backend_ctx **out);
void nf__backend_share_release(nf_backend_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* NF_ENGINE_BACKEND_H */
