/*
 * The reference FORCE tasks of docs/equations.md, the library neurofuse_tasks
 * (the files of tasks/): built with the public API on a network, so that the
 * neurofuse command's demo and the tests train exactly the same thing (and the
 * examples, which write the same networks out in full). A companion of the
 * library: it uses neurofuse.h alone, and nothing in the library uses it. Its
 * names start with nftask_ (types and functions) and NFTASK_ (macros).
 */
#ifndef NFTASK_TASKS_H
#define NFTASK_TASKS_H

#include <stdint.h>

#include "neurofuse.h"

/* Sussillo & Abbott's sum of four sines, external feedback (docs/equations.md):
 * N leaky tanh units (tau 1, dt 0.1), recurrent weights g/sqrt(p N) N(0,1)
 * with probability p, feedback U(-1, 1), readout from 0, x0 ~ 0.5 N(0, 1),
 * z0 ~ 0.5 N(0, 1); RLS with alpha, every `every` steps. */
typedef struct nftask_sussillo_task {
    int32_t n;           /* 1000 */
    float p, g, alpha;   /* 0.1, 1.5, 1 */
    int32_t every;       /* 2 */
    int64_t train_steps; /* 14400 */
    int64_t test_steps;  /* 14400 */
    int32_t per_batch;   /* 0; nonzero: every batch element an independent network (its own
                            recurrent, feedback and readout weights, and its own P) */
    int32_t dense;       /* 0: sparse CSR recurrent weights; nonzero: dense (same draws) */
} nftask_sussillo_task;

nftask_sussillo_task nftask_sussillo_defaults(void);

/* f(t) = (1.3/1.5)(sin(pi t/60) + sin(2 pi t/60)/2 + sin(3 pi t/60)/6 + sin(4 pi t/60)/3). */
double nftask_sussillo_target(double t);

/* Ids of what nftask_sussillo_build adds. */
typedef struct nftask_sussillo_net {
    int32_t pop, recurrent, readout, feedback, target, learner, error_probe, output_probe;
} nftask_sussillo_net;

/* Adds the task to an empty network (dt must be 0.1): the population, its
 * connections, the readout, the target input holding train + test steps for
 * every batch element, the learner (window: the training steps) and probes of
 * the error and the output, every step. */
nf_status nftask_sussillo_build(nf_network *net, const nftask_sussillo_task *task,
                                nftask_sussillo_net *ids);

/* As nftask_sussillo_build, with the caller's target of `dim` values per step:
 * signal [train_steps + test_steps][dim], row t the target at step t, the
 * same for every batch element. The readout, its feedback and the target
 * input have dimension dim; the network is drawn from the seed in the same
 * order, so with dim 1 and the sum of sines it is nftask_sussillo_build's. */
nf_status nftask_sussillo_build_signal(nf_network *net, const nftask_sussillo_task *task,
                                       int32_t dim, const float *signal, nftask_sussillo_net *ids);

/* Mean |e| over rows [from, to) of an error probe read as [rows][batch]. */
double nftask_mean_abs(const float *values, int64_t from, int64_t to, int32_t batch);

// --- shared by the tasks below (tasks/run.c)

/* Adds a dim-1 input holding v[t] at step t for every batch element. */
nf_status nftask_add_sequence(nf_network *net, const float *v, int64_t steps, int32_t *id);

/* Training and testing mean absolute errors of a run. */
typedef struct nftask_errors {
    double train, test;
} nftask_errors;

/* Runs `steps` steps, then reads the error probe (dim 1, [steps][batch]) and
 * returns its mean |e| over rows [train_from, train_to) and [test_from, steps),
 * averaged over the batch. */
nf_status nftask_run(nf_network *net, int32_t error_probe, int64_t steps, int64_t train_from,
                     int64_t train_to, int64_t test_from, nftask_errors *out);

/* As nftask_run, without running: scores the `steps` unread rows of the probe. */
nf_status nftask_score(nf_network *net, int32_t error_probe, int64_t steps, int64_t train_from,
                       int64_t train_to, int64_t test_from, nftask_errors *out);

/* As nftask_score, with the batch kept apart: train[b], test[b] for each element. */
nf_status nftask_score_each(nf_network *net, int32_t error_probe, int64_t steps, int64_t train_from,
                            int64_t train_to, int64_t test_from, double *train, double *test);

// --- Nicola & Clopath (2017): spiking FORCE, 5 Hz sine (tasks/nicola_clopath.c)

