#!/usr/bin/python3
"""Brian2 peer of the Nicola & Clopath (2017) LIF FORCE sine (tasks/nicola_clopath.c).

N 2000 LIF neurons in their form (mV, s): tau_m dv/dt = -v + I, I = Isyn + E z + v_peak,
refractory 2 ms, spike at v >= -40, reset to -65, v(0) ~ U(-65, 30); double-exponential
synapses updated as in their MATLAB code, every step:
  Isyn = Isyn e^(-dt/tr) + h dt;  h = h e^(-dt/td) + (sum of spiking columns of OMEGA)/(tr td)
  r = r e^(-dt/tr) + hr dt;       hr = hr e^(-dt/td) + spiked/(tr td)
OMEGA = G N(0,1) Bernoulli(p) / (sqrt(N) p), rows shifted to zero mean over their
nonzeros (G 0.04, p 0.1), E ~ Q U(-1, 1) (Q 10), z = w.r, target sin(2 pi 5 t);
RLS with their rule every 50 steps from 5 s to 10 s (P(0) = 0.1 dt I, float64:
k = P r; w -= e k; P -= k k^T / (1 + r.k)), tested from 10 s to 15 s; dt 5e-5 s.
As their script: step t (0-based; their i = t + 1) updates when t is a multiple of
50 with learn_start <= t < learn_stop - 1 (their `mod(i, step) == 1` and
imin < i < icrit), and every neuron starts refractory for 2 ms (their tlast = 0:
here its last spike at t = -dt, so that it integrates from t = 40, their i = 41).
Brian2 frees a neuron when timestep(t - lastspike) >= timestep(refractory): with
2 ms that is 40 steps after its spike, one early; its refractory is given as
2 ms + dt, so that a neuron integrates again 41 steps after its spike, as
neurofuse always and their script for 87% of the spikes (its test, rounded in
float64, frees the others at 40).
The readout, the feedback and RLS run in a network_operation (numpy) each step, so
only the runtime targets can run it (cython here; cpp_standalone cannot call Python).
Prints one JSON line: the wall time of run() (code generation and compilation done
beforehand on a 1 ms run and reported apart), the training and testing MAE.

Usage: /usr/bin/python3 bench/peers/brian2_nc_lif.py [--seconds T] [--learn A B] [--seed S]
"""
import argparse
import json
import sys
import time

import numpy as np

N, DT, TM, TREF, VRESET, VPEAK = 2000, 5e-5, 0.01, 0.002, -65.0, -40.0
TR, TD, G, Q, P_CONN, EVERY, FREQ = 0.002, 0.02, 0.04, 10.0, 0.1, 50, 5.0


def build(b2, rng, seconds, learn):
    er, ed, k = np.exp(-DT / TR), np.exp(-DT / TD), 1.0 / (TR * TD)
    eqs = """
    dv/dt = (-v + Isyn + fb + vpeak) / tm : 1 (unless refractory)
    Isyn : 1
    h : 1
    r : 1
    hr : 1
    fb : 1
    E : 1 (constant)
    """
    ns = {"tm": TM * b2.second, "vpeak": VPEAK, "vreset": VRESET, "er": er, "ed": ed,
          "k": k, "dts": DT}
    g = b2.NeuronGroup(N, eqs, threshold="v >= vpeak", reset="v = vreset; hr += k",
                       refractory=(TREF + DT) * b2.second, method="euler", namespace=ns)
    g.v = VRESET + rng.random(N) * (30.0 - VRESET)
    g.lastspike = -DT * b2.second
    g.not_refractory = False
    g.E = Q * (2.0 * rng.random(N) - 1.0)
    g.run_regularly("Isyn = Isyn * er + h * dts\nh = h * ed\nr = r * er + hr * dts\n"
                    "hr = hr * ed", when="before_thresholds")
    mask = rng.random((N, N)) < P_CONN              # [post][pre]
    omega = G * rng.standard_normal((N, N)) * mask / (np.sqrt(N) * P_CONN)
    counts = mask.sum(axis=1)
    omega -= mask * (omega.sum(axis=1) / np.maximum(counts, 1))[:, None]
    post, pre = np.nonzero(mask)
    s = b2.Synapses(g, g, "w : 1", on_pre="h_post += w * k", namespace=ns)
    s.connect(i=pre, j=post)
    s.w = omega[post, pre]

    steps = int(round(seconds / DT))
    start, stop = int(round(learn[0] / DT)), int(round(learn[1] / DT))
    state = {"step": 0, "w": np.zeros(N), "P": np.eye(N) * (0.1 * DT),
             "train": 0.0, "test": 0.0, "E": np.asarray(g.E[:])}

    @b2.network_operation(when="end")
    def readout():
        t = state["step"]
        r = np.asarray(g.r[:])
        z = state["w"] @ r
        e = z - np.sin(2 * np.pi * FREQ * (t + 1) * DT)
        if start <= t < stop:
            state["train"] += abs(e)
            if t % EVERY == 0 and t < stop - 1:
                kk = state["P"] @ r
                state["w"] -= e * kk
                state["P"] -= np.outer(kk, kk) / (1.0 + r @ kk)
        elif t >= stop:
            state["test"] += abs(e)
        g.fb = state["E"] * z
        state["step"] = t + 1

    return b2.Network(g, s, readout), state, steps, (stop - start, steps - stop)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--learn", type=float, nargs=2, default=[5.0, 10.0])
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    import brian2 as b2
    b2.prefs.logging.console_log_level = "WARNING"
    b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = DT * b2.second
    t0 = time.perf_counter()
    net, _, _, _ = build(b2, np.random.default_rng(a.seed), 0.001, [0.0, 0.001])
    net.run(1 * b2.ms)  # generates and compiles every code object (cached afterwards)
    setup = time.perf_counter() - t0
    net, state, steps, (n_train, n_test) = build(b2, np.random.default_rng(a.seed), a.seconds,
                                                 a.learn)
    t0 = time.perf_counter()
    net.run(steps * DT * b2.second)
    wall = time.perf_counter() - t0
    print(json.dumps({"target": "cython", "peer": "brian2 " + b2.__version__,
                      "task": "nc_lif", "sim_seconds": wall, "setup_seconds": setup,
                      "steps": steps, "warmup_steps": steps - n_train - n_test,
                      "train_mae": state["train"] / max(n_train, 1),
                      "test_mae": state["test"] / max(n_test, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
