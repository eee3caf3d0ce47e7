#!/usr/bin/python3
"""Nicola & Clopath (2017) spiking FORCE on a 5 Hz sine with Izhikevich or
theta neurons, in plain numpy (float64, as their MATLAB scripts IZFORCESINE.m
and THETAFORCESINE.m): the peer of neurofuse's nc_izhikevich and nc_theta
tasks (tasks/nicola_clopath.c) for distributions over seeds.

Both: N 2000, 15 s, RLS with their rule (k = P r; w -= e k;
P -= k k^T / (1 + r.k)) on their steps i (1-based) with i % step == 1 and
imin < i < icrit (5 s, 10 s), OMEGA = G N(0,1) Bernoulli(p) / (sqrt(N) p),
E = Q U(-1, 1), readout and z from 0, double-exponential synapses
(tr 2 ms, td 20 ms) in their order:
    IPSC = IPSC e^(-dt/tr) + h dt;  h = h e^(-dt/td) + JD / (tr td)
    r    = r e^(-dt/tr) + hr dt;    hr = hr e^(-dt/td) + spiked / (tr td)
with JD the sum of OMEGA's columns of the step's spikers (the last one held
while nobody spikes, and then multiplied by 0), z = w.r, err = z - f(i dt).
- Izhikevich (ms): dt 0.04, C 250, v_r -60, b -2, k 2.5, v_t = v_r + 40 - b/k,
  v_peak 30, v_reset -65, a 0.01, d 200, bias 1000, G = Q = 5000, p 0.1,
  P(0) = 2 I, step 20; v(0) ~ U(v_r, v_peak), u(0) = 0; each step
  v += dt (k (v - v_r)(v - v_t) - u + I) / C, u += dt a (b (v_prev - v_r) - u),
  spike at v >= v_peak: u += d, v = v_reset. No zero-mean rows.
- Theta (s): dt 1e-5, G 10, Q 1e4, P(0) = dt I, step 50, no bias;
  theta(0) ~ U(-pi, pi); theta += dt (1 - cos theta + pi^2 (1 + cos theta) I),
  spike at theta >= pi, then theta = -pi. Rows of OMEGA shifted to zero mean
  over their nonzeros.
Prints the training (steps imin+1 .. icrit) and testing (after) mean |z - f|,
as neurofuse's task scores them, and the MAE of each second.
Usage: nicola_clopath_izh_theta.py --model izhikevich|theta [--n N]
                                   [--seconds T] [--learn A B] [--seed S]
"""
import argparse
import time

import numpy as np


def draw(rng, n, g, q, p, zero_mean):
    omega = g * rng.standard_normal((n, n)) * (rng.random((n, n)) < p) / (np.sqrt(n) * p)
    if zero_mean:
        for i in range(n):
            nz = np.abs(omega[i]) > 0
            if nz.any():
                omega[i, nz] -= omega[i, nz].sum() / nz.sum()
    return omega, (2.0 * rng.random(n) - 1.0) * q


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["izhikevich", "theta"], required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--learn", type=float, nargs=2, default=[5.0, 10.0])
    ap.add_argument("--seed", type=int, default=2017)
    a = ap.parse_args()
    n, rng, izh = a.n, np.random.default_rng(a.seed), a.model == "izhikevich"
    unit = 1000.0 if izh else 1.0  # model time units per second
    if izh:
        dt, g, q, p0, step, tr, td = 0.04, 5000.0, 5000.0, 2.0, 20, 2.0, 20.0
        C, vr, b, kk, vpeak, vreset, aa, d, bias = 250.0, -60.0, -2.0, 2.5, 30.0, -65.0, \
            0.01, 200.0, 1000.0
        vt = vr + 40.0 - b / kk
        v = vr + (vpeak - vr) * rng.random(n)
        u = np.zeros(n)
    else:
        dt, g, q, p0, step, tr, td = 1e-5, 10.0, 1e4, 1e-5, 50, 0.002, 0.02
        vpeak, vreset = np.pi, -np.pi
        v = vreset + (vpeak - vreset) * rng.random(n)
    omega, e = draw(rng, n, g, q, 0.1, zero_mean=not izh)
    omega_t = np.ascontiguousarray(omega.T)  # row j = column j of OMEGA
    nt = round(a.seconds * unit / dt)
    imin, icrit = round(a.learn[0] * unit / dt), round(a.learn[1] * unit / dt)
    pinv = np.eye(n) * p0
    ipsc, h, r, hr, jd = (np.zeros(n) for _ in range(5))
    bphi, z = np.zeros(n), 0.0
    etr, etd, inv_trtd = np.exp(-dt / tr), np.exp(-dt / td), 1.0 / (tr * td)
    err = np.zeros(nt + 1)
    spikes = 0
    t0 = time.time()
    for i in range(1, nt + 1):
        cur = ipsc + e * z
        if izh:
            cur = cur + bias
            v_prev = v
            v = v + dt * (kk * (v - vr) * (v - vt) - u + cur) / C
            u = u + dt * (aa * (b * (v_prev - vr) - u))
        else:
            cs = np.cos(v)
            v = v + dt * (1.0 - cs + (1.0 + cs) * cur * np.pi ** 2)
        spk = v >= vpeak
        idx = np.flatnonzero(spk)
        if len(idx):
            jd = omega_t[idx].sum(axis=0)
            spikes += len(idx)
        ipsc = ipsc * etr + h * dt
        h = h * etd + jd * (len(idx) > 0) * inv_trtd
        r = r * etr + hr * dt
        hr = hr * etd + spk * inv_trtd
        z = bphi @ r
        err[i] = z - np.sin(2 * np.pi * 5 * i * dt / unit)
        if i % step == 1 and imin < i < icrit:
            cd = pinv @ r
            bphi -= cd * err[i]
            pinv -= np.outer(cd, cd * (1.0 / (1.0 + r @ cd)))
        if izh:
            u = u + d * spk
        v = np.where(spk, vreset, v)
    wall = time.time() - t0
    ae = np.abs(err)
    per = round(unit / dt)
    secs = " ".join("%.3f" % ae[k + 1:k + per + 1].mean() for k in range(0, nt, per))
    print("numpy %s N %d seed %d, %g s (RLS %g-%g s): training MAE %.4f, testing MAE %.4f, "
          "%.2f spikes/neuron/s (%.0f s wall)\n  MAE per second: %s"
          % (a.model, n, a.seed, a.seconds, a.learn[0], a.learn[1],
             ae[imin + 1:icrit + 1].mean(), ae[icrit + 1:].mean() if nt > icrit else np.nan,
             spikes / n / (nt * dt / unit), wall, secs))


if __name__ == "__main__":
    main()
