#!/usr/bin/env bash
# Builds neurofuse and runs `neurofuse demo`: trains a FORCE network (Sussillo &
# Abbott's sum of sines) on the best available backend and writes target,
# output and error (.npy) and plot.svg into ./neurofuse-demo. Arguments go to
# the demo (`bash scripts/demo.sh --help`). NF_CUDA and NF_BUILD_DIR as in
# scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/cuda-path.sh
build=${NF_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNF_CUDA="${NF_CUDA:-AUTO}"
cmake --build "$build" -j "$(nproc)" --target neurofuse_cli
"$build/neurofuse" demo "$@"
