/*
 * neurofuse: batched simulation of neuron populations and synaptic filters.
 *
 * The one public header. A network holds populations (neuron models), inputs,
 * connections, readouts and probes; every state variable is float32 laid out
 * [batch][n]. One timestep, for the whole batch at once:
 *
 *   1. currents   J = bias + gain * (sum over incoming connections W s_pre)
 *                 using the previous step's filtered outputs s and readouts z;
 *   2. neurons    the model's step from J and its state -> output;
 *   3. filters    s updated from the new output (a filter's output at step k
 *                 already includes its input at step k);
 *   4. readouts   z = W_out s;
 *   5. probes     every `every`-th step, the probed values are recorded.
 *
 * Rules: every function that can fail returns nf_status; a failed call leaves
 * the network exactly as it was and nf_network_last_error() says what was
 * wrong. The library never keeps a caller's pointer: values are copied in and
 * out. A network belongs to one thread at a time; two networks may run on two
 * threads. Same seed, same backend, same calls: bit-identical results.
 */
#ifndef NEUROFUSE_H
#define NEUROFUSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NF_API marks the library's exported functions: the shared library is built
 * with hidden visibility and exports exactly the functions declared here.
 * A program linking the static library defines nothing. */
#if defined(_WIN32) && defined(NF_SHARED_BUILD)
#define NF_API __declspec(dllexport)
#elif defined(__GNUC__) && defined(NF_SHARED_BUILD)
#define NF_API __attribute__((visibility("default")))
#else
#define NF_API
#endif

/* Versions. NF_VERSION_NUMBER is major * 10000 + minor * 100 + patch (100 for
 * 0.1.0); a program checks that the header it was compiled with matches the
 * library it runs with by comparing it with nf_version_number().
 *
 * Compatibility: descriptors (nf_*_desc) gain fields only at their end, and a
 * caller gets every field's default from the matching *_defaults() function
 * before setting the fields it needs, so a program that does so keeps
 * compiling and means the same as fields are added. Before 1.0 the binary
 * interface may change between minor versions (0.1 -> 0.2): recompile against
 * the new header; within a minor version it does not change. */
#define NF_VERSION_MAJOR 0
#define NF_VERSION_MINOR 1
#define NF_VERSION_PATCH 0
#define NF_VERSION_STRING "0.1.0"
#define NF_VERSION_NUMBER (NF_VERSION_MAJOR * 10000 + NF_VERSION_MINOR * 100 + NF_VERSION_PATCH)

// --- status --------------------------------------------------------------

typedef enum nf_status {
    NF_OK = 0,
    NF_ERR_INVALID_ARGUMENT, /* an argument is NULL, out of range or inconsistent */
    NF_ERR_OUT_OF_MEMORY,    /* host or device allocation failed; nothing leaked */
    NF_ERR_NO_DEVICE,        /* CUDA asked for: no usable GPU, or built without CUDA */
    NF_ERR_BACKEND,          /* a backend library call failed (message has its text) */
    NF_ERR_STATE,            /* the call does not fit the network's current state */
    NF_ERR_NUMERIC,          /* a non-finite value appeared */
    NF_ERR_IO,               /* a file could not be read or written */
    NF_ERR_UNSUPPORTED       /* valid, but this backend or model cannot do it */
} nf_status;

/* A static, never-NULL name for a status ("NF_ERR_INVALID_ARGUMENT: invalid argument"). */
NF_API const char *nf_status_string(nf_status s);

/* The library's version string, e.g. "0.1.0". */
NF_API const char *nf_version(void);

/* The library's NF_VERSION_NUMBER, e.g. 100 for 0.1.0. */
NF_API int nf_version_number(void);

// --- backends --------------------------------------------------------------

typedef enum nf_backend {
    NF_BACKEND_AUTO = 0, /* CUDA when the device can run this build's code, else CPU */
    NF_BACKEND_CPU,
    NF_BACKEND_CUDA
} nf_backend;

/* 1 when networks can be created on backend b in this process, else 0.
 * NF_BACKEND_AUTO is always available. */
NF_API int nf_backend_available(nf_backend b);

/* A static name: "auto", "cpu", "cuda" ("unknown" otherwise). */
NF_API const char *nf_backend_name(nf_backend b);

/* What a backend runs on: the CPU (model name, logical processors, physical
 * and available memory) or one CUDA device (name, compute capability, total
 * and free memory). */
typedef struct nf_device_info {
    nf_backend backend;     /* NF_BACKEND_CPU or NF_BACKEND_CUDA */
    int32_t device;         /* the ordinal asked for (0 on the CPU) */
    int32_t count;          /* devices of this backend (CPU: 1; CUDA: 0 without a GPU) */
    char name[256];         /* "Intel(R) Xeon(R) ...", "NVIDIA H200", ... */
    uint64_t memory_total;  /* bytes */
    uint64_t memory_free;   /* bytes (0 when unknown) */
    int32_t processors;     /* CPU: online logical processors; CUDA: multiprocessors */
    int32_t cc_major, cc_minor; /* CUDA compute capability (0 on the CPU) */
    char detail[256];       /* why the query failed, why AUTO chose the CPU, or "" */
} nf_device_info;

/* Describes device `device` of backend b (NF_BACKEND_AUTO: the backend AUTO
 * picks, CUDA only for a device this build has code for; when it picks the
 * CPU, info->detail says why not CUDA). Works without a GPU: CUDA then gives
 * NF_ERR_NO_DEVICE with count 0 and the reason in info->detail (no device,
 * or a library built without CUDA). A GPU whose architecture this build has
 * no code for is described (name, compute capability) and refused with
 * NF_ERR_NO_DEVICE. NF_ERR_INVALID_ARGUMENT for a NULL info, an unknown
 * backend or an ordinal out of range (info->detail says which). */
NF_API nf_status nf_device_query(nf_backend b, int32_t device, nf_device_info *info);

// --- network -----------------------------------------------------------------

typedef struct nf_network nf_network; /* opaque */

typedef struct nf_network_desc {
    double dt;          /* timestep (> 0), in the models' time unit; default 0.001 s */
    int32_t batch;      /* independent copies simulated at once (>= 1); default 1 */
    uint64_t seed;      /* every random draw comes from it; default 0 */
    nf_backend backend; /* default NF_BACKEND_AUTO */
    int32_t device;     /* CUDA device ordinal (CUDA backend only); default 0 */
} nf_network_desc;

NF_API nf_network_desc nf_network_defaults(void); /* dt 0.001, batch 1, seed 0, AUTO, device 0 */

/* Creates a network. On failure *out is NULL and nothing is allocated.
 * Status: NF_ERR_INVALID_ARGUMENT (bad descriptor), NF_ERR_NO_DEVICE (CUDA asked
 * for, none usable), NF_ERR_OUT_OF_MEMORY, NF_ERR_BACKEND. */
NF_API nf_status nf_network_create(const nf_network_desc *d, nf_network **out);

/* As nf_network_create, and on failure writes the reason (NUL-terminated,
 * truncated to `capacity` bytes) into `message` when it is not NULL. */
NF_API nf_status nf_network_create_ex(const nf_network_desc *d, nf_network **out, char *message,
                               size_t capacity);

