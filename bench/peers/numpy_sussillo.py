#!/usr/bin/python3
"""Sussillo & Abbott (2009) FORCE, sum of four sines, in plain numpy: the peer
that bench/compare_numpy.sh times against neurofuse's CPU backend.

The same task as tasks/sussillo.c (docs/equations.md canonical task):
N 1000 leaky tanh units, dt 0.1 (time in units of tau), recurrent weights
M = g/sqrt(p N) N(0,1) with probability p 0.1, g 1.5 (stored dense: numpy has
no sparse product of its own), feedback w_f ~ U(-1, 1), readout w from 0,
x0 ~ 0.5 N(0,1), z0 ~ 0.5 N(0,1). Per step:
    x <- (1 - dt) x + dt (M r + w_f z);  r = tanh(x);  z = w.r
and on every 2nd training step, with e = z - f(t):
    k = P r;  c = 1 / (1 + r.k);  P <- P - c k k^T;  w <- w - c e k
P(0) = I / alpha. Prints the training and testing mean absolute error and the
microseconds per step of the whole loop (training and testing steps).
Usage: numpy_sussillo.py [--n N] [--train-steps T] [--test-steps T]
                         [--dtype float32|float64] [--seed S]
"""
import argparse
import time

import numpy as np


def target(t):
    w = np.pi / 60.0
    return (1.3 / 1.5) * (np.sin(w * t) + np.sin(2 * w * t) / 2 + np.sin(3 * w * t) / 6
                          + np.sin(4 * w * t) / 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--train-steps", type=int, default=14400)
    ap.add_argument("--test-steps", type=int, default=14400)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    ap.add_argument("--seed", type=int, default=2009)
    a = ap.parse_args()
    dt, p, g, alpha, every = 0.1, 0.1, 1.5, 1.0, 2
    n, dtype = a.n, np.dtype(a.dtype)
    rng = np.random.default_rng(a.seed)
    M = (rng.standard_normal((n, n)) * (rng.random((n, n)) < p) * (g / np.sqrt(p * n)))
    M = M.astype(dtype)
    wf = rng.uniform(-1.0, 1.0, n).astype(dtype)
    w = np.zeros(n, dtype)
    x = (0.5 * rng.standard_normal(n)).astype(dtype)
    z = dtype.type(0.5 * rng.standard_normal())
    P = (np.eye(n) / alpha).astype(dtype)
    steps = a.train_steps + a.test_steps
    f = target(dt * np.arange(1, steps + 1)).astype(dtype)
    err = np.empty(steps)
    r = np.tanh(x)
    decay, dtt = dtype.type(1.0 - dt), dtype.type(dt)

    t0 = time.perf_counter()
    for t in range(steps):
        x = decay * x + dtt * (M @ r + wf * z)
        r = np.tanh(x)
        z = w @ r
        e = z - f[t]
        err[t] = e
        if t < a.train_steps and (t + 1) % every == 0:
            k = P @ r
            c = 1.0 / (1.0 + r @ k)
            P -= c * np.outer(k, k)
            w -= (c * e) * k
    secs = time.perf_counter() - t0

    train = np.mean(np.abs(err[:a.train_steps]))
    test = np.mean(np.abs(err[a.train_steps:])) if a.test_steps else 0.0
    print(f"numpy {np.__version__} {a.dtype}: Sussillo & Abbott N {n}, "
          f"{a.train_steps} + {a.test_steps} steps")
    print(f"training MAE {train:.5f}   testing MAE {test:.5f}   "
          f"({1e6 * secs / steps:.1f} us/step)")


if __name__ == "__main__":
    main()
