#!/usr/bin/env bash
# The Python package's tests (run by scripts/test.sh). Builds the wheel once with
# pip (CPU backend, NF_CUDA=OFF: the C suite covers CUDA; its CMake build folder
# is kept in $NF_PY_BUILD_DIR, so a second run rebuilds nothing), installs it in a
# test venv with numpy, cffi, pytest, scipy and matplotlib from PyPI and runs
# tests/python against the installed package. Then the wheel test: the same wheel
# in a fresh venv with only its runtime dependencies, run from an empty folder
# with nothing but the venv on PATH (no compiler, no build tree).
# Environment: NF_PY_BUILD_DIR (default build-python), PYTHON (default python3).
# Usage: bash scripts/test-python.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${NF_PY_BUILD_DIR:-$root/build-python}
mkdir -p "$build"
build=$(cd "$build" && pwd)
python=${PYTHON:-python3}

if ! "$python" -m venv --help >/dev/null 2>&1; then
    echo "installing: python3-venv"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-venv
fi

echo "=== python: build the wheel ($build) ==="
venv=$build/venv
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
# Debian 12's pip (23.0) is older than the build options below expect
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade "pip>=23.1"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "scikit-build-core>=0.10" "cffi>=1.15" numpy pytest scipy matplotlib
rm -rf "$build/dist"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
"$venv/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
    -w "$build/dist" --config-settings=build-dir="$build/cmake" \
    --config-settings=cmake.define.NF_CUDA=OFF "$root"
wheel=$(ls "$build"/dist/neurofuse-*.whl)
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
    "$wheel"

echo "=== python: pytest tests/python ==="
(cd "$build" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" "$root/tests/python")

echo "=== python: the wheel in a fresh venv, no compiler, no build tree ==="
fresh=$build/fresh-venv
rm -rf "$fresh"
"$python" -m venv "$fresh"
"$fresh/bin/python" -m pip install -q --disable-pip-version-check "$wheel"
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
(cd "$empty" && env -i HOME="$empty" PATH="$fresh/bin" NF_SOURCE_ROOT="$root" \
    NF_BUILD_ROOT="$build" NF_FRESH_VENV="$fresh" "$fresh/bin/python" - <<'PY'
import os, shutil, subprocess, sys
for tool in ("cc", "gcc", "clang", "cmake", "nvcc"):
    assert shutil.which(tool) is None, f"{tool} is on PATH"
import numpy as np
import neurofuse as nf
package = os.path.dirname(nf.__file__)
# installed in the fresh venv (which may itself lie inside the repository)
assert package.startswith(os.environ["NF_FRESH_VENV"] + "/"), package
for root in (os.environ["NF_SOURCE_ROOT"] + "/python", os.environ["NF_BUILD_ROOT"] + "/cmake"):
    for name in ("libneurofuse.so.0", "bin/neurofuse"):
        with open(os.path.join(package, name), "rb") as f:
            assert root.encode() + b"/" not in f.read(), f"{name} refers to {root}"
with nf.Network(batch=4, seed=1, backend="cpu") as net:
    pop = net.add_population("lif", 50, filter=nf.Lowpass(0.005))
    drive = net.add_input(50)
    drive.set(np.linspace(0, 3, 50))
    net.connect(drive, pop, kind="identity")
    probe = net.probe(pop, "filtered", every=10)
    net.run(1000)
    rates = probe.read()
assert rates.shape == (100, 4, 50) and rates[-1].max() > 10
spikes = nf.layers.SpikingActivation("relu", seed=0)(np.full((2, 100, 3), 50.0))
assert spikes.shape == (2, 100, 3) and spikes.sum() > 0
info = subprocess.run([sys.executable, "-m", "neurofuse", "info"], capture_output=True,
                      text=True, check=True).stdout
assert f"neurofuse {nf.version()}" in info
print(f"wheel {os.path.basename(os.path.dirname(package))}: neurofuse {nf.version()} "
      f"imports, runs a network and a layer, python -m neurofuse info works, from "
      f"{package} (Python {sys.version.split()[0]}, nothing but the venv on PATH)")
PY
)
