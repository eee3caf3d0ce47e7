#!/usr/bin/env bash
# The neurofuse command: exit statuses and usage for bad input (2, usage on
# stderr), --help everywhere (0, usage on stdout), `info` without a GPU saying
# none, a short `demo` (plain progress lines when not a terminal; training
# error below 0.01; target.npy equal to the closed-form sum of sines; error =
# output - target; an SVG with its three lines), `demo --target FILE.npy` (a
# batch-1 run's own target.npy given back trains the same network to the same
# output, byte for byte; a 2-d signal; unusable files refused with status 2),
# and `bench --quick --json` giving a record of every kind with positive
# rates, and its --svg scaling figures; on a full disk neither leaves a
# partial or changed file; `demo --checkpoint` killed with SIGKILL and
# `--resume`d gives the same errors and outputs as a run never stopped, and
# numpy reads the checkpoint. Built without MPI, --mpi and an MPI launch of
# several ranks are refused with the reason.
# Usage: tests/cli/run.sh PATH_TO_NEUROFUSE
set -uo pipefail
nf=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# expect STATUS STREAM PATTERN -- ARGS: runs neurofuse ARGS, checks the status and
# that the stream (out or err) matches the pattern.
expect() {
    local status=$1 stream=$2 pattern=$3
    shift 4
    "$nf" "$@" > "$work/out" 2> "$work/err"
    local got=$?
    [ "$got" = "$status" ] || fail "neurofuse $* exited $got, expected $status: $(cat "$work/err")"
    grep -qE -e "$pattern" "$work/$stream" || fail "neurofuse $*: $stream lacks /$pattern/"
}

expect 2 err "usage: neurofuse" --
expect 2 err "unknown command 'bogus'" -- bogus
expect 0 out "usage: neurofuse <command>" -- --help
expect 0 out "^neurofuse [0-9]+\.[0-9]+\.[0-9]+$" -- --version
for cmd in demo bench info; do
    expect 0 out "usage: neurofuse $cmd" -- "$cmd" --help
    expect 2 err "unknown option '--bogus'" -- "$cmd" --bogus
done
expect 2 err "--batch must be an integer in 1\.\." -- demo --batch 0
expect 2 err "--batch needs a value" -- demo --batch
expect 2 err "--train-steps must be an integer" -- demo --train-steps 12x
expect 2 err "unknown task 'nope'" -- demo --task nope
expect 2 err "--backend must be auto, cpu or cuda" -- demo --backend gpu
expect 2 err "--backend must be cpu, cuda or all" -- bench --backend gpu
expect 2 err "--max-log2 must be an integer in 10\.\.28" -- bench --max-log2 40
expect 0 out "^sussillo " -- demo --list-tasks

expect 0 out "backend cpu: available" -- info
if grep -q "backend cuda: not available" "$work/out"; then
    grep -qE "device +none" "$work/out" || fail "info without a GPU must say none"
    expect 2 err "NF_ERR_NO_DEVICE" -- demo --backend cuda --train-steps 10 --test-steps 10 \
        --out "$work/nodev"
fi

# Built without MPI, --mpi and a launch of several ranks (as mpirun's environment
# tells it) are refused, saying so; one process started by a launcher runs plainly.
# (Built with it, tests/mpi/cli.sh runs the command under mpirun.)
expect 0 out "  mpi: (yes|no)" -- info
if grep -q "  mpi: no (built without MPI" "$work/out"; then
    expect 2 err "built without MPI: build it with -DNF_MPI=ON" -- demo --mpi
    expect 2 err "built without MPI" -- bench --mpi --quick
    OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 expect 2 err \
        "built without MPI.*more than one process" -- info
    PMI_SIZE=1 PMI_RANK=0 expect 0 out "  mpi: no" -- info
fi

expect 0 out "training error" -- demo --train-steps 3000 --test-steps 600 --batch 2 \
    --backend cpu --out "$work/demo"
