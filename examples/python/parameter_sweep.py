"""A parameter sweep as one batch: 64 random networks, one per recurrent gain g.

64 networks of 200 leaky tanh units (x += dt/tau (-x + g M r)) run at once as a
batch of independent networks (per-batch weights): element b has M scaled by
g_b in [0.5, 2.0]. Below g = 1 the activity decays to rest; above it the
networks turn chaotic (Sompolinsky, Crisanti & Sommers 1988). The sweep prints
the late activity's standard deviation against g.

Usage: python parameter_sweep.py
"""
import numpy as np

import neurofuse as nf


def main():
    batch, n, steps = 64, 200, 3000
    gains = np.linspace(0.5, 2.0, batch)
    with nf.Network(dt=0.1, batch=batch, seed=3) as net:
        pop = net.add_population("leaky_rate", n, tau=1.0, x_init_scale=1.0)
        rec = net.connect(pop, pop, init="normal", g=1.0, per_batch=True)   # N(0, 1/n)
        rec.weights = rec.weights * gains[:, None, None].astype(np.float32)
        probe = net.probe(pop, "output", every=10)
        net.run(steps)
        r = probe.read()                               # (steps / 10, batch, n)
    late = r[-100:].std(axis=(0, 2))                   # per network
    for g, s in zip(gains[::8], late[::8]):
        print(f"g = {g:.2f}: activity std {s:.4f}")
    quiet, chaotic = late[gains < 0.9].max(), late[gains > 1.5].min()
    print(f"g < 0.9: at most {quiet:.2e}; g > 1.5: at least {chaotic:.3f}")
    assert quiet < 1e-3 < chaotic


if __name__ == "__main__":
    main()
