#!/usr/bin/env bash
# The MPI example (examples/mpi/force_sweep_mpi.c), a small sweep (3 x 3 FORCE
# networks of 40 units, 300 + 100 steps) on 1 and on 2 ranks: both succeed,
# print the same table and write the same .npy, byte for byte, of shape
# (40, 9, 1) (numpy checks it where python3 has numpy).
# Usage: tests/mpi/example.sh MPIEXEC NUMPROC_FLAG FORCE_SWEEP_MPI
set -euo pipefail
mpiexec=$1 np_flag=$2 example=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--grid 3 --n 40 --train-steps 300 --test-steps 100 --backend cpu)
for np in 1 2; do
    "$mpiexec" "$np_flag" "$np" "$example" "${args[@]}" --out "$work/z$np.npy" > "$work/out$np.txt"
    grep -q "9 FORCE networks on $np ranks" "$work/out$np.txt" || {
        echo "FAIL: np $np output:"; cat "$work/out$np.txt"; exit 1; }
done
cmp "$work/z1.npy" "$work/z2.npy" || { echo "FAIL: the .npy of 1 and 2 ranks differ"; exit 1; }
diff <(tail -n +2 "$work/out1.txt") <(tail -n +2 "$work/out2.txt") ||
    { echo "FAIL: the scores of 1 and 2 ranks differ"; exit 1; }
if python3 -c 'import numpy' 2> /dev/null; then
    python3 -c "import numpy, sys; a = numpy.load(sys.argv[1]); \
assert a.shape == (40, 9, 1) and a.dtype == numpy.float32, a.shape; \
assert numpy.isfinite(a).all()" "$work/z2.npy"
    echo "numpy read the global .npy: shape (40, 9, 1)"
fi
head -4 "$work/out2.txt"
echo "mpi example: 1 and 2 ranks agree"
