/*
 * TENSION's sum-of-sines benchmark with full-FORCE on a no-feedback echo-state
 * network: N 750 leaky tanh units, dt 0.0025 s, tau 10 dt, recurrent weights
 * and readout trained by RLS on every step of 5 epochs of 801 steps, then one
 * epoch with learning off. TENSION's full-FORCE reached MAE 0.0050. Prints
 * the mean absolute error of the last training epoch and of the test epoch.
 * Per step, x += dt/tau (-x + J), r = tanh(x):
 *   target-generating network  J_d = W_d r_d + u_f f
 *   task network               J   = W r,  z = w.r
 * W learns W r -> W_d r_d + u_f f (NF_LEARNER_CURRENTS) and w learns z -> f,
 * P(0) = I; W_d and W from g/sqrt(N) N(0,1) (g 1.5), u_f ~ U(-1, 1); each epoch
 * the same 2 s of f(t) = (1.3/1.5)(sin(pi t) + sin(2 pi t)/2 + sin(3 pi t)/6 +
 * sin(4 pi t)/3). force_full_force.c is the same method with an input and
 * learning on a random half of the steps; the tasks library's
 * nftask_tension_run (tasks/tension_sines.c) runs the same.
 * Usage: force_tension_sines [--n N] [--epochs E] [--seed S] [--backend
 * cpu|cuda]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

#define TAU_STEPS 10.0f /* tau = TAU_STEPS dt */
#define G 1.5f
#define ALPHA 1.0f
#define EPOCH_STEPS 801

typedef struct tension_net {
  int32_t gen, task, gen_rec, task_rec, target, gen_fb, readout;
  int32_t currents_learner, readout_learner, error_probe;
} tension_net;

/* Sussillo & Abbott's sum of four sines, period 120 (force_sussillo.c); the
 * target is sines(60 t), period 2 s. */
static double sines(double t) {
  const double pi = 3.14159265358979323846, w = pi / 60.0;
  return (1.3 / 1.5) * (sin(w * t) + sin(2 * w * t) / 2 + sin(3 * w * t) / 6 +
                        sin(4 * w * t) / 3);
}

static nf_status add_rate_population(nf_network *net, int32_t n, float tau,
                                     int32_t *id) {
  nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
  pd.tau = tau;
  pd.x_init_scale = 0.5f;
  return nf_population_add(net, &pd, id);
}

/* The two networks, the target f (`steps` values, batch 1), the two learners
 * and a probe of the readout's error. */
static nf_status build(nf_network *net, int32_t n, const float *f,
                       int64_t steps, tension_net *ids) {
  const float tau = (float)(TAU_STEPS * nf_network_dt(net));
  nf_status st = add_rate_population(net, n, tau, &ids->gen);
  if (st == NF_OK)
    st = add_rate_population(net, n, tau, &ids->task);
  nf_connection_desc cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_NORMAL;
  cd.g = G;
  cd.p = 1.0f;
  cd.scale = 0.0f; /* g / sqrt(N) */
  if (st == NF_OK)
    st = nf_connect(net, ids->gen, ids->gen, &cd, &ids->gen_rec);
  if (st == NF_OK)
    st = nf_connect(net, ids->task, ids->task, &cd, &ids->task_rec);
  if (st == NF_OK)
    st = nf_input_add(net, 1, &ids->target);
  if (st == NF_OK)
    st = nf_input_set(net, ids->target, steps, f);
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
  ld.alpha = ALPHA;
  if ((st = nf_learner_add(net, &ld, &ids->currents_learner)) != NF_OK)
    return st;
  ld = nf_learner_defaults();
  ld.readout = ids->readout;
  ld.target = ids->target;
  ld.alpha = ALPHA;
  if ((st = nf_learner_add(net, &ld, &ids->readout_learner)) != NF_OK)
    return st;
  return nf_probe_add(net, ids->readout_learner, NF_PROBE_ERROR, 1,
                      &ids->error_probe);
}

static nf_status set_learning(nf_network *net, const tension_net *ids, int on) {
  nf_status st = nf_learner_set_enabled(net, ids->currents_learner, on);
  return st == NF_OK ? nf_learner_set_enabled(net, ids->readout_learner, on)
                     : st;
}

/* Mean |e| over steps [from, to). */
static double mean_abs(const float *e, int64_t from, int64_t to) {
  double sum = 0.0;
  for (int64_t k = from; k < to; k++)
    sum += fabs(e[k]);
  return to > from ? sum / (double)(to - from) : 0.0;
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
  int32_t n = 750, epochs = 5;
  nf_network_desc nd = nf_network_defaults();
  nd.dt = 0.0025;
  nd.seed = 2021;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc)
      n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--epochs") && i + 1 < argc)
      epochs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      nd.seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
      nd.backend =
          !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    else {
      fprintf(
          stderr,
          "usage: %s [--n N] [--epochs E] [--seed S] [--backend cpu|cuda]\n",
          argv[0]);
      return 2;
    }
  }
  nf_network *net = NULL;
  char msg[512];
  if (nf_network_create_ex(&nd, &net, msg, sizeof msg) != NF_OK) {
    fprintf(stderr, "%s\n", msg);
    return 1;
  }
  if (n < 1 || epochs < 1)
    return fail(net, "TENSION sum of sines", NF_ERR_INVALID_ARGUMENT);

  /* Every epoch the same EPOCH_STEPS values; learning in all but the last. */
  const int64_t steps = (int64_t)(epochs + 1) * EPOCH_STEPS;
  const int64_t learn = (int64_t)epochs * EPOCH_STEPS;
  const double dt = nf_network_dt(net);
  float *f = malloc(sizeof *f * (size_t)steps);
  float *e = malloc(sizeof *e * (size_t)steps);
  if (!f || !e) {
    free(f);
    free(e);
    return fail(net, "TENSION sum of sines", NF_ERR_OUT_OF_MEMORY);
  }
  for (int64_t k = 0; k < steps; k++)
    f[k] = (float)sines(60.0 * ((double)(k % EPOCH_STEPS) * dt));
  const double t0 = now();
  tension_net ids;
  nf_status st = build(net, n, f, steps, &ids);
  if (st == NF_OK)
    st = set_learning(net, &ids, 1);
  if (st == NF_OK)
    st = nf_network_run(net, learn);
  if (st == NF_OK)
    st = set_learning(net, &ids, 0);
  if (st == NF_OK)
    st = nf_network_run(net, steps - learn);
  int64_t rows = 0;
  if (st == NF_OK)
    st = nf_probe_read(net, ids.error_probe, e, (size_t)steps, &rows);
  if (st == NF_OK && rows != steps)
    st = NF_ERR_STATE;
  free(f);
  if (st != NF_OK) {
    free(e);
    return fail(net, "TENSION sum of sines", st);
  }
  const double secs = now() - t0;
  printf("TENSION sum of sines, full-FORCE, no-feedback ESN N %d, %d epochs of "
         "%d steps, "
         "%s backend\n",
         n, epochs, EPOCH_STEPS, nf_backend_name(nf_network_backend(net)));
  /* The training error: over the last training epoch. */
  printf("training MAE (last epoch) %.4f   testing MAE %.4f   (%.1f us/step)\n",
         mean_abs(e, learn - EPOCH_STEPS, learn), mean_abs(e, learn, steps),
         1e6 * secs / steps);
  free(e);
  nf_network_destroy(net);
  return 0;
}