NF_API void nf_network_destroy(nf_network *net); /* frees everything; NULL is a no-op */

/* The message of the last failed call on `net` ("" after none), beginning
 * with the name of the function called ("nf_connect: ..."). Owned by the
 * network; the next failing call overwrites it. */
NF_API const char *nf_network_last_error(const nf_network *net);

NF_API nf_backend nf_network_backend(const nf_network *net); /* the resolved backend (never AUTO) */
NF_API int32_t nf_network_batch(const nf_network *net);
NF_API double nf_network_dt(const nf_network *net);
NF_API int64_t nf_network_step_count(const nf_network *net); /* steps run since create or reset */

/* Batch windows: one batch split across processes (the MPI companion library,
 * include/neurofuse_mpi.h, is built on these two functions). A window holds
 * the batch elements [first, first + count) of a network of d->batch
 * elements, and every call then works on those `count` elements as on a
 * network of batch `count` (nf_network_batch returns count; inputs, states,
 * probes, readout z and per-batch weights are [count][...]). Every random draw
 * of a batch element (initial states, initial readout z, per-batch generated
 * weights and their masks) is keyed by its element of the whole batch, and
 * draws shared by the batch are drawn whole, so a window starts exactly as
 * those elements of nf_network_create(d) do. A window computes dense products
 * element by element (one matrix-vector product each, as for per-batch
 * weights), because a BLAS's matrix-matrix product over several elements may
 * round an element's sums differently depending on how many there are; so with
 * the same calls window element i computes, bit for bit on the same backend,
 * what element first + i of any other window of the batch computes, the whole
 * batch's window (0, d->batch) included; a plain network's elements differ from
 * those only in the rounding of dense products with weights shared by the
 * batch. That costs speed where weights are shared (no matrix-matrix product).
 * A learner whose weights the batch shares (one P updated element after
 * element) is refused on a window smaller than the batch with
 * NF_ERR_UNSUPPORTED. Status as nf_network_create_ex, and
 * NF_ERR_INVALID_ARGUMENT unless 0 <= first, 1 <= count, first + count <= d->batch. */
NF_API nf_status nf_network_create_window(const nf_network_desc *d, int32_t first, int32_t count,
                                          nf_network **out, char *message, size_t capacity);
/* The window a network holds: its first element, its element count (its
 * batch) and the whole batch's size (a network from nf_network_create: 0,
 * batch, batch). Any pointer may be NULL. NF_ERR_INVALID_ARGUMENT for a NULL net. */
NF_API nf_status nf_network_batch_window(const nf_network *net, int32_t *first, int32_t *count,
                                         int32_t *global);

/* Replicas: a network split into batch windows over several processes must
 * hold, in every process, the same objects and the same values the batch
 * shares (what a descriptor gives: parameters, gains and biases, shared
 * weights, sparse structure, a learner's row scales and mask). These digests
 * let the processes compare them (the MPI companion library does, before a
 * sharded network's first run after its structure changed). */
#define NF_DIGEST_PARTS 3
typedef struct nf_object_digest {
    char kind[16];                  /* "network", "population", "input", "connection",
                                       "readout", "learner" or "probe" */
    int32_t parts;                  /* parts filled, 1 .. NF_DIGEST_PARTS; the rest zero */
    char part[NF_DIGEST_PARTS][16]; /* what each hashes: "parameters" first, then of those the
                                       object has and the batch shares: "gains", "biases"
                                       (population), "weights", "structure" (sparse indices;
                                       connection, readout: weights only), "row scale", "mask"
                                       (learner) */
    uint64_t hash[NF_DIGEST_PARTS]; /* 64-bit FNV-1a of each part's bits (signed zeros and
                                       NaN payloads count) */
} nf_object_digest;

/* The number of objects: their ids are 0 .. count - 1 in creation order. 0 for NULL. */
NF_API int32_t nf_network_object_count(const nf_network *net);

/* The digest of object `id`, or with id -1 of the network itself (its
 * parameters: dt now, mode, seed, the whole batch's size, backend). An
 * object's parameters are its descriptor's values and the ids it connects
 * (never its per-element state or the values of per-batch weights); two
 * networks built by the same calls have equal digests, whatever their batch
 * windows. Values changed later by a setter or by learning are digested as
 * they are now. NF_ERR_INVALID_ARGUMENT for an unknown id or NULL pointers. */
NF_API nf_status nf_network_object_digest(nf_network *net, int32_t id, nf_object_digest *out);

/* A check nf_network_run calls before it runs (any steps, 0 included) when the
 * network's structure changed since the check last passed: before the first
 * run, and after an object was added or dt or the mode was set. It gets the
 * network, its context and a message buffer; a status other than NF_OK
 * refuses the run with that status and "nf_network_run: " and the message,
 * nothing changed, and the next run calls it again. Runs call nothing while
 * the structure stays as it was. Inside the check, nf_network_run and
 * nf_network_set_run_check on the network fail with NF_ERR_STATE; the check
 * must not destroy it. */
typedef nf_status (*nf_run_check)(nf_network *net, void *context, char *message,
                                  size_t capacity);

/* Sets the run check (NULL removes it, context and release then unused; a
 * new check has never passed).
 * release(context), when release is not NULL, is called when the check is
 * replaced or removed and by nf_network_destroy. NF_ERR_INVALID_ARGUMENT for
 * a NULL net. (The MPI companion library sets one on the networks it makes.) */
NF_API nf_status nf_network_set_run_check(nf_network *net, nf_run_check check, void *context,
                                          void (*release)(void *context));

// --- populations -----------------------------------------------------------

typedef enum nf_model {
    NF_MODEL_RELU = 0,     /* out = amplitude * max(J, 0) */
    NF_MODEL_SIGMOID,      /* out = amplitude (1/tau_ref) / (1 + exp(-J)) */
    NF_MODEL_TANH,         /* out = amplitude (1/tau_ref) tanh(J) */
    NF_MODEL_LIF_RATE,     /* out = amplitude / (tau_ref + tau_rc log1p(1/(J-1))) for J > 1 */
    NF_MODEL_SOFTLIF_RATE, /* LIFRate smoothed by softplus (nengo_dl form, sigma) */
    NF_MODEL_LIF,          /* spiking LIF, nengo form or Nicola & Clopath form */
    NF_MODEL_LEAKY_RATE,   /* x += dt/tau (-x + J), out = tanh(x) (ESN / FORCE unit) */
    NF_MODEL_IZHIKEVICH,   /* spiking, Nicola & Clopath order or nengo order */
    NF_MODEL_THETA,        /* spiking theta neuron (Nicola & Clopath) */
    NF_MODEL_ADAPTIVE_LIF  /* spiking nengo LIF driven by J - n, adaptation n (nengo AdaptiveLIF) */
} nf_model;
#define NF_MODEL_COUNT 10

/* Which LIF equations: nengo's exact-integration form (voltage normalised to
 * [0, 1], seconds) or Nicola & Clopath's forward-Euler form (millivolts). */
typedef enum nf_lif_form { NF_LIF_NENGO = 0, NF_LIF_NICOLA_CLOPATH } nf_lif_form;

/* Which Izhikevich update order (see docs/equations.md): Nicola & Clopath's general
 * 2007 model (v and u from the previous v; dt in ms), or nengo's 2003 model
 * (v reset before u is updated from the new v; dt in seconds). */
