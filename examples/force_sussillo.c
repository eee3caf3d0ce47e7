/*
 * Sussillo & Abbott (2009), FORCE with external feedback: a chaotic network of
 * 1000 tanh units learns a sum of four sines (docs/equations.md canonical
 * task). x += dt (-x + M r + w_f z),  r = tanh(x),  z = w.r  (tau 1, dt 0.1) M:
 * g/sqrt(p N) N(0,1) with probability p (g 1.5, p 0.1), w_f ~ U(-1, 1) w: from
 * 0, RLS (P(0) = I/alpha) every 2 steps while training Prints the training and
 * testing mean absolute error and the speed. The network is the tasks library's
 * nftask_sussillo_build (tasks/sussillo.c), written here with the public API
 * alone. Usage: force_sussillo [--batch B] [--train-steps T] [--test-steps T]
 * [--backend cpu|cuda]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurofuse.h"

#define N 1000
#define P 0.1f     /* connection probability of M */
#define G 1.5f     /* gain of M */
#define ALPHA 1.0f /* P(0) = I / alpha */
#define EVERY 2    /* RLS every EVERY steps */

/* f(t) = (1.3/1.5)(sin(pi t/60) + sin(2 pi t/60)/2 + sin(3 pi t/60)/6 + sin(4
 * pi t/60)/3). */
static double target(double t) {
  const double pi = 3.14159265358979323846, w = pi / 60.0;
  return (1.3 / 1.5) * (sin(w * t) + sin(2 * w * t) / 2 + sin(3 * w * t) / 6 +
                        sin(4 * w * t) / 3);
}

/* Adds the task to the empty network: the population, its recurrent weights,
 * the readout z and its feedback, the target input (one row per step, the same
 * for every batch element), the learner (training steps only) and a probe of
 * its error e = z - f, every step. */
static nf_status build(nf_network *net, int64_t train_steps, int64_t test_steps,
                       int32_t *error_probe) {
  const int32_t batch = nf_network_batch(net);
  int32_t pop, recurrent, readout, feedback, input, learner;
  nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, N);
  pd.tau = 1.0f;
  pd.x_init_scale = 0.5f; /* x0 ~ 0.5 N(0, 1) */
  nf_status st = nf_population_add(net, &pd, &pop);
  if (st != NF_OK)
    return st;

  nf_connection_desc cd = nf_connection_defaults();
  cd.kind = NF_CONNECTION_SPARSE;
  cd.init = NF_WEIGHTS_NORMAL;
  cd.g = G;
  cd.p = P;
  cd.scale = 0.0f; /* g / sqrt(p N) */
  if ((st = nf_connect(net, pop, pop, &cd, &recurrent)) != NF_OK)
    return st;

  nf_readout_desc rd = {.z_init_scale = 0.5f}; /* z0 ~ 0.5 N(0, 1) */
  if ((st = nf_readout_add(net, pop, 1, &rd, &readout)) != NF_OK)
    return st;
  cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_UNIFORM;
  cd.low = -1.0f;
  cd.high = 1.0f;
  if ((st = nf_connect(net, readout, pop, &cd, &feedback)) != NF_OK)
    return st;

  /* The target, [steps][batch]: row t is f at the end of step t. */
  const int64_t steps = train_steps + test_steps;
  const double dt = nf_network_dt(net);
  float *f = malloc(sizeof *f * (size_t)steps * batch + 1);
  if (!f)
    return NF_ERR_OUT_OF_MEMORY;
  for (int64_t t = 0; t < steps; t++)
    for (int32_t b = 0; b < batch; b++)
      f[t * batch + b] = (float)target((double)(t + 1) * dt);
  st = nf_input_add(net, 1, &input);
  if (st == NF_OK)
    st = nf_input_set(net, input, steps, f);
  free(f);
  if (st != NF_OK)
    return st;

  nf_learner_desc ld = nf_learner_defaults();
  ld.readout = readout;
  ld.target = input;
  ld.alpha = ALPHA;
  ld.every = EVERY;
  ld.stop = train_steps; /* learning off from here on: testing */
  if ((st = nf_learner_add(net, &ld, &learner)) != NF_OK)
    return st;
  return nf_probe_add(net, learner, NF_PROBE_ERROR, 1, error_probe);
}

/* Mean |e| over rows [from, to) of an error probe read as [rows][batch]. */
static double mean_abs(const float *e, int64_t from, int64_t to,
                       int32_t batch) {
  double sum = 0.0;
  for (int64_t i = from * batch; i < to * batch; i++)
    sum += fabs(e[i]);
  return to > from ? sum / ((double)(to - from) * batch) : 0.0;
}

int main(int argc, char **argv) {
  nf_network_desc nd = nf_network_defaults();
  nd.dt = 0.1;
  nd.seed = 2009;
  int64_t train_steps = 14400, test_steps = 14400;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      nd.batch = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--train-steps") && i + 1 < argc)
      train_steps = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--test-steps") && i + 1 < argc)
      test_steps = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
      nd.backend =
          !strcmp(argv[++i], "cuda") ? NF_BACKEND_CUDA : NF_BACKEND_CPU;
    else {
      fprintf(stderr,
              "usage: %s [--batch B] [--train-steps T] [--test-steps T] "
              "[--backend cpu|cuda]\n",
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
  int32_t error_probe = -1;
  const int64_t steps = train_steps + test_steps;
  float *e = malloc(sizeof *e * (size_t)steps * nd.batch);
  struct timespec t0, t1;
  nf_status st = e ? build(net, train_steps, test_steps, &error_probe)
                   : NF_ERR_OUT_OF_MEMORY;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (st == NF_OK)
    st = nf_network_run(net, steps);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  int64_t rows = 0;
  if (st == NF_OK)
    st = nf_probe_read(net, error_probe, e, (size_t)steps * nd.batch, &rows);
  if (st != NF_OK) {
    fprintf(stderr, "%s: %s\n", nf_status_string(st),
            nf_network_last_error(net));
    free(e);
    nf_network_destroy(net);
    return 1;
  }
  const double secs =
      (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  printf("Sussillo & Abbott sum of sines, N %d, batch %d, %s backend\n", N,
         nd.batch, nf_backend_name(nf_network_backend(net)));
  printf("training MAE %.5f   testing MAE %.5f   (%lld + %lld steps, %.1f "
         "us/step)\n",
         mean_abs(e, 0, train_steps, nd.batch),
         mean_abs(e, train_steps, steps, nd.batch), (long long)train_steps,
         (long long)test_steps, 1e6 * secs / steps);
  free(e);
  nf_network_destroy(net);
  return 0;
}
