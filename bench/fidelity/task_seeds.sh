#!/usr/bin/env bash
# Distributions over seeds of a FORCE task's training and testing errors:
# neurofuse's task (`neurofuse demo --task TASK`, CPU, the task's defaults) and
# a numpy peer, seeds 1..SEEDS each; for nc_lif also Brian2's version with
# BRIAN2=1. The peers (bench/peers/, float64):
#   nc_lif         nicola_clopath_lif.py (port of LIFFORCESINE.m)
#   nc_izhikevich  nicola_clopath_izh_theta.py --model izhikevich (IZFORCESINE.m)
#   nc_theta       nicola_clopath_izh_theta.py --model theta (THETAFORCESINE.m)
#   sussillo       numpy_sussillo.py
#   tension        TENSION itself: tension_sines.py (its full-FORCE sum-of-sinusoids
#                  example) in the virtual environment of setup_tension_venv.sh
#   nc_lif, BRIAN2=1: brian2_nc_lif.py
# Each run's output is kept in OUT_DIR as <program>_<seed>.txt; a run whose file
# exists is not repeated, so an interrupted study resumes. Then prints the
# table of seed_stats.py: median, quartiles, mean and count above 0.4 of both
# errors, and two-sided Mann-Whitney U tests of neurofuse against each peer.
# Times per run (neurofuse / numpy) measured on a shared 2-core VM at load 10:
# nc_lif 1.3 / 2-8 min, nc_izhikevich 7 / 9-16 min, sussillo 0.5-1 / 4 min;
# nc_theta 5.5 / 16.5 min, tension 0.1-0.25 / 0.5-3.5 min (load 9-11).
# Needs /usr/bin/python3 with numpy and scipy (Debian python3-numpy, python3-scipy).
# The peer's result files are numpy_<seed>.txt (tension: tension_<seed>.txt).
# SIDE=neurofuse, SIDE=peer or (nc_lif with BRIAN2=1) SIDE=brian2 runs that
# program only: loops over the same OUT_DIR, one per side, run side by side.
# Usage: bash bench/fidelity/task_seeds.sh TASK BUILD_DIR [SEEDS] [OUT_DIR]
set -euo pipefail
usage="usage: task_seeds.sh nc_lif|nc_izhikevich|nc_theta|sussillo|tension BUILD_DIR [SEEDS] [OUT_DIR]"
task=${1:?$usage}
build=${2:?$usage}
seeds=${3:-20}
out=${4:-seeds_$task}
here=$(cd "$(dirname "$0")" && pwd)
peers="$here/../peers"
case "$task" in
nc_lif) peer=("$peers/nicola_clopath_lif.py") ;;
nc_izhikevich) peer=("$peers/nicola_clopath_izh_theta.py" --model izhikevich) ;;
nc_theta) peer=("$peers/nicola_clopath_izh_theta.py" --model theta) ;;
sussillo) peer=("$peers/numpy_sussillo.py") ;;
tension) peer=("$peers/tension_sines.py") ;;
*) echo "$usage" >&2; exit 2 ;;
esac
python=/usr/bin/python3 name=numpy
[ "$task" = tension ] && python="$peers/.venv-tension/bin/python" name=tension
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# run FILE COMMAND...: the command's output into FILE, unless FILE exists
run() {
    local file=$1
    shift
    [ -s "$file" ] && return 0
    "$@" > "$work/run.txt" 2>&1
    mv "$work/run.txt" "$file"
}

programs="neurofuse $name"
side=${SIDE:-both}
for s in $(seq 1 "$seeds"); do
    [ "$side" = both ] || [ "$side" = neurofuse ] &&
        run "$out/neurofuse_$s.txt" "$build/neurofuse" demo --task "$task" --backend cpu \
            --seed "$s" --out "$work/demo"
    [ "$side" = both ] || [ "$side" = peer ] &&
        run "$out/${name}_$s.txt" "$python" "${peer[@]}" --seed "$s"
    if [ "$task" = nc_lif ] && [ "${BRIAN2:-0}" = 1 ] && [ "$side" != neurofuse ] &&
        [ "$side" != peer ]; then
        run "$out/brian2_$s.json" env PYTHONWARNINGS=ignore /usr/bin/python3 \
            "$peers/brian2_nc_lif.py" --seed "$s"
        /usr/bin/python3 -c 'import json, sys
b = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
print("training MAE %.6f testing MAE %.6f" % (b["train_mae"], b["test_mae"]))' \
            "$out/brian2_$s.json" > "$out/brian2_$s.txt"
        programs="neurofuse $name brian2"
    fi
done
/usr/bin/python3 "$here/seed_stats.py" "$out" $programs
