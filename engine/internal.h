/*
 * The network's internal representation, shared by the engine's files.
 * Every id a caller sees indexes net->objects, which names the kind and the
 * index into that kind's array. All float buffers are backend memory.
 */
#ifndef NF_ENGINE_INTERNAL_H
#define NF_ENGINE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include "backend.h"
#include "kernels/math/model_row.h"

typedef enum nf_object_kind {
    NF_OBJ_POPULATION = 1,
    NF_OBJ_INPUT,
    NF_OBJ_CONNECTION,
    NF_OBJ_READOUT,
    NF_OBJ_PROBE,
    NF_OBJ_LEARNER
} nf_object_kind;

typedef struct nf_object {
    nf_object_kind kind;
    int32_t index;
} nf_object;

typedef struct nf_population {
    nf_population_desc desc; /* gains/biases pointers cleared */
    bool convert;            /* a rate model run through the spiking conversion */
    uint64_t rng_offset;     /* first stream position of its initial-state draws */
    float *gain, *bias;      /* [n] */
    float *input;            /* [batch][n] summed synaptic input of the current step */
    float *s0, *s1, *s2;     /* [batch][n] model state slots (model_row.h), NULL when unused */
    float *out;              /* [batch][n] */
    float *f0, *f1;          /* [batch][n] filter state, NULL when unused */
    double *abs_sum;         /* [batch][n] rate statistics (sum of |out|), NULL when off */
    int64_t rate_from;       /* the step count when the statistics began */
    int32_t feeds;           /* connections into it */
    int32_t feed;            /* the first one's index in conns (when feeds > 0) */
    nf_model_params step_model;   /* its step's constants (nf__model_params, ...) */
    nf_filter_params step_filter; /* (nf__filter_params), made for ... */
    int64_t step_for;             /* ... this net->structure (dt and mode); -1 before */
} nf_population;

typedef struct nf_input {
    int32_t dim;
    int64_t steps;  /* rows held in values */
    int64_t cursor; /* the row the next step uses */
    float *values;  /* [steps][batch][dim] */
    float *stage;   /* [batch][dim]: the row of the current step (steps > 1) */
} nf_input;

typedef struct nf_connection {
    nf_connection_desc desc; /* pointers cleared */
    int32_t pre, post;       /* object ids */
    int32_t n_pre, n_post;
    int32_t copies;          /* weight matrices stored: batch when per_batch, else 1 */
    bool event;              /* event-driven: weights stored transposed, filter post-side */
    float *w;                /* dense [post][pre] or, event, [pre][post]; sparse values */
    int64_t nnz;             /* sparse */
    int32_t *index_ptr;      /* sparse: CSR row_ptr, or, event, CSC col_ptr */
    int32_t *index;          /* sparse: CSR col, or, event, CSC row */
    int64_t *perm;           /* host, event sparse: CSC position -> CSR position */
    float *acc;              /* event: [batch][post] W out of the last step */
    int32_t *spikes;         /* event: backend scratch [batch][pre + 1] */
    float *pf0, *pf1;        /* event: post-side filter state [batch][post] */
} nf_connection;

typedef struct nf_readout {
    int32_t pop; /* object id */
    int32_t dim, n;
    int32_t copies;
    bool per_batch; /* W_out per batch element (copies is the batch, which may be 1) */
    float z_init_scale;
    uint64_t rng_offset;
    float *w; /* [dim][n] per copy */
    float *z; /* [batch][dim] */
} nf_readout;

typedef struct nf_learner {
    nf_learner_desc desc;   /* pointers cleared */
    int32_t desired[NF_LEARNER_MAX_DESIRED];
    int32_t pop;            /* object id of the presynaptic population (r) */
    int32_t readout_index;  /* READOUT */
    int32_t conn_index;     /* the learning connection, or -1 */
    int32_t copies;         /* P matrices: batch when the weights are per batch, else 1 */
    int32_t n, dim, rows;   /* r size; readout dim; learning connection rows */
    bool enabled;
    bool f64;               /* P (and k, c) in double */
    int64_t p_count;        /* P values per copy: n * n, or MASKED sum K_i^2 */
    void *p;                /* [copies][p_count] float or double */
    void *k;                /* scratch of P's type (nf_rls_args, nf_rls_masked_args) */
    void *owed;             /* READOUT, CURRENTS on a backend with rls_settle: the update
                               owed to P (nf_rls_args); nf__learner_settle before reading P */
    float *e;               /* READOUT [batch][dim] */
    float *row_e;           /* [batch][rows], when a connection learns */
    float *row_scale;       /* READOUT with a connection: [rows][dim] */
    float *desired_sum;     /* CURRENTS, MASKED with desired: [batch][rows] J_d */
    int32_t target_index;   /* MASKED: the per-row target input's index, or -1 */
    /* MASKED: the learning synapses (see nf_rls_masked_args) */
    int64_t nnz;
    int32_t max_k;
    int32_t *h_row_ptr;     /* host [rows + 1] */
    int32_t *row_ptr, *col; /* backend [rows + 1], [nnz] */
    int64_t *w_index;       /* backend [nnz] */
    int64_t *p_off;         /* backend [rows] */
} nf_learner;