typedef enum nf_izhikevich_order {
    NF_IZHIKEVICH_NICOLA_CLOPATH = 0,
    NF_IZHIKEVICH_NENGO
} nf_izhikevich_order;

/* nengo's Izhikevich presets (2003 model parameters a, b, c, d). */
typedef enum nf_izhikevich_preset {
    NF_IZHIKEVICH_RS = 0, /* regular spiking: a 0.02, b 0.2, c -65, d 8 */
    NF_IZHIKEVICH_IB,     /* intrinsically bursting: c -55, d 4 */
    NF_IZHIKEVICH_CH,     /* chattering: c -50, d 2 */
    NF_IZHIKEVICH_FS,     /* fast spiking: a 0.1 */
    NF_IZHIKEVICH_LTS,    /* low-threshold spiking: b 0.25 */
    NF_IZHIKEVICH_RZ      /* resonator: a 0.1, b 0.26 */
} nf_izhikevich_preset;

typedef enum nf_filter_kind {
    NF_FILTER_NONE = 0, /* s = out */
    NF_FILTER_LOWPASS,  /* ZOH: y = a y + (1 - a) u, a = exp(-dt/tau) */
    NF_FILTER_ALPHA,    /* ZOH, impulse response (t/tau^2) exp(-t/tau) */
    NF_FILTER_DOUBLE_EXP /* Nicola & Clopath: r = r e_r + h dt; h = h e_d + u dt/(tr td) */
} nf_filter_kind;

typedef struct nf_filter_desc {
    nf_filter_kind kind;
    float tau;                /* LOWPASS, ALPHA (> 0; LOWPASS also allows 0 = identity) */
    float tau_rise;           /* DOUBLE_EXP (>= 0; 0 = single exponential) */
    float tau_decay;          /* DOUBLE_EXP (> 0) */
    int32_t spiking_only;     /* nonzero: the identity while the network is in rate mode */
} nf_filter_desc;

typedef struct nf_population_desc {
    nf_model model;
    int32_t n;             /* neurons (>= 1) */
    int32_t spiking;       /* rate models: run through the spiking conversion
                              v += rate dt; k = floor(v); v -= k; out = k/dt */
    float amplitude;       /* output scale (rate models, nengo LIF, spike height) */
    float gain;            /* J = bias + gain * input, used when gains is NULL */
    float bias;            /* used when biases is NULL */
    const float *gains;    /* [n] per-neuron gain, or NULL; copied */
    const float *biases;   /* [n] per-neuron bias, or NULL; copied */

    float tau_rc;          /* LIF (nengo), LIF_RATE, SOFTLIF_RATE, ADAPTIVE_LIF: 0.02 s */
    float tau_ref;         /* LIF, LIF_RATE, SOFTLIF_RATE, ADAPTIVE_LIF 0.002; SIGMOID, TANH
                              0.0025 */
    float min_voltage;     /* LIF (nengo), ADAPTIVE_LIF: 0 */
    float sigma;           /* SOFTLIF_RATE: 1 */
    float tau;             /* LEAKY_RATE: 1 (time in units of tau, as Sussillo & Abbott) */
    float x_init_scale;    /* LEAKY_RATE: initial x ~ N(0, scale^2); 0 = start at 0 */

    nf_lif_form lif_form;  /* LIF: NF_LIF_NENGO */
    struct {               /* LIF, Nicola & Clopath form (mV, s) */
        float tau_m;       /* 0.01 */
        float v_reset;     /* -65 */
        float v_peak;      /* -40 */
        float v_init_max;  /* 30: initial v uniform in [v_reset, v_init_max] */
    } nc_lif;
    struct {               /* IZHIKEVICH */
        nf_izhikevich_order order;
        float C, k, v_r, v_t; /* Nicola & Clopath order: 250, 2.5, -60, -19.2 (pF, nS/mV, mV) */
        float a, b, c, d;     /* NC: 0.01, -2, -65, 200; nengo RS: 0.02, 0.2, -65, 8 */
        float v_peak;         /* NC: 30 (nengo: 30, fixed by the model) */
    } izh;

    nf_filter_desc filter; /* applied to the output before it is used downstream */

    float tau_n;           /* ADAPTIVE_LIF: adaptation time constant, 1 s (> 0) */
    float inc_n;           /* ADAPTIVE_LIF: adaptation increment, 0.01 (>= 0) */
} nf_population_desc;

/* The references' defaults for model m with n neurons, gain 1, amplitude 1,
 * no filter: nengo's for the nengo models (LIF in nengo form), Nicola &
 * Clopath's for IZHIKEVICH (their order, bias 1000) and THETA. Unknown m
 * gives RELU defaults. */
NF_API nf_population_desc nf_population_defaults(nf_model m, int32_t n);

/* Switches a LIF descriptor to a form with that form's defaults: NENGO
 * (bias 0) or NICOLA_CLOPATH (bias -40, the reference's v_peak offset). */
NF_API nf_status nf_lif_form_apply(nf_population_desc *d, nf_lif_form form);

/* Fills the Izhikevich fields of d with a nengo preset (order NENGO, bias 0). */
NF_API nf_status nf_izhikevich_preset_apply(nf_population_desc *d, nf_izhikevich_preset preset);

/* Adds a population; its initial state is drawn from the network seed. */
NF_API nf_status nf_population_add(nf_network *net, const nf_population_desc *d, int32_t *id);

/* Per-neuron gain and bias, [n] each; either may be NULL to leave it. */
NF_API nf_status nf_population_set_gain_bias(nf_network *net, int32_t pop, const float *gains,
                                      const float *biases);
/* Copies them out, [n] each; either may be NULL. */
NF_API nf_status nf_population_get_gain_bias(nf_network *net, int32_t pop, float *gains,
                                             float *biases);

typedef enum nf_state_kind {
    NF_STATE_VOLTAGE = 0, /* LIF, IZHIKEVICH, ADAPTIVE_LIF membrane; THETA's phase */
    NF_STATE_REFRACTORY,  /* LIF, ADAPTIVE_LIF: refractory time left (s) */
    NF_STATE_RECOVERY,    /* IZHIKEVICH: u */
    NF_STATE_X,           /* LEAKY_RATE: x */
    NF_STATE_SPIKE_ACCUMULATOR, /* spiking conversion: v in [0, 1) */
    NF_STATE_OUTPUT,      /* the last output (read only) */
    NF_STATE_FILTER,      /* the filter's output s (LOWPASS y, ALPHA x1, DOUBLE_EXP r) */
    NF_STATE_FILTER_AUX,  /* the filter's second variable (ALPHA x0, DOUBLE_EXP h) */
    NF_STATE_ADAPTATION   /* ADAPTIVE_LIF: n */
} nf_state_kind;
#define NF_STATE_KIND_COUNT 9

/* Copies a state variable in or out, [batch][n]. Refused for variables the
 * population's model does not have (NF_ERR_INVALID_ARGUMENT, naming them). */
NF_API nf_status nf_population_set_state(nf_network *net, int32_t pop, nf_state_kind which,
                                  const float *values);
NF_API nf_status nf_population_get_state(nf_network *net, int32_t pop, nf_state_kind which,
                                  float *values);
