#!/usr/bin/env bash
# One run, one machine: Brian2 (cython and cpp_standalone targets) and
# neurofuse (bench_peer_lif, CPU and, where a GPU is usable, CUDA) on the same
# 1000-neuron all-to-all LIF network for 1 s at dt 0.1 ms; prints each one's
# simulation time (code generation and compilation left out), spike count,
# and the ratio of each peer's time to neurofuse CPU's (> 1: neurofuse faster).
# ROUNDS (default 1) alternate the two (neurofuse, Brian2, neurofuse, ...):
# each round's ratio, and their median and minimum.
# Needs Brian2 (bench/peers/setup_venv.sh, or Debian python3-brian) and a C++ compiler.
# Usage: bash bench/peers/run_lif.sh BUILD_DIR [ROUNDS]  (BUILD_DIR holds bench_peer_lif)
set -euo pipefail
build=${1:?usage: run_lif.sh BUILD_DIR [ROUNDS]}
rounds=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
# Brian2 2.9.0 of setup_venv.sh, else Debian's (BRIAN2_PYTHON chooses).
python=${BRIAN2_PYTHON:-$here/.venv/bin/python}
[[ -x $python ]] || python=/usr/bin/python3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# A first cython run fills Brian2's cache of compiled code (untimed here).
PYTHONWARNINGS=ignore "$python" "$here/brian2_lif.py" --target cython > /dev/null
for r in $(seq "$rounds"); do
    "$build/bench_peer_lif" --backend cpu --repeats 5 | sed "s/^{/{\"round\": $r, /" >> "$out"
    if "$build/bench_peer_lif" --backend cuda --repeats 5 2>/dev/null |
        sed "s/^{/{\"round\": $r, /" >> "$out"; then :; fi
    PYTHONWARNINGS=ignore "$python" "$here/brian2_lif.py" --target all |
        sed "s/^{/{\"round\": $r, /" >> "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("1000 LIF neurons, all-to-all event-driven synapses, 1 s at dt 0.1 ms")
print("%5s %-16s %12s %10s %22s" % ("round", "program", "sim time s", "spikes",
                                    "time / neurofuse-cpu"))
best_ratios = []
for k in sorted({r["round"] for r in rows}):
    here = [r for r in rows if r["round"] == k]
    ref = next(r for r in here if r["target"] == "neurofuse-cpu")
    for r in here:
        print("%5d %-16s %12.4f %10d %22.2f" % (k, r["target"], r["sim_seconds"], r["spikes"],
                                                 r["sim_seconds"] / ref["sim_seconds"]))
    brian = [r for r in here if r.get("peer", "").startswith("brian2")]
    best = min(brian, key=lambda r: r["sim_seconds"])
    best_ratios.append((best["sim_seconds"] / ref["sim_seconds"], best["target"]))
ratios = sorted(x for x, _ in best_ratios)
print("fastest Brian2 target per round: %s" % ", ".join(t for _, t in best_ratios))
print("its time / neurofuse CPU's: median %.2fx, min %.2fx, max %.2fx (%d rounds; > 1: "
      "neurofuse faster)" % (statistics.median(ratios), ratios[0], ratios[-1], len(ratios)))
PY
