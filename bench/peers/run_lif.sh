#!/usr/bin/env bash
# One run, one machine: Brian2 (cython and cpp_standalone targets) and
# neurofuse (bench_peer_lif, CPU and, where a GPU is usable, CUDA) on the same
# 1000-neuron all-to-all LIF network for 1 s at dt 0.1 ms; prints each one's
# simulation time (code generation and compilation left out), spike count,
# and the ratio of each peer's time to neurofuse CPU's (> 1: neurofuse faster).
# Needs /usr/bin/python3 with brian2 (Debian python3-brian) and a C++ compiler.
# Usage: bash bench/peers/run_lif.sh BUILD_DIR   (BUILD_DIR holds bench_peer_lif)
set -euo pipefail
build=${1:?usage: run_lif.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$build/bench_peer_lif" --backend cpu --repeats 5 >> "$out"
if "$build/bench_peer_lif" --backend cuda --repeats 5 >> "$out" 2>/dev/null; then :; fi
PYTHONWARNINGS=ignore /usr/bin/python3 "$here/brian2_lif.py" --target all >> "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ref = next(r for r in rows if r["target"] == "neurofuse-cpu")
print("1000 LIF neurons, all-to-all event-driven synapses, 1 s at dt 0.1 ms")
print("%-16s %12s %10s %22s" % ("program", "sim time s", "spikes", "time / neurofuse-cpu"))
for r in rows:
    print("%-16s %12.4f %10d %22.2f" % (r["target"], r["sim_seconds"], r["spikes"],
                                         r["sim_seconds"] / ref["sim_seconds"]))
brian = [r for r in rows if r.get("peer", "").startswith("brian2")]
best = min(brian, key=lambda r: r["sim_seconds"])
ratio = best["sim_seconds"] / ref["sim_seconds"]
print("fastest Brian2 target: %s; neurofuse CPU is %.2fx %s" % (
    best["target"], ratio if ratio >= 1 else 1 / ratio, "faster" if ratio >= 1 else "SLOWER"))
PY
