/*
 * The canonical FORCE tasks of REFERENCE.md, built on a network so that the
 * examples, the tests and the benchmarks train exactly the same thing.
 */
#ifndef NF_TASKS_H
#define NF_TASKS_H

#include <stdint.h>

#include "neurofuse.h"

/* Sussillo & Abbott's sum of four sines, external feedback (REFERENCE.md):
 * N leaky tanh units (tau 1, dt 0.1), recurrent weights g/sqrt(p N) N(0,1)
 * with probability p, feedback U(-1, 1), readout from 0, x0 ~ 0.5 N(0, 1),
 * z0 ~ 0.5 N(0, 1); RLS with alpha, every `every` steps. */
typedef struct nf_sussillo_task {
    int32_t n;           /* 1000 */
    float p, g, alpha;   /* 0.1, 1.5, 1 */
    int32_t every;       /* 2 */
    int64_t train_steps; /* 14400 */
    int64_t test_steps;  /* 14400 */
} nf_sussillo_task;

nf_sussillo_task nf_sussillo_defaults(void);

/* f(t) = (1.3/1.5)(sin(pi t/60) + sin(2 pi t/60)/2 + sin(3 pi t/60)/6 + sin(4 pi t/60)/3). */
double nf_sussillo_target(double t);

/* Ids of what nf_sussillo_build adds. */
typedef struct nf_sussillo_net {
    int32_t pop, recurrent, readout, feedback, target, learner, error_probe, output_probe;
} nf_sussillo_net;

/* Adds the task to an empty network (dt must be 0.1): the population, its
 * connections, the readout, the target input holding train + test steps for
 * every batch element, the learner (window: the training steps) and probes of
 * the error and the output, every step. */
nf_status nf_sussillo_build(nf_network *net, const nf_sussillo_task *task, nf_sussillo_net *ids);

/* Mean |e| over rows [from, to) of an error probe read as [rows][batch]. */
double nf_mean_abs(const float *values, int64_t from, int64_t to, int32_t batch);

#endif /* NF_TASKS_H */
