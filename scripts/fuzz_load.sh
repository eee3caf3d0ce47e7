#!/usr/bin/env bash
# Builds the checkpoint loader's libFuzzer target (tests/fuzz/load_fuzz.c;
# clang, -fsanitize=fuzzer,address,undefined; CPU backend) in the fuzz build
# folder of scripts/fuzz.sh and runs it for SECONDS (default 600) from the
# committed seed corpus tests/fuzz/corpus/load (real checkpoints, written by
# tests/fuzz/load_corpus.c; made anew when the folder is empty), copied: the
# run's corpus grows in the build folder. Exits non-zero when it found a
# crash, a leak, a timeout or a broken promise; the input is then in
# BUILD/fuzz-load-artifacts/ and
#   BUILD/tests/fuzz/nft_fuzz_load BUILD/fuzz-load-artifacts/crash-...
# replays it. Allocations above 2 GiB fail (return NULL) instead of aborting.
# Usage: bash scripts/fuzz_load.sh [SECONDS]
#   NF_FUZZ_BUILD_DIR  build folder (default build-fuzz)
#   NF_FUZZ_JOBS       parallel fuzzing processes (default 1)
#   NF_FUZZ_MERGE=1    afterwards, merge the run's new inputs into the seed corpus
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
build=${NF_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${NF_FUZZ_JOBS:-1}
command -v clang >/dev/null || { echo "fuzz_load.sh: clang is needed (apt-get install clang)"; exit 2; }
bash scripts/install-deps.sh
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNF_CUDA=OFF \
    -DNF_SANITIZE=ON -DNF_FUZZ=ON -DNF_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target nft_fuzz_load nft_fuzz_load_corpus
seeds=tests/fuzz/corpus/load
if [[ -z "$(ls -A "$seeds" 2>/dev/null)" ]]; then
    mkdir -p "$seeds"
    "$build/tests/fuzz/nft_fuzz_load_corpus" "$seeds"
fi
corpus="$build/fuzz-load-corpus"
mkdir -p "$corpus" "$build/fuzz-load-artifacts"
cp -n "$seeds"/* "$corpus/" 2>/dev/null || true
export ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=2048:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
parallel=()
((jobs > 1)) && parallel=(-fork="$jobs")
set +e
"$build/tests/fuzz/nft_fuzz_load" "$corpus" -max_total_time="$seconds" -timeout=60 \
    -rss_limit_mb=3072 -malloc_limit_mb=3072 -max_len=65536 -print_final_stats=1 \
    "${parallel[@]}" -artifact_prefix="$build/fuzz-load-artifacts/" 2>&1 |
    grep --line-buffered -v "WARNING: AddressSanitizer failed to allocate"
status=${PIPESTATUS[0]}
set -e
if [[ "${NF_FUZZ_MERGE:-0}" == 1 && $status == 0 ]]; then
    "$build/tests/fuzz/nft_fuzz_load" -merge=1 "$seeds" "$corpus" 2>&1 | tail -2
fi
if [[ $status != 0 ]]; then
    echo "fuzz_load.sh: the fuzzer stopped with status $status; inputs in $build/fuzz-load-artifacts/"
fi
exit "$status"
