"""TENSION's full-FORCE sum-of-sinusoids example, run as its notebook sets it up
(TENSION 0.2, examples/FORCE_and_full_FORCE_Training_of_Echo_State_Networks_on_
Sum_of_Sinusoids.ipynb), for one seed: the peer of neurofuse's tension task
(tasks/tension_sines.c) in distributions over seeds (../fidelity/task_seeds.sh).

Setup (the notebook's): dt 0.0025 s, dt/tau 0.1, N 750 tanh units, g 1.5, a
trial of 801 steps (t = 0, dt, ..., 2 s) with target f(t) = sin(8 pi t) sin(pi t),
an input of 1 during the first round(0.05/dt) = 20 steps, a hint of zeros (hint
dimension 1); TENSION's NoFeedbackESN trained by its FullFORCEModel
(target output kernel not trained, alpha_P 1) for 5 epochs of that trial, then
`predict` on the input alone (learning off, the network continuing from where
training left it). Seed S runs TENSION with seed s = 2 S - 1 (the layer's seed,
and tf.random.set_seed(s) as the notebook does): TENSION draws the generator
network from seed s + 1, whose recurrent weights are those of the task network
of seed s + 1, so that consecutive seeds share a network; odd seeds do not.
TensorFlow 2.15's legacy SGD stands in for its current one (see below).
Errors as neurofuse scores them: training = Keras' MAE metric of the last
epoch (mean |z - f| over its 801 steps, the weights before each step's update),
testing = mean |z - f| over the predicted trial.
Prints also the spread of TENSION's draws (standard deviations of the kernels)
and the run's wall time. Runs in the virtual environment of
setup_tension_venv.sh:
  bench/peers/.venv-tension/bin/python bench/peers/tension_sines.py --seed S
--float64 runs TENSION in float64 (Keras' floatx; its default and the notebook's is
float32), a check of what float32 does to its RLS.
--dump DIR writes the model's draws before its first step and exits without
training: raw float32 files in neurofuse's layout ([post][pre]) for
tension_on_draws.c, which runs neurofuse's task on them: task_rec, gen_rec
(recurrent), task_in, gen_in (input kernels), gen_fb (the generator's
feedback), readout (the task readout's start), task_x0, gen_x0 (initial x).
Usage: tension_sines.py [--seed S] [--n N] [--epochs E] [--threads T] [--float64] [--dump DIR]
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tension.models import FullFORCEModel, NoFeedbackESN  # noqa: E402

# TENSION 0.2 applies its updates with the SGD optimizer (learning rate 1) one
# variable at a time, which Keras' optimizer of TensorFlow 2.11 and later
# refuses (it must be built with every variable first); the legacy SGD, the
# default of the TensorFlow releases TENSION was written for, does the same
# step, var -= grad.
tf.keras.optimizers.SGD = tf.keras.optimizers.legacy.SGD


def trial(dt):
    """Input (pulse, hint) [steps][2], target [steps][1] of one 2 s trial."""
    per_s = round(1 / dt)
    t = np.linspace(0.0, 2.0, 2 * per_s + 1)
    f = np.sin(8 * np.pi * t) * np.sin(np.pi * t)
    pulse = np.zeros_like(t)
    pulse[: round(0.05 * per_s)] = 1.0
    hint = np.zeros_like(t)
    return (np.stack([pulse, hint], axis=1).astype(np.float32),
            f[:, None].astype(np.float32))


def dump(model, layer, n, directory):
    """Builds the model as its first training step would and writes its draws."""
    model.build(tf.TensorShape((1, 1, 3)))
    gen = model._target_network
    draws = {"task_rec": np.asarray(layer.recurrent_kernel).T,
             "gen_rec": np.asarray(gen.recurrent_kernel).T,
             "task_in": np.asarray(layer.input_kernel), "gen_in": np.asarray(gen.input_kernel),
             "gen_fb": np.asarray(gen.feedback_kernel),
             "readout": np.asarray(layer.output_kernel),
             "task_x0": np.asarray(model.force_layer.states[0]),
             "gen_x0": np.asarray(model.target_network.states[0])}
    os.makedirs(directory, exist_ok=True)
    for name, w in draws.items():
        np.ascontiguousarray(w, dtype=np.float32).tofile(os.path.join(directory, name + ".f32"))
    print("wrote %s: %s" % (directory, " ".join(draws)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=62, help="TENSION seed 2 S - 1 (default 123)")
    ap.add_argument("--n", type=int, default=750)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--float64", action="store_true")
    ap.add_argument("--dump", metavar="DIR")
    a = ap.parse_args()
    if a.float64:
        tf.keras.backend.set_floatx("float64")
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    dt = 0.0025
    x, f = trial(dt)
    if a.float64:
        x, f = x.astype(np.float64), f.astype(np.float64)

    seed = 2 * a.seed - 1
    t0 = time.perf_counter()
    tf.random.set_seed(seed)
    layer = NoFeedbackESN(dtdivtau=0.1, units=a.n, output_size=1, activation="tanh",
                          seed=seed)
    model = FullFORCEModel(force_layer=layer, hint_dim=1, target_output_kernel_trainable=False)
    model.compile(metrics=["mae"])
    if a.dump:
        dump(model, layer, a.n, a.dump)
        return
    hist = model.fit(x=x, y=f, epochs=a.epochs, verbose=0)
    z = np.asarray(model.predict(x[:, :1], verbose=0))[:, 0]
    secs = time.perf_counter() - t0

    train = hist.history["mae"][-1]
    test = float(np.mean(np.abs(z - f[:, 0])))
    gen = model._target_network
    sd = lambda v: float(np.std(np.asarray(v)))  # noqa: E731
    print(f"tensorflow {tf.__version__} {tf.keras.backend.floatx()}: TENSION full-FORCE sum of sinusoids N {a.n}, "
          f"{a.epochs} epochs of {len(f)} steps + 1 predicted, seed {a.seed} (TENSION's {seed})")
    print("draws (sd): task input kernel %.4f, generator recurrent %.5f (g/sqrt(N) %.5f), "
          "generator input %.4f, generator feedback %.4f, mean |f| %.4f"
          % (sd(layer.input_kernel), sd(gen.recurrent_kernel), 1.5 / np.sqrt(a.n),
             sd(gen.input_kernel), sd(gen.feedback_kernel), float(np.mean(np.abs(f)))))
    print("per-epoch MAE " + " ".join("%.4f" % v for v in hist.history["mae"]))
    print(f"training MAE {train:.5f}   testing MAE {test:.5f}   ({secs:.1f} s)")


if __name__ == "__main__":
    main()
