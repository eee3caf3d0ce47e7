/*
 * Nicola & Clopath (2017): spiking networks (LIF, Izhikevich, Theta) with
 * double-exponential synapses learn a 5 Hz sine by FORCE on their readout,
 * with feedback (docs/equations.md canonical task). Per step:
 *   J = bias + OMEGA r + E z,  r: the spikes through r = r e^(-dt/tr) + h dt,
 *   h = h e^(-dt/td) + spikes / (tr td);  z = w.r;  e = z - sin(2 pi 5 t)
 *   OMEGA = G N(0,1) Bernoulli(p) / (sqrt(N) p), E = Q U(-1, 1), w from 0
 * and, every `every` steps from 5 s to 10 s, their RLS rule: k = P r,
 * P -= k k^T / (1 + r.k), w -= e k, P(0) = p0 I, on the steps their scripts
 * update (their step i = t + 1 with i % every == 1, imin < i < icrit); their
 * LIF neurons start refractory for tau_ref (t_last = 0). Tested from 10 s to 15 s;
 * prints the training and testing mean absolute error (a zero output scores
 * 2/pi = 0.64), and the error of each second of the run. The tasks library's
 * nftask_nc_build (tasks/nicola_clopath.c) builds the same network.
 * Usage: force_nicola_clopath [--model lif|izhikevich|theta|all] [--n N]
 *        [--seconds T] [--learn START STOP] [--seed S] [--p32] [--backend
 * cpu|cuda] P is float64 (as in the reference's MATLAB) unless --p32.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

/* One model's task. Times are in seconds; dt, tau_rise and tau_decay in the
 * model's unit (seconds, or milliseconds for Izhikevich). */
typedef struct nc_task {
  nf_model model;
  int32_t n;   /* 2000 */
  double dt;   /* LIF 5e-5 s, Izhikevich 0.04 ms, Theta 1e-5 s */
  double unit; /* model time units per second: 1, Izhikevich 1000 */
  double seconds, learn_start, learn_stop; /* 15, 5, 10 */
  double freq;                             /* 5 Hz */
  float G, Q, p; /* the weights' scales and connection probability */
  float tau_rise, tau_decay; /* 2 ms, 20 ms */
  float p0;                  /* P(0) = p0 I */
  int32_t every;             /* RLS every `every` steps */
  int32_t zero_mean_rows; /* OMEGA's rows shifted to zero mean (LIF, Theta) */
  nf_precision p_precision;
} nc_task;

static nc_task nc_defaults(nf_model model) {
  nc_task t = {.model = NF_MODEL_LIF,
               .n = 2000,
               .dt = 5e-5,
               .unit = 1.0,
               .seconds = 15.0,
               .learn_start = 5.0,
               .learn_stop = 10.0,
               .freq = 5.0,
               .G = 0.04f,
               .Q = 10.0f,
               .p = 0.1f,
               .tau_rise = 0.002f,
               .tau_decay = 0.02f,
               .p0 = (float)(0.1 * 5e-5),
               .every = 50,
               .zero_mean_rows = 1,
               .p_precision = NF_PRECISION_F64};
  if (model == NF_MODEL_IZHIKEVICH) {
    t.model = model;
    t.dt = 0.04;
    t.unit = 1000.0;
    t.G = 5000.0f;
    t.Q = 5000.0f;
    t.tau_rise = 2.0f;
    t.tau_decay = 20.0f;
    t.p0 = 2.0f;
    t.every = 20;
    t.zero_mean_rows = 0;
  } else if (model == NF_MODEL_THETA) {
    t.model = model;
    t.dt = 1e-5;
    t.G = 10.0f;
    t.Q = 1e4f;
    t.p0 = 1e-5f;
  }
  return t;
}

/* What build() added, and the run's lengths in steps. */
typedef struct nc_net {
  int32_t pop, recurrent, readout, feedback, target, learner, error_probe;
  int64_t steps, learn_start, learn_stop;
} nc_net;

/* Steps in `seconds` of model time. */
static int64_t steps_of(const nc_task *task, double seconds) {
  return (int64_t)llround(seconds * task->unit / task->dt);
}