NF_API nf_status nf_population_size(const nf_network *net, int32_t pop, int32_t *n);

// --- inputs ---------------------------------------------------------------------

/* Adds an external input of dimension dim (zero until set). Connect it to a
 * population with nf_connect(net, input_id, pop, ...). */
NF_API nf_status nf_input_add(nf_network *net, int32_t dim, int32_t *id);

/* Copies a sequence of `steps` rows [steps][batch][dim]. Each step of a run
 * consumes the next row; steps == 1 holds that value for every step. A run
 * longer than the rows left is refused. Setting rewinds the input to row 0. */
NF_API nf_status nf_input_set(nf_network *net, int32_t input, int64_t steps, const float *values);
/* The input's dimension. */
NF_API nf_status nf_input_size(const nf_network *net, int32_t input, int32_t *dim);

// --- connections ------------------------------------------------------------------

typedef enum nf_connection_kind {
    NF_CONNECTION_DENSE = 0, /* W [post][pre] */
    NF_CONNECTION_SPARSE,    /* W in CSR over [post][pre] */
    NF_CONNECTION_IDENTITY   /* post_i += scale * pre_i (sizes equal) */
} nf_connection_kind;

typedef enum nf_weights_init {
    NF_WEIGHTS_GIVEN = 0, /* the caller's weights (dense) or values (sparse) */
    NF_WEIGHTS_NORMAL,    /* scale * N(0,1) * Bernoulli(p); scale 0 means g/sqrt(p n_pre) */
    NF_WEIGHTS_UNIFORM,   /* U(low, high) * Bernoulli(p) */
    NF_WEIGHTS_ZERO       /* all zero (dense), to be set or learned later */
} nf_weights_init;

typedef enum nf_propagation {
    NF_PROPAGATION_AUTO = 0, /* event-driven from spiking populations, dense otherwise */
    NF_PROPAGATION_DENSE,    /* always the full product W s_pre */
    NF_PROPAGATION_EVENT     /* event-driven: the pre population must spike */
} nf_propagation;

typedef struct nf_connection_desc {
    nf_connection_kind kind;
    nf_weights_init init;
    int32_t per_batch;        /* nonzero: one matrix per batch element [batch][...] */
    const float *weights;     /* GIVEN: dense [post][pre] or sparse values [nnz] (x batch) */
    const int32_t *row_ptr;   /* SPARSE + GIVEN: [n_post + 1] */
    const int32_t *col_idx;   /* SPARSE + GIVEN: [nnz], each row's columns increasing */
    int64_t nnz;              /* SPARSE + GIVEN */
    float g, p;               /* NORMAL: gain g and connection probability p in (0, 1] */
    float scale;              /* NORMAL: explicit std (0 = g/sqrt(p n_pre)); IDENTITY: factor */
    float low, high;          /* UNIFORM */
    int32_t zero_mean_rows;   /* generated: shift each row's nonzeros to zero mean */
    nf_propagation propagation;
} nf_connection_desc;

/* Dense connection with the caller's [post][pre] weights (p 1, scale 1). */
NF_API nf_connection_desc nf_connection_defaults(void);

/* Connects pre (a population, an input or a readout: feedback U z) to the
 * population post. From a spiking population the pre filter is kept on the
 * post side and each step adds only the columns of neurons that spiked. */
NF_API nf_status nf_connect(nf_network *net, int32_t pre, int32_t post, const nf_connection_desc *d,
                     int32_t *id);

/* Number of stored weights: post*pre (dense) or nnz (sparse), times batch when
 * per_batch; 1 for identity (which is always shared by the batch). */
NF_API nf_status nf_connection_weight_count(const nf_network *net, int32_t conn, int64_t *count);
/* *per_batch: 1 when the connection holds one matrix per batch element, 0 when
 * the batch shares one (identity connections always). */
NF_API nf_status nf_connection_per_batch(const nf_network *net, int32_t conn, int32_t *per_batch);
NF_API nf_status nf_connection_set_weights(nf_network *net, int32_t conn, const float *w);
NF_API nf_status nf_connection_get_weights(nf_network *net, int32_t conn, float *w);

// --- readouts ---------------------------------------------------------------------

typedef struct nf_readout_desc {
    int32_t per_batch;     /* nonzero: W_out per batch element [batch][dim][n] */
    const float *weights;  /* [dim][n] (x batch), or NULL for zeros; copied */
    float z_init_scale;    /* initial z ~ N(0, scale^2), 0 = zero */
} nf_readout_desc;

/* z = W_out s, with s the population's filtered output; dim >= 1. d may be NULL. */
NF_API nf_status nf_readout_add(nf_network *net, int32_t pop, int32_t dim, const nf_readout_desc *d,
                         int32_t *id);
/* Number of stored weights: dim*n, times batch when per_batch; *per_batch
 * (may be NULL) gets 1 for one W_out per batch element, 0 for one shared. */
NF_API nf_status nf_readout_weight_count(const nf_network *net, int32_t readout, int64_t *count,
                                         int32_t *per_batch);
NF_API nf_status nf_readout_set_weights(nf_network *net, int32_t readout, const float *w);
NF_API nf_status nf_readout_get_weights(nf_network *net, int32_t readout, float *w);
/* z [batch][dim]: the value fed back before the next step. */
NF_API nf_status nf_readout_set_state(nf_network *net, int32_t readout, const float *z);
NF_API nf_status nf_readout_get_state(nf_network *net, int32_t readout, float *z);

// --- learners (FORCE / recursive least squares) ----------------------------------

typedef enum nf_learner_kind {
    NF_LEARNER_READOUT = 0, /* W_out of a readout learns a target (Sussillo & Abbott, TENSION),
                               and optionally the rows of a recurrent connection (internal FORCE) */
    NF_LEARNER_CURRENTS,    /* full-FORCE (DePasquale): a connection W learns W r -> the summed
                               currents of `desired` connections (the target-generating network) */
    NF_LEARNER_MASKED       /* BioFORCE (TENSION, Hadjiabadi et al.): each row i of a sparse or
                               masked dense connection learns over its K_i connected inputs only,
                               with its own P_i (K_i x K_i), toward a per-row target */
} nf_learner_kind;

/* Storage and arithmetic of P (and of k = P r, c, the rank-1 update). */
typedef enum nf_precision { NF_PRECISION_F32 = 0, NF_PRECISION_F64 } nf_precision;

typedef enum nf_rls_rule {
    NF_RLS_SUSSILLO_ABBOTT = 0, /* k = P r; c = 1/(1 + r.k); P -= c k k^T; w -= c e k */
    NF_RLS_NICOLA_CLOPATH       /* the same P update, w -= e k (no factor c) */
} nf_rls_rule;

#define NF_LEARNER_MAX_DESIRED 8

