"""What the Python layer costs over the C library (the Python package).

Three figures, each set against its C (or memcpy) ceiling measured in the same run:
  1. one ``net.run(1)`` call against one ``nf_network_run(net, 1)`` call from C, on
     a 1-neuron and a 1000-neuron network (leaky tanh units, sparse recurrent
     weights, g 1.5, p 0.1), and the raw cffi call without the wrapper;
  2. the 1000-neuron network run for 10^5 steps in one call, from a Python process and
     from a C process (each started for the run), wall and CPU time;
  3. ``probe.read()`` of 100 MB (a new array filled by nf_probe_read) against numpy
     copying 100 MB into a new array (memcpy plus first-touch page faults) and
     into one already touched (memcpy alone).
The C side is bench/python/overhead_c.c, compiled here against the installed
package's library and header (a C compiler is needed). Speed is measured here,
never asserted in a test. Writes a Markdown report (--out) with the machine and
the commit.

Usage: python bench/python/bench_overhead.py [--out FILE] [--quick]
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import cffi
import numpy as np

import neurofuse as nf
from neurofuse._lib import lib

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(nf.__file__)


def build_c(workdir):
    exe = os.path.join(workdir, "overhead_c")
    subprocess.run(["cc", "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
                    os.path.join(HERE, "overhead_c.c"), "-I", os.path.join(PACKAGE, "include"),
                    os.path.join(PACKAGE, "libneurofuse.so.0"), f"-Wl,-rpath,{PACKAGE}", "-o",
                    exe], check=True)
    return exe


def c_seconds(exe, *args, cpu=False):
    """Wall seconds (or, with cpu, (wall, process CPU seconds)) the C program reports."""
    wall, cpu_seconds = map(float, subprocess.run([exe, *map(str, args)], check=True,
                                                  capture_output=True, text=True).stdout.split())
    return (wall, cpu_seconds) if cpu else wall


def network(n):
    net = nf.Network(seed=1, backend="cpu")
    pop = net.add_population("leaky_rate", n, tau=10.0, x_init_scale=0.5)
    net.connect(pop, pop, kind="sparse", init="normal", g=1.5, p=0.1)
    return net


def py_call_seconds(n, calls, raw=False):
    net = network(n)
    net.run(1000)
    p = net._ptr
    run = net.run
    t0 = time.perf_counter()
    if raw:
        f = lib.nf_network_run
        for _ in range(calls):
            f(p, 1)
    else:
        for _ in range(calls):
            run(1)
    return (time.perf_counter() - t0) / calls


def py_run_seconds(n, steps):
    """(wall, process CPU) seconds of one net.run(steps), in a new Python process as the
    C program runs in a new process (the same start: no heap left by earlier runs)."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child-run", str(n),
                          str(steps)], check=True, capture_output=True, text=True).stdout
    wall, cpu = map(float, out.split())
    return wall, cpu


def child_run(n, steps):
    net = network(n)
    net.run(100)
    t0, c0 = time.perf_counter(), time.process_time()
    net.run(steps)
    print(f"{time.perf_counter() - t0:.9f} {time.process_time() - c0:.9f}")


