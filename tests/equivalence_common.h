/*
 * The equivalence harness (tests/test_equivalence.c, test_equivalence_harness.c):
 * CPU-versus-CUDA equivalence on random networks of every model, filter and
 * connection kind (DESIGN "Rules": identical random draws through cuRAND's
 * Philox4_32_10, host generator on the CPU and device generator on the GPU; rate
 * outputs equal to 1e-5 relative; spike counts within 1%). Every spec of the table
 * builds the same network on both backends from the same seed: one population with
 * per-neuron biases, an input sequence (dense, generated weights) and a held input
 * (sparse, generated), a generated recurrent connection of the spec's kind
 * (dense, sparse, identity, or event-driven dense / sparse), a readout whose z is fed
 * back through a generated connection, and probes every 1 and every 7 steps.
 * Before running, every state variable, every weight and the readout's z must be
 * bit-identical. After 1000 steps (run as 1 + 130 + 869 steps, so that both the
 * single-step path and recorded replays with remainders run, and one probe starts
 * late): rate outputs, filter states and readouts agree within EQ_RTOL with an
 * absolute floor of EQ_ATOL_OF_PEAK times the array's peak (and the whole-array
 * NMSE below EQ_NMSE_MAX); spike counts per neuron within EQ_COUNT_RTOL plus
 * EQ_COUNT_SLACK spikes; every probe holds the same number of rows of the same
 * size on both backends, the number its decimation gives; the input probe and all
 * weights stay bit-identical. Settings are non-chaotic (recurrent gain ~0.15 of
 * the bias range, currents far from the rate curves' kinks) so rounding
 * differences (cuBLAS vs OpenBLAS summation order, device vs libm expf / tanhf /
 * log1pf / cosf) do not grow. Without a GPU every CPU-vs-CUDA test skips; the same
 * machinery then runs CPU against CPU and must agree bit for bit.
 */
#ifndef NFT_EQUIVALENCE_COMMON_H
#define NFT_EQUIVALENCE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* Rate outputs, filter states and readouts, CPU (ref) against CUDA (x), per element:
 * |x - ref| <= EQ_RTOL |ref| + EQ_ATOL_OF_PEAK * max|ref| over the compared array
 * (llm.c validate_result with an absolute floor scaled to the signal), and over the
 * whole array sum (x - ref)^2 / sum ref^2 <= EQ_NMSE_MAX (ggml nmse; (1e-5)^2). */
#define EQ_RTOL         1e-5
#define EQ_ATOL_OF_PEAK 1e-5
#define EQ_NMSE_MAX     1e-10

/* Spike counts over the run, per neuron and batch element (net counts: negative
 * spikes count -1): |x - ref| <= 1% of |ref| plus 2 spikes (one spike moved across
 * the run's end, or across a threshold by a rounding difference, moves a count by
 * one); the total number of spikes of either sign within 1% (plus 2). */
#define EQ_COUNT_RTOL  0.01
#define EQ_COUNT_SLACK 2

/* Sanity of the specs themselves: the mean spike count per neuron over the run must
 * be at least this for a 1% comparison to mean something. */
#define EQ_MIN_MEAN_COUNT 10.0
/* out * dt / amplitude of a spiking output is an integer up to float rounding. */
#define EQ_SPIKE_INTEGER_TOL 1e-3
/* The stand-in for rounding differences between backends (see eq_perturb). Measured
 * on the CPU when this was written: 1 to 4 ulps under 10 sign patterns used at most
 * 0.28 of the rate tolerance and 0.66 of the spike count tolerance (the rate
 * tolerance is reached near 16 ulps); OpenBLAS's SSE kernels against its AVX-512 FMA
 * ones (OPENBLAS_CORETYPE=Prescott: another summation order) used 0.15 and 0.65. */
#define EQ_PERTURB_ULPS 4

#define EQ_STEPS      1000
#define EQ_CHUNKS     3
#define EQ_LATE_AFTER 2 /* the late probe is added after this many chunks */
#define EQ_IN_DIM     3 /* the input sequence */
#define EQ_HELD_DIM   2 /* the held input (one row for every step) */
#define EQ_Z_DIM      3 /* the readout */
#define EQ_DECIMATION 7
#define EQ_AMPLITUDE  1.0f
#define EQ_PI         3.14159265358979323846

// --- the spec table ---------------------------------------------------------------

typedef enum eq_filter {
    EQ_FILTER_NONE = 0,
    EQ_FILTER_LOWPASS,    /* tau = 10 dt */
    EQ_FILTER_ALPHA,      /* tau = 5 dt */
    EQ_FILTER_DOUBLE_EXP, /* tau_rise = 2 dt, tau_decay = 20 dt */
    EQ_FILTER_SINGLE_EXP  /* DOUBLE_EXP with tau_rise = 0, tau_decay = 20 dt */
} eq_filter;

typedef enum eq_conn {
    EQ_CONN_DENSE = 0, /* propagation DENSE, even from a spiking population */
    EQ_CONN_SPARSE,    /* propagation DENSE (the CSR product), zero-mean rows */
    EQ_CONN_IDENTITY,
    EQ_CONN_EVENT_DENSE, /* propagation EVENT: the pre must spike */
    EQ_CONN_EVENT_SPARSE /* propagation EVENT over CSC, zero-mean rows */
} eq_conn;

