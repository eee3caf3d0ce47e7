#!/usr/bin/env bash
# One call on a machine with a GPU: configure and build (build-gpu, sm_90, -j16),
# run the whole ctest suite, the CUDA benchmarks, compute-sanitizer memcheck over
# every test binary, racecheck over a subset, and the CPU benchmarks; write a
# markdown report to ${OUT:-bench/results}/gpu_check_<UTC stamp>.md (with the
# logs as gpu_check_<stamp>_logs.tar.gz beside it when OUT is set), and print a
# short summary table last.
#
# A GPU machine without a package registry needs Criterion and OpenBLAS carried
# in .gpu/ (headers, libraries, and .gpu/env.sh that points the build at them).
# Usage, from anywhere in the repository:
#   NF_COMMIT=<sha> bash bench/gpu_check.sh [--steps LIST] [--budget SECONDS]
#   LIST: comma-separated, from build,tests,bench-cuda,memcheck,racecheck,bench-cpu
#         (default all, in that order); SECONDS: the whole script's time (default
#         ${NF_GPU_CHECK_BUDGET:-540}, to fit a 600 s call). Each step runs under
#         `timeout` with the smaller of its own cap and what is left, so a slow step
#         is cut (and recorded as timed out) rather than the whole call.
#   NF_COMMIT names the commit when the tree carries no .git (else git rev-parse);
#   NF_GPU_BUILD_DIR overrides the build folder (default build-gpu).
#
# Robust by design: no `set -e`; every step's command, exit status and seconds are
# recorded and the next step runs. Exit status: 0 all passed; 1 a test or a
# sanitizer check failed, or the build failed (nothing could be tested); 2 tests
# and sanitizers passed but another step failed, timed out or was skipped.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

