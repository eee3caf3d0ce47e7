/*
 * full-FORCE (DePasquale et al. 2018), the oscillation task: N 300 leaky tanh
 * units (dt 1 ms, tau 10 ms, g 1.5), a target-generating network driven by the
 * target gives the task network's desired recurrent currents; RLS (P(0) = I)
 * on a random half of the steps of 2 s trials (an input pulse, then a chirp
 * and its negated mirror image). Prints the readout's mean absolute error on
 * the last training trial and on test trials with learning off (a zero
 * output scores about 0.6). Per step, x += dt/tau (-x + J), r = tanh(x):
 *   target-generating network  J_d = W_d r_d + u_in in + u_f f
 *   task network               J   = W r + u_in in,  z = w.r
 * W learns W r -> W_d r_d + u_f f (NF_LEARNER_CURRENTS) and w learns z -> f
 * (NF_LEARNER_READOUT); W_d and W from g/sqrt(N) N(0,1), u ~ U(-1, 1). The
 * tasks library's nftask_ff_oscillation_run (tasks/full_force.c) runs the same.
 * Usage: force_full_force [--n N] [--train-trials T] [--test-trials T] [--seed
 * S]
 *        [--p32] [--backend cpu|cuda]
 * P is float64 unless --p32 (float32 P loses the solution after about 40
 * trials).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

typedef struct ff_task {
  int32_t n;           /* 300 */
  float tau, g, alpha; /* 0.01 s, 1.5, 1 */
  float
      learn_fraction; /* 0.5: RLS on each training step with this probability */
  int32_t trial_steps;      /* 2000 (dt 1e-3 s) */
  int32_t train_trials;     /* 50 */
  int32_t test_trials;      /* 5 */
  nf_precision p_precision; /* of both learners' P */
} ff_task;

typedef struct ff_net {
  int32_t gen, task, gen_rec, task_rec, target, input, gen_in, task_in, gen_fb;
  int32_t readout, currents_learner, readout_learner, error_probe;
} ff_net;

/* The target at step k of a trial of `steps` steps (dt = 2 / steps s): a chirp
 * sin(w(t) t), w rising from 2 pi to 6 pi over the first second, then the first
 * second reversed and negated. */
static double oscillation(int64_t k, int32_t steps) {
  const double pi = 3.14159265358979323846;
  const double t = 2.0 * (double)(k % steps) / steps;
  const double u = t <= 1.0 ? t : 2.0 - t;
  const double v = sin((2.0 * pi + 4.0 * pi * u) * u);
  return t <= 1.0 ? v : -v;
}

/* Adds a dim-1 input holding v[t] at step t (batch 1). */
static nf_status add_sequence(nf_network *net, const float *v, int64_t steps,
                              int32_t *id) {
  nf_status st = nf_input_add(net, 1, id);
  return st == NF_OK ? nf_input_set(net, *id, steps, v) : st;
}

static nf_status add_rate_population(nf_network *net, const ff_task *task,
                                     int32_t *id) {
  nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, task->n);
  pd.tau = task->tau;
  pd.x_init_scale = 0.5f;
  return nf_population_add(net, &pd, id);
}

/* The input weights u_in, drawn into the target-generating network and given
 * to the task network unchanged. */
static nf_status connect_input(nf_network *net, const ff_task *task,
                               const float *in, int64_t steps, ff_net *ids) {
  nf_status st = add_sequence(net, in, steps, &ids->input);
  nf_connection_desc cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_UNIFORM;
  cd.low = -1.0f;
  cd.high = 1.0f;
  if (st == NF_OK)
    st = nf_connect(net, ids->input, ids->gen, &cd, &ids->gen_in);
  float *u = malloc(sizeof *u * (size_t)task->n);
  if (!u)
    return NF_ERR_OUT_OF_MEMORY;
  if (st == NF_OK)
    st = nf_connection_get_weights(net, ids->gen_in, u);
  cd = nf_connection_defaults();
  cd.weights = u;
  if (st == NF_OK)
    st = nf_connect(net, ids->input, ids->task, &cd, &ids->task_in);
  free(u);
  return st;
}