/* N spiking neurons (LIF in their form, Izhikevich in their order, or Theta),
 * double-exponential synapses, static weights G N(0,1) Bernoulli(p) / (sqrt(N) p)
 * (rows shifted to zero mean over their nonzeros for LIF and Theta), feedback
 * Q U(-1, 1) z, readout from 0 trained by RLS with the Nicola & Clopath rule
 * (w -= e k), P(0) = p0 I, every `every` steps from learn_start to learn_stop
 * (on the steps their scripts update: the multiples t of every with
 * learn_start <= t < learn_stop - 1, in steps); LIF neurons start refractory
 * for tau_ref (their t_last = 0). Errors: mean |z - f| over the steps
 * [learn_start, learn_stop) and from learn_stop to the end. Times are in
 * seconds; dt, tau_rise and tau_decay in the model's unit (seconds, or
 * milliseconds for Izhikevich). */
typedef struct nftask_nc_task {
    nf_model model;       /* NF_MODEL_LIF, NF_MODEL_IZHIKEVICH or NF_MODEL_THETA */
    int32_t n;            /* 2000 */
    double dt;            /* LIF 5e-5 s, Izhikevich 0.04 ms, Theta 1e-5 s */
    double unit;          /* model time units per second: 1, Izhikevich 1000 */
    double seconds;       /* 15 */
    double learn_start;   /* 5 */
    double learn_stop;    /* 10 */
    double freq;          /* 5 Hz: f(t) = sin(2 pi freq t) */
    float G, Q, p;        /* LIF 0.04, 10, 0.1; Izhikevich 5000, 5000, 0.1; Theta 10, 1e4, 0.1 */
    float tau_rise;       /* 0.002 s (Izhikevich 2 ms) */
    float tau_decay;      /* 0.02 s (Izhikevich 20 ms) */
    float p0;             /* P(0) = p0 I: LIF 0.1 dt, Izhikevich 2, Theta dt */
    int32_t every;        /* LIF 50, Izhikevich 20, Theta 50 */
    int32_t zero_mean_rows; /* LIF, Theta 1; Izhikevich 0 */
    nf_precision p_precision; /* NF_PRECISION_F64, as the reference's MATLAB */
} nftask_nc_task;

/* The docs/equations.md parameters for model (LIF, IZHIKEVICH or THETA; others give LIF's). */
nftask_nc_task nftask_nc_defaults(nf_model model);

typedef struct nftask_nc_net {
    int32_t pop, recurrent, readout, feedback, target, learner, error_probe;
    int64_t steps, learn_start, learn_stop; /* in network steps */
} nftask_nc_net;

/* Adds the task to an empty network whose dt is task->dt. */
nf_status nftask_nc_build(nf_network *net, const nftask_nc_task *task, nftask_nc_net *ids);

/* Builds and runs the whole task: errors over [learn_start, learn_stop) and after. */
nf_status nftask_nc_run(nf_network *net, const nftask_nc_task *task, nftask_errors *out);

// --- full-FORCE (DePasquale et al. 2018) (tasks/full_force.c)

/* Two populations of N leaky tanh units (tau): the target-generating network
 * x_d' = -x_d + W_d r_d + u_in in + u_f f (W_d g/sqrt(N) N(0,1), u ~ U(-1, 1)),
 * and the task network x' = -x + W r + u_in in (W from g/sqrt(N) N(0,1)), whose
 * W learns W r -> W_d r_d + u_f f and whose readout learns f, each with its
 * own P(0) = I/alpha, on each step with probability learn_fraction while
 * learning. `in` (optional) and f are sequences of one value per step. */
typedef struct nftask_ff_spec {
    int32_t n;
    float tau, g, alpha;
    float learn_fraction; /* 1: every step */
    int32_t has_input;    /* nonzero: an input sequence drives both networks */
    nf_precision p_precision; /* of both learners' P */
    float x_init_scale;   /* x0 ~ N(0, x_init_scale^2) in both networks */
    int32_t normal_draws; /* 0: u_in ~ U(-1, 1), the same in both networks, and u_f ~ U(-1, 1)
                             (DePasquale's); nonzero: u_in ~ N(0, 1) drawn apart for each
                             network, and u_f ~ N(0, 1) (TENSION's) */
    float readout_init_scale; /* the readout starts at readout_init_scale N(0, 1) per weight
                                 (drawn from readout_seed); 0: at zero */
    uint64_t readout_seed;
} nftask_ff_spec;

typedef struct nftask_ff_net {
    int32_t gen, task, gen_rec, task_rec, target, input, gen_in, task_in, gen_fb;
    int32_t readout, currents_learner, readout_learner, error_probe;
} nftask_ff_net;

/* Adds the two networks to an empty network; f and in hold `steps` values
 * (in may be NULL when !spec->has_input), the same for every batch element. */
