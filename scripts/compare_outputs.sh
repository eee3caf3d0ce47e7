#!/usr/bin/env bash
# Compares what two commits compute on the CPU backend: builds the command of
# each (NF_CUDA=OFF, in its own worktree under a temporary folder), runs every
# task of `neurofuse demo` (short runs, batch 2) with each, and compares the
# outputs (target.npy, output.npy, error.npy, plot.svg) byte for byte, and
# the training and testing errors each prints.
# Prints one line per task and exits non-zero when any output differs.
# A refactoring that must not change behaviour passes this between its first
# and last commit.
# Usage: bash scripts/compare_outputs.sh BEFORE [AFTER]   (AFTER defaults to HEAD)
#   NF_COMPARE_DIR  where the worktrees, builds and outputs go (default: mktemp -d)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 ]]; then
    echo "usage: bash scripts/compare_outputs.sh BEFORE [AFTER]" >&2
    exit 2
fi
before=$(git rev-parse --verify "$1^{commit}")
after=$(git rev-parse --verify "${2:-HEAD}^{commit}")
work=${NF_COMPARE_DIR:-$(mktemp -d)}
mkdir -p "$work"
cleanup() { git worktree remove --force "$work/src-before" 2>/dev/null || true
            git worktree remove --force "$work/src-after" 2>/dev/null || true; }
trap cleanup EXIT

build() { # name commit
    local src="$work/src-$1"
    git worktree add --force --detach "$src" "$2" >/dev/null 2>&1
    cmake -S "$src" -B "$work/build-$1" -DCMAKE_BUILD_TYPE=Release -DNF_CUDA=OFF \
        -DNF_MPI=OFF -DNF_BUILD_TESTS=OFF -DNF_BUILD_EXAMPLES=OFF >"$work/cmake-$1.log" 2>&1
    cmake --build "$work/build-$1" -j "$(nproc)" --target neurofuse_cli \
        >"$work/build-$1.log" 2>&1 || { echo "build of $2 failed: $work/build-$1.log"; exit 2; }
}
build before "$before"
build after "$after"

tasks=$("$work/build-after/neurofuse" demo --list-tasks | awk '{print $1}')
differ=0
for task in $tasks; do
    if ! "$work/build-before/neurofuse" demo --list-tasks | awk '{print $1}' | grep -qx "$task"; then
        echo "$task: new in ${after:0:7}, not compared"
        continue
    fi
    for side in before after; do
        "$work/build-$side/neurofuse" demo --task "$task" --backend cpu --batch 2 \
            --train-steps 600 --test-steps 300 --out "$work/out-$side-$task" \
            >"$work/out-$side-$task.log" 2>&1
    done
    # Tasks that run whole write no traces: their printed errors are compared.
    result=identical
    files=$(cd "$work/out-after-$task" 2>/dev/null && ls) || files=
    for file in $files; do
        if ! cmp -s "$work/out-before-$task/$file" "$work/out-after-$task/$file"; then
            result="differs ($file)"
            differ=1
            break
        fi
    done
    errors() { grep -E "^ +(training|testing) +error" "$work/out-$1-$task.log"; }
    if [[ $result == identical ]] && ! diff -q <(errors before) <(errors after) >/dev/null; then
        result="differs (printed errors)"
        differ=1
    fi
    [[ -z $files ]] && result="$result (printed errors only: the task writes no traces)"
    echo "$task: $result"
done
echo "compared ${before:0:7} with ${after:0:7} (outputs in $work)"
exit $differ