/* The two networks, the target f and input in (`steps` values each), the two
 * learners and a probe of the readout's error. */
static nf_status build(nf_network *net, const ff_task *task, const float *f,
                       const float *in, int64_t steps, ff_net *ids) {
  nf_status st = add_rate_population(net, task, &ids->gen);
  if (st == NF_OK)
    st = add_rate_population(net, task, &ids->task);
  nf_connection_desc cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_NORMAL;
  cd.g = task->g;
  cd.p = 1.0f;
  cd.scale = 0.0f; /* g / sqrt(N) */
  if (st == NF_OK)
    st = nf_connect(net, ids->gen, ids->gen, &cd, &ids->gen_rec);
  if (st == NF_OK)
    st = nf_connect(net, ids->task, ids->task, &cd, &ids->task_rec);
  if (st == NF_OK)
    st = connect_input(net, task, in, steps, ids);
  if (st == NF_OK)
    st = add_sequence(net, f, steps, &ids->target);
  cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_UNIFORM;
  cd.low = -1.0f;
  cd.high = 1.0f;
  if (st == NF_OK)
    st = nf_connect(net, ids->target, ids->gen, &cd, &ids->gen_fb);
  if (st == NF_OK)
    st = nf_readout_add(net, ids->task, 1, NULL, &ids->readout);
  if (st != NF_OK)
    return st;

  /* The task network's recurrent currents learn those of the generating
   * network's recurrent and feedback connections. */
  const int32_t desired[2] = {ids->gen_rec, ids->gen_fb};
  nf_learner_desc ld = nf_learner_defaults();
  ld.kind = NF_LEARNER_CURRENTS;
  ld.connection = ids->task_rec;
  ld.desired = desired;
  ld.n_desired = 2;
  ld.alpha = task->alpha;
  ld.p_precision = task->p_precision;
  if ((st = nf_learner_add(net, &ld, &ids->currents_learner)) != NF_OK)
    return st;
  ld = nf_learner_defaults();
  ld.readout = ids->readout;
  ld.target = ids->target;
  ld.alpha = task->alpha;
  ld.p_precision = task->p_precision;
  if ((st = nf_learner_add(net, &ld, &ids->readout_learner)) != NF_OK)
    return st;
  return nf_probe_add(net, ids->readout_learner, NF_PROBE_ERROR, 1,
                      &ids->error_probe);
}

static nf_status set_learning(nf_network *net, const ff_net *ids, int on) {
  nf_status st = nf_learner_set_enabled(net, ids->currents_learner, on);
  return st == NF_OK ? nf_learner_set_enabled(net, ids->readout_learner, on)
                     : st;
}

/* A reproducible uniform in [0, 1) (splitmix64). */
static double coin(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Runs `steps` steps, learning on each of the first learn_steps with
 * probability learn_fraction (coins from `seed`), then with learning off; the
 * readout's mean |e| over [train_from, learn_steps) and over [learn_steps,
 * steps). */
