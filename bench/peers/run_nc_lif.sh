#!/usr/bin/env bash
# One machine: the Nicola & Clopath LIF FORCE sine (N 2000, 15 s at dt 5e-5 s,
# RLS from 5 s to 10 s, test from 10 s to 15 s) trained by neurofuse
# (`neurofuse demo --task nc_lif`, CPU) and by Brian2's cython target
# (brian2_nc_lif.py; its RLS runs in numpy), alternating for ROUNDS rounds
# (default 1); prints each one's time for the run (setup and compilation left
# out; neurofuse's fixed 100000 warm-up steps timed apart and scaled to
# Brian2's), training and testing MAE, the ratio of Brian2's time to
# neurofuse's (> 1: neurofuse faster) per round, and their median and minimum.
# Usage: bash bench/peers/run_nc_lif.sh BUILD_DIR [SECONDS] [ROUNDS]
set -euo pipefail
build=${1:?usage: run_nc_lif.sh BUILD_DIR [SECONDS] [ROUNDS]}
seconds=${2:-15}
rounds=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
# Brian2 2.9.0 of setup_venv.sh, else Debian's (BRIAN2_PYTHON chooses).
python=${BRIAN2_PYTHON:-$here/.venv/bin/python}
[[ -x $python ]] || python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Steps: dt 5e-5 s; learning from seconds/3 to 2 seconds/3 (5 s and 10 s of 15).
steps=$(awk -v s="$seconds" 'BEGIN { printf "%d", s / 5e-5 / 3 + 0.5 }')
learn_a=$(awk -v s="$seconds" 'BEGIN { print s / 3 }')
learn_b=$(awk -v s="$seconds" 'BEGIN { print 2 * s / 3 }')
# A short run first fills Brian2's cache of compiled code (a first run in a new
# environment otherwise pays for compiling inside its timed run: 34.5 s against
# 2.4 s for the next one, seen with 0.3 s runs).
PYTHONWARNINGS=ignore "$python" "$here/brian2_nc_lif.py" --seconds 0.06 --learn 0.02 0.04 \
    > /dev/null
for r in $(seq "$rounds"); do
    "$build/neurofuse" demo --task nc_lif --backend cpu --train-steps "$steps" \
        --test-steps "$steps" --out "$work/demo" > "$work/nf.$r.txt"
    PYTHONWARNINGS=ignore "$python" "$here/brian2_nc_lif.py" --seconds "$seconds" \
        --learn "$learn_a" "$learn_b" > "$work/brian.$r.json"
done
/usr/bin/python3 - "$work" "$seconds" "$rounds" <<'PY'
import json, re, statistics, sys
work, seconds, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ratios = []
for r in range(1, rounds + 1):
    text = open("%s/nf.%d.txt" % (work, r)).read()
    b = json.loads(open("%s/brian.%d.json" % (work, r)).read())
    train = float(re.search(r"training error ([0-9.]+)", text).group(1))
    test = float(re.search(r"testing +error ([0-9.]+)", text).group(1))
    # neurofuse's task warms up for 100000 steps whatever the run's length; Brian2's
    # warm-up is the run's first third: neurofuse's time for Brian2's steps is its
    # warm-up time scaled to Brian2's warm-up steps, plus its training and testing.
    nf_warmup = int(re.search(r"batch 1, ([0-9]+) warm-up", text).group(1))
    warm, training, testing = (float(x) for x in re.search(
        r"time +warm-up ([0-9.]+) s, training ([0-9.]+) s, testing ([0-9.]+) s", text).groups())
    nf_time = warm * b["warmup_steps"] / nf_warmup + training + testing
    if r == 1:
        print("Nicola & Clopath LIF FORCE sine, N 2000, %s s at dt 0.05 ms (%d steps)"
              % (seconds, b["steps"]))
        print("%5s %-16s %12s %10s %10s" % ("round", "program", "run time s", "train MAE",
                                            "test MAE"))
    print("%5d %-16s %12.3f %10.4f %10.4f   (warm-up %.3f s of %d steps, training %.3f s, "
          "testing %.3f s)" % (r, "neurofuse-cpu", nf_time, train, test,
                               warm * b["warmup_steps"] / nf_warmup, b["warmup_steps"],
                               training, testing))
    print("%5d %-16s %12.3f %10.4f %10.4f" % (r, "brian2 cython", b["sim_seconds"],
                                              b["train_mae"], b["test_mae"]))
    ratios.append(b["sim_seconds"] / nf_time)
print("Brian2 cython / neurofuse CPU per round: %s" % ", ".join("%.2f" % x for x in ratios))
ratios.sort()
print("median %.2fx, min %.2fx, max %.2fx (%d rounds; > 1: neurofuse faster)"
      % (statistics.median(ratios), ratios[0], ratios[-1], len(ratios)))
PY