def probe_read(mb, repeats):
    n = 25_000
    rows = mb * 2**20 // (4 * n)
    net = nf.Network(seed=1, backend="cpu")
    pop = net.add_population("relu", n, bias=1.0)
    probe = net.probe(pop, "output")
    read, fresh, touched = [], [], []
    src = np.ones((rows, 1, n), np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    for _ in range(repeats):
        net.run(rows)
        t0 = time.perf_counter()
        out = probe.read()
        read.append(time.perf_counter() - t0)
        assert out.shape == (rows, 1, n)
        del out
        t0 = time.perf_counter()
        new = np.empty_like(src)
        np.copyto(new, src)
        fresh.append(time.perf_counter() - t0)
        del new
        t0 = time.perf_counter()
        np.copyto(dst, src)
        touched.append(time.perf_counter() - t0)
    nbytes = src.nbytes
    return nbytes, min(read), min(fresh), min(touched)


def machine():
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the Markdown report here")
    parser.add_argument("--quick", action="store_true", help="fewer calls and steps")
    parser.add_argument("--child-run", nargs=2, type=int, metavar=("N", "STEPS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_run:
        return child_run(*args.child_run)
    calls = 20_000 if args.quick else 100_000
    steps = 10_000 if args.quick else 100_000
    repeats = 2 if args.quick else 5

    with tempfile.TemporaryDirectory() as tmp:
        exe = build_c(tmp)
        rows = []
        for n in (1, 1000):
            k = calls // (1 if n == 1 else 10)
            c, raw, py = [], [], []
            for _ in range(repeats):   # interleaved, so that a change of load hits all three
                c.append(c_seconds(exe, "calls", n, k))
                raw.append(py_call_seconds(n, k, True))
                py.append(py_call_seconds(n, k))
            rows.append((n, min(c), min(raw), min(py)))
        c_run, py_run = [], []
        for _ in range(repeats):
            c_run.append(c_seconds(exe, "run", 1000, steps, cpu=True))
            py_run.append(py_run_seconds(1000, steps))
    nbytes, read, fresh, touched = probe_read(100, repeats + 2)

    lines = [
        "# Python overhead over the C library (CPU backend)",
        "",
        f"Machine: {machine()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}.",
        f"Commit: {commit()}; {datetime.date.today().isoformat()}; Python "
        f"{platform.python_version()}, numpy {np.__version__}, cffi {cffi.__version__}; "
        f"neurofuse {nf.version()} ({'CUDA' if nf.BUILT_WITH_CUDA else 'CPU-only'} build).",
        f"Command: `python bench/python/bench_overhead.py{' --quick' if args.quick else ''}"
        " --out ...` (the minimum "
        f"of {repeats} interleaved repeats; all of them for the long runs).",
        "",
        "## One `net.run(1)` call",
        "",
        "| network | C `nf_network_run(net, 1)` | raw cffi call | `net.run(1)` | "
        "`net.run(1)` - C |",
        "| --- | --- | --- | --- | --- |",
    ]
    for n, c, raw, py in rows:
        lines.append(f"| {n} leaky tanh unit{'s' if n > 1 else ''} | {c * 1e6:.2f} us | "
                     f"{raw * 1e6:.2f} us | {py * 1e6:.2f} us | {(py - c) * 1e6:+.2f} us |")

    def cell(runs, i):
        return (f"{min(r[i] for r in runs):.3f} s "
                f"({', '.join(f'{r[i]:.3f}' for r in runs)})")

    def ratio(i, pick):
        return pick([r[i] for r in py_run]) / pick([r[i] for r in c_run])

    lines += [
        "",
        f"## 1000 units, {steps} steps in one call",
        "",
        "Wall time, and the process's CPU time (less sensitive to other processes on a "
        "shared machine); minimum, then every run.",
        "",
        "| clock | from C | from Python | Python / C (min) | Python / C (median) |",
        "| --- | --- | --- | --- | --- |",
        f"| wall | {cell(c_run, 0)} | {cell(py_run, 0)} | {ratio(0, min):.4f} | "
        f"{ratio(0, statistics.median):.4f} |",
        f"| CPU | {cell(c_run, 1)} | {cell(py_run, 1)} | {ratio(1, min):.4f} | "
        f"{ratio(1, statistics.median):.4f} |",
        "",
        f"## `probe.read()` of {nbytes / 2**20:.0f} MB",
        "",
        "| `probe.read()` (new array) | numpy copy into a new array | numpy copy into a "
        "touched array |",
        "| --- | --- | --- |",
        f"| {read * 1e3:.1f} ms, {nbytes / read / 1e9:.2f} GB/s | {fresh * 1e3:.1f} ms, "
        f"{nbytes / fresh / 1e9:.2f} GB/s | {touched * 1e3:.1f} ms, "
        f"{nbytes / touched / 1e9:.2f} GB/s |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)


if __name__ == "__main__":
    sys.exit(main())
