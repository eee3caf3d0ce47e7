#!/usr/bin/env bash
# The neurofuse command: exit statuses and usage for bad input (2, usage on
# stderr), --help everywhere (0, usage on stdout), `info` without a GPU saying
# none, a short `demo` (plain progress lines when not a terminal; training
# error below 0.01; target.npy equal to the closed-form sum of sines; error =
# output - target; an SVG with its three lines), and `bench --quick --json`
# giving a record of every kind with positive rates, and its --svg scaling figures.
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

expect 0 out "training error" -- demo --train-steps 3000 --test-steps 600 --batch 2 \
    --backend cpu --out "$work/demo"
grep -q $'\r' "$work/out" && fail "demo wrote \\r progress updates to a pipe"
grep -qE "^  training +[0-9]+% " "$work/out" || fail "demo printed no progress lines"
train=$(sed -n 's/^  training error \([0-9.]*\).*/\1/p' "$work/out")
awk -v e="$train" 'BEGIN { exit !(e > 0 && e < 0.01) }' || fail "training error $train >= 0.01"
grep -qE "speed +[0-9]+ steps/s" "$work/out" || fail "demo printed no speed"

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
echo "cli test passed"