static nf_status build(nf_network *net, const nc_task *task, nc_net *ids) {
  if (task->n < 1 || !(task->learn_stop > task->learn_start) ||
      !(task->seconds >= task->learn_stop))
    return NF_ERR_INVALID_ARGUMENT;
  ids->steps = steps_of(task, task->seconds);
  ids->learn_start = steps_of(task, task->learn_start);
  ids->learn_stop = steps_of(task, task->learn_stop);

  nf_population_desc pd = nf_population_defaults(task->model, task->n);
  nf_status st = NF_OK;
  if (task->model == NF_MODEL_LIF) /* their LIF, in millivolts, forward Euler */
    st = nf_lif_form_apply(&pd, NF_LIF_NICOLA_CLOPATH);
  pd.filter.kind = NF_FILTER_DOUBLE_EXP;
  pd.filter.tau_rise = task->tau_rise;
  pd.filter.tau_decay = task->tau_decay;
  if (st != NF_OK || (st = nf_population_add(net, &pd, &ids->pop)) != NF_OK)
    return st;
  if (task->model == NF_MODEL_LIF) { /* refractory for tau_ref at the start */
    float *ref = malloc(sizeof *ref * (size_t)task->n);
    if (!ref)
      return NF_ERR_OUT_OF_MEMORY;
    for (int32_t i = 0; i < task->n; i++)
      ref[i] = pd.tau_ref;
    st = nf_population_set_state(net, ids->pop, NF_STATE_REFRACTORY, ref);
    free(ref);
    if (st != NF_OK)
      return st;
  }

  nf_connection_desc cd = nf_connection_defaults();
  cd.kind = NF_CONNECTION_SPARSE;
  cd.init = NF_WEIGHTS_NORMAL;
  cd.p = task->p;
  cd.scale = task->G / (sqrtf((float)task->n) * task->p);
  cd.zero_mean_rows = task->zero_mean_rows;
  if ((st = nf_connect(net, ids->pop, ids->pop, &cd, &ids->recurrent)) != NF_OK)
    return st;
  if ((st = nf_readout_add(net, ids->pop, 1, NULL, &ids->readout)) != NF_OK)
    return st;
  cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_UNIFORM;
  cd.low = -task->Q;
  cd.high = task->Q;
  if ((st = nf_connect(net, ids->readout, ids->pop, &cd, &ids->feedback)) !=
      NF_OK)
    return st;

  /* The target, one value per step (batch 1). */
  float *f = malloc(sizeof *f * (size_t)ids->steps + 1);
  if (!f)
    return NF_ERR_OUT_OF_MEMORY;
  const double two_pi = 6.28318530717958647692;
  for (int64_t t = 0; t < ids->steps; t++)
    f[t] = (float)sin(two_pi * task->freq * (double)(t + 1) * task->dt /
                      task->unit);
  st = nf_input_add(net, 1, &ids->target);
  if (st == NF_OK)
    st = nf_input_set(net, ids->target, ids->steps, f);
  free(f);
  if (st != NF_OK)
    return st;

  nf_learner_desc ld = nf_learner_defaults();
  ld.readout = ids->readout;
  ld.target = ids->target;
  ld.alpha = 1.0f / task->p0;
  ld.every = task->every;
  /* their updates: the multiples t of every with imin <= t < icrit - 1; the
   * learner learns on the t of [start, stop) with (t - start + 1) % every == 0
   * (an update at t = 0 has r = 0: the first kept is then t = every) */
  int64_t first = (ids->learn_start + task->every - 1) / task->every * task->every;
  if (first == 0)
    first = task->every;
  ld.start = first - (task->every - 1);
  ld.stop = ids->learn_stop - 1;
  ld.rule = NF_RLS_NICOLA_CLOPATH; /* w -= e k, no factor 1/(1 + r.k) */
  ld.p_precision = task->p_precision;
  if ((st = nf_learner_add(net, &ld, &ids->learner)) != NF_OK)
    return st;
  return nf_probe_add(net, ids->learner, NF_PROBE_ERROR, 1, &ids->error_probe);
}

