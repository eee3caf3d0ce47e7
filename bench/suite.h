/*
 * The throughput suite, shared by the bench_* programs and `neurofuse bench`:
 *   - population step throughput per model at batch x n (bench_step);
 *   - (a) the N 1000 FORCE rate network's step latency at batch 1, its
 *     training step (RLS every step) against N, and (b) a
 *     dense recurrent network's step rate, N 4096 x batch 256, against the
 *     BLAS's own SGEMM of the same shape (bench_recurrent).
 * Each timing is the median and min of NFB_REPEATS runs of nf_network_run
 * after a warm-up run, host clock around each run (a run ends synchronized).
 * The functions print the reason of a failure to stderr and return 1.
 */
#ifndef NF_BENCH_SUITE_H
#define NF_BENCH_SUITE_H

#include <stdint.h>

#include "neurofuse.h"

#define NFB_REPEATS          5
#define NFB_LATENCY_N        1000
#define NFB_THROUGHPUT_N     4096
#define NFB_THROUGHPUT_BATCH 256

typedef struct nfb_timing {
    double median, min; /* seconds per step */
} nfb_timing;

typedef struct nfb_step_model {
    const char *name;
    nf_model model;
    int spiking;      /* rate model through the spiking conversion */
    int state_floats; /* model state variables read and written per neuron (s0, s1) */
    nf_filter_kind filter;
    int filter_floats; /* filter state variables read and written per neuron (f0, f1) */
} nfb_step_model;

extern const nfb_step_model nfb_step_models[];
extern const int nfb_step_model_count;

/* Bytes one neuron-step must move: input written by the zero fill and read by
 * the step (4 + 4), output written (4), 8 per model or filter state variable
 * (read + written), gain and bias once per step for the batch (8 / batch). */
double nfb_bytes_per_neuron_step(const nfb_step_model *m, int32_t batch);

/* batch x n = 2^log2 with n = 2^log2 up to 4096, then batch grows. */
void nfb_size_split(int log2, int32_t *batch, int32_t *n);

/* Steps per timed run at batch x n = elements: enough that a run's fixed
 * costs stay small; on CUDA a multiple of the 64 steps one graph records. */
int64_t nfb_step_steps(nf_backend backend, double elements);

/* Times model m at batch x n for `steps` steps per run; checks every output
 * is finite afterwards. */
int nfb_time_step(nf_backend backend, int32_t device, const nfb_step_model *m, int32_t batch,
                  int32_t n, int64_t steps, nfb_timing *out);

/* (a) The Sussillo & Abbott rate network, N 1000, batch 1, without learning. */
int nfb_time_force_latency(nf_backend backend, int32_t device, int64_t steps, nfb_timing *out);

/* The same network with n units (p 0.1), its readout trained by RLS every step
 * toward a held target (P n x n float32): the FORCE training step, O(n^2). */
int nfb_time_force_train(nf_backend backend, int32_t device, int32_t n, int64_t steps,
                         nfb_timing *out);

/* (b) Dense recurrent network, N 4096, batch 256, shared weights; 2 N^2 batch FLOP per step. */
int nfb_time_dense_throughput(nf_backend backend, int32_t device, int64_t steps, nfb_timing *out);

/* FLOP/s of cblas_sgemm for the CPU backend's dense call
 * y[batch][rows] += x[batch][cols] W[rows][cols]^T; 0 on failure. */
double nfb_cblas_sgemm_flops(int rows, int batch, int cols);

#endif