/* One network; no pointers (Criterion hands parameters to another process). */
typedef struct eq_spec {
    char name[48];
    nf_model model;
    int32_t variant;   /* LIF: nf_lif_form; IZHIKEVICH: nf_izhikevich_order */
    int32_t spiking;   /* rate models: the spiking conversion */
    int32_t rate_mode; /* run in NF_MODE_RATE */
    eq_filter filter;
    int32_t spiking_only; /* the filter is the identity in rate mode */
    eq_conn conn;         /* the recurrent connection */
    int32_t per_batch;    /* input, held, recurrent (not identity), feedback, readout */
    int32_t batch;
    int32_t n;
    uint64_t seed;
} eq_spec;

/* The table (equivalence_specs.c): every model, filter and connection kind. */
extern eq_spec EQ_SPECS[];
extern const size_t eq_spec_count;
#define EQ_SPEC_COUNT eq_spec_count

// --- per-model settings -----------------------------------------------------------

/* dt in the model's time unit, the range of the per-neuron biases, and the scale of
 * the population's (filtered) output: its typical rate, which sets the recurrent
 * gain. Ranges keep currents away from kinks: LIFRate's threshold J = 1 (infinite
 * slope) is > 7 standard deviations of the synaptic input below the lowest bias. */
typedef struct eq_cfg {
    double dt;
    float bias_lo, bias_hi;
    float rate; /* typical |output| (rate models) or mean firing rate (spiking) */
} eq_cfg;

eq_cfg eq_model_cfg(const eq_spec *s);
/* True when the population's output is made of spikes in this spec's mode. */
bool eq_spikes(const eq_spec *s);
/* The state slots the population has (the lead's semantics in the brief). */
bool eq_has_state(const eq_spec *s, nf_state_kind k);
/* State variables drawn from the seed at creation (not constants). */
bool eq_state_is_drawn(const eq_spec *s, nf_state_kind k);
const char *eq_state_name(nf_state_kind k);
nf_filter_desc eq_filter_desc(const eq_spec *s, double dt);

// --- comparators (pure, so that a test can check them) ----------------------------

/* The first i with |x - ref| > rtol |ref| + atol_of_peak * max|ref| (NaN anywhere
 * counts as far), or -1. */
ptrdiff_t eq_first_far(const float *ref, const float *x, size_t n, double rtol,
                       double atol_of_peak);
/* sum (x - ref)^2 / sum ref^2; 0 when both are all zero, +inf when only ref is. */
double eq_nmse(const float *ref, const float *x, size_t n);
/* The first i whose counts differ by more than EQ_COUNT_RTOL |ref| + EQ_COUNT_SLACK,
 * or -1. */
ptrdiff_t eq_first_count_far(const int64_t *ref, const int64_t *x, size_t n);
/* Total spike counts within EQ_COUNT_RTOL (plus EQ_COUNT_SLACK). */
bool eq_totals_close(int64_t ref, int64_t x);

// --- building and checking ------------------------------------------------------

typedef enum eq_mode {
    EQ_EXACT = 0, /* bit for bit (two networks on the same backend) */
    EQ_CLOSE      /* within the tolerances above (CPU against CUDA) */
} eq_mode;

enum { EQ_C_INPUT, EQ_C_HELD, EQ_C_RECURRENT, EQ_C_FEEDBACK, EQ_CONNS };

enum { EQ_P_OUTPUT, EQ_P_FILTERED, EQ_P_STATE, EQ_P_Z, EQ_P_INPUT, EQ_P_LATE_Z, EQ_PROBES };

typedef struct eq_probe {
    int32_t id; /* -1: this spec has no such probe */
    int32_t every;
    int64_t start;    /* the step count when it was added */
    int64_t row_size; /* floats per row, as the network reports it */
    int64_t rows;     /* rows read so far */
    float *data;      /* [rows][row_size] */
} eq_probe;

typedef struct eq_net {
    nf_network *net;
    double dt;
    int32_t pop, input, held, readout;
    int32_t conn[EQ_CONNS];
    eq_probe probe[EQ_PROBES];
} eq_net;

/* Builds the spec's network on `backend` (every call in the same order on every
 * backend, so that the draws take the same stream positions). */
void eq_build(eq_net *e, const eq_spec *s, nf_backend backend);
void eq_free(eq_net *e);
/* batch * n: the values of one state variable. */
size_t eq_state_count(const eq_spec *s);

/* Builds the spec on ref_backend and other_backend with the same seed, checks the
 * initial draws bit for bit, runs both (the other network's currents perturbed by
 * perturb_ulps first, when > 0), and compares in `mode`; EXACT also runs the
 * comparisons of CLOSE, which identical results must pass. */
void eq_check(const eq_spec *s, nf_backend ref_backend, nf_backend other_backend, eq_mode mode,
              int perturb_ulps);

/* The spec named `name` in the table (fails the test when there is none). */
const eq_spec *eq_find_spec(const char *name);

#endif /* NFT_EQUIVALENCE_COMMON_H */
