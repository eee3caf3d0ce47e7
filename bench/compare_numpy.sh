#!/usr/bin/env bash
# Sussillo & Abbott's FORCE task (N 1000, sum of four sines, RLS every 2nd
# training step) in plain numpy (bench/peers/numpy_sussillo.py, Debian
# python3-numpy, float64 as numpy users write it and float32 as neurofuse
# computes) and in neurofuse's CPU backend (force_sussillo), one after the
# other in the same run with the same steps. Each program times its own step
# loop (wall clock, microseconds per step); /usr/bin/time adds the process's
# CPU seconds (user + system, setup included), the fairer figure on a shared
# machine when both run one thread. Prints a table and the ratios numpy /
# neurofuse (target: neurofuse >= 3x faster), with one BLAS/OpenMP thread and
# with the library defaults. --rounds R: see below.
# --rounds R alternates the three programs R times (numpy float64, float32,
# neurofuse, numpy float64, ...) and prints each round's ratios with their
# median and minimum.
# Usage: bench/compare_numpy.sh [--build DIR] [--steps TRAIN TEST] [--python PY] [--rounds R]
set -euo pipefail

build=build
train=14400
test=14400
python=/usr/bin/python3
rounds=1
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --steps) train=$2; test=$3; shift 3 ;;
    --python) python=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--steps TRAIN TEST] [--python PY] [--rounds R]" >&2
       exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
nf="$build/force_sussillo"
[ -x "$nf" ] || { echo "$nf not found: build the force_sussillo target first" >&2; exit 1; }
"$python" -c 'import numpy' 2>/dev/null ||
    { echo "$python has no numpy (apt-get install -y python3-numpy)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME COMMAND...: prints "NAME us_per_step cpu_seconds train_mae test_mae".
run() {
    local name=$1
    shift
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" > "$tmp/out"
    local us cpu train_mae test_mae
    us=$(grep -o '[0-9.]* us/step' "$tmp/out" | cut -d' ' -f1)
    train_mae=$(grep -o 'training MAE [0-9.]*' "$tmp/out" | cut -d' ' -f3)
    test_mae=$(grep -o 'testing MAE [0-9.]*' "$tmp/out" | cut -d' ' -f3)
    cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
    echo "$name $us $cpu $train_mae $test_mae"
}

echo "Sussillo & Abbott N 1000, $train training + $test testing steps; $(nproc) CPUs," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo "commit $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo unknown)," \
     "$("$python" -c 'import numpy; print("numpy", numpy.__version__)')"
for threads in 1 default; do
    if [ "$threads" = 1 ]; then
        export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
    else
        unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS
    fi
    for r in $(seq "$rounds"); do
        run numpy-float64 "$python" "$here/peers/numpy_sussillo.py" --train-steps "$train" \
            --test-steps "$test" --dtype float64
        run numpy-float32 "$python" "$here/peers/numpy_sussillo.py" --train-steps "$train" \
            --test-steps "$test" --dtype float32
        run neurofuse-cpu "$nf" --backend cpu --train-steps "$train" --test-steps "$test"
    done > "$tmp/rows"
    echo
    echo "threads: $threads"
    awk '{ printf "  %-14s %9.1f us/step %8.2f s CPU   train MAE %s  test MAE %s\n", $1, $2, $3, $4, $5 }' \
        "$tmp/rows"
    # Each round's three rows: the ratios of that round, then their median and min.
    /usr/bin/python3 - "$tmp/rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
rounds = [{r[0]: (float(r[1]), float(r[2])) for r in rows[k:k + 3]} for k in range(0, len(rows), 3)]
for peer in ("numpy-float64", "numpy-float32"):
    wall = sorted(x[peer][0] / x["neurofuse-cpu"][0] for x in rounds)
    cpu = sorted(x[peer][1] / x["neurofuse-cpu"][1] for x in rounds)
    print("  %s / neurofuse: per step (wall) median %.2fx, min %.2fx; CPU seconds median "
          "%.2fx, min %.2fx (%d rounds)" % (peer, statistics.median(wall), wall[0],
                                            statistics.median(cpu), cpu[0], len(rounds)))
PY
done
