#!/usr/bin/env bash
# The neurofuse command under mpirun: `demo` on 1, 2 and 3 ranks (a batch of 5,
# which 2 and 3 do not divide) writes target.npy, output.npy, error.npy and
# plot.svg byte for byte as one process with the whole batch does, prints the
# same errors, and only rank 0 prints (one header, nothing on stderr); a task
# whose learner the batch shares is refused on 2 ranks with the reason, once;
# --checkpoint on 2 ranks writes one file per rank, and --resume on 2 ranks
# gives the same bytes again, on 3 ranks is refused naming the count;
# `bench --mpi --quick --json` on 2 ranks gives a row and a record for every
# network, scaling and rank count, with positive rates (not their speed);
# `bench` without --mpi on 2 ranks is refused; `--mpi` without a launcher runs
# as one rank.
# Usage: tests/mpi/cli.sh MPIEXEC NUMPROC_FLAG PATH_TO_NEUROFUSE
set -uo pipefail
mpiexec=$1 np=$2 nf=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work" || exit 1
demo=(demo --batch 5 --train-steps 200 --test-steps 60 --backend cpu --seed 7)

"$nf" "${demo[@]}" --out plain > plain.out 2> plain.err || fail "plain demo: $(cat plain.err)"
results() { grep -E "^  (training|testing) +error" "$1"; }
for k in 1 2 3; do
    "$mpiexec" "$np" "$k" "$nf" "${demo[@]}" --out "np$k" > "np$k.out" 2> "np$k.err" ||
        fail "demo on $k ranks: $(cat "np$k.err")"
    for f in target.npy output.npy error.npy plot.svg; do
        cmp -s "plain/$f" "np$k/$f" || fail "$k ranks: $f differs from one process's"
    done
    [ "$(grep -c "demo: task sussillo" "np$k.out")" = 1 ] || fail "$k ranks: not one header"
    grep -q "sharded over $k MPI ranks" "np$k.out" || fail "$k ranks: no sharding line"
    [ "$(grep -c "wrote np$k/target.npy" "np$k.out")" = 1 ] || fail "$k ranks: not one writer"
    [ -s "np$k.err" ] && fail "$k ranks: stderr: $(cat "np$k.err")"
    diff <(results plain.out) <(results "np$k.out") > /dev/null ||
        fail "$k ranks: errors differ from one process's"
    echo "demo on $k ranks: outputs byte-identical, one report"
done

# --checkpoint on 2 ranks (one file per rank), --resume on 3 refused, on 2 the same outputs
"$mpiexec" "$np" 2 "$nf" "${demo[@]}" --checkpoint ck.npz --checkpoint-every 100 --out ck \
    > ck.out 2> ck.err
if grep -q "without libzip\|NF_ERR_UNSUPPORTED" ck.err; then
    echo "note: built without libzip: the demo's checkpoints under MPI are not checked"
else
    [ -s ck.err ] && fail "--checkpoint on 2 ranks: $(cat ck.err)"
    for f in ck.npz.rank-0-of-2 ck.npz.rank-1-of-2 ck.npz.traces.npy; do
        [ -f "$f" ] || fail "--checkpoint on 2 ranks wrote no $f"
    done
    "$mpiexec" "$np" 3 "$nf" "${demo[@]}" --resume ck.npz --out r3 > r3.out 2> r3.err &&
        fail "a checkpoint of 2 ranks resumed on 3"
    grep -q "was saved by 2 ranks.*load it on 2 ranks, not 3" r3.err ||
        fail "resume on 3 ranks: $(cat r3.err)"
    "$mpiexec" "$np" 2 "$nf" "${demo[@]}" --resume ck.npz --out r2 > r2.out 2> r2.err ||
        fail "resume on 2 ranks: $(cat r2.err)"
    grep -q "resumed from ck.npz at step 200" r2.out || fail "resume: $(cat r2.out)"
    for f in target.npy output.npy error.npy plot.svg; do
        cmp -s "plain/$f" "ck/$f" || fail "checkpointing on 2 ranks changed $f"
        cmp -s "plain/$f" "r2/$f" || fail "resumed on 2 ranks: $f differs from one process's"
    done
    echo "demo --checkpoint on 2 ranks, --resume on 2: outputs byte-identical; on 3: refused"
fi

"$mpiexec" "$np" 2 "$nf" demo --task nc_lif --batch 3 --train-steps 20 --test-steps 10 \
    --backend cpu --out nc > nc.out 2> nc.err && fail "nc_lif on 2 ranks ran"
[ "$(grep -c "NF_ERR_UNSUPPORTED" nc.err)" = 1 ] || fail "nc_lif refusal: $(cat nc.err)"
grep -q "cannot reproduce" nc.err || fail "nc_lif refusal gives no reason: $(cat nc.err)"

"$mpiexec" "$np" 2 "$nf" bench --mpi --quick --json b.json > b.out 2> b.err ||
    fail "bench --mpi: $(cat b.err)"
[ "$(grep -c "bench --mpi (quick): 2 MPI ranks" b.out)" = 1 ] || fail "bench: not one header"
for net in lif force; do
    for scaling in strong weak; do
        for k in 1 2; do
            grep -qE "^$net +$scaling +$k +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+ " b.out ||
                fail "bench --mpi: no row $net $scaling $k"
        done
    done
done
if command -v python3 > /dev/null; then
    python3 - b.json <<'PY' || fail "bench --mpi JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mpi_ranks"] == 2, d
rows = {(r["net"], r["scaling"], r["ranks"]): r for r in d["results"]}
assert len(rows) == 8 == len(d["results"]), rows.keys()
for r in d["results"]:
    assert r["kind"] == "mpi_scaling" and r["us_per_step_min"] > 0, r
    assert r["element_steps_per_s"] > 0 and r["efficiency"] > 0, r
    assert r["batch"] == (r["ranks"] if r["scaling"] == "weak" else 2) * (4 if r["net"] == "lif" else 2), r
PY
fi
"$mpiexec" "$np" 2 "$nf" bench --quick > nb.out 2> nb.err
[ $? = 2 ] || fail "bench without --mpi on 2 ranks must exit 2"
grep -q "started on 2 MPI ranks: --mpi" nb.err || fail "bench refusal: $(cat nb.err)"

"$nf" demo --mpi --batch 2 --train-steps 20 --test-steps 10 --backend cpu --out single \
    > single.out 2> single.err || fail "demo --mpi without a launcher: $(cat single.err)"
grep -q "sharded over 1 MPI ranks" single.out || fail "demo --mpi alone is not one rank"
echo "PASS"
