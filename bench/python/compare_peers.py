"""neurofuse's Python layers and LIF neurons against keras-spiking and nengo themselves.

Needs keras-spiking (with TensorFlow) and nengo installed next to neurofuse, e.g.
``pip install "tensorflow-cpu==2.15.1" keras-spiking nengo`` in a venv (the test
suite does not install them: it compares against their formulas instead).
Prints a Markdown report:
  - SpikingActivation relu / sigmoid / tanh from the same initial voltages
    (keras-spiking's call argument initial_state), spiking and training phase;
  - Lowpass and Alpha filters;
  - 100 nengo LIF neurons x 41 constant inputs for 2 s, nengo.LIF's own step
    function (float64) from the voltages neurofuse drew: spike counts.

Usage: python bench/python/compare_peers.py
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras_spiking as ks  # noqa: E402
import nengo  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import neurofuse as nf  # noqa: E402
from neurofuse import layers  # noqa: E402


def activations():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(16, 1000, 32)) * 3).astype(np.float32)
    v0 = rng.uniform(size=(16, 32)).astype(np.float32)
    print("| activation | dt | input scale | outputs | spikes (keras-spiking) | outputs "
          "differing | training phase: outputs differing, max abs difference |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for act, dt, scale in (("relu", 0.001, 1000.0), ("sigmoid", 0.05, 1.0), ("tanh", 0.05, 1.0),
                           ("sigmoid", 0.001, 1.0), ("tanh", 0.001, 1.0)):
        xs = x * np.float32(scale)
        want = ks.SpikingActivation(act, dt=dt, return_sequences=True)(
            xs, initial_state=[tf.constant(v0)]).numpy()
        got = layers.SpikingActivation(act, dt=dt, seed=0)(xs, initial_state=v0)
        rate_want = ks.SpikingActivation(act, dt=dt, spiking_aware_training=False,
                                         return_sequences=True)(xs, training=True).numpy()
        rate_got = layers.SpikingActivation(act, dt=dt, spiking_aware_training=False)(
            xs, training=True)
        print(f"| {act} | {dt} | {scale:g} | {got.size} | {int((want != 0).sum())} | "
              f"{int((got != want).sum())} | {int((rate_got != rate_want).sum())}, "
              f"{float(np.abs(rate_got - rate_want).max()):.2e} |")
    print()
    print("| filter (tau 0.01, dt 0.001) | max abs difference | outputs |")
    print("| --- | --- | --- |")
    for keras_layer, ours in ((ks.Lowpass(0.01, return_sequences=True), layers.Lowpass(0.01)),
                              (ks.Alpha(0.01, return_sequences=True), layers.Alpha(0.01))):
        a, b = keras_layer(x).numpy(), ours(x)
        print(f"| {type(keras_layer).__name__} | {float(np.abs(a - b).max()):.2e} | {a.size} |")


def lif():
    tau_rc, tau_ref, dt, seconds = 0.02, 0.002, 0.001, 2.0
    rng = np.random.default_rng(0)
    n, xs = 100, np.linspace(-1, 1, 41)
    max_rates, intercepts = rng.uniform(200, 400, n), rng.uniform(-1, 1, n)
    encoders = rng.choice([-1.0, 1.0], n)
    gain, bias = nengo.LIF(tau_rc=tau_rc, tau_ref=tau_ref).gain_bias(max_rates, intercepts)
    with nf.Network(dt=dt, batch=xs.size, seed=1, backend="cpu") as net:
        pop = net.add_population("lif", n, tau_rc=tau_rc, tau_ref=tau_ref, gains=gain,
                                 biases=bias)
        inp = net.add_input(n)
        inp.set((xs[:, None] * encoders[None, :])[None])
        net.connect(inp, pop, kind="identity")
        v0 = pop.get_state("voltage")
        probe = net.probe(pop, "output")
        net.run(int(seconds / dt))
        counts = probe.read().sum(axis=0) * dt
    J = gain * (xs[:, None] * encoders[None, :]) + bias
    model = nengo.LIF(tau_rc=tau_rc, tau_ref=tau_ref)
    out, v, ref = np.zeros_like(J), v0.astype(np.float64), np.zeros_like(J)
    want = np.zeros_like(J)
    for _ in range(int(seconds / dt)):
        model.step(dt, J, out, v, ref)
        want += out * dt
    diff = np.abs(np.round(counts) - np.round(want))
    print(f"| {n} LIF x {xs.size} inputs, {seconds} s | {int(want.sum())} | "
          f"{int((diff == 0).sum())} of {diff.size} | {int(diff.max())} |")


def main():
    print(f"keras-spiking {ks.__version__}, TensorFlow {tf.__version__}, nengo "
          f"{nengo.__version__}, numpy {np.__version__}, neurofuse {nf.version()} (CPU)")
    print()
    activations()
    print()
    print("| nengo.LIF (float64) vs neurofuse LIF | spikes (nengo) | neuron counts equal | "
          "max |difference| (spikes) |")
    print("| --- | --- | --- | --- |")
    lif()


if __name__ == "__main__":
    main()
