#!/usr/bin/env bash
# Results do not depend on the thread count: `neurofuse demo` trains the same
# networks with one thread and with two (Nicola & Clopath LIF: and four;
# OMP_NUM_THREADS and OPENBLAS_NUM_THREADS both) and their outputs must be the
# same bytes.
# Covered: Sussillo & Abbott (N 1000, RLS with a float P, batch 1 and batch 2
# with a P per network) and Nicola & Clopath LIF (N 2000, a double P large
# enough for the RLS product to run in blocks on 4 threads).
# Usage: tests/threads/run.sh PATH_TO_NEUROFUSE
set -uo pipefail
nf=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# same TASK BATCH TRAIN TEST THREADS...: runs the task with 1 thread and with each
# of THREADS, compares the outputs.
same() {
    local task=$1 batch=$2 train=$3 test=$4
    shift 4
    for threads in 1 "$@"; do
        OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads "$nf" demo --task "$task" \
            --backend cpu --batch "$batch" --train-steps "$train" --test-steps "$test" \
            --out "$work/$task-$batch-$threads" > "$work/$task-$batch-$threads.log" 2>&1 ||
            fail "$task batch $batch with $threads threads: $(tail -3 "$work/$task-$batch-$threads.log")"
    done
    for threads in "$@"; do
        for file in output.npy error.npy; do
            cmp -s "$work/$task-$batch-1/$file" "$work/$task-$batch-$threads/$file" ||
                fail "$task batch $batch: $file differs between 1 and $threads threads"
        done
    done
    echo "ok: $task batch $batch, $train + $test steps: the same outputs with 1 thread and $*"
}

same sussillo 1 400 200 2
same sussillo 2 400 200 2
same nc_lif 1 600 100 2 4
