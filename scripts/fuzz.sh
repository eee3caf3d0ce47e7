#!/usr/bin/env bash
# Builds the libFuzzer target tests/fuzz (clang, -fsanitize=fuzzer,address,
# undefined; CPU backend, NF_CUDA=OFF) in its own folder and runs it for
# SECONDS (default 600), starting from the committed seed corpus
# tests/fuzz/corpus/api (copied: the run's corpus grows in the build folder).
# Exits non-zero when it found a crash, a leak, a timeout or a broken promise;
# the input is then in BUILD/fuzz-artifacts/ and
#   BUILD/tests/fuzz/nft_fuzz_api BUILD/fuzz-artifacts/crash-...
# replays it. Allocations above 2 GiB fail (return NULL) instead of aborting:
# the library must turn them into NF_ERR_OUT_OF_MEMORY.
# Usage: bash scripts/fuzz.sh [SECONDS]
#   NF_FUZZ_BUILD_DIR  build folder (default build-fuzz)
#   NF_FUZZ_MERGE=1    afterwards, merge the run's new inputs into the seed corpus
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
build=${NF_FUZZ_BUILD_DIR:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang)"; exit 2; }
bash scripts/install-deps.sh
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNF_CUDA=OFF \
    -DNF_SANITIZE=ON -DNF_FUZZ=ON -DNF_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target nft_fuzz_api
corpus="$build/fuzz-corpus"
mkdir -p "$corpus" "$build/fuzz-artifacts"
cp -n tests/fuzz/corpus/api/* "$corpus/" 2>/dev/null || true
export ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=2048:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# ASan warns about each allocation it refuses (the fuzzer asks for huge ones): not shown.
set +e
"$build/tests/fuzz/nft_fuzz_api" "$corpus" -max_total_time="$seconds" -timeout=60 \
    -rss_limit_mb=3072 -malloc_limit_mb=3072 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/" 2>&1 |
    grep --line-buffered -v "WARNING: AddressSanitizer failed to allocate"
status=${PIPESTATUS[0]}
set -e
if [[ "${NF_FUZZ_MERGE:-0}" == 1 && $status == 0 ]]; then
    "$build/tests/fuzz/nft_fuzz_api" -merge=1 tests/fuzz/corpus/api "$corpus" 2>&1 | tail -2
fi
if [[ $status != 0 ]]; then
    echo "fuzz.sh: the fuzzer stopped with status $status; inputs in $build/fuzz-artifacts/"
fi
exit "$status"
