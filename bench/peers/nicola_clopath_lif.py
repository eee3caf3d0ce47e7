#!/usr/bin/python3
"""Nicola & Clopath (2017) spiking FORCE, LIF network learning a 5 Hz sine, in
plain numpy (float64, as their MATLAB script LIFFORCESINE.m): the reference
that tasks/nicola_clopath.c is checked against.

Network (docs/equations.md canonical task): N LIF neurons in their form (mV,
tau_m 10 ms, tau_ref 2 ms, v_reset -65, v_peak -40, bias -40), recurrent
weights OMEGA = G N(0,1) Bernoulli(p) / (sqrt(N) p) with each row's nonzeros
shifted to zero mean, feedback E = Q U(-1,1), readout BPhi from 0,
P(0) = I dt 0.1, initial v = v_reset + U(0,1) (30 - v_reset). Step i
(1-based, time i dt), in the script's order:
    I = IPSC + E z + BIAS                       (z, IPSC of step i-1)
    v += dt (-v + I)/tm   where i dt > tlast + tref
    spiked = v >= v_peak; JD = sum of OMEGA's columns of the spikers; tlast = i dt
    IPSC = IPSC e^(-dt/tr) + h dt;  h = h e^(-dt/td) + JD / (tr td)
    r    = r e^(-dt/tr) + hr dt;    hr = hr e^(-dt/td) + spiked / (tr td)
    z = BPhi.r;  err = z - sin(2 pi 5 i dt)
    if i % step == 1 and imin < i < icrit:
        cd = P r;  BPhi -= cd err;  P -= cd cd^T / (1 + r.cd)
    v = v_reset where spiked
Prints the training (learning window) and testing (after it) mean |z - f|,
and the MAE of each second. --dump DIR also writes the network (float32:
omega.f32 [N][N] post-major, e.f32, v0.f32) and the run (z.f64, f.f64,
spikes.i32 per step) for a step-by-step comparison with neurofuse; --f32
rounds OMEGA, E and v0 to float32 first so that both start identically.
Usage: nicola_clopath_lif.py [--n N] [--seconds T] [--learn START STOP]
                             [--seed S] [--f32] [--dump DIR] [--ref-steps]
The loop starts at i = 1 with tlast = 0, as the script (it sets i = 1 after
the zero-mean loop, before `ilast = i`): the first 2 ms are refractory.
--ref-steps counts the refractory period in
whole steps (free from 41 steps after a spike, as neurofuse); the script's
double-precision test `i dt > tlast + tref` frees about 13% of the spikes
after 40 steps instead, by rounding.
"""
import argparse
import os
import time

import numpy as np


def build(n, seed, f32):
    g, q, p = 0.04, 10.0, 0.1
    rng = np.random.default_rng(seed)
    omega = g * rng.standard_normal((n, n)) * (rng.random((n, n)) < p) / (np.sqrt(n) * p)
    for i in range(n):
        nz = np.abs(omega[i]) > 0
        if nz.any():
            omega[i, nz] -= omega[i, nz].sum() / nz.sum()
    e = (2.0 * rng.random(n) - 1.0) * q
    v0 = -65.0 + rng.random(n) * (30.0 - (-65.0))
    if f32:
        omega, e, v0 = (x.astype(np.float32).astype(np.float64) for x in (omega, e, v0))
    return omega, e, v0


def run(omega, e, v0, seconds, learn, ref_steps=False):
    n = len(e)
    dt, tref, tm, vreset, vpeak, td, tr = 5e-5, 0.002, 0.01, -65.0, -40.0, 0.02, 0.002
    step, bias = 50, vpeak
    nt, imin, icrit = round(seconds / dt), round(learn[0] / dt), round(learn[1] / dt)
    pinv = np.eye(n) * (dt * 0.1)
    omega_t = np.ascontiguousarray(omega.T)  # row j = column j of OMEGA
    ipsc, h, r, hr = (np.zeros(n) for _ in range(4))
    jd = np.zeros(n)
    v, tlast, bphi, z = v0.copy(), np.zeros(n), np.zeros(n), 0.0
    etr, etd, inv_trtd = np.exp(-dt / tr), np.exp(-dt / td), 1.0 / (tr * td)
    i0 = 1
    zs, fs, spikes = np.zeros(nt + 1), np.zeros(nt + 1), np.zeros(nt + 1, np.int32)
    for i in range(i0, nt + 1):
        cur = ipsc + e * z + bias
        if ref_steps:  # 41 whole steps, as neurofuse
            free = np.rint(i - tlast / dt) > round(tref / dt)
        else:  # the script's test, rounded in double (40 steps after ~13% of the spikes)
            free = dt * i > tlast + tref
        dv = free * (-v + cur) / tm
        v = v + dt * dv
        spk = v >= vpeak
        idx = np.flatnonzero(spk)
        if len(idx):
            jd = omega_t[idx].sum(axis=0)
        tlast = np.where(spk, dt * i, tlast)
        ipsc = ipsc * etr + h * dt
        h = h * etd + jd * (len(idx) > 0) * inv_trtd
        r = r * etr + hr * dt
        hr = hr * etd + spk * inv_trtd
        z = bphi @ r
        f = np.sin(2 * 5 * np.pi * i * dt)
        err = z - f
        if i % step == 1 and imin < i < icrit:
            cd = pinv @ r
            bphi -= cd * err
            pinv -= np.outer(cd, cd * (1.0 / (1.0 + r @ cd)))
        v[spk] = vreset
        zs[i], fs[i], spikes[i] = z, f, len(idx)
    return zs, fs, spikes, i0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--learn", type=float, nargs=2, default=[5.0, 10.0])
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--f32", action="store_true")
    ap.add_argument("--dump")
    ap.add_argument("--ref-steps", action="store_true")
    a = ap.parse_args()
    omega, e, v0 = build(a.n, a.seed, a.f32)
    t0 = time.time()
    zs, fs, spikes, i0 = run(omega, e, v0, a.seconds, a.learn, a.ref_steps)
    wall = time.time() - t0
    dt = 5e-5
    nt, imin, icrit = len(zs) - 1, round(a.learn[0] / dt), round(a.learn[1] / dt)
    err = np.abs(zs - fs)
    train = err[max(imin + 1, i0):icrit + 1].mean()
    test = err[icrit + 1:].mean() if nt > icrit else float("nan")
    per = round(1 / dt)
    secs = " ".join("%.3f" % err[max(k + 1, i0):k + per + 1].mean() for k in range(0, nt, per))
    print("numpy LIF N %d seed %d, %g s (RLS %g-%g s): training MAE %.4f, testing MAE %.4f, "
          "%.2f spikes/neuron/s (%.0f s wall)\n  MAE per second: %s"
          % (a.n, a.seed, a.seconds, a.learn[0], a.learn[1], train, test,
             spikes.sum() / a.n / (nt * dt), wall, secs))
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        for name, x in (("omega.f32", omega.astype(np.float32)), ("e.f32", e.astype(np.float32)),
                        ("v0.f32", v0.astype(np.float32)), ("z.f64", zs[1:]),
                        ("f.f64", fs[1:]), ("spikes.i32", spikes[1:])):
            x.tofile(os.path.join(a.dump, name))


if __name__ == "__main__":
    main()