grep -q $'\r' "$work/out" && fail "demo wrote \\r progress updates to a pipe"
grep -qE "^  training +[0-9]+% " "$work/out" || fail "demo printed no progress lines"
train=$(sed -n 's/^  training error \([0-9.]*\).*/\1/p' "$work/out")
awk -v e="$train" 'BEGIN { exit !(e > 0 && e < 0.01) }' || fail "training error $train >= 0.01"
grep -qE "speed +[0-9]+ steps/s" "$work/out" || fail "demo printed no speed"
# Each phase timed apart (bench/peers/run_nc_lif.sh reads it); together the whole run.
phases=$(sed -n 's/^  time     warm-up \([0-9.]*\) s, training \([0-9.]*\) s, testing \([0-9.]*\) s$/\1 \2 \3/p' "$work/out")
speed=$(sed -n 's/^  speed .*(\([0-9.]*\) us\/step.*/\1/p' "$work/out")
steps=$(sed -n 's/^  batch [0-9]*, \([0-9]*\) warm-up + \([0-9]*\) training + \([0-9]*\) testing.*/\1 \2 \3/p' "$work/out")
awk -v p="$phases" -v us="$speed" -v n="$steps" 'BEGIN {
    split(p, t, " "); split(n, s, " ")
    if (t[2] <= 0 || t[3] <= 0 || t[1] != 0 || s[1] != 0) exit 1
    total = t[1] + t[2] + t[3]; want = us * 1e-6 * (s[1] + s[2] + s[3])
    exit !(total > 0.98 * want && total < 1.02 * want + 0.002) }' ||
    fail "demo's phase times '$phases' do not add up to its speed ($speed us/step, steps $steps)"

# The file checks need python3 (standard library only); without it they are skipped.
have_python=0
command -v python3 > /dev/null && have_python=1
((have_python)) || echo "note: no python3, the .npy, SVG and JSON contents are not checked"
((!have_python)) || python3 - "$work/demo" <<'PY' || fail "demo outputs"
import math, struct, sys, xml.etree.ElementTree as ET
def load(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x93NUMPY\x01\x00", path
    hlen = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hlen].decode("ascii")
    assert (10 + hlen) % 64 == 0 and header.endswith("\n"), header
    assert "'descr': '<f4'" in header and "'shape': (3600, 2, 1)" in header, header
    return struct.unpack("<%df" % (3600 * 2), data[10 + hlen:])
d = sys.argv[1]
f, z, e = (load(d + "/" + n + ".npy") for n in ("target", "output", "error"))
w = math.pi / 60
for t in range(3600):
    s = (t + 1) * 0.1
    ref = (1.3 / 1.5) * (math.sin(w * s) + math.sin(2 * w * s) / 2 + math.sin(3 * w * s) / 6
                         + math.sin(4 * w * s) / 3)
    for b in range(2):
        i = 2 * t + b
        assert abs(f[i] - ref) < 1e-5, (t, b, f[i], ref)
        assert abs((z[i] - f[i]) - e[i]) < 1e-5, (t, b)
svg = ET.parse(d + "/plot.svg").getroot()
paths = svg.findall("{http://www.w3.org/2000/svg}path")
assert len(paths) == 3, len(paths)
assert all(len(p.get("d").split("L")) > 500 for p in paths)
PY
size=$(stat -c %s "$work/demo/plot.svg")
[ "$size" -lt 200000 ] || fail "plot.svg is $size bytes"

# --target FILE.npy: the sines a batch-1 run wrote as target.npy, given back,
# make the same network learn the same signal: the same output to the byte.
fixtures=$(cd "$(dirname "$0")/../fixtures/npy" && pwd)
expect 0 out "training error" -- demo --batch 1 --train-steps 1000 --test-steps 200 \
    --backend cpu --out "$work/sines"
expect 0 out " 1000 training \+ 200 testing steps" -- demo --target "$work/sines/target.npy" \
    --test-steps 200 --backend cpu --out "$work/own"
cmp -s "$work/sines/output.npy" "$work/own/output.npy" ||
    fail "--target with the demo's own target.npy did not reproduce its output.npy"
# A (3, 4) file: 3 steps of a 4-d signal, split in half (1 + 2), written as (3, 1, 4).
expect 0 out " 1 training \+ 2 testing steps" -- demo --target "$fixtures/f4_2d.npy" \
    --backend cpu --out "$work/four"
head -c 128 "$work/four/output.npy" | grep -q "'shape': (3, 1, 4)" ||
    fail "--target (3, 4): output.npy is not (3, 1, 4)"
expect 2 err "--target: .*none\.npy.*cannot open" -- demo --target "$work/none.npy" \
    --out "$work/refused"
expect 2 err "big-endian" -- demo --target "$fixtures/bad_big_endian.npy" --out "$work/refused"
expect 2 err "has shape \(2, 3, 4\): its shape must be" -- demo \
    --target "$fixtures/f4_3d.npy" --out "$work/refused"
expect 2 err "step 0, dimension 0 is inf; a target must be finite" -- demo \
    --target "$fixtures/f8_special.npy" --out "$work/refused"
