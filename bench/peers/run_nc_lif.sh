#!/usr/bin/env bash
# One run, one machine: the Nicola & Clopath LIF FORCE sine (N 2000, 15 s at
# dt 5e-5 s, RLS from 5 s to 10 s, test from 10 s to 15 s) trained by
# neurofuse (`neurofuse demo --task nc_lif`, CPU) and by Brian2's cython target
# (brian2_nc_lif.py; its RLS runs in numpy); prints each one's time for the
# run (setup and compilation left out; neurofuse's fixed 100000 warm-up steps
# timed apart and scaled to Brian2's), training and testing MAE, and the ratio
# of Brian2's time to neurofuse's (> 1: neurofuse faster).
# Usage: bash bench/peers/run_nc_lif.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?usage: run_nc_lif.sh BUILD_DIR [SECONDS]}
seconds=${2:-15}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Steps: dt 5e-5 s; learning from seconds/3 to 2 seconds/3 (5 s and 10 s of 15).
steps=$(awk -v s="$seconds" 'BEGIN { printf "%d", s / 5e-5 / 3 + 0.5 }')
"$build/neurofuse" demo --task nc_lif --backend cpu --train-steps "$steps" \
    --test-steps "$steps" --out "$work/demo" > "$work/nf.txt"
learn_a=$(awk -v s="$seconds" 'BEGIN { print s / 3 }')
learn_b=$(awk -v s="$seconds" 'BEGIN { print 2 * s / 3 }')
PYTHONWARNINGS=ignore /usr/bin/python3 "$here/brian2_nc_lif.py" --seconds "$seconds" \
    --learn "$learn_a" "$learn_b" > "$work/brian.json"
/usr/bin/python3 - "$work/nf.txt" "$work/brian.json" "$seconds" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
b = json.loads(open(sys.argv[2]).read())
train = float(re.search(r"training error ([0-9.]+)", text).group(1))
test = float(re.search(r"testing +error ([0-9.]+)", text).group(1))
# neurofuse's task warms up for 100000 steps whatever the run's length; Brian2's
# warm-up is the run's first third: neurofuse's time for Brian2's steps is its
# warm-up time scaled to Brian2's warm-up steps, plus its training and testing.
nf_warmup = int(re.search(r"batch 1, ([0-9]+) warm-up", text).group(1))
warm, training, testing = (float(x) for x in re.search(
    r"time +warm-up ([0-9.]+) s, training ([0-9.]+) s, testing ([0-9.]+) s", text).groups())
nf_time = warm * b["warmup_steps"] / nf_warmup + training + testing
print("Nicola & Clopath LIF FORCE sine, N 2000, %s s at dt 0.05 ms (%d steps)"
      % (sys.argv[3], b["steps"]))
print("%-16s %12s %10s %10s" % ("program", "run time s", "train MAE", "test MAE"))
print("%-16s %12.2f %10.4f %10.4f" % ("neurofuse-cpu", nf_time, train, test))
print("%-16s %12.2f %10.4f %10.4f" % ("brian2 cython", b["sim_seconds"], b["train_mae"],
                                      b["test_mae"]))
ratio = b["sim_seconds"] / nf_time
print("Brian2 cython / neurofuse CPU: %.2f (%s)" % (ratio, "neurofuse faster" if ratio > 1
                                                     else "neurofuse SLOWER"))
PY
