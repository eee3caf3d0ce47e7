#!/usr/bin/env bash
# Installs what building neurofuse needs on Debian, when it is missing:
# cmake, a C compiler, pkg-config, OpenBLAS and Criterion (the CUDA toolkit,
# with nvcc on PATH, must already be there). Needs root or sudo for apt-get.
set -euo pipefail

packages=(cmake gcc make pkg-config libopenblas-dev libcriterion-dev)
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

if ! command -v nvcc >/dev/null 2>&1; then
    for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
        [[ -x "$d/nvcc" ]] && { echo "nvcc is in $d: add it to PATH" >&2; break; }
    done
    echo "neurofuse needs the CUDA toolkit (nvcc) to build; a GPU is not needed" >&2
    exit 1
fi
