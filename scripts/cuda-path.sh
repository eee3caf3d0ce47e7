# Sourced by the build scripts: puts the CUDA toolkit's nvcc on PATH when it is
# installed in its usual place but not on PATH, so NF_CUDA=AUTO finds it. A
# machine without the toolkit is left as it is (the CPU backend alone is built).
if ! command -v nvcc >/dev/null 2>&1; then
    for nf_cuda_bin in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
        if [[ -x "$nf_cuda_bin/nvcc" ]]; then
            export PATH="$PATH:$nf_cuda_bin"
            break
        fi
    done
    unset nf_cuda_bin
fi
