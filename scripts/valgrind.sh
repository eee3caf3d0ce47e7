#!/usr/bin/env bash
# Runs the whole test suite under valgrind memcheck (every Criterion worker
# process traced). Fails on any memory error or definite leak. Tests named
# *_slow (long training runs) are left out: under valgrind they take hours.
# Usage: bash scripts/valgrind.sh [test_name ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --valgrind
build=${NF_BUILD_DIR:-build-valgrind}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNF_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
tests=("$@")
((${#tests[@]})) || mapfile -t tests < <(cd "$build/tests" && ls test_* | grep -v '\.')
failed=0
for t in "${tests[@]}"; do
    log="$build/tests/$t.valgrind.log"
    if valgrind --error-exitcode=9 --leak-check=full --show-leak-kinds=definite \
        --suppressions=scripts/valgrind.supp \
        --errors-for-leak-kinds=definite --trace-children=yes -q \
        "$build/tests/$t" --jobs 1 --filter='!(*_slow)' >"$log" 2>&1; then
        echo "valgrind clean: $t"
    else
        echo "valgrind FAILED: $t (see $log)"
        failed=1
    fi
done
exit $failed