expect 2 err "--train-steps 4 is more than the target's 3 steps" -- demo \
    --target "$fixtures/f4_2d.npy" --train-steps 4 --out "$work/refused"
expect 2 err "task nc_lif takes none" -- demo --task nc_lif --target "$fixtures/f4_2d.npy" \
    --out "$work/refused"
[ ! -e "$work/refused" ] || fail "a refused --target created the output folder"
# A 2-d signal (sine, half-amplitude cosine) written here: learned, and target.npy is the file.
((!have_python)) || {
    python3 - "$work/two.npy" <<'PY' || fail "writing the 2-d target"
import math, struct, sys
steps = 2400
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 2), }" % steps
header += " " * (-(10 + len(header) + 1) % 64) + "\n"
values = []
for t in range(steps):
    s = (t + 1) * 0.1
    values += [math.sin(2 * math.pi * s / 60), 0.5 * math.cos(2 * math.pi * s / 30)]
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % len(values), *values))
PY
    expect 0 out " 1200 training \+ 1200 testing steps" -- demo --target "$work/two.npy" \
        --backend cpu --out "$work/two"
    train=$(sed -n 's/^  training error \([0-9.]*\).*/\1/p' "$work/out")
    awk -v e="$train" 'BEGIN { exit !(e > 0 && e < 0.01) }' ||
        fail "--target 2-d: training error $train >= 0.01"
    python3 - "$work/two.npy" "$work/two/target.npy" <<'PY' || fail "--target 2-d: target.npy"
import struct, sys
def load(path):
    data = open(path, "rb").read()
    hlen = struct.unpack("<H", data[8:10])[0]
    return data[10:10 + hlen].decode(), struct.unpack("<%df" % ((len(data) - 10 - hlen) // 4),
                                                      data[10 + hlen:])
_, given = load(sys.argv[1])
header, written = load(sys.argv[2])
assert "'shape': (2400, 1, 2)" in header, header
assert max(abs(a - b) for a, b in zip(given, written)) < 1e-6
PY
}

expect 0 out "wrote $work/b.json" -- bench --quick --backend cpu --json "$work/b.json" \
    --svg "$work/svg"
((!have_python)) || python3 - "$work/b.json" <<'PY' || fail "bench JSON"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
kinds = {x["kind"] for x in r}
assert kinds == {"copy", "step", "latency", "dense", "force_train"}, kinds
assert all(x["backend"] == "cpu" for x in r)
assert all(x["us_per_step"] > 0 for x in r if "us_per_step" in x)
assert len([x for x in r if x["kind"] == "step"]) >= 8
PY
((!have_python)) || python3 - "$work/svg" <<'PY' || fail "bench SVG"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
for name, points, slope in (("step_cost", 8, "slope 1"), ("force_cost", 3, "slope 2")):
    svg = ET.parse(sys.argv[1] + "/" + name + ".svg").getroot()
    assert len(svg.findall(ns + "circle")) >= points, name  # a point per model / per N
    assert any(slope in (t.text or "") for t in svg.findall(ns + "text")), name
PY
# A full disk (simulated: a file size limit of 16 KiB, with SIGXFSZ ignored so
# writes fail with EFBIG): the demo fails, and leaves the previous outputs as
# they were and no partial file; bench --json leaves no cut JSON.
cp -r "$work/demo" "$work/full"
before=$(cd "$work/full" && md5sum target.npy output.npy error.npy plot.svg)
(trap '' XFSZ; ulimit -f 16; exec "$nf" demo --train-steps 3000 --test-steps 600 --batch 2 \
    --backend cpu --seed 3 --out "$work/full") > "$work/out" 2> "$work/err" &&
    fail "demo succeeded with a 16 KiB file size limit"
grep -q "File too large\|unchanged" "$work/err" || fail "demo on a full disk: $(cat "$work/err")"
after=$(cd "$work/full" && md5sum target.npy output.npy error.npy plot.svg)
[ "$before" = "$after" ] || fail "a failed demo changed the previous outputs"
[ -z "$(ls -A "$work/full" | grep -v -x -e target.npy -e output.npy -e error.npy -e plot.svg)" ] ||
    fail "a failed demo left files behind: $(ls -A "$work/full")"
echo '{"old": true}' > "$work/old.json"
(trap '' XFSZ; ulimit -f 1; exec "$nf" bench --quick --backend cpu --json "$work/old.json") \
    > "$work/out" 2> "$work/err" && fail "bench --json succeeded with a 1 KiB file size limit"