typedef struct nf_probe {
    int32_t target;
    nf_probe_kind what;
    nf_state_kind state;
    int32_t every;
    int64_t start;          /* the network step count when recording began */
    int64_t row_floats;     /* batch * dim */
    int64_t rows, capacity; /* rows held, rows allocated */
    float *buf;             /* [capacity][row_floats] */
} nf_probe;

/* The run state nf_network_run sets aside and checks (run_guard.c): every
 * buffer a step changes, with the object it belongs to. */
typedef struct nf_guard {
    nf_state_ref *host;   /* [count] */
    int32_t *ids;         /* [count] object id of each buffer */
    const char **what;    /* [count] what the buffer holds ("P", "state", ...) */
    int32_t *host_flags;  /* [count] */
    nf_state_ref *table;  /* backend copy of host */
    int32_t *flags;       /* backend [count] */
    void *store;          /* backend: the copy */
    int32_t *begin;       /* [learners + 2]: group k's entries are [begin[k], begin[k+1]);
                             group 0 every step's state, group 1 + i learner i's */
    uint8_t *active;      /* [learners + 1]: groups copied and checked this stretch */
    int32_t count;
    int32_t built_for;    /* objects.count when built; -1 before */
} nf_guard;

/* The longest message a network or a layer keeps (with its terminating NUL). */
#define NF_MESSAGE_MAX 512

/* A growable array of one kind of object. */
#define NF_ARRAY(type) struct { type *items; int32_t count, capacity; }

struct nf_network {
    nf_network_desc desc;
    double dt;
    nf_mode mode;
    nf_backend backend;
    const nf_backend_i *be;
    nf_backend_ctx *ctx;
    uint64_t rng_next; /* next free position of the Philox stream */
    int32_t batch_first;  /* the batch window (nf_network_create_window): this network holds */
    int32_t batch_global; /* elements [batch_first, batch_first + desc.batch) of batch_global */
    bool window;          /* created as a window: dense products element by element */
    bool restoring;       /* nf_network_load is building it and sets every learner's P
                             itself: nf_learner_add leaves P as allocated (checkpoint_build.c) */
    int64_t step;      /* steps run since creation or reset */
    int32_t launched;  /* objects.count + 1 when a step of this structure has run
                          uncaptured, so every kernel is loaded before a capture */
    NF_ARRAY(nf_object) objects;
    NF_ARRAY(nf_population) pops;
    NF_ARRAY(nf_input) inputs;
    NF_ARRAY(nf_connection) conns;
    NF_ARRAY(nf_readout) readouts;
    NF_ARRAY(nf_probe) probes;
    NF_ARRAY(nf_learner) learners;
    nf_guard guard;
    struct nf_energy_device *energy_devices; /* registered on this network (energy.c) */
    int32_t n_energy_devices;
    int64_t structure;   /* bumped by every object added and by nf_network_set_dt/_mode */
    int64_t checked;     /* structure when the run check last passed; -1 before */
    nf_run_check run_check; /* nf_network_set_run_check (replica.c) */
    void *run_check_context;
    void (*run_check_release)(void *context);
    bool run_checking;   /* inside the run check: it may not run or replace itself */
    const char *api;   /* the public function called last (NF_ENTER): every message
                          nf__fail records begins with its name */
    char error[NF_MESSAGE_MAX];
};

// --- errors and validation (core.c)

/* Every public function taking a network begins with NF_ENTER(net): the
 * messages of the call, wherever in the engine they are made, then begin
 * with that function's name (nf__fail). A NULL net is left to the function. */
#define NF_ENTER(net) nf__enter((net), __func__)
static inline void nf__enter(const nf_network *net, const char *fn) {
    if (net)
        ((nf_network *)net)->api = fn; /* a query changes only its message */
}
/* Formats a message into dst[cap] so that it begins with "fn: " (fn NULL:
 * as formatted); a message already beginning so is kept as it is. */