typedef struct nf_learner_desc {
    nf_learner_kind kind;
    int32_t readout;  /* READOUT: the readout whose z = W_out r is compared with the target */
    int32_t target;   /* READOUT: an input of the readout's dim: f, [steps][batch][dim];
                         MASKED: -1, or an input of dim rows: the per-row targets f */
    int32_t connection; /* READOUT: -1, or a dense connection from the readout's population whose
                           rows learn too, row i from the error sum_d row_scale[i][d] e_d;
                           CURRENTS: the dense connection that learns;
                           MASKED: the dense or sparse (CSR, not event-driven) connection that
                           learns, from a population */
    const float *row_scale; /* READOUT with connection: [rows][dim], NULL = ones; copied */
    const int32_t *desired; /* CURRENTS, MASKED: connections whose contributions sum to the
                               desired currents J_d (each into a population of `rows` neurons) */
    int32_t n_desired;      /* CURRENTS: 1 .. NF_LEARNER_MAX_DESIRED; MASKED: 0 (target) or that */
    const uint8_t *mask;    /* MASKED, dense connection: [rows][pre], nonzero = the synapse learns;
                               NULL = the synapses whose weight is nonzero (in any copy) when the
                               learner is added. Copied. */
    float alpha;      /* P(0) = I / alpha (> 0); default 1 */
    int32_t every;    /* learn on every `every`-th step of the window; default 1 */
    int64_t start;    /* the window [start, stop) in network steps; default 0 */
    int64_t stop;     /* 0: no end */
    nf_rls_rule rule; /* default NF_RLS_SUSSILLO_ABBOTT */
    nf_precision p_precision; /* default NF_PRECISION_F32 */
} nf_learner_desc;

/* Steps between two finiteness checks of nf_network_run, at least (see nf_learner_add). */
#define NF_CHECK_STEPS 256

NF_API nf_learner_desc nf_learner_defaults(void);

/* Trains during nf_network_run, after the readouts of each step. Errors:
 * READOUT e = z - f (z with the weights before the update; recurrent rows
 * e_i = row_scale[i] . e); CURRENTS e_i = (W r)_i - J_d,i, r and J_d of this
 * step. On step t of the window with (t - start + 1) % every == 0, for each
 * batch element in order: k = P r; c = 1/(1 + r.k); P -= c k k^T; every
 * learning row W_i -= c e_i k (or e_i k). r is the presynaptic population's
 * filtered output. Weights per batch element mean one P per element
 * (independent networks); shared weights share one P, updated element after
 * element. A readout's dimensions share P. P is n x n, symmetric, float32 or
 * (p_precision F64) float64; the weights stay float32.
 *
 * MASKED (BioFORCE): row i of the connection W has K_i learning synapses
 * (sparse: its CSR entries; dense: its mask) from inputs j_1 < ... < j_K, and
 * its own P_i (K_i x K_i, P_i(0) = I/alpha; memory sum K_i^2 per copy, never
 * rows x pre^2). The error of row i is e_i = (W r)_i - f_i with f the target
 * input (TENSION's BioFORCE, z = W r against per-neuron targets), or
 * e_i = (W r)_i - J_d,i with `desired` connections (full-FORCE currents, masked).
 * When due: r_i = r restricted to row i's inputs; k = P_i r_i;
 * c = 1/(1 + r_i.k); P_i -= c k k^T; those synapses -= c e_i k (or e_i k).
 * Synapses outside the mask never change (a zero weight stays exactly zero).
 *
 * Numerics: nf_network_run checks, after every stretch of NF_CHECK_STEPS steps
 * (longer, up to 64 times that, when the state to copy is large next to one
 * step's work, so that the checks cost about 2% of the run) and at its end,
 * that P, the learned weights, every readout z and every population state are
 * finite (a learner's P and weights only for stretches where it updates). It
 * keeps a copy of all of them from the start of each stretch;
 * when a non-finite value shows up it restores that copy, steps again one step
 * at a time to find the first step that produced one, and leaves the network as
 * it was after the step before it (step count, probe rows and inputs included).
 * The run then returns NF_ERR_NUMERIC with a message naming the object
 * ("learner 7 P", "population 0 state", "readout 3 z", "connection 2 weights")
 * and the step S that produced it ("at step S"); nf_network_step_count() is
 * then S (steps 0 .. S-1 stand) and the network stays usable. Every run call
 * pays at least one copy and scan: long runs amortise it, single steps do not.
 * nf_network_reset keeps P and the learned weights. */
NF_API nf_status nf_learner_add(nf_network *net, const nf_learner_desc *d, int32_t *id);
NF_API nf_status nf_learner_set_enabled(nf_network *net, int32_t learner, int enabled);
/* P of every copy, [copies][n][n] (copies = batch for per-batch readouts, else 1);
 * MASKED: [copies][sum over rows of K_i^2], row i's P_i (K_i x K_i, row-major, over its
 * connected inputs in increasing order) after those of the rows before it.
 * The float functions round an F64 P on the way out and widen on the way in; the
 * _f64 ones take doubles whatever the precision (an F32 P rounds what it is given).
 * set refuses non-finite or non-symmetric values (each P_i separately). */
NF_API nf_status nf_learner_get_p(nf_network *net, int32_t learner, float *p);
NF_API nf_status nf_learner_set_p(nf_network *net, int32_t learner, const float *p);
NF_API nf_status nf_learner_get_p_f64(nf_network *net, int32_t learner, double *p);
NF_API nf_status nf_learner_set_p_f64(nf_network *net, int32_t learner, const double *p);
/* Number of P values get_p writes: copies * n * n, or MASKED copies * sum K_i^2. */
NF_API nf_status nf_learner_p_count(const nf_network *net, int32_t learner, int64_t *count);

// --- probes ------------------------------------------------------------------

typedef enum nf_probe_kind {
    NF_PROBE_OUTPUT = 0, /* population output [n] or readout z [dim] */
    NF_PROBE_FILTERED,   /* population filtered output s [n] */
    NF_PROBE_STATE,      /* the population's primary state: voltage, x or theta; for a rate
                            model made spiking, the conversion's accumulator v */
    NF_PROBE_ERROR,      /* a learner's error: READOUT e = z - f [dim]; CURRENTS [rows] */
    NF_PROBE_INPUT       /* an input's current row [dim] */
} nf_probe_kind;

/* Records `what` of `target` at the end of every `every`-th step (steps
 * every-1, 2 every-1, ... counted from the probe's creation or the last reset).
 * Rows accumulate until read. */
NF_API nf_status nf_probe_add(nf_network *net, int32_t target, nf_probe_kind what, int32_t every,
                       int32_t *id);
/* As nf_probe_add with NF_PROBE_STATE, for a chosen state variable. */
NF_API nf_status nf_probe_add_state(nf_network *net, int32_t pop, nf_state_kind which, int32_t every,
                             int32_t *id);
/* Values per row (batch * dim). */
NF_API nf_status nf_probe_row_size(const nf_network *net, int32_t probe, int64_t *floats);
/* Rows recorded and not yet read. */
NF_API nf_status nf_probe_rows(const nf_network *net, int32_t probe, int64_t *rows);
/* Copies every unread row, [rows][batch][dim], into dst (capacity in floats),
 * then forgets them. Too small a dst is refused and nothing is lost. */
NF_API nf_status nf_probe_read(nf_network *net, int32_t probe, float *dst, size_t capacity,
                        int64_t *rows);

// --- files (numpy .npy) ----------------------------------------------------------

/* The most dimensions nf_npy_write_f32 writes and nf_npy_read_f32 reads. */
#define NF_NPY_MAX_DIMS 32

