"""Sussillo & Abbott (2009): FORCE learning of a sum of four sines.

1000 leaky tanh units (x += dt (-x + M r + w_f z), r = tanh(x)), a sparse random
recurrent matrix of gain 1.5, the readout z = w.r fed back through w_f, and w
trained by recursive least squares every 2 steps for 14400 steps, then tested for
14400 more. Writes force_sussillo.png (target vs output) when matplotlib is
installed. The same network as `python -m neurofuse demo`.

Usage: python force_sussillo.py [--n 1000] [--train 14400] [--test 14400] [--out DIR]
"""
import argparse
import math
import os
import time

import numpy as np

import neurofuse as nf


def target(steps, dt):
    w = math.pi / 60.0
    t = (np.arange(steps) + 1) * dt
    return (1.3 / 1.5) * (np.sin(w * t) + np.sin(2 * w * t) / 2 + np.sin(3 * w * t) / 6 +
                          np.sin(4 * w * t) / 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--train", type=int, default=14400)
    parser.add_argument("--test", type=int, default=14400)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--out", default=".")
    args = parser.parse_args()

    with nf.Network(dt=0.1, seed=2009, backend=args.backend) as net:
        pop = net.add_population("leaky_rate", args.n, tau=1.0, x_init_scale=0.5)
        net.connect(pop, pop, kind="sparse", init="normal", g=1.5, p=0.1)
        readout = net.add_readout(pop, 1, z_init_scale=0.5)
        net.connect(readout, pop, init="uniform", low=-1.0, high=1.0)   # feedback w_f
        f = net.add_input(1)
        f.set(target(args.train + args.test, net.dt).reshape(-1, 1))
        net.add_learner("readout", readout=readout, target=f, alpha=1.0, every=2,
                        stop=args.train)
        z = net.probe(readout, "output")

        start = time.perf_counter()
        net.run(args.train + args.test)
        seconds = time.perf_counter() - start
        out = z.read()[:, 0, 0]
        backend = net.backend

    want = target(args.train + args.test, 0.1)
    train_err = np.abs(out[:args.train] - want[:args.train]).mean()
    test_err = np.abs(out[args.train:] - want[args.train:]).mean()
    print(f"backend {backend}: {args.train + args.test} steps in {seconds:.2f} s")
    print(f"mean |z - f|: training {train_err:.4f}, testing {test_err:.4f}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure")
        return
    t = (np.arange(out.size) + 1) * 0.1
    fig, ax = plt.subplots(figsize=(10, 3.5))
    ax.plot(t, want, label="target f", lw=2, color="0.7")
    ax.plot(t, out, label="output z", lw=1)
    ax.axvline(args.train * 0.1, color="k", ls="--", lw=0.8)
    ax.set_xlabel("time (units of tau)")
    ax.legend(loc="upper right")
    ax.set_title("FORCE (Sussillo & Abbott 2009): training | testing")
    path = os.path.join(args.out, "force_sussillo.png")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
