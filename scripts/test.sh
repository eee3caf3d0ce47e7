#!/usr/bin/env bash
# Builds neurofuse with its tests and runs the whole suite: C tests, the CLI,
# the installed package, the exported symbols, and the Python package
# (scripts/test-python.sh: wheel, pytest, fresh-venv check). CUDA tests skip with a
# reason where no GPU is usable. NF_CUDA=AUTO|ON|OFF (environment) chooses
# the CUDA backend as the CMake option does, NF_MPI=AUTO|ON|OFF the MPI
# companion library (its tests run 1, 2 and 3 ranks); NF_BUILD_DIR the build folder.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/cuda-path.sh
build=${NF_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNF_BUILD_TESTS=ON -DNF_CUDA="${NF_CUDA:-AUTO}" \
    -DNF_MPI="${NF_MPI:-AUTO}"
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure
bash scripts/test-python.sh
