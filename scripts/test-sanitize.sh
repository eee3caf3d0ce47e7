#!/usr/bin/env bash
# The sanitizer lane: builds the library, its tests and tools with
# AddressSanitizer (LeakSanitizer included) and UndefinedBehaviorSanitizer,
# any finding fatal (CMake option NF_SANITIZE=ON, CPU backend, NF_CUDA=OFF),
# and runs the C suite (ctest), the allocation sweep included. Left out:
# Criterion tests named *_slow (long training runs, as under valgrind; they
# take minutes under ASan and add no code path the others miss) and the
# `install` test (it links an outside, uninstrumented program against the
# installed library, which ASan cannot run). Allocations the library is asked
# to make beyond the allocator's limit return NULL, as malloc does, instead
# of stopping the process (the tests ask for such sizes on purpose).
# Usage: bash scripts/test-sanitize.sh [ctest arguments, e.g. -R alloc_sweep]
#   NF_SANITIZE_BUILD_DIR  build folder (default build-asan); CC chooses the compiler
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${NF_SANITIZE_BUILD_DIR:-build-asan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNF_CUDA=OFF -DNF_SANITIZE=ON \
    -DNF_BUILD_TESTS=ON -DNF_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export CRITERION_TEST_PATTERN='!(*_slow)'
ctest --test-dir "$build" --output-on-failure -E '^install$' "$@"