/* Writes a C-order float32 array of ndim (0..NF_NPY_MAX_DIMS) dimensions shape[ndim] to
 * `path` in numpy's .npy format 1.0 (dtype '<f4', little-endian on every
 * host), replacing the file. `data` holds the product of shape values (may be
 * NULL when that is 0). On failure nothing is left at path and, when `message`
 * is not NULL, the reason (the path and the system's error text) is written
 * there, truncated to `capacity` bytes. Status: NF_ERR_INVALID_ARGUMENT,
 * NF_ERR_IO, NF_ERR_OUT_OF_MEMORY. */
NF_API nf_status nf_npy_write_f32(const char *path, const float *data, int32_t ndim,
                           const int64_t *shape, char *message, size_t capacity);

/* Reads the .npy file at `path` (numpy format 1.0, 2.0 or 3.0, C order) into
 * a new float32 array *data of *ndim dimensions; shape (room for
 * NF_NPY_MAX_DIMS values) receives the first *ndim. A 0-d array (shape ())
 * gives *ndim 0 and one value; an array with a 0 in its shape gives no
 * values. On success *data is never NULL (free it with nf_npy_free); on
 * failure *data is NULL, *ndim is 0, nothing is allocated and, when `message`
 * is not NULL, the reason (naming the file) is written there, truncated to
 * `capacity` bytes. Bytes after the data are ignored, as numpy does.
 * dtypes, converted to float32:
 *   '<f4'                       as they are;
 *   '<f8'                       rounded to the nearest float32 (too small a
 *                               value becomes subnormal or 0; inf and NaN are
 *                               kept); a finite value that would round to
 *                               infinity (|x| >= 2^128 - 2^103) is refused;
 *   '|i1' '<i2' '<i4' '<i8',
 *   '|u1' '<u2' '<u4' '<u8'     only values float32 holds exactly (every
 *                               |x| <= 2^24, larger ones with enough trailing
 *                               zero bits); another is refused;
 *   '|b1'                       0 or 1.
 * A refused value is named by its position, flat and as an index. A Fortran-
 * order header is read only where its layout equals C order's (at most one
 * dimension above 1). Status: NF_ERR_INVALID_ARGUMENT (NULL arguments; not a
 * .npy file; an unknown version; a malformed header, or one over 65536 bytes
 * or longer than the file; a big-endian, object, structured or other dtype;
 * Fortran order; a negative shape value, more than NF_NPY_MAX_DIMS
 * dimensions, or a shape whose product overflows; a value as above), NF_ERR_IO
 * (the file cannot be opened or read, or ends before its data does),
 * NF_ERR_OUT_OF_MEMORY. */
NF_API nf_status nf_npy_read_f32(const char *path, float **data, int32_t *ndim,
                                 int64_t shape[NF_NPY_MAX_DIMS], char *message, size_t capacity);

/* Frees an array from nf_npy_read_f32; NULL is a no-op. */
NF_API void nf_npy_free(float *data);

/* Writes every unread row of a probe to `path` as a .npy array of shape
 * (rows, batch, dim), then forgets them (as nf_probe_read). On failure the
 * rows stay unread and nf_network_last_error names the path and the reason. */
NF_API nf_status nf_probe_write_npy(nf_network *net, int32_t probe, const char *path);

// --- checkpoints -------------------------------------------------------------------

/* Saves everything that determines the network's future to `path`, one
 * numpy .npz archive: the network's descriptor (dt as now, batch, seed,
 * mode), every object's descriptor, every population's gains, biases, state
 * variables, filter state, spiking accumulators and rate-statistics sums,
 * inputs' rows and position, connections' weights (CSR for sparse, per batch
 * element when so; an event-driven connection's post-side state), readouts'
 * weights and z, learners' P (in its precision), enabled flags and masks,
 * probes' unread rows (they stay unread in net too), registered energy
 * devices, the step count and the random stream's positions.
 * np.load(path) lists the arrays as <kind>_<object id>/<array>, e.g.
 * "population_0/voltage", "connection_2/weights", "readout_3/weights",
 * "learner_4/P"; "metadata.txt" is `key = value` lines (format version,
 * library version, every descriptor field). Members are stored
 * uncompressed, so the file is the arrays' bytes plus about 1%.
 * The file is replaced whole or not at all: written to a temporary file
 * beside it, flushed, fsync'ed and renamed, so a crash or a full disk leaves
 * the previous file as it was. The network is not changed. Status:
 * NF_ERR_INVALID_ARGUMENT (NULL net or path), NF_ERR_IO (the file cannot be
 * written; the message names the path and the reason), NF_ERR_OUT_OF_MEMORY,
 * NF_ERR_BACKEND, NF_ERR_UNSUPPORTED (a library built without libzip). */
NF_API nf_status nf_network_save(nf_network *net, const char *path);

/* Creates a network from a checkpoint written by nf_network_save, on
 * `backend` and `device` (AUTO, CPU or CUDA: any backend, whatever the one it
 * was saved on), with every object at the same id. The same calls after
 * nf_network_save on the saved network and after nf_network_load give
 * bit-identical probes, states and weights on the same backend (within the
 * cross-backend tolerances on another); nf_network_reset afterwards redraws
 * the same initial state as the saved network's reset would. Every member's
 * CRC is checked and every array's dtype and shape against the descriptors
 * before it is copied. Refused: a file that is not a zip archive or is cut
 * short, or whose bytes changed (NF_ERR_IO); a zip archive that is not a
 * checkpoint, one of a newer format version, or one whose metadata or arrays
 * do not describe a valid network (NF_ERR_INVALID_ARGUMENT); the message
 * then names the file, the member and what is wrong. NF_ERR_NO_DEVICE,
 * NF_ERR_OUT_OF_MEMORY, NF_ERR_BACKEND as nf_network_create;
 * NF_ERR_UNSUPPORTED without libzip. On failure *out is NULL and nothing is
 * allocated. message (may be NULL) receives the reason, truncated to
 * `capacity` bytes ("" on success). */
NF_API nf_status nf_network_load(const char *path, nf_backend backend, int32_t device,
                                 nf_network **out, char *message, size_t capacity);

// --- running ------------------------------------------------------------------

typedef enum nf_mode {
    NF_MODE_SPIKING = 0, /* spiking conversions spike; the default */
    NF_MODE_RATE         /* rate models output rate(J); nengo LIF outputs its LIFRate rate;
                            ADAPTIVE_LIF runs nengo's AdaptiveLIFRate (rate of J - n, n
                            follows it); filters marked spiking_only are the identity */
} nf_mode;

/* Advances the network `steps` steps (0 is a no-op), in the order of the
 * timestep described at the top of this file. */
NF_API nf_status nf_network_run(nf_network *net, int64_t steps);
/* Back to the initial state: states redrawn from the seed, filters and readout
 * values as at creation, inputs rewound, probes emptied, step count 0.
 * Parameters (weights, gains, biases, inputs' values, mode, dt) are kept. */
NF_API nf_status nf_network_reset(nf_network *net);
NF_API nf_status nf_network_set_mode(nf_network *net, nf_mode mode);
NF_API nf_mode nf_network_mode(const nf_network *net);
/* Changes dt; every dt-dependent constant is recomputed. */
NF_API nf_status nf_network_set_dt(nf_network *net, double dt);

// --- sequence layers (keras-spiking) ------------------------------------------

