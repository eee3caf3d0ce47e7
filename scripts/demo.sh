#!/usr/bin/env bash
# Builds neurofuse and runs the demo program (examples/demo.c).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${NF_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)" --target demo
"$build/demo"