static nf_status run(nf_network *net, const ff_task *task, const ff_net *ids,
                     int64_t steps, int64_t learn_steps, int64_t train_from,
                     uint64_t seed, double *train, double *test) {
  nf_status st = NF_OK;
  /* Runs of equal coins, so that each nf_network_run call keeps one setting. */
  int64_t t = 0;
  int on = coin(&seed) < task->learn_fraction;
  while (t < learn_steps && st == NF_OK) {
    int64_t len = 1;
    int next = 0;
    while (t + len < learn_steps &&
           (next = coin(&seed) < task->learn_fraction) == on)
      len++;
    st = set_learning(net, ids, on);
    if (st == NF_OK)
      st = nf_network_run(net, len);
    t += len;
    on = next;
  }
  if (st == NF_OK)
    st = set_learning(net, ids, 0);
  if (st == NF_OK)
    st = nf_network_run(net, steps - learn_steps);
  float *e = st == NF_OK ? malloc(sizeof *e * (size_t)steps + 1) : NULL;
  if (st == NF_OK && !e)
    st = NF_ERR_OUT_OF_MEMORY;
  int64_t rows = 0;
  if (st == NF_OK)
    st = nf_probe_read(net, ids->error_probe, e, (size_t)steps, &rows);
  if (st == NF_OK && rows != steps)
    st = NF_ERR_STATE;
  double sum_train = 0.0, sum_test = 0.0;
  for (int64_t k = train_from; k < learn_steps && st == NF_OK; k++)
    sum_train += fabs(e[k]);
  for (int64_t k = learn_steps; k < steps && st == NF_OK; k++)
    sum_test += fabs(e[k]);
  *train = learn_steps > train_from
               ? sum_train / (double)(learn_steps - train_from)
               : 0.0;
  *test = steps > learn_steps ? sum_test / (double)(steps - learn_steps) : 0.0;
  free(e);
  return st;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(nf_network *net, const char *what, nf_status st) {
  fprintf(stderr, "%s: %s: %s\n", what, nf_status_string(st),
          net ? nf_network_last_error(net) : "");
  nf_network_destroy(net);
  return 1;
}

int main(int argc, char **argv) {
  ff_task task = {.n = 300,
                  .tau = 0.01f,
                  .g = 1.5f,
                  .alpha = 1.0f,
                  .learn_fraction = 0.5f,
                  .trial_steps = 2000,
                  .train_trials = 50,
                  .test_trials = 5,
                  .p_precision = NF_PRECISION_F64};
  nf_network_desc nd = nf_network_defaults();
  nd.seed = 2018;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc)
      task.n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--train-trials") && i + 1 < argc)
      task.train_trials = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--test-trials") && i + 1 < argc)
      task.test_trials = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--p32"))
      task.p_precision = NF_PRECISION_F32;
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      nd.seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
      nd.backend =
          !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    else {
      fprintf(
          stderr,
          "usage: %s [--n N] [--train-trials T] [--test-trials T] [--seed S] "
          "[--p32] [--backend cpu|cuda]\n",
          argv[0]);
      return 2;
    }
  }
  nd.dt = 2.0 / task.trial_steps;
  nf_network *net = NULL;
  char msg[512];
  if (nf_network_create_ex(&nd, &net, msg, sizeof msg) != NF_OK) {
    fprintf(stderr, "%s\n", msg);
    return 1;
  }
  if (task.n < 1 || task.train_trials < 1 || task.test_trials < 1)
    return fail(net, "full-FORCE oscillation", NF_ERR_INVALID_ARGUMENT);

  /* Trials of 2 s: the target f, and an input pulse of 1 for the first 50 ms.
   */
  const int64_t steps =
      ((int64_t)task.train_trials + task.test_trials) * task.trial_steps;
  const int32_t pulse = task.trial_steps / 40;
  float *f = malloc(sizeof *f * (size_t)steps * 2);
  if (!f)
    return fail(net, "full-FORCE oscillation", NF_ERR_OUT_OF_MEMORY);
  float *in = f + steps;
  for (int64_t k = 0; k < steps; k++) {
    f[k] = (float)oscillation(k, task.trial_steps);
    in[k] = k % task.trial_steps < pulse ? 1.0f : 0.0f;
  }
  const double t0 = now();
  ff_net ids;
  nf_status st = build(net, &task, f, in, steps, &ids);
  free(f);
  const int64_t learn = (int64_t)task.train_trials * task.trial_steps;
  double train = 0.0, test = 0.0;
  if (st == NF_OK) /* the training error: over the last training trial */
    st = run(net, &task, &ids, steps, learn, learn - task.trial_steps, nd.seed,
             &train, &test);
  if (st != NF_OK)
    return fail(net, "full-FORCE oscillation", st);
  const double secs = now() - t0;
  printf("full-FORCE oscillation, N %d, %d training + %d test trials of 2 s, "
         "%s backend\n",
         task.n, task.train_trials, task.test_trials,
         nf_backend_name(nf_network_backend(net)));
  printf("training MAE (last trial) %.4f   testing MAE %.4f   (%.1f s wall)\n",
         train, test, secs);
  nf_network_destroy(net);
  return 0;
}