/* keras-spiking's SpikingActivation, Lowpass and Alpha layers applied to a
 * whole sequence in one call, elementwise per unit (engine/sequence.c):
 *   SPIKING_ACTIVATION  r = rate(x) of a rate model; spiking mode:
 *                       v += r dt; k = floor(v); v -= k; out = amplitude k / dt
 *                       (k may be 0, > 1 or negative); rate mode: out = amplitude r
 *   LOWPASS             y = a y + (1 - a) x, a = exp(-dt/tau) (ZOH; tau 0: y = x)
 *   ALPHA               the ZOH alpha filter of docs/equations.md, output x1
 * The equations are the network's (kernels/math), so a layer gives the same
 * numbers as a population of that model (gain 1, bias 0) or that filter fed
 * the same input. A filter with spiking_only set (keras-spiking's
 * apply_during_training = False) is the identity in rate mode and keeps its
 * state. The CUDA backend runs a whole sequence (and a chain of layers) in one
 * kernel, one thread per (batch, unit), the state in registers across steps.
 * A layer belongs to one thread at a time. The layers one thread creates on
 * the same backend and device share one backend context (on CUDA one stream
 * and one cuBLAS handle, not one each), so they too must be used from one
 * thread at a time; layers created on different threads share nothing. */
typedef struct nf_layer nf_layer; /* opaque */

typedef enum nf_layer_kind {
    NF_LAYER_SPIKING_ACTIVATION = 0,
    NF_LAYER_LOWPASS,
    NF_LAYER_ALPHA
} nf_layer_kind;

typedef enum nf_layout {
    NF_LAYOUT_BATCH_MAJOR = 0, /* [batch][time][units] (keras-spiking's default) */
    NF_LAYOUT_TIME_MAJOR       /* [time][batch][units] (time_major = True) */
} nf_layout;

typedef enum nf_memory {
    NF_MEMORY_HOST = 0, /* in and out are host pointers (copied to and from the device on CUDA) */
    NF_MEMORY_DEVICE    /* device pointers of the layer's CUDA device (CPU backend: unsupported) */
} nf_memory;

typedef struct nf_layer_desc {
    nf_layer_kind kind;
    int32_t units;          /* >= 1 */
    double dt;              /* > 0 (0 also means 0.001); default 0.001 */
    nf_backend backend;     /* default NF_BACKEND_AUTO */
    int32_t device;         /* CUDA device ordinal; default 0 */
    nf_mode mode;           /* SPIKING (inference, the default) or RATE (training without
                               spiking-aware training); nf_layer_set_mode changes it */
    int32_t stateful;       /* nonzero: each apply resumes from the previous one's final state */
    int32_t rate_stats;     /* nonzero: keep |output| sums for nf_layer_rate_stats */
    /* SPIKING_ACTIVATION */
    nf_model model;         /* RELU, SIGMOID, TANH, LIF_RATE or SOFTLIF_RATE */
    float amplitude;        /* 1 */
    float tau_rc, tau_ref;  /* LIF_RATE, SOFTLIF_RATE 0.02, 0.002; SIGMOID, TANH tau_ref 1, so
                               r = sigmoid(x), tanh(x) as keras-spiking (populations: 0.0025);
                               0 = these defaults */
    float sigma;            /* SOFTLIF_RATE: 1 */
    uint64_t seed;          /* initial v of (b, u) = uniform [0, 1) at position b units + u of
                               the Philox stream of seed (as a network's first population) */
    /* LOWPASS, ALPHA */
    float tau;              /* all units (LOWPASS >= 0, ALPHA > 0); default 0.01 */
    const float *taus;      /* [units] per-unit tau instead, or NULL; copied */
    int32_t spiking_only;   /* nonzero: identity in rate mode */
    /* initial state, the same for every batch element: SPIKING_ACTIVATION v
     * (NULL: drawn from seed), filters' output level (NULL: 0; ALPHA x0 starts at 0) */
    const float *initial;   /* [units] or NULL; copied */
} nf_layer_desc;

/* Defaults for a layer of `kind` with `units` units (model RELU). */
NF_API nf_layer_desc nf_layer_defaults(nf_layer_kind kind, int32_t units);

/* Creates a layer and its backend context. On failure *out is NULL and, for
 * _ex, the reason is written to message (truncated to capacity). Status:
 * NF_ERR_INVALID_ARGUMENT, NF_ERR_NO_DEVICE, NF_ERR_OUT_OF_MEMORY, NF_ERR_BACKEND. */
NF_API nf_status nf_layer_create(const nf_layer_desc *d, nf_layer **out);
NF_API nf_status nf_layer_create_ex(const nf_layer_desc *d, nf_layer **out, char *message,
                             size_t capacity);
NF_API void nf_layer_destroy(nf_layer *layer); /* NULL is a no-op */
/* The message of the last failed call on the layer ("" after none). */
NF_API const char *nf_layer_last_error(const nf_layer *layer);
NF_API nf_backend nf_layer_backend(const nf_layer *layer); /* resolved, never AUTO */

/* Applies the layer to `in` ([batch][time][units] or [time][batch][units] per
 * layout) and writes every step's output in the same layout
 * (return_sequences != 0) or only the last step's, [batch][units]. in and out
 * must not overlap.
 * Starts from the initial state, or (stateful, or after nf_layer_set_state)
 * from the state left by the previous call; a stateful layer keeps its batch
 * size until nf_layer_reset. Host memory on CUDA is staged through device
 * buffers the layer keeps. Status: NF_ERR_INVALID_ARGUMENT (sizes, NULL,
 * batch change of a stateful layer), NF_ERR_UNSUPPORTED (device memory on the
 * CPU backend), NF_ERR_OUT_OF_MEMORY, NF_ERR_BACKEND. */
NF_API nf_status nf_layer_apply(nf_layer *layer, const float *in, float *out, int32_t batch,
                         int64_t time, int32_t units, nf_layout layout, nf_memory memory,
                         int32_t return_sequences);

#define NF_LAYER_CHAIN_MAX 8

/* Applies layers[0], then layers[1], ... (count 1..NF_LAYER_CHAIN_MAX, all
 * of `units` units, on one backend and device) in one pass: on CUDA one
 * kernel runs every layer per step, keeping the intermediate values in
 * registers. Each layer's state, statefulness and statistics behave as in
 * nf_layer_apply. Errors are reported on layers[0]. */
NF_API nf_status nf_layer_chain_apply(nf_layer *const *layers, int32_t count, const float *in,
                               float *out, int32_t batch, int64_t time, int32_t units,
                               nf_layout layout, nf_memory memory, int32_t return_sequences);

/* Back to the initial state: the next apply starts from desc's initial state. */
NF_API nf_status nf_layer_reset(nf_layer *layer);
NF_API nf_status nf_layer_set_mode(nf_layer *layer, nf_mode mode);

/* State [batch][units], host memory: SPIKING_ACTIVATION NF_STATE_SPIKE_ACCUMULATOR
 * (v); filters NF_STATE_FILTER (LOWPASS y, ALPHA x1) and NF_STATE_FILTER_AUX
 * (ALPHA x0). get reads the state after the last apply (or set); set makes the
 * next apply start from it (and fixes the batch size). */
