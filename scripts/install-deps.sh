#!/usr/bin/env bash
# Installs what building and testing neurofuse needs on Debian, when it is
# missing: cmake, a C compiler, pkg-config, OpenBLAS, libzip (checkpoints),
# Criterion and Open MPI (the companion library neurofuse_mpi and its tests).
# The CUDA toolkit is optional: with nvcc on PATH (or in
# /usr/local/cuda/bin) the CUDA backend is built too. Needs root or sudo for
# apt-get.
# Usage: bash scripts/install-deps.sh [--valgrind]
set -euo pipefail

packages=(cmake gcc make pkg-config libopenblas-dev libzip-dev libcriterion-dev
          libopenmpi-dev openmpi-bin)
[[ "${1:-}" == "--valgrind" ]] && packages+=(valgrind)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