/* Mean |e| over steps [from, to). */
static double mean_abs(const float *e, int64_t from, int64_t to) {
  double sum = 0.0;
  for (int64_t i = from; i < to; i++)
    sum += fabs(e[i]);
  return to > from ? sum / (double)(to - from) : 0.0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const struct {
  const char *name;
  nf_model model;
} MODELS[] = {{"lif", NF_MODEL_LIF},
              {"izhikevich", NF_MODEL_IZHIKEVICH},
              {"theta", NF_MODEL_THETA}};

typedef struct options {
  int32_t n;
  double seconds, learn_start, learn_stop;
  nf_network_desc nd; /* seed, backend */
  int p32;
} options;

static int fail(nf_network *net, const char *what, nf_status st) {
  fprintf(stderr, "%s: %s: %s\n", what, nf_status_string(st),
          net ? nf_network_last_error(net) : "");
  nf_network_destroy(net);
  return 1;
}

static int run_model(nf_model model, const char *name, const options *o) {
  nc_task task = nc_defaults(model);
  if (o->n > 0)
    task.n = o->n;
  if (o->seconds > 0.0)
    task.seconds = o->seconds;
  if (o->p32)
    task.p_precision = NF_PRECISION_F32;
  if (o->learn_stop > 0.0) {
    task.learn_start = o->learn_start;
    task.learn_stop = o->learn_stop;
  }
  nf_network_desc nd = o->nd;
  nd.dt = task.dt;
  nf_network *net = NULL;
  char msg[512];
  if (nf_network_create_ex(&nd, &net, msg, sizeof msg) != NF_OK) {
    fprintf(stderr, "%s\n", msg);
    return 1;
  }
  nc_net ids;
  const double t0 = now();
  nf_status st = build(net, &task, &ids);
  if (st == NF_OK)
    st = nf_network_run(net, ids.steps);
  const double secs = now() - t0;
  float *e = st == NF_OK ? malloc(sizeof *e * (size_t)ids.steps) : NULL;
  int64_t rows = 0;
  if (st == NF_OK)
    st = e ? nf_probe_read(net, ids.error_probe, e, (size_t)ids.steps, &rows)
           : NF_ERR_OUT_OF_MEMORY;
  if (st != NF_OK) {
    free(e);
    return fail(net, name, st);
  }
  printf("%-10s N %d, dt %g, %g s (RLS %g-%g s, every %d, P %s), %s: training "
         "MAE %.4f, "
         "testing MAE %.4f  (%.1f s wall)\n           MAE per second:",
         name, task.n, task.dt, task.seconds, task.learn_start, task.learn_stop,
         task.every, task.p_precision == NF_PRECISION_F64 ? "f64" : "f32",
         nf_backend_name(nf_network_backend(net)),
         mean_abs(e, ids.learn_start, ids.learn_stop),
         mean_abs(e, ids.learn_stop, ids.steps), secs);
  const int64_t per_second = (int64_t)(task.unit / task.dt + 0.5);
  for (int64_t t = 0; t < ids.steps; t += per_second)
    printf(" %.3f",
           mean_abs(e, t,
                    t + per_second < ids.steps ? t + per_second : ids.steps));
  printf("\n");
  free(e);
  fflush(stdout);
  nf_network_destroy(net);
  return 0;
}

int main(int argc, char **argv) {
  options o = {.nd = nf_network_defaults()};
  o.nd.seed = 2017;
  const char *which = "all";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--model") && i + 1 < argc)
      which = argv[++i];
    else if (!strcmp(argv[i], "--n") && i + 1 < argc)
      o.n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
      o.seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--learn") && i + 2 < argc) {
      o.learn_start = atof(argv[++i]);
      o.learn_stop = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--p32"))
      o.p32 = 1;
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      o.nd.seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
      o.nd.backend =
          !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    else {
      fprintf(
          stderr,
          "usage: %s [--model lif|izhikevich|theta|all] [--n N] [--seconds T] "
          "[--learn START STOP] [--seed S] [--p32] [--backend cpu|cuda]\n",
          argv[0]);
      return 2;
    }
  }
  int ran = 0, status = 0;
  for (size_t m = 0; m < sizeof MODELS / sizeof *MODELS; m++)
    if (!strcmp(which, "all") || !strcmp(which, MODELS[m].name)) {
      ran = 1;
      status |= run_model(MODELS[m].model, MODELS[m].name, &o);
    }
  if (!ran) {
    fprintf(stderr, "unknown model %s (lif, izhikevich, theta or all)\n",
            which);
    return 2;
  }
  return status;
}
