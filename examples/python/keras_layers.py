"""keras-spiking-style layers on a batch of sequences.

A batch of 32 noisy sine sequences (500 steps, 64 units) goes through
SpikingActivation("relu") -> Lowpass(30 ms), as a keras-spiking model would at
inference; the same model in the training phase (spiking_aware_training=False)
gives the rates, and the filtered spikes approximate them. Then the same two
layers as one chain (one pass), and the firing-rate statistics.

Usage: python keras_layers.py
"""
import numpy as np

from neurofuse import layers


def main():
    rng = np.random.default_rng(0)
    batch, steps, units = 32, 500, 64
    t = np.arange(steps) * 0.001
    x = (100 * (1 + np.sin(2 * np.pi * 2 * t)[None, :, None] * rng.uniform(0.5, 1, units))
         + rng.normal(0, 5, (batch, steps, units))).astype(np.float32)

    spikes = layers.SpikingActivation("relu", spiking_aware_training=False, seed=0,
                                      rate_stats=True)
    smooth = layers.Lowpass(0.03)
    spiking_out = smooth(spikes(x))                     # inference: spikes, filtered
    rate_out = smooth(spikes(x, training=True))         # training phase: rates
    stats = spikes.rate_stats([50, 99])
    smooth.reset_states()
    chained = layers.chain([spikes, smooth])(x)

    err = np.abs(spiking_out[:, 100:] - rate_out[:, 100:]).mean()
    print(f"input {x.shape} -> output {spiking_out.shape} ({spikes.backend})")
    print(f"filtered spikes vs rates: mean |difference| {err:.2f} "
          f"(rates average {rate_out[:, 100:].mean():.1f})")
    print(f"rates: mean {stats.mean:.1f} Hz, median {stats.percentiles[50.0]:.1f} Hz, "
          f"99th percentile {stats.percentiles[99.0]:.1f} Hz")
    print(f"chain equals the layers one after the other: "
          f"{np.allclose(chained, spiking_out, rtol=1e-5, atol=1e-3)}")


if __name__ == "__main__":
    main()
