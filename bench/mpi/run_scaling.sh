#!/usr/bin/env bash
# Strong and weak scaling of a batch sharded over MPI ranks (bench_mpi_scaling),
# 1 and 2 ranks measured in the same run, interleaved (ROUNDS rounds, the
# minimum kept), one OpenMP and one BLAS thread per rank, CPU backend; plus,
# on 1 rank, the cost of a window's element-by-element dense products against a
# plain network's matrix-matrix product (kind dense), and 1 rank with 2 threads
# against 2 ranks of 1. Writes a markdown report with the machine, the commit,
# the commands and the raw JSON lines.
# Usage: bash bench/mpi/run_scaling.sh BUILD_DIR [REPORT.md]   (ROUNDS=3 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(cd "$1" && pwd)
report=${2:-bench/results/mpi_scaling_cpu_2core_shared.md}
rounds=${ROUNDS:-3}
bench=$build/bench_mpi_scaling
[ -x "$bench" ] || { echo "no $bench: configure with MPI (NF_MPI=ON) and build"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

# name | ranks | threads | arguments
configs=(
    "lif strong|1|1|--kind lif --n 2000 --batch 32 --steps 300"
    "lif strong|2|1|--kind lif --n 2000 --batch 32 --steps 300"
    "lif strong, 1 rank 2 threads|1|2|--kind lif --n 2000 --batch 32 --steps 300"
    "lif weak|1|1|--kind lif --n 2000 --batch 16 --per-rank --steps 300"
    "lif weak|2|1|--kind lif --n 2000 --batch 16 --per-rank --steps 300"
    "force strong|1|1|--kind force --n 300 --batch 8 --steps 400"
    "force strong|2|1|--kind force --n 300 --batch 8 --steps 400"
    "force weak|1|1|--kind force --n 300 --batch 4 --per-rank --steps 400"
    "force weak|2|1|--kind force --n 300 --batch 4 --per-rank --steps 400"
    "dense window|1|1|--kind dense --n 1000 --batch 16 --steps 100"
    "dense plain|1|1|--kind dense --n 1000 --batch 16 --steps 100 --plain"
)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < rounds; r++)); do
    for c in "${configs[@]}"; do
        IFS='|' read -r name np threads args <<< "$c"
        # shellcheck disable=SC2086
        line=$(OMP_NUM_THREADS=$threads mpiexec -n "$np" "$bench" $args --repeats 2)
        echo "$name|$np|$threads|$line" >> "$raw"
        echo "round $r: $name np $np threads $threads: $line"
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- engine kernels mpi include bench/mpi || commit="$commit (uncommitted changes)"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
python3 - "$raw" "$report" "$cpu" "$(nproc)" "$commit" "$load_before" "$load_after" \
    "$(mpiexec --version 2>&1 | head -1)" "$rounds" <<'EOF'
import json, sys
raw, report, cpu, cores, commit, load0, load1, mpi, rounds = sys.argv[1:]
best, cpus = {}, {}
lines = []
for row in open(raw):
    name, np, threads, js = row.rstrip("\n").split("|", 3)
    d = json.loads(js)
    lines.append(js)
    key = (name, int(np), int(threads))
    if key not in best or d["seconds"] < best[key]["seconds"]:
        best[key] = d
    cpus[key] = min(cpus.get(key, 1e300), d["cpu_seconds"])
def t(name, np, threads=1):
    return best[(name, np, threads)]["seconds"]
def c(name, np, threads=1):
    return cpus[(name, np, threads)]
out = []
out.append("# Scaling of a batch sharded over MPI ranks: shared 2-core VM\n")
out.append("## Machine and build\n")
out.append(f"- CPU: \"{cpu}\", {cores} logical processors, shared with other jobs "
           f"(load average {load0} before, {load1} after). {mpi}.")
out.append(f"- Commit {commit}; Release build, CPU backend, OpenBLAS with "
           f"OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1 per rank unless said.")
out.append(f"- Command: `bash bench/mpi/run_scaling.sh BUILD_DIR` ({rounds} interleaved rounds "
           f"of every configuration, each the best of 2 runs; the minimum over rounds below; "
           f"a run is timed from a barrier to a barrier, so it is the slowest rank's).")
out.append("- **Two cores are not a cluster.** Two ranks here share one socket, one memory bus "
           "and a machine other jobs load; real multi-node figures (network, one GPU per "
           "rank) need a cluster and are not measured here.\n")
out.append("Wall time is the figure scaling is about, but on a machine this loaded two ranks "
           "rarely get two cores at once; the CPU seconds (every rank's process CPU time, "
           "summed) show the work itself: if sharding costs nothing, 2 ranks spend the CPU "
           "time 1 rank does for the same batch.\n")
out.append("## Strong scaling (the same global batch on 1 and 2 ranks)\n")
out.append("| kind | global batch | 1 rank (s) | 2 ranks (s) | speedup | efficiency | "
           "CPU s, 1 rank | CPU s, 2 ranks summed |")
out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
for kind in ["lif", "force"]:
    a, b = t(f"{kind} strong", 1), t(f"{kind} strong", 2)
    ca, cb = c(f"{kind} strong", 1), c(f"{kind} strong", 2)
    batch = best[(f"{kind} strong", 1, 1)]["batch"]
    out.append(f"| {kind} | {batch} | {a:.4f} | {b:.4f} | {a / b:.2f} | {a / b / 2:.2f} | "
               f"{ca:.4f} | {cb:.4f} |")
a, b = t("lif strong, 1 rank 2 threads", 1, 2), t("lif strong", 2)
out.append(f"\nlif, 1 rank with 2 OpenMP threads: {a:.4f} s, against 2 ranks of 1 thread: "
           f"{b:.4f} s (ratio {a / b:.2f}).\n")
out.append("## Weak scaling (the same batch per rank)\n")
out.append("| kind | batch per rank | 1 rank (s) | 2 ranks (s) | efficiency (t1 / t2) | "
           "CPU s per element-step, 1 rank / 2 ranks |")
out.append("| --- | --- | --- | --- | --- | --- |")
for kind in ["lif", "force"]:
    a, b = t(f"{kind} weak", 1), t(f"{kind} weak", 2)
    ca, cb = c(f"{kind} weak", 1), c(f"{kind} weak", 2)
    per = best[(f"{kind} weak", 1, 1)]["local_batch"]
    out.append(f"| {kind} | {per} | {a:.4f} | {b:.4f} | {a / b:.2f} | {ca / (cb / 2):.2f} |")
a, b = t("dense window", 1), t("dense plain", 1)
ca, cb = c("dense window", 1), c("dense plain", 1)
out.append("\n## The price of bit-identical sharding for shared dense weights\n")
out.append(f"A window (every sharded network) computes dense products element by element; a plain "
           f"network uses one matrix-matrix product for the batch. Leaky-rate reservoir, n 1000, "
           f"dense recurrent weights shared by a batch of 16, 1 rank: window {a:.4f} s "
           f"({ca:.4f} CPU s), plain {b:.4f} s ({cb:.4f} CPU s): window / plain {a / b:.2f} "
           f"(CPU {ca / cb:.2f}).\n")
calls = sum(json.loads(l)["mpi_calls_during_runs"] for l in lines)
out.append(f"MPI calls made during the timed runs, all configurations and ranks: {calls} "
           f"(the ranks do not communicate while a network runs).\n")
out.append("## Raw output (one JSON line per run: name, ranks, threads)\n")
out.append("```")
for row in open(raw):
    out.append(row.rstrip("\n"))
out.append("```")
open(report, "w").write("\n".join(out) + "\n")
print("\n".join(out[:40]))
EOF
