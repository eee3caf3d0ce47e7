#!/usr/bin/python3
"""Brian2 peer of bench/bench_peer_lif.c: 1000 LIF neurons, all-to-all synapses.

Model (the same in both programs): tau dv/dt = J_i - v (exact integration),
tau = 20 ms, spike when v > 1, reset to 0, refractory 2 ms; J_i = 1.1 + 0.9 i/(N-1);
every neuron's spike adds DV = -0.0002 to v of all N neurons (event-driven,
N^2 synapses); v(0) = 0; 1 s at dt = 0.1 ms. Prints one JSON line per target:
the wall time of the simulation itself (code generation and compilation left
out and reported apart) and the spike count.

Usage: /usr/bin/python3 bench/peers/brian2_lif.py [--target cython|cpp_standalone|all]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

N = 1000
DURATION_S = 1.0
DT_MS = 0.1
DV = -0.0002


def build(b2):
    """The network, in Brian2's units."""
    eqs = """
    dv/dt = (J - v) / tau : 1 (unless refractory)
    J : 1 (constant)
    """
    g = b2.NeuronGroup(N, eqs, threshold="v > 1", reset="v = 0", refractory=2 * b2.ms,
                       method="exact", namespace={"tau": 20 * b2.ms})
    g.J = "1.1 + 0.9 * i / (N - 1)"
    g.v = 0
    s = b2.Synapses(g, g, on_pre="v_post += dv", namespace={"dv": DV})
    s.connect()  # all to all, i == j included, as neurofuse's dense connection
    m = b2.SpikeMonitor(g, record=False)
    return b2.Network(g, s, m), m


def run_cython(b2):
    b2.set_device("runtime")
    b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = DT_MS * b2.ms
    t0 = time.perf_counter()
    net, mon = build(b2)
    net.run(1 * b2.ms)  # generates and compiles every code object (cached afterwards)
    setup = time.perf_counter() - t0
    net, mon = build(b2)  # a fresh network, code already compiled
    t0 = time.perf_counter()
    net.run(DURATION_S * b2.second)
    wall = time.perf_counter() - t0
    return {"target": "cython", "sim_seconds": wall, "setup_seconds": setup,
            "spikes": int(mon.num_spikes)}


def run_standalone(b2):
    directory = tempfile.mkdtemp(prefix="nf_brian2_")
    try:
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
        b2.defaultclock.dt = DT_MS * b2.ms
        net, mon = build(b2)
        net.run(DURATION_S * b2.second)
        t0 = time.perf_counter()
        b2.device.build(directory=directory, compile=True, run=True, debug=False)
        total = time.perf_counter() - t0
        sim = float(b2.device._last_run_time)  # the run() inside the compiled program
        return {"target": "cpp_standalone", "sim_seconds": sim, "setup_seconds": total - sim,
                "spikes": int(mon.num_spikes)}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", choices=["cython", "cpp_standalone", "all"], default="all")
    a = p.parse_args()
    import brian2 as b2
    b2.prefs.logging.console_log_level = "WARNING"
    out = []
    if a.target in ("cython", "all"):
        out.append(run_cython(b2))
    if a.target in ("cpp_standalone", "all"):
        b2.device.reinit()
        b2.device.activate()
        out.append(run_standalone(b2))
    for r in out:
        r.update({"peer": "brian2 " + b2.__version__, "n": N, "duration_s": DURATION_S,
                  "dt_ms": DT_MS, "openmp_threads": b2.prefs.devices.cpp_standalone.openmp_threads})
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