void nf__vmessage(char *dst, size_t cap, const char *fn, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* msg without its leading "fn: " (to quote it inside another message). */
const char *nf__message_detail(const char *msg, const char *fn);
/* Records a formatted message (beginning with the called function's name,
 * NF_ENTER) and returns st. */
nf_status nf__fail(nf_network *net, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Turns a backend status into the network's error (with the backend's text). */
nf_status nf__backend_fail(nf_network *net, nf_status st, const char *where);
/* NF_OK when every value is finite; else an error naming `what` and the index. */
nf_status nf__check_finite(nf_network *net, const char *fn, const char *what, const float *v,
                           size_t count);
/* Resolves an id to an object of `kind` (0 = any); errors name fn and arg. */
nf_status nf__lookup(nf_network *net, const char *fn, const char *arg, int32_t id,
                     nf_object_kind kind, nf_object **out);
/* For the read-only queries: resolves id to an object of `kind` and checks
 * the result pointer `out`; on failure sets the message (the only thing a
 * query changes) and returns NF_ERR_INVALID_ARGUMENT. *index = its index. */
nf_status nf__query(const nf_network *net, const char *fn, const char *arg, int32_t id,
                    nf_object_kind kind, const void *out, int32_t *index);
/* Makes room for one more item in an array (before anything changes). */
nf_status nf__reserve(nf_network *net, void **items, int32_t *capacity, int32_t count,
                      size_t item_size);
#define NF_RESERVE(net, arr)                                                                 \
    nf__reserve((net), (void **)&(arr).items, &(arr).capacity, (arr).count, sizeof *(arr).items)
/* Appends an object entry (room reserved beforehand) and returns its id. */
int32_t nf__object_push(nf_network *net, nf_object_kind kind, int32_t index);
/* Reserves room in the object table and in one kind's array. */
nf_status nf__reserve_object(nf_network *net, void **items, int32_t *capacity, int32_t count,
                             size_t item_size);
#define NF_RESERVE_OBJECT(net, arr)                                                          \
    nf__reserve_object((net), (void **)&(arr).items, &(arr).capacity, (arr).count,           \
                       sizeof *(arr).items)

/* *out = a b; true when that overflows size_t (then *out is unspecified). */
static inline bool nf__mul_size(size_t a, size_t b, size_t *out) {
    return __builtin_mul_overflow(a, b, out);
}
/* *out = a b c elements of `elem` bytes each fit in memory's address space
 * (a, b, c >= 0): NF_OK, else NF_ERR_INVALID_ARGUMENT naming fn and what. */
nf_status nf__count3(nf_network *net, const char *fn, const char *what, int64_t a, int64_t b,
                     int64_t c, size_t elem, size_t *out);

/* Returns NF_ERR_INVALID_ARGUMENT with a message unless cond holds (needs `net`). */
#define REQUIRE(cond, ...)                                                                   \
    do {                                                                                     \
        if (!(cond))                                                                         \
            return nf__fail(net, NF_ERR_INVALID_ARGUMENT, __VA_ARGS__);                     \
    } while (0)

// --- replicas (replica.c)

/* nf_network_run's first act: calls the run check when the structure changed
 * since it last passed; its refusal as the network's error. */
nf_status nf__run_check(nf_network *net, const char *fn);
/* Releases the run check's context (nf_network_destroy). */
void nf__run_check_release(nf_network *net);

// --- backend memory helpers (core.c)

/* Allocates `count` zeroed floats (or bytes via nf__alloc_bytes) of backend memory. */
nf_status nf__alloc(nf_network *net, size_t count, float **out);
nf_status nf__alloc_bytes(nf_network *net, size_t bytes, void **out);
void nf__free(nf_network *net, void *p);
nf_status nf__upload(nf_network *net, void *dst, const void *src, size_t bytes);
nf_status nf__download(nf_network *net, void *dst, const void *src, size_t bytes);
nf_status nf__fill(nf_network *net, float *dst, float value, size_t count);

// --- random draws (random.c)

/* Stream positions a draw of `count` values occupies (rounded up to 4). */
uint64_t nf__rng_span(size_t count);
/* Uniform in [lo, hi) at stream position `offset`, into backend memory. */
nf_status nf__draw_uniform(nf_network *net, uint64_t offset, float *dst, size_t count, float lo,
                           float hi);
/* N(0, std^2) at stream position `offset`, into backend memory. */
nf_status nf__draw_normal(nf_network *net, uint64_t offset, float *dst, size_t count,
                          float std);
/* Per-batch-element draws keyed by the global element: dst is [batch][per_element]
 * of the network's window, element b taking stream positions offset + (batch_first + b)
 * per_element + i, exactly what a draw of the whole batch gives it. */
nf_status nf__draw_uniform_batched(nf_network *net, uint64_t offset, float *dst,
                                   size_t per_element, float lo, float hi);
nf_status nf__draw_normal_batched(nf_network *net, uint64_t offset, float *dst,
                                  size_t per_element, float std);
/* Stream positions a per-batch-element draw takes: the whole batch's,
 * nf__rng_span(batch_global * per_element), so later offsets agree on every window. */
uint64_t nf__rng_span_batched(const nf_network *net, size_t per_element);

// --- constants (params.c)

bool nf__model_is_rate(nf_model m);
/* The model's row of the table (models.c), or NULL for a value out of range. */
const nf_model_row *nf__model_row(nf_model m);
/* True when the population's output is made of spikes (in spiking mode). */
bool nf__population_spikes(const nf_population *p);
nf_model_params nf__model_params(const nf_population *p, double dt, nf_mode mode);
nf_filter_params nf__filter_params(const nf_filter_desc *f, double dt, nf_mode mode);
/* Number of filter state variables of a filter kind (0, 1 or 2). */
int nf__filter_vars(nf_filter_kind kind);

// --- finite derived constants (params_check.c)

/* NF_OK when dt and 1/dt are finite floats > 0; else a message naming fn. */
nf_status nf__dt_check(nf_network *net, const char *fn, double dt);
/* NF_OK when every derived constant of population p (object id pop) at dt is
 * finite in both modes; else a message naming fn, pop and the constant. */
nf_status nf__population_params_check(nf_network *net, const char *fn, const nf_population *p,
                                      int32_t pop, double dt);

// --- populations (population.c, state.c)

/* Draws (or sets) the initial model state and output, zeroes the filter. */
nf_status nf__population_init_state(nf_network *net, nf_population *p);
/* Zeroes a population's rate statistics (when on) and restarts their count (rate_stats.c). */
nf_status nf__rate_stats_restart(nf_network *net, nf_population *p);
/* A population's measured mean rate (rate_stats.c); NF_ERR_STATE when not measured. */
nf_status nf__population_mean_rate(nf_network *net, int32_t pop, double *rate);
/* Frees a population's buffers. */
void nf__population_free(nf_network *net, nf_population *p);
/* The state slot of `which` for this population, or NULL when it has none. */
float *nf__state_slot(const nf_population *p, nf_state_kind which);
const char *nf__state_name(nf_state_kind which);
/* A model whose output is a function of s0 (its row's `output`; LEAKY_RATE
 * without conversion: amplitude tanh(x)): sets the output from s0, as the next
 * step reads it. s0: the new s0 (host, [batch][n]), uploaded with its output;
 * NULL: from the population's s0. */
nf_status nf__state_output_sync(nf_network *net, const char *fn, nf_population *p,
                                const float *s0);
const char *nf__model_name(nf_model m);

// --- connections (connection.c, weights.c)

/* The signal a connection reads from its pre object this step (propagate.c). */
const float *nf__signal(const nf_network *net, int32_t pre_id);
/* The event connection whose post-side sum is a population's whole input, so
 * that its step reads that sum in place of p->input (propagate.c); NULL when
 * p->input is assembled from the connections. */
const nf_connection *nf__sole_event_feed(const nf_network *net, const nf_population *p);
/* Adds a connection's contribution of this step (W signal) into y [batch][n_post]
 * (propagate.c). */
nf_status nf__connection_contribute(nf_network *net, const nf_connection *c, float *y);
/* Step 3b for an event connection: acc = W out of the pre's spikes this step,
 * then its post-side filter advances with acc (propagate.c). */
nf_status nf__connection_propagate_events(nf_network *net, nf_connection *c);
/* Brings an event connection's post-side state to W times the pre's state (propagate.c). */
nf_status nf__event_resync(nf_network *net, nf_connection *c);
/* Resynchronises every event connection whose pre is the population `pop_id`. */
nf_status nf__event_resync_from(nf_network *net, int32_t pop_id);
void nf__connection_free(nf_network *net, nf_connection *c);
/* nf_connection_get_weights without entering a call (errors name fn; weights.c). */
nf_status nf__connection_get_weights(nf_network *net, const char *fn, int32_t conn, float *w);
int64_t nf__connection_weight_count(const nf_connection *c);

// --- learners (learner.c)

/* Queues every learner's RLS step (after the readouts of a step). */
nf_status nf__learners_step(nf_network *net);
void nf__learner_free(nf_network *net, nf_learner *l);
/* Resolves a learner id (errors name fn; learner_p.c). */
nf_status nf__learner_find(nf_network *net, const char *fn, int32_t learner, nf_learner **out);
/* Copies P out into dst as double (want64) or float, both halves filled
 * (nf_learner_get_p without entering a call; errors name fn). */
nf_status nf__learner_get_p(nf_network *net, const char *fn, int32_t learner, void *dst,
                            bool want64);
/* Bytes of one P value. */
size_t nf__learner_p_size(const nf_learner *l);
/* Brings P up to date with the update its next product would apply (apply), or
 * forgets that update (P is being replaced); a no-op where nothing is deferred.
 * Everything that reads P outside the RLS step settles it first. */
nf_status nf__learner_settle(nf_network *net, nf_learner *l, bool apply);
/* nf__learner_settle(apply) for every learner. */
nf_status nf__learners_settle(nf_network *net);
/* Uploads I/alpha into every copy of P (every P_i of a MASKED learner). */
nf_status nf__learner_p_identity(nf_network *net, nf_learner *l);
/* MASKED (learner_masked.c): checks the descriptor and fills the shape and the
 * host structure (l->h_row_ptr and the returned host arrays) without changing
 * the network; nf__learner_masked_buffers then uploads it. */
typedef struct nf_masked_plan {
    int32_t *col;
    int64_t *w_index, *p_off;
} nf_masked_plan;
nf_status nf__learner_plan_masked(nf_network *net, const char *fn, const nf_learner_desc *d,
                                  nf_learner *l, nf_masked_plan *plan);
nf_status nf__learner_masked_buffers(nf_network *net, nf_learner *l, const nf_masked_plan *plan);
void nf__masked_plan_free(nf_masked_plan *plan);
/* Checks the desired connections of a CURRENTS or MASKED learner (rows each;
 * learner_masked.c). */
nf_status nf__learner_check_desired(nf_network *net, const char *fn, const nf_learner_desc *d,
                                    nf_learner *l);

// --- a timestep and runs of them (run.c, replay.c)

/* Queues one step of a run that began at step first_step (the five steps). */
nf_status nf__step_once(nf_network *net, int64_t first_step);
/* Recorded runs of a few lengths, kept through one nf_network_run. */
typedef struct nf_replays {
    void *graph[3];
    int64_t len[3];
} nf_replays;
/* Runs `steps` steps, replaying recordings on backends that record. */
nf_status nf__run_steps(nf_network *net, nf_replays *r, int64_t first_step, int64_t steps);
void nf__replays_free(nf_network *net, nf_replays *r);

// --- numeric checks of a run (run_guard.c)

/* Begins a checked stretch at t0 of at most `left` steps: *len = its length,
 * and the state it can change is copied aside. */
nf_status nf__guard_begin(nf_network *net, int64_t t0, int64_t left, int64_t *len);
/* Ends the stretch just run: *bad = -1 when every checked value is finite,
 * else the failing entry (then nf__guard_locate). */
nf_status nf__guard_commit(nf_network *net, int32_t *bad);
/* The stretch [t0, t0 + len) of a run begun at `first` ended with a
 * non-finite value: finds the first step that made one and leaves the
 * network at the end of the step before; *good = the steps from t0 that
 * stand; NF_ERR_NUMERIC naming the object and step. */
nf_status nf__guard_locate(nf_network *net, nf_replays *r, int64_t first, int64_t t0,
                           int64_t len, int64_t *good);
/* Copies every buffer a step or a reset changes aside, and back: a change
 * outside a run (reset) that fails part way is undone with these. */
nf_status nf__guard_save_all(nf_network *net);
nf_status nf__guard_restore_all(nf_network *net);
/* Frees the table (rebuilt on the next run). */
void nf__guard_free(nf_network *net);

// --- inputs, probes (input.c, probe.c)

/* The row an input feeds this step. */
const float *nf__input_row(const nf_network *net, const nf_input *in);
/* Grows probe buffers for `steps` more steps; all or nothing. */
nf_status nf__probes_reserve(nf_network *net, int64_t steps);
/* Queues the probe copies of one step of a run that began at step first_step. */
nf_status nf__probes_record(nf_network *net, int64_t first_step);
/* Counts the rows a run of `steps` steps from first_step added. */
void nf__probes_commit(nf_network *net, int64_t first_step, int64_t steps);
void nf__probe_clear(nf_probe *p);
/* The probe with id `probe` (else a failure naming fn and the id). */
nf_status nf__probe_find(nf_network *net, const char *fn, int32_t probe, nf_probe **out);

#endif /* NF_ENGINE_INTERNAL_H */
