/*
 * A batched sweep: 64 independent Sussillo & Abbott networks (per-batch
 * weights, readouts and P) trained at once, an 8 x 8 grid of the recurrent
 * gain g (1.0 .. 2.4) and the RLS regulariser alpha (P(0) = I/alpha, 0.01 ..
 * 100); prints (g, alpha, training MAE, testing MAE) per network. Element b
 * gets its gain by scaling its recurrent weights, drawn with gain 1.5, by
 * g[b] / 1.5. The network is force_sussillo's (per_batch set: every weight
 * matrix and P has one copy per batch element); the tasks library's
 * nftask_sussillo_build and nftask_sweep_apply (tasks/) build the same.
 * Usage: force_sweep [--n N] [--train-steps T] [--test-steps T] [--seed S]
 *        [--backend cpu|cuda]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

#define GRID 8
#define BATCH (GRID * GRID)
#define P 0.1f      /* connection probability of the recurrent weights */
#define G_DRAW 1.5f /* the gain they are drawn with */
#define EVERY 2     /* RLS every EVERY steps */

typedef struct sweep_net {
  int32_t pop, recurrent, readout, feedback, target, learner, error_probe;
} sweep_net;

/* f(t) = (1.3/1.5)(sin(pi t/60) + sin(2 pi t/60)/2 + sin(3 pi t/60)/6 + sin(4
 * pi t/60)/3). */
static double target(double t) {
  const double pi = 3.14159265358979323846, w = pi / 60.0;
  return (1.3 / 1.5) * (sin(w * t) + sin(2 * w * t) / 2 + sin(3 * w * t) / 6 +
                        sin(4 * w * t) / 3);
}

/* force_sussillo's network with n units, every batch element its own network.
 */
static nf_status build(nf_network *net, int32_t n, int64_t train_steps,
                       int64_t test_steps, sweep_net *ids) {
  nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
  pd.tau = 1.0f;
  pd.x_init_scale = 0.5f;
  nf_status st = nf_population_add(net, &pd, &ids->pop);
  if (st != NF_OK)
    return st;

  nf_connection_desc cd = nf_connection_defaults();
  cd.kind = NF_CONNECTION_SPARSE;
  cd.init = NF_WEIGHTS_NORMAL;
  cd.per_batch = 1;
  cd.g = G_DRAW;
  cd.p = P;
  cd.scale = 0.0f; /* g / sqrt(p n) */
  if ((st = nf_connect(net, ids->pop, ids->pop, &cd, &ids->recurrent)) != NF_OK)
    return st;

  nf_readout_desc rd = {.z_init_scale = 0.5f, .per_batch = 1};
  if ((st = nf_readout_add(net, ids->pop, 1, &rd, &ids->readout)) != NF_OK)
    return st;
  cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_UNIFORM;
  cd.low = -1.0f;
  cd.high = 1.0f;
  cd.per_batch = 1;
  if ((st = nf_connect(net, ids->readout, ids->pop, &cd, &ids->feedback)) !=
      NF_OK)
    return st;

  const int64_t steps = train_steps + test_steps;
  const double dt = nf_network_dt(net);
  float *f = malloc(sizeof *f * (size_t)steps * BATCH + 1);
  if (!f)
    return NF_ERR_OUT_OF_MEMORY;
  for (int64_t t = 0; t < steps; t++)
    for (int32_t b = 0; b < BATCH; b++)
      f[t * BATCH + b] = (float)target((double)(t + 1) * dt);
  st = nf_input_add(net, 1, &ids->target);
  if (st == NF_OK)
    st = nf_input_set(net, ids->target, steps, f);
  free(f);
  if (st != NF_OK)
    return st;

  nf_learner_desc ld = nf_learner_defaults();
  ld.readout = ids->readout;
  ld.target = ids->target;
  ld.alpha = 1.0f; /* replaced by sweep() */
  ld.every = EVERY;
  ld.stop = train_steps;
  if ((st = nf_learner_add(net, &ld, &ids->learner)) != NF_OK)
    return st;
  return nf_probe_add(net, ids->learner, NF_PROBE_ERROR, 1, &ids->error_probe);
}

/* Element b: recurrent weights scaled by g[b] / G_DRAW, P(0) = I / alpha[b].
 * The weights come as [batch][count / batch], P as [batch][n][n]. */
