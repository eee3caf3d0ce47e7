/*
 * TENSION's full-FORCE sum-of-sinusoids example on a no-feedback echo-state
 * network: N 750 leaky tanh units, dt 0.0025 s, tau 10 dt, recurrent weights
 * and readout trained by RLS on every step of 5 epochs of 801 steps, then one
 * epoch with learning off. TENSION's notebook reached MAE 0.0050 in its last
 * epoch. Prints the mean absolute error of the last training epoch and of the
 * test epoch. Per step, x += dt/tau (-x + J), r = tanh(x):
 *   target-generating network  J_d = W_d r_d + u_in,d in + u_f f
 *   task network               J   = W r + u_in in,  z = w.r
 * W learns W r -> W_d r_d + u_f f (NF_LEARNER_CURRENTS) and w learns z -> f,
 * P(0) = I; W_d and W from g/sqrt(N) N(0,1) (g 1.5), u_in,d, u_in and u_f
 * each N(0, 1), x0 ~ N(0, 0.25^2), w from N(0, 1/N); each epoch the same 2 s
 * trial (t = k dt, k = 0 .. 800) of f(t) = sin(8 pi t) sin(pi t), the input 1
 * on its first 20 steps. force_full_force.c is the same method with
 * DePasquale's draws and learning on a random half of the steps; the tasks
 * library's nftask_tension_run (tasks/tension_sines.c) runs the same network
 * (the readout drawn from the seed in the same way).
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
#define PULSE_STEPS 20 /* 50 ms */

typedef struct tension_net {
  int32_t gen, task, gen_rec, task_rec, input, gen_in, task_in, target, gen_fb;
  int32_t readout, currents_learner, readout_learner, error_probe;
} tension_net;

static double sinusoids(double t) {
  const double pi = 3.14159265358979323846;
  return sin(8.0 * pi * t) * sin(pi * t);
}

static nf_status add_rate_population(nf_network *net, int32_t n, float tau,
                                     int32_t *id) {
  nf_population_desc pd = nf_population_defaults(NF_MODEL_LEAKY_RATE, n);
  pd.tau = tau;
  pd.x_init_scale = 0.25f;
  return nf_population_add(net, &pd, id);
}

/* A uniform in [0, 1) (splitmix64). */
static double coin(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* The readout's initial weights, N(0, 1/n), Box-Muller over coins of seed. */
static void initial_readout(uint64_t seed, int32_t n, float *w) {
  const double two_pi = 6.28318530717958647692;
  const float scale = 1.0f / sqrtf((float)n);
  seed ^= 0xd1b54a32d192ed03ull;
  for (int32_t i = 0; i < n; i += 2) {
    const double r = sqrt(-2.0 * log(1.0 - coin(&seed)));
    const double a = two_pi * coin(&seed);
    w[i] = (float)(scale * r * cos(a));
    if (i + 1 < n)
      w[i + 1] = (float)(scale * r * sin(a));
  }
}

/* The two networks, the input and the target f (`steps` values each, batch
 * 1), the two learners and a probe of the readout's error. */
static nf_status build(nf_network *net, int32_t n, uint64_t seed,
                       const float *in, const float *f, int64_t steps,
                       tension_net *ids) {
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
  /* The input and feedback weights: N(0, 1), the input's drawn apart for
   * each network. */
  cd = nf_connection_defaults();
  cd.init = NF_WEIGHTS_NORMAL;
  cd.p = 1.0f;
  cd.scale = 1.0f;
  if (st == NF_OK)
    st = nf_input_add(net, 1, &ids->input);
  if (st == NF_OK)
    st = nf_input_set(net, ids->input, steps, in);
  if (st == NF_OK)
    st = nf_connect(net, ids->input, ids->gen, &cd, &ids->gen_in);
  if (st == NF_OK)
    st = nf_connect(net, ids->input, ids->task, &cd, &ids->task_in);
  if (st == NF_OK)
    st = nf_input_add(net, 1, &ids->target);
  if (st == NF_OK)
    st = nf_input_set(net, ids->target, steps, f);
  if (st == NF_OK)
    st = nf_connect(net, ids->target, ids->gen, &cd, &ids->gen_fb);
  float *w = malloc(sizeof *w * (size_t)n);
  if (!w)
    return NF_ERR_OUT_OF_MEMORY;
  initial_readout(seed, n, w);
  const nf_readout_desc rd = {.weights = w};
  if (st == NF_OK)
    st = nf_readout_add(net, ids->task, 1, &rd, &ids->readout);
  free(w);
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
    return fail(net, "TENSION sum of sinusoids", NF_ERR_INVALID_ARGUMENT);

  /* Every epoch the same EPOCH_STEPS values; learning in all but the last. */
  const int64_t steps = (int64_t)(epochs + 1) * EPOCH_STEPS;
  const int64_t learn = (int64_t)epochs * EPOCH_STEPS;
  const double dt = nf_network_dt(net);
  float *f = malloc(sizeof *f * (size_t)steps * 3);
  if (!f)
    return fail(net, "TENSION sum of sinusoids", NF_ERR_OUT_OF_MEMORY);
  float *in = f + steps, *e = in + steps;
  for (int64_t k = 0; k < steps; k++) {
    f[k] = (float)sinusoids((double)(k % EPOCH_STEPS) * dt);
    in[k] = k % EPOCH_STEPS < PULSE_STEPS ? 1.0f : 0.0f;
  }
  const double t0 = now();
  tension_net ids;
  nf_status st = build(net, n, nd.seed, in, f, steps, &ids);
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
  if (st != NF_OK) {
    free(f);
    return fail(net, "TENSION sum of sinusoids", st);
  }
  const double secs = now() - t0;
  printf("TENSION sum of sinusoids, full-FORCE, no-feedback ESN N %d, %d epochs of "
         "%d steps, "
         "%s backend\n",
         n, epochs, EPOCH_STEPS, nf_backend_name(nf_network_backend(net)));
  /* The training error: over the last training epoch. */
  printf("training MAE (last epoch) %.4f   testing MAE %.4f   (%.1f us/step)\n",
         mean_abs(e, learn - EPOCH_STEPS, learn), mean_abs(e, learn, steps),
         1e6 * secs / steps);
  free(f);
  nf_network_destroy(net);
  return 0;
}
