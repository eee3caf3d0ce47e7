#!/usr/bin/env bash
# Installs neurofuse from a build folder into a temporary prefix and builds an
# outside C program (tests/install/consumer) against it three ways: CMake
# find_package with neurofuse::neurofuse (shared) and neurofuse::neurofuse_static,
# and pkg-config (shared). Each program must print the library's version and
# the closed-form filter values b (1 - e^-1) for b = 0.5, 2 (to 1e-5), and the
# installed neurofuse command must run.
# The consumer is built with the compiler that built the library (its OpenMP
# runtime must match the static library's).
# Usage: tests/install/run.sh BUILD_DIR [C_COMPILER]
set -euo pipefail
build=$(cd "$1" && pwd)
cc=${2:-cc}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in include/neurofuse.h lib/libneurofuse.so lib/libneurofuse.a bin/neurofuse \
         lib/cmake/neurofuse/neurofuseConfig.cmake \
         lib/cmake/neurofuse/neurofuseConfigVersion.cmake lib/pkgconfig/neurofuse.pc; do
    [ -e "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
version=$(sed -n 's/^#define NF_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/neurofuse.h")

# Checks a consumer's output: the version line and y = b (1 - e^-1).
check() {
    local name=$1 out=$2
    echo "$name: $(echo "$out" | tr '\n' ' ')"
    echo "$out" | grep -qx "version $version" || { echo "FAIL: $name: version"; exit 1; }
    echo "$out" | awk -v name="$name" '/^y / {
        e = 1 - exp(-1); d0 = $2 - 0.5 * e; d1 = $3 - 2 * e;
        if (d0 < 0) d0 = -d0; if (d1 < 0) d1 = -d1;
        if (d0 > 1e-5 || d1 > 1e-5) { print "FAIL: " name ": y " $2 " " $3; exit 1 }
        ok = 1 } END { if (!ok) exit 1 }'
}

cmake -S "$here/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/cmake-build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
check "find_package shared" "$("$work/cmake-build/consumer_shared" "$work/y.npy")"
check "find_package static" "$("$work/cmake-build/consumer_static")"
if ldd "$work/cmake-build/consumer_static" | grep -q libneurofuse; then
    echo "FAIL: consumer_static links libneurofuse.so"; exit 1
fi
head -c 6 "$work/y.npy" | od -c | grep -q 'N   U   M   P   Y' || { echo "FAIL: y.npy"; exit 1; }

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion neurofuse)" = "$version" ] || { echo "FAIL: pkg-config version"; exit 1; }
# shellcheck disable=SC2046
"$cc" -std=c11 -o "$work/consumer_pc" "$here/consumer/consumer.c" \
    $(pkg-config --cflags --libs neurofuse) -Wl,-rpath,"$prefix/lib"
check "pkg-config shared" "$("$work/consumer_pc")"

"$prefix/bin/neurofuse" info > "$work/info.log" || { echo "FAIL: neurofuse info"; exit 1; }
grep -q "neurofuse $version" "$work/info.log" || { echo "FAIL: neurofuse info output"; exit 1; }
# The MPI component, when the library was built with it: find_package(neurofuse
# COMPONENTS mpi) and neurofuse::neurofuse_mpi, the program run on 2 ranks.
if [ -e "$prefix/lib/cmake/neurofuse/neurofuseMpiTargets.cmake" ]; then
    for f in include/neurofuse_mpi.h lib/libneurofuse_mpi.so; do
        [ -e "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
    done
    cmake -S "$here/consumer_mpi" -B "$work/mpi-build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="$cc" > "$work/mpi-configure.log" 2>&1 ||
        { cat "$work/mpi-configure.log"; exit 1; }
    cmake --build "$work/mpi-build" > "$work/mpi-build.log" 2>&1 || { cat "$work/mpi-build.log"; exit 1; }
    out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
          OMPI_MCA_rmaps_base_oversubscribe=1 mpiexec -n 2 "$work/mpi-build/consumer_mpi")
    [ "$out" = "slice 0 2" ] || { echo "FAIL: find_package mpi component: '$out'"; exit 1; }
    echo "find_package mpi component: $out (2 ranks)"
fi
echo "install test passed (prefix $prefix)"