static nf_status sweep(nf_network *net, const sweep_net *ids, int32_t n,
                       const float *g, const float *alpha) {
  int64_t count = 0;
  nf_status st = nf_connection_weight_count(net, ids->recurrent, &count);
  if (st != NF_OK)
    return st;
  const size_t un = (size_t)n, per = (size_t)count / BATCH;
  float *w = malloc(sizeof *w * (size_t)count + 1);
  float *p = calloc((size_t)BATCH * un * un + 1, sizeof *p);
  if (!w || !p) {
    free(w);
    free(p);
    return NF_ERR_OUT_OF_MEMORY;
  }
  st = nf_connection_get_weights(net, ids->recurrent, w);
  for (int32_t b = 0; b < BATCH; b++) {
    for (size_t i = 0; i < per; i++)
      w[b * per + i] *= g[b] / G_DRAW;
    for (size_t i = 0; i < un; i++)
      p[(b * un + i) * un + i] = 1.0f / alpha[b];
  }
  if (st == NF_OK)
    st = nf_connection_set_weights(net, ids->recurrent, w);
  if (st == NF_OK)
    st = nf_learner_set_p(net, ids->learner, p);
  free(w);
  free(p);
  return st;
}

/* Each element's mean |e| over the training steps and over the testing steps.
 */
static nf_status score(nf_network *net, const sweep_net *ids,
                       int64_t train_steps, int64_t steps, double *train,
                       double *test) {
  float *e = malloc(sizeof *e * (size_t)steps * BATCH + 1);
  if (!e)
    return NF_ERR_OUT_OF_MEMORY;
  int64_t rows = 0;
  nf_status st =
      nf_probe_read(net, ids->error_probe, e, (size_t)steps * BATCH, &rows);
  if (st == NF_OK && rows != steps)
    st = NF_ERR_STATE;
  for (int32_t b = 0; b < BATCH && st == NF_OK; b++) {
    double sum_train = 0.0, sum_test = 0.0;
    for (int64_t t = 0; t < train_steps; t++)
      sum_train += fabs(e[t * BATCH + b]);
    for (int64_t t = train_steps; t < steps; t++)
      sum_test += fabs(e[t * BATCH + b]);
    train[b] = train_steps > 0 ? sum_train / (double)train_steps : 0.0;
    test[b] =
        steps > train_steps ? sum_test / (double)(steps - train_steps) : 0.0;
  }
  free(e);
  return st;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  int32_t n = 300;
  int64_t train_steps = 14400, test_steps = 2400;
  nf_network_desc nd = nf_network_defaults();
  nd.dt = 0.1;
  nd.seed = 64;
  nd.batch = BATCH;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc)
      n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--train-steps") && i + 1 < argc)
      train_steps = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--test-steps") && i + 1 < argc)
      test_steps = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      nd.seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
      nd.backend =
          !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    else {
      fprintf(stderr,
              "usage: %s [--n N] [--train-steps T] [--test-steps T] [--seed S] "
              "[--backend cpu|cuda]\n",
              argv[0]);
      return 2;
    }
  }
  float g[BATCH], alpha[BATCH];
  for (int b = 0; b < BATCH; b++) {
    g[b] = 1.0f + 0.2f * (b / GRID);
    alpha[b] = powf(10.0f, -2.0f + 4.0f * (float)(b % GRID) / (GRID - 1));
  }
  nf_network *net = NULL;
  char msg[512];
  if (nf_network_create_ex(&nd, &net, msg, sizeof msg) != NF_OK) {
    fprintf(stderr, "%s\n", msg);
    return 1;
  }
  const int64_t steps = train_steps + test_steps;
  double train[BATCH], test[BATCH];
  sweep_net ids;
  nf_status st = build(net, n, train_steps, test_steps, &ids);
  if (st == NF_OK)
    st = sweep(net, &ids, n, g, alpha);
  const double t0 = now();
  if (st == NF_OK)
    st = nf_network_run(net, steps);
  const double secs = now() - t0;
  if (st == NF_OK)
    st = score(net, &ids, train_steps, steps, train, test);
  if (st != NF_OK) {
    fprintf(stderr, "sweep: %s: %s\n", nf_status_string(st),
            nf_network_last_error(net));
    nf_network_destroy(net);
    return 1;
  }
  printf("Sussillo & Abbott sweep: %d independent networks of N %d, %lld + "
         "%lld steps, "
         "%s backend, %.1f s wall (%.1f us/step for the batch)\n",
         nd.batch, n, (long long)train_steps, (long long)test_steps,
         nf_backend_name(nf_network_backend(net)), secs, 1e6 * secs / steps);
  printf("    g   alpha   train MAE   test MAE\n");
  for (int b = 0; b < BATCH; b++)
    printf("%5.2f %7.3g %11.5f %10.5f\n", g[b], alpha[b], train[b], test[b]);
  nf_network_destroy(net);
  return 0;
}