nf_status nftask_ff_build(nf_network *net, const nftask_ff_spec *spec, const float *f,
                          const float *in, int64_t steps, nftask_ff_net *ids);

/* Runs `steps` steps, learning on steps [0, learn_steps) each with probability
 * learn_fraction (coin flips from `seed`), then reads the errors as nftask_run. */
nf_status nftask_ff_run(nf_network *net, const nftask_ff_spec *spec, const nftask_ff_net *ids,
                        int64_t steps, int64_t learn_steps, int64_t train_from, uint64_t seed,
                        nftask_errors *out);

/* DePasquale's oscillation: N 300, dt 1e-3 s, tau 1e-2 s, g 1.5, P(0) = I, RLS
 * on a random half of the steps; trials of 2 s: an input pulse of 1 for the
 * first 50 ms, and f a chirp sin(w(t) t) with w rising linearly from 2 pi to
 * 6 pi over the first second, then the first second reversed and negated. */
typedef struct nftask_ff_oscillation_task {
    int32_t n;              /* 300 */
    float tau, g, alpha;    /* 0.01, 1.5, 1 */
    float learn_fraction;   /* 0.5 */
    int32_t trial_steps;    /* 2000 (dt 1e-3) */
    int32_t train_trials;   /* 50 */
    int32_t test_trials;    /* 5 */
    nf_precision p_precision; /* NF_PRECISION_F64: with float32, 50 trials (50000 updates)
                                 lose the solution (testing MAE 0.59 against 0.014) */
} nftask_ff_oscillation_task;

nftask_ff_oscillation_task nftask_ff_oscillation_defaults(void);

/* The target at step k of a trial of `steps` steps (dt = 2 / steps s). */
double nftask_ff_oscillation_target(int64_t k, int32_t steps);

/* Builds and runs it (network dt must be 2/trial_steps): train = MAE over the
 * last training trial, test = MAE over the test trials (learning off). */
nf_status nftask_ff_oscillation_run(nf_network *net, const nftask_ff_oscillation_task *task,
                                    uint64_t seed, nftask_errors *out);

// --- TENSION's sum of sines: full-FORCE on a no-feedback ESN (tasks/tension_sines.c)

/* TENSION's full-FORCE sum-of-sinusoids example: N 750 leaky tanh units,
 * dt 0.0025 s, tau 10 dt, g 1.5, alpha 1; every epoch the same 2 s trial of
 * epoch_steps steps (t = k dt, k = 0 .. 800) with target f(t) = sin(8 pi t) sin(pi t)
 * and an input of 1 on its first pulse_steps steps; learning on every step
 * of `epochs` epochs, then one epoch with learning off. TENSION's draws:
 * u_in ~ N(0, 1) apart for each network, u_f ~ N(0, 1), x0 ~ N(0, 0.25^2), and
 * the readout starting at N(0, 1/N) (drawn from the run's seed). */
typedef struct nftask_tension_task {
    int32_t n;            /* 750 */
    float tau_steps;      /* 10: tau = tau_steps dt */
    float g, alpha;       /* 1.5, 1 */
    int32_t epochs;       /* 5 */
    int32_t epoch_steps;  /* 801 */
    int32_t pulse_steps;  /* 20 (50 ms) */
    float x_init_scale;   /* 0.25 */
    nf_precision p_precision; /* NF_PRECISION_F32, as TENSION (Keras float32) */
} nftask_tension_task;

nftask_tension_task nftask_tension_defaults(void);
/* f(t) = sin(8 pi t) sin(pi t), t in seconds from the trial's start. */
double nftask_tension_target(double t);

/* Builds and runs it (network dt 0.0025), the readout's initial weights drawn
 * from seed: train = MAE over the last training epoch, test = MAE over the
 * epoch with learning off. */
nf_status nftask_tension_run(nf_network *net, const nftask_tension_task *task, uint64_t seed,
                             nftask_errors *out);

/* As nftask_tension_run, without running: builds the two networks for
 * epochs + 1 epochs into an empty network and gives their ids. */
nf_status nftask_tension_build(nf_network *net, const nftask_tension_task *task, uint64_t seed,
                               nftask_ff_net *ids);

// --- a batched sweep: independent Sussillo & Abbott networks (tasks/sweep.c)

/* Gives element b of a network built by nftask_sussillo_build with per_batch set
 * (its recurrent weights drawn with gain task->g) the gain g[b] (its recurrent
 * weights scaled by g[b] / task->g) and P(0) = I / alpha[b]. */
nf_status nftask_sweep_apply(nf_network *net, const nftask_sussillo_task *task,
                             const nftask_sussillo_net *ids, const float *g, const float *alpha);

#endif /* NFTASK_TASKS_H */