[ "$(cat "$work/old.json")" = '{"old": true}' ] || fail "a failed bench --json changed the file"
[ "$(ls -A "$work" | grep -c '^\.old\.json')" = 0 ] || fail "bench left a temporary file"

# --checkpoint / --resume: a run killed (SIGKILL) after a checkpoint and resumed
# from it ends with the same errors and the same error.npy and output.npy, to
# the byte, as the same run never stopped.
# (Without libzip, checkpoints are NF_ERR_UNSUPPORTED and this part is skipped.)
"$nf" demo --train-steps 20 --test-steps 10 --backend cpu --checkpoint "$work/probe.npz" \
    --checkpoint-every 10 --out "$work/probe" > "$work/out" 2> "$work/err"
if grep -q "built without libzip" "$work/err"; then
    echo "note: built without libzip: demo --checkpoint and --resume are not checked"
else
    ck=(demo --train-steps 3000 --test-steps 600 --backend cpu --seed 11)
    expect 0 out "training error" -- "${ck[@]}" --checkpoint "$work/whole.npz" \
        --checkpoint-every 500 --out "$work/whole"
    grep -q "checkpoints to $work/whole.npz every 500 steps" "$work/out" ||
        fail "--checkpoint: no line saying where"
    grep -E "^  (training|testing) +error" "$work/out" > "$work/whole.errors"
    "$nf" "${ck[@]}" --checkpoint "$work/killed.npz" --checkpoint-every 500 --out "$work/killed" \
        > "$work/killed.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 2000); do
        [ -e "$work/killed.npz" ] && break
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.01
    done
    kill -KILL "$pid" 2> /dev/null
    { wait "$pid"; } 2> /dev/null
    status=$?
    [ "$status" = 137 ] || fail "the demo was not killed mid-run (status $status): $(cat "$work/killed.log")"
    [ -e "$work/killed.npz" ] && [ -e "$work/killed.npz.traces.npy" ] ||
        fail "no checkpoint before the kill: $(cat "$work/killed.log")"
    [ ! -e "$work/killed/error.npy" ] || fail "the killed run wrote its outputs"
    expect 0 out "resumed from $work/killed.npz at step [1-9][0-9]*" -- "${ck[@]}" \
        --resume "$work/killed.npz" --out "$work/resumed"
    grep -E "^  (training|testing) +error" "$work/out" > "$work/resumed.errors"
    cmp -s "$work/whole.errors" "$work/resumed.errors" ||
        fail "resumed: $(cat "$work/resumed.errors") against $(cat "$work/whole.errors")"
    for f in error.npy output.npy target.npy; do
        cmp -s "$work/whole/$f" "$work/resumed/$f" || fail "resumed: $f differs from the whole run's"
    done
    expect 2 err "takes no --checkpoint or --resume" -- demo --task ff_oscillation \
        --resume "$work/x.npz"
    expect 1 err "--resume: .*not a zip archive" -- "${ck[@]}" --resume "$work/whole.errors" \
        --out "$work/refused"
    expect 1 err "batch 1 at step .*not one of this run \(batch 2" -- "${ck[@]}" --batch 2 \
        --resume "$work/killed.npz" --out "$work/refused"

    # The README's Python snippet: numpy opens a checkpoint and reads the readout's
    # trained weights (when python3 has numpy).
    if ((have_python)) && python3 -c "import numpy" 2> /dev/null; then
        python3 - "$work/killed.npz" <<'PY' || fail "numpy could not read a checkpoint"
import sys
import numpy as np
ckpt = np.load(sys.argv[1])
meta = dict(line.split(" = ", 1) for line in ckpt["metadata.txt"].decode().splitlines()
            if line and not line.startswith("#"))
assert meta["format"] == "neurofuse-checkpoint", meta["format"]
readouts = [k for k in ckpt.files if k.startswith("readout_") and k.endswith("/weights")]
assert len(readouts) == 1, ckpt.files
w = ckpt[readouts[0]]
assert w.dtype == np.float32 and w.shape == (1, 1000) and np.isfinite(w).all(), (w.dtype, w.shape)
p = [k for k in ckpt.files if k.endswith("/P")]
assert ckpt[p[0]].shape == (1000, 1000), ckpt[p[0]].shape
assert int(meta["run.step"]) > 0
PY
    else
        echo "note: no numpy, a checkpoint is not read with np.load"
    fi
fi

echo "cli test passed"