steps="build,tests,bench-cuda,memcheck,racecheck,bench-cpu"
budget=${NF_GPU_CHECK_BUDGET:-540}
while (($#)); do
    case $1 in
    --steps) steps=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
want() { [[ ",$steps," == *",$1,"* ]]; }
args_used="--steps $steps --budget $budget"

# shellcheck disable=SC1091
[[ -f .gpu/env.sh ]] && source .gpu/env.sh
export PATH=/usr/local/cuda/bin:$PATH
export CRITERION_USE_ASCII=1 # plain synthesis lines for the counts below

build=${NF_GPU_BUILD_DIR:-build-gpu}
stamp=$(date -u +%Y%m%d-%H%M%S)
report_dir=${OUT:-bench/results}
report=$report_dir/gpu_check_$stamp.md
logs=$build/gpu_check_logs
mkdir -p "$report_dir" "$logs"
rm -f "$logs"/*
deadline=$((SECONDS + budget))

# --- step bookkeeping
S_NAME=() S_CMD=() S_RC=() S_SECS=() S_NOTE=() S_LOG=()
record() { # name cmd rc secs note log
    S_NAME+=("$1") S_CMD+=("$2") S_RC+=("$3") S_SECS+=("$4") S_NOTE+=("$5") S_LOG+=("$6")
}
# run_step NAME CAP LOG COMMAND: runs COMMAND (a bash string) under timeout, output to LOG.
run_step() {
    local name=$1 cap=$2 log=$3 cmd=$4
    local left=$((deadline - SECONDS))
    if ((left < 20)); then
        echo "== $name: skipped (budget spent)"
        record "$name" "$cmd" skip 0 "skipped: the ${budget} s budget is spent" "$log"
        LAST_RC=skip
        return
    fi
    local t=$cap
    ((t > left - 10)) && t=$((left - 10))
    echo "== $name (at most ${t} s): $cmd"
    local start=$SECONDS
    timeout --kill-after=15 "$t" bash -c "$cmd" >"$log" 2>&1
    local rc=$? note=""
    ((rc == 124 || rc == 137)) && note="timed out after ${t} s"
    record "$name" "$cmd" "$rc" $((SECONDS - start)) "$note" "$log"
    LAST_RC=$rc
}

# Runs compute-sanitizer TOOL over each binary at once (one process each), one log and
# one .rc file per binary in LOGDIR. Exported for run_step's bash -c.
# shellcheck disable=SC2317
sanitize_all() {
    local tool=$1 logdir=$2
    shift 2
    local extra=()
    [[ $tool == memcheck ]] && extra=(--leak-check full)
    local bin
    for bin in "$@"; do
        local name
        name=$(basename "$bin")
        (
            compute-sanitizer --tool "$tool" "${extra[@]}" --target-processes all \
                --error-exitcode 86 --print-limit 50 "$bin" --jobs 1 \
                >"$logdir/$tool-$name.log" 2>&1
            echo $? >"$logdir/$tool-$name.rc"
        ) &
    done
    wait
    local bad=0 rc
    for bin in "$@"; do
        rc=$(cat "$logdir/$tool-$(basename "$bin").rc" 2>/dev/null || echo missing)
        [[ $rc == 0 ]] || { echo "$tool $(basename "$bin"): exit $rc"; bad=1; }
    done
    return "$bad"
}
export -f sanitize_all

# Sums "ERROR SUMMARY: N error(s)" over every process in a sanitizer log.
sanitizer_errors() { grep -ho 'ERROR SUMMARY: [0-9]*' "$1" 2>/dev/null | awk '{s += $3} END {print s + 0}'; }
# Sums a Criterion synthesis field (Tested, Passing, Failing, Crashing) over a log.
criterion_sum() { grep -ho "$1: [0-9]*" "$2" 2>/dev/null | awk '{s += $2} END {print s + 0}'; }

# --- what machine, what code
gpu=$(timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null |
    head -1)
[[ -n $gpu ]] || gpu="none visible (nvidia-smi failed or found no GPU)"
commit=${NF_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
dirty=""
if git rev-parse HEAD >/dev/null 2>&1 && [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    dirty=" (with uncommitted changes to tracked files)"
fi
nvcc_v=$(timeout 30 nvcc --version 2>/dev/null | grep -o 'release [0-9.]*, V[0-9.]*' || echo "nvcc not found")
cmake_v=$(cmake --version 2>/dev/null | head -1 || echo "cmake not found")
san_v=$(timeout 30 compute-sanitizer --version 2>/dev/null | grep -i version | head -1 || true)
[[ -n $san_v ]] || san_v="compute-sanitizer not found"
echo "gpu check $stamp: device $gpu; commit $commit$dirty; budget ${budget} s"

# --- steps
built=0
if want build; then
    run_step configure 150 "$logs/configure.log" \
        "cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release -DNF_BUILD_TESTS=ON -DNF_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90"
    if [[ $LAST_RC == 0 ]]; then
        run_step build 420 "$logs/build.log" "cmake --build $build -j16"
        [[ $LAST_RC == 0 ]] && built=1
    fi
elif [[ -x $build/bench_step ]]; then
    built=1
fi

ctest_line="" ctest_failed_names="" crit_tested=0 crit_pass=0 crit_fail=0 crit_crash=0 crit_skip=0
tests_ran=0
if want tests && ((built)); then
    run_step tests 300 "$logs/ctest.log" \
        "cd $build && OMP_NUM_THREADS=4 CRITERION_VERBOSITY_LEVEL=1 ctest -V -j4 --timeout 600"
    tests_ran=1
    ctest_line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$logs/ctest.log" | tail -1)
    ctest_failed_names=$(sed -n '/The following tests FAILED/,$p' "$logs/ctest.log" |
        grep -E '^\s+[0-9]+ - ' | sed 's/^ *//' | tr '\n' ';')
    crit_tested=$(criterion_sum Tested "$logs/ctest.log")
    crit_pass=$(criterion_sum Passing "$logs/ctest.log")
    crit_fail=$(criterion_sum Failing "$logs/ctest.log")
    crit_crash=$(criterion_sum Crashing "$logs/ctest.log")
    crit_skip=$(grep -c '\[SKIP\]' "$logs/ctest.log")
fi

BENCH_NAMES=() BENCH_CMDS=() BENCH_LOGS=()
bench() { # name cap command
    local log=$logs/$1.log
    run_step "$1" "$2" "$log" "$3"
    BENCH_NAMES+=("$1") BENCH_CMDS+=("$3") BENCH_LOGS+=("$log")
}
if want bench-cuda && ((built)); then
    bench bench_step_cuda 180 "$build/bench_step --backend cuda"
    bench bench_recurrent_cuda 120 "$build/bench_recurrent --backend cuda"
    bench bench_sequence_cuda 90 "$build/bench_sequence --backend cuda"
    bench bench_force_cuda 90 "$build/bench_force --backend cuda"
fi

test_bins=()
for f in "$build"/tests/test_*; do
    [[ -f $f && -x $f ]] && test_bins+=("$f")
done
have_sanitizer=1
command -v compute-sanitizer >/dev/null 2>&1 || have_sanitizer=0
if want memcheck && ((built)) && ((!have_sanitizer)); then
    record memcheck "compute-sanitizer --tool memcheck ..." missing 0 \
        "compute-sanitizer is not on PATH" "$logs/memcheck.log"
elif want memcheck && ((built)); then
    run_step memcheck 300 "$logs/memcheck.log" "sanitize_all memcheck $logs ${test_bins[*]}"
fi
race_missing=()
race_bins=()
for t in test_equivalence test_connections; do
    if [[ -x $build/tests/$t ]]; then race_bins+=("$build/tests/$t"); else race_missing+=("$t"); fi
done
if want racecheck && ((built)) && ((${#race_bins[@]})) && ((!have_sanitizer)); then
    record racecheck "compute-sanitizer --tool racecheck ..." missing 0 \
        "compute-sanitizer is not on PATH" "$logs/racecheck.log"
elif want racecheck && ((built)) && ((${#race_bins[@]})); then
    run_step racecheck 180 "$logs/racecheck.log" "sanitize_all racecheck $logs ${race_bins[*]}"
fi

if want bench-cpu && ((built)); then
    bench bench_step_cpu 150 "$build/bench_step --backend cpu"
    bench bench_recurrent_cpu 90 "$build/bench_recurrent --backend cpu"
    bench bench_sequence_cpu 60 "$build/bench_sequence --backend cpu"
    bench bench_force_cpu 90 "$build/bench_force --backend cpu"
fi

# --- verdict
test_failed=0 other_failed=0
rc_of() { # step name -> its rc, or "-" when it did not run
    local i
    for i in "${!S_NAME[@]}"; do [[ ${S_NAME[$i]} == "$1" ]] && { echo "${S_RC[$i]}"; return; }; done
    echo "-"
}
want build && ((!built)) && test_failed=1
if ((tests_ran)); then
    case $(rc_of tests) in
    0) ;;
    skip) other_failed=1 ;;
    *) test_failed=1 ;;
    esac
    ((crit_fail + crit_crash > 0)) && test_failed=1
    # A visible GPU with skipped tests: the CUDA backend was not usable, so nothing ran on it.
    [[ $gpu != none* ]] && ((crit_skip > 0)) && other_failed=1
fi

# Per-binary sanitizer rows: "binary | exit | errors | failing | crashing".
SAN_ROWS=()
san_summary() { # tool binaries... -> rows in SAN_ROWS, returns 1 when any check failed
    local tool=$1 bad=0 bin name rc errs fails crashes
    shift
    for bin in "$@"; do
        name=$(basename "$bin")
        rc=$(cat "$logs/$tool-$name.rc" 2>/dev/null || echo "none (cut by the step's timeout)")
        errs=$(sanitizer_errors "$logs/$tool-$name.log")
        fails=$(criterion_sum Failing "$logs/$tool-$name.log")
        crashes=$(criterion_sum Crashing "$logs/$tool-$name.log")
        SAN_ROWS+=("| $tool | $name | $rc | $errs | $fails | $crashes |")
        [[ $rc == 0 && $errs == 0 && $fails == 0 && $crashes == 0 ]] || bad=1
    done
    return "$bad"
}
memcheck_state="not run" racecheck_state="not run"
memcheck_rc=$(rc_of memcheck) racecheck_rc=$(rc_of racecheck)
if [[ $(rc_of memcheck) == skip ]]; then
    memcheck_state="skipped (budget)"
elif [[ $(rc_of memcheck) == missing ]]; then
    memcheck_state="not run (compute-sanitizer not found)"
elif [[ $(rc_of memcheck) != - ]]; then
    if san_summary memcheck "${test_bins[@]}"; then memcheck_state=clean; else
        memcheck_state=FAILED; test_failed=1; fi
    [[ $memcheck_rc == 124 || $memcheck_rc == 137 ]] && memcheck_state="$memcheck_state (timed out: incomplete)"
fi
if [[ $(rc_of racecheck) == skip ]]; then
    racecheck_state="skipped (budget)"
elif [[ $(rc_of racecheck) == missing ]]; then
    racecheck_state="not run (compute-sanitizer not found)"
elif [[ $(rc_of racecheck) != - ]]; then
    if san_summary racecheck "${race_bins[@]}"; then racecheck_state=clean; else
        racecheck_state=FAILED; test_failed=1; fi
    [[ $racecheck_rc == 124 || $racecheck_rc == 137 ]] && racecheck_state="$racecheck_state (timed out: incomplete)"
fi
for i in "${!S_NAME[@]}"; do
    [[ ${S_RC[$i]} == 0 ]] || other_failed=1
done
verdict=PASS
((other_failed)) && verdict="PASS (tests), other steps failed"
((test_failed)) && verdict=FAIL

# --- report
{
    echo "# GPU check $stamp"
    echo
    echo "- device: $gpu (nvidia-smi --query-gpu=name,driver_version,memory.total)"
    echo "- commit: \`$commit\`$dirty"
    echo "- toolchain: nvcc $nvcc_v; $cmake_v; $san_v"
    echo "- host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    echo "- command: \`bash bench/gpu_check.sh $args_used\` (from the repository root; .gpu/env.sh sourced: $([[ -f .gpu/env.sh ]] && echo yes || echo no))"
    echo "- verdict: **$verdict**"
    echo
    echo "## Steps"
    echo
    echo "| step | command | exit | seconds | note |"
    echo "| --- | --- | --- | --- | --- |"
    for i in "${!S_NAME[@]}"; do
        echo "| ${S_NAME[$i]} | \`${S_CMD[$i]}\` | ${S_RC[$i]} | ${S_SECS[$i]} | ${S_NOTE[$i]} |"
    done
    echo
    echo "## Tests"
    echo
    if ((tests_ran)); then
        echo "- ctest: ${ctest_line:-no summary line (see ctest.log)}"
        [[ -n $ctest_failed_names ]] && echo "- ctest failed: $ctest_failed_names"
        echo "- Criterion (summed over the binaries): tested $crit_tested, passing $crit_pass, failing $crit_fail, crashing $crit_crash; skipped $crit_skip"
        ((crit_skip > 0)) && echo "- **$crit_skip tests skipped**: the only skip in the suite is the CUDA backend being unusable (tests/common.c); with a GPU visible that is a failure of this check; see the [SKIP] lines in ctest.log"
    else
        echo "not run"
    fi
    echo
    echo "## compute-sanitizer"
    echo
    echo "memcheck (--leak-check full) over every test binary: $memcheck_state; racecheck over test_equivalence and test_connections: $racecheck_state."
    ((${#race_missing[@]})) && echo "Not built, so not racechecked: ${race_missing[*]}."
    echo "Each binary runs as \`compute-sanitizer --tool TOOL [--leak-check full] --target-processes all --error-exitcode 86 --print-limit 50 BINARY --jobs 1\`; errors are the sum of the ERROR SUMMARY lines of every process (Criterion runs each test in its own)."
    echo
    if ((${#SAN_ROWS[@]})); then
        echo "| tool | binary | exit | errors | failing | crashing |"
        echo "| --- | --- | --- | --- | --- | --- |"
        printf '%s\n' "${SAN_ROWS[@]}"
        echo
    fi
    echo "## Benchmarks"
    for i in "${!BENCH_NAMES[@]}"; do
        echo
        echo "### ${BENCH_NAMES[$i]}"
        echo
        echo "\`${BENCH_CMDS[$i]}\`: exit $(rc_of "${BENCH_NAMES[$i]}"); GPU $gpu; commit \`$commit\`"
        echo
        echo '```'
        cat "${BENCH_LOGS[$i]}" 2>/dev/null
        echo '```'
    done
    if ((${#S_NAME[@]})); then
        echo
        echo "## Failed steps: last lines of their logs"
        for i in "${!S_NAME[@]}"; do
            [[ ${S_RC[$i]} == 0 || ${S_RC[$i]} == skip || ${S_RC[$i]} == missing ]] && continue
            echo
            echo "### ${S_NAME[$i]} (exit ${S_RC[$i]})"
            echo
            echo '```'
            tail -n 40 "${S_LOG[$i]}" 2>/dev/null
            echo '```'
        done
    fi
} >"$report"

if [[ -n ${OUT:-} ]]; then
    tar czf "$OUT/gpu_check_${stamp}_logs.tar.gz" -C "$build" gpu_check_logs 2>/dev/null ||
        echo "could not pack the logs"
fi

# --- summary, last
echo
echo "report: $report"
echo
printf '%-22s %-6s %6s  %s\n' step exit secs note
for i in "${!S_NAME[@]}"; do
    printf '%-22s %-6s %6s  %s\n' "${S_NAME[$i]}" "${S_RC[$i]}" "${S_SECS[$i]}" "${S_NOTE[$i]}"
done
echo
((tests_ran)) && echo "ctest: ${ctest_line:-?}; criterion: $crit_pass/$crit_tested passing, $crit_fail failing, $crit_crash crashing, $crit_skip skipped"
echo "memcheck: $memcheck_state; racecheck: $racecheck_state${race_missing[*]:+ (not built: ${race_missing[*]})}"
for log in "${BENCH_LOGS[@]}"; do
    grep -hE '^target|target <=|step / BLAS|us/step \(min|copy bandwidth' "$log" 2>/dev/null |
        sed "s|^ *|$(basename "$log" .log): |"
done
if [[ $(rc_of configure) != 0 && $(rc_of configure) != - && ! -f .gpu/env.sh ]]; then
    echo "configure failed and .gpu/env.sh is absent: pack Criterion and OpenBLAS into .gpu/ first (with .gpu/env.sh) and carry .gpu"
fi
echo "device: $gpu; commit: $commit"
echo "verdict: $verdict"
((test_failed)) && exit 1
((other_failed)) && exit 2
exit 0
