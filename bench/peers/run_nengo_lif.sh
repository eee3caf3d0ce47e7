#!/usr/bin/env bash
# nengo's reference simulator (nengo_lif.py) against neurofuse's CPU backend
# (bench_peer_nengo) on LIF ensembles without input, dt 1 ms: 100000 neurons (one
# ensemble; batch 1), and 64 x 4096 (64 ensembles of 4096; batch 64 of one 4096
# population with the first ensemble's biases). The two programs alternate,
# `rounds` times per case (nengo, neurofuse, nengo, ...); each prints its
# median seconds per step over 3 runs, and the ratio nengo / neurofuse per round
# is summarised by its median and min (> 1: neurofuse faster).
# Needs a Python with nengo 4.1 (bash bench/peers/setup_venv.sh makes one).
# Usage: bash bench/peers/run_nengo_lif.sh BUILD_DIR [PYTHON] [ROUNDS]
set -euo pipefail
build=${1:?usage: run_nengo_lif.sh BUILD_DIR [PYTHON] [ROUNDS]}
python=${2:-bench/peers/.venv/bin/python}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for spec in "100000 1" "4096 64"; do
    read -r n copies <<< "$spec"
    : > "$work/rows"
    for r in $(seq "$rounds"); do
        "$python" "$here/nengo_lif.py" --n "$n" --copies "$copies" --steps 200 \
            --bias-out "$work/bias" >> "$work/rows"
        "$build/bench_peer_nengo" --n "$n" --batch "$copies" --bias "$work/bias" \
            --steps 500 >> "$work/rows"
    done
    "$python" - "$work/rows" "$n" "$copies" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
peer = [r for r in rows if r["target"].startswith("nengo")]
nf = [r for r in rows if r["target"] == "neurofuse-cpu"]
ratios = sorted(p["s_per_step"] / q["s_per_step"] for p, q in zip(peer, nf))
print("LIF, %s x %s neurons, dt 1 ms, no input (%s)" % (sys.argv[3], sys.argv[2],
                                                       peer[0]["target"]))
for p, q in zip(peer, nf):
    print("  nengo %9.1f us/step   neurofuse %8.2f us/step   ratio %6.1f" % (
        p["s_per_step"] * 1e6, q["s_per_step"] * 1e6, p["s_per_step"] / q["s_per_step"]))
print("  nengo / neurofuse: median %.1fx, min %.1fx (%d rounds)" % (
    statistics.median(ratios), ratios[0], len(ratios)))
PY
done