NF_API nf_status nf_layer_set_state(nf_layer *layer, nf_state_kind which, int32_t batch,
                             const float *values);
NF_API nf_status nf_layer_get_state(nf_layer *layer, nf_state_kind which, int32_t batch,
                             float *values);

// --- firing-rate statistics -------------------------------------------------------

#define NF_RATE_STATS_MAX_PERCENTILES 16

/* Statistics of per-neuron rates: neuron i's rate is the mean of |output_i|
 * (Hz for spiking outputs: spikes of height 1/dt) over the batch and the steps
 * counted. Percentiles interpolate linearly between order statistics (numpy's
 * default). These are the quantities keras-spiking's rate regularizers act on. */
typedef struct nf_rate_stats {
    int64_t steps;          /* steps counted */
    int32_t neurons;
    double mean, min, max;  /* over neurons */
    int32_t n_percentiles;
    double percentile[NF_RATE_STATS_MAX_PERCENTILES]; /* at the requested q[i] */
} nf_rate_stats;

/* Starts (enabled != 0: a per-neuron |output| accumulator, [batch][n] doubles
 * of backend memory, zeroed now, added to by the population's fused step) or
 * stops (frees it) the counting for a population. Counting restarts at
 * nf_network_reset. A run that stops with NF_ERR_NUMERIC restores the sums
 * with the rest of the network, to the last good step. */
NF_API nf_status nf_population_rate_stats_enable(nf_network *net, int32_t pop, int32_t enabled);

/* Statistics over the steps since enabling or the last reset; q[nq] are
 * percentiles in [0, 100] (nq <= NF_RATE_STATS_MAX_PERCENTILES, q may be NULL
 * when nq is 0). rates, when not NULL, receives the n per-neuron rates.
 * NF_ERR_STATE when counting is off or no step ran. */
NF_API nf_status nf_population_rate_stats(nf_network *net, int32_t pop, const double *q, int32_t nq,
                                   nf_rate_stats *stats, float *rates);

/* The counts the statistics come from: sums[b][i] (capacity >= batch n
 * doubles) gets the sum of |output_i| of element b over the steps counted,
 * *steps their number. Statistics over several networks' elements (the MPI
 * companion's ranks) add these over the elements and pass the totals to
 * nf_rate_stats_from_sums. NF_ERR_STATE as nf_population_rate_stats. */
NF_API nf_status nf_population_rate_sums(nf_network *net, int32_t pop, double *sums,
                                         size_t capacity, int64_t *steps);

/* The statistics from totals[i] = the sum of |output_i| over `batch`
 * elements and `steps` steps (rate_i = totals[i] / (batch steps)), by the
 * rule of nf_population_rate_stats: with totals added up over the elements in
 * element order, starting from 0.0, the result equals that call's bit for bit.
 * rates (may be NULL) gets the n rates. NF_ERR_INVALID_ARGUMENT (n, batch or
 * steps < 1, a bad q) with the reason in message (may be NULL; "" on success). */
NF_API nf_status nf_rate_stats_from_sums(const double *totals, int32_t n, int32_t batch,
                                         int64_t steps, const double *q, int32_t nq,
                                         nf_rate_stats *stats, float *rates, char *message,
                                         size_t capacity);

/* The same for a layer created with rate_stats, over its last apply (or
 * chain apply) and units (averaged over batch and time). */
NF_API nf_status nf_layer_rate_stats(nf_layer *layer, const double *q, int32_t nq, nf_rate_stats *stats,
                              float *rates);

// --- energy estimates (keras-spiking ModelEnergy) -----------------------------

/* Per inference of T = steps_per_inference steps of length dt, per layer
 * (every population, and every readout as a layer without neurons):
 * connections = synapses into it (dense post x pre, sparse nnz, identity n;
 * readout dim x n), neurons = neurons updated per step.
 *   non-spiking device: E = e_synop connections + e_neuron neurons (one step);
 *   spiking device:     E = sum over incoming connections c of
 *                       e_synop connections_c rate_c dt T + e_neuron neurons T,
 * rate_c the measured mean |output| (Hz) of c's source: a population's rate
 * statistics (which must be enabled and have counted steps), an input's mean
 * |value| over the rows it holds, a readout's mean |z| now; a readout layer's
 * rate is its population's. Devices (J per synop / per neuron update): cpu
 * 8.6e-9 / 8.6e-9, gpu 0.3e-9 / 0.3e-9, arm 0.9e-9 / 0.9e-9 (non-spiking);
 * loihi 27.1e-12 / 81e-12, spinnaker 13.3e-9 / 26e-9, spinnaker2 450e-12 /
 * 2.19e-9 (spiking); plus those registered on the network. Status:
 * NF_ERR_INVALID_ARGUMENT (unknown device, steps < 1, dt <= 0), NF_ERR_STATE
 * (a spiking device needs a rate that was not measured). */
NF_API nf_status nf_energy_estimate(nf_network *net, const char *device, int64_t steps_per_inference,
                             double dt, double *joules);

/* The rates nf_energy_estimate reads, measured now: rates[id] for every object
 * id (a population's mean rate, an input's mean |value|, a readout's mean |z|;
 * NaN for a population without counted rate statistics and for objects of
 * other kinds). *count gets the number of object ids; a capacity below it is
 * refused (NF_ERR_INVALID_ARGUMENT, *count set). Each is a mean over the
 * batch elements, so rates of several networks' elements (the MPI companion's
 * ranks) combine as means weighted by their element counts. */
NF_API nf_status nf_energy_source_rates(nf_network *net, double *rates, int32_t capacity,
                                        int32_t *count);

/* nf_energy_estimate reading the given rates[count] (count the network's
 * object ids, as nf_energy_source_rates gives them; NaN: not measured; others
 * finite and >= 0) instead of measuring them. */
NF_API nf_status nf_energy_estimate_rates(nf_network *net, const char *device,
                                          int64_t steps_per_inference, double dt,
                                          const double *rates, int32_t count, double *joules);

/* Adds (or replaces) a device on this network only. name: 1..31 characters;
 * energies finite and >= 0. The built-in names cannot be replaced. */
NF_API nf_status nf_energy_device_register(nf_network *net, const char *name, double e_synop,
                                    double e_neuron, int32_t spiking);

/* Writes a keras-spiking-like table (one line per layer: name, connections,
 * neurons, input rate in Hz, J per inference on each device; then the total
 * per device) into buf (capacity bytes, NUL-terminated). *needed (when not
 * NULL) gets the bytes the whole table takes, NUL included; a buf too small is
 * refused with NF_ERR_INVALID_ARGUMENT and left unchanged. Rates show "-"
 * where none was measured (only allowed when every device is non-spiking). */
NF_API nf_status nf_energy_summary(nf_network *net, const char *const *devices, int32_t n_devices,
                            int64_t steps_per_inference, double dt, char *buf, size_t capacity,
                            size_t *needed);
/* nf_energy_summary reading the given rates (as nf_energy_estimate_rates). */
NF_API nf_status nf_energy_summary_rates(nf_network *net, const char *const *devices,
                                         int32_t n_devices, int64_t steps_per_inference,
                                         double dt, const double *rates, int32_t count, char *buf,
                                         size_t capacity, size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* NEUROFUSE_H */
