#!/usr/bin/env bash
# Checkpoint speed: runs build/bench_checkpoint (a 10,000-unit FORCE network,
# its 400 MB P: nf_network_save and nf_network_load against cp + sync, cp and
# cat of the same file in the same run) and writes the table, with the
# machine, the file system and the commit, to bench/results/checkpoint_LABEL.md.
# Usage: bash bench/checkpoint.sh BUILD_DIR [LABEL] [N] [RUNS]
#   the file goes to $NF_BENCH_DIR (default /tmp): say which disk you measure
set -euo pipefail
build=${1:?usage: bench/checkpoint.sh BUILD_DIR [LABEL] [N] [RUNS]}
label=${2:-$(hostname -s)}
n=${3:-10000}
runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
dir=${NF_BENCH_DIR:-/tmp}
out="$here/results/checkpoint_$label.md"
table=$("$build/bench_checkpoint" --n "$n" --runs "$runs" --file "$dir/nf_bench_checkpoint.npz")
{
    echo "# Checkpoint save and load against cp ($label)"
    echo
    echo "bench/checkpoint.sh, $(date -u +%Y-%m-%d), commit $(git -C "$here/.." rev-parse --short HEAD)$(git -C "$here/.." diff --quiet HEAD -- engine || echo ' (engine/ modified)')"
    echo
    echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) processors available"
    echo "- memory: $(free -g | awk '/^Mem:/ {print $2 " GiB, " $7 " GiB available"}')"
    echo "- file system of $dir: $(df -hT "$dir" | awk 'NR == 2 {print $2 " on " $1 ", " $3 " (" $5 " free)"}')"
    echo "- libzip $(pkg-config --modversion libzip 2> /dev/null || echo '?'), $(cc --version | head -1), build type $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")"
    echo "- command: NF_BENCH_DIR=$dir bash bench/checkpoint.sh $* (from the repository root)"
    echo
    echo "$table"
} > "$out"
cat "$out"
