#!/usr/bin/env python3
"""nengo peer of bench/bench_peer_nengo.c: LIF ensembles in nengo's reference simulator.

`copies` ensembles of n nengo.LIF neurons each (tau_rc 20 ms, tau_ref 2 ms, nengo's
default gains and biases: max rates U(200, 400) Hz, intercepts U(-1, 1)), no input,
dt 1 ms. Times sim.run_steps(steps) `repeats` times after a warm-up and prints one
JSON line: seconds per step (median, min). --bias-out FILE writes the first
ensemble's biases as raw float32 for the neurofuse side (its input is 0, so
J = bias there as here).

Usage: python bench/peers/nengo_lif.py --n N [--copies C] [--steps S] [--repeats R]
                                       [--bias-out FILE]
"""
import argparse
import json
import time

import nengo
import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--bias-out")
    a = p.parse_args()
    with nengo.Network(seed=1) as net:
        ens = [nengo.Ensemble(a.n, 1, neuron_type=nengo.LIF()) for _ in range(a.copies)]
    with nengo.Simulator(net, dt=0.001, progress_bar=False) as sim:
        if a.bias_out:
            np.asarray(sim.data[ens[0]].bias, dtype=np.float32).tofile(a.bias_out)
        sim.run_steps(10)  # warm-up
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            sim.run_steps(a.steps)
            times.append((time.perf_counter() - t0) / a.steps)
    times.sort()
    print(json.dumps({"target": "nengo-%s" % nengo.__version__, "n": a.n, "copies": a.copies,
                      "s_per_step": times[len(times) // 2], "s_per_step_min": times[0]}))


if __name__ == "__main__":
    main()
