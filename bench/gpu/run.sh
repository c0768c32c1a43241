#!/usr/bin/env bash
# Everything the project measures on an NVIDIA GPU, in one run of a few minutes, on a
# machine with nvcc, CMake, ninja, g++ and Python (PyTorch, Pillow) but none of our Debian
# packages: those travel in .gpu-deps (bench/gpu/pack_dependencies.sh packs them).
#
#   bench/gpu/run.sh [RESULTS_DIR]        (default: bench/results/gpu-run)
#
# Steps: unpack the dependencies; build (Release, code for this GPU's architecture);
# the kernel tests under host emulation and on the GPU; the GEMM ladder against cuBLAS.
# Every step's output goes to RESULTS_DIR/run.log, the ladder's to gemm_ladder.jsonl.
# Not yet here (they need `train --device cuda`): the ResNet-34 training step against
# PyTorch on the GPU, and CIFAR-10 training on the GPU; see bench/results/gpu.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
results="${1:-bench/results/gpu-run}"
deps_archive=.gpu-deps/dependencies.tar.xz
deps=/tmp/resnet-gpu-deps
mkdir -p "$results"
log="$results/run.log"
exec > >(tee "$log") 2>&1
step() { printf '\n==== %s (%s) ====\n' "$*" "$(date -u +%H:%M:%S)"; }

step "the GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
nvcc --version | tail -2
architecture="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)"

step "dependencies"
[ -f "$deps_archive" ] || { echo "no $deps_archive: run bench/gpu/pack_dependencies.sh first" >&2; exit 1; }
mkdir -p "$deps" && tar -C "$deps" -xJf "$deps_archive"
export CPATH="$deps/usr/include/x86_64-linux-gnu:$deps/usr/include${CPATH:+:$CPATH}"
export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

step "build (sm_$architecture)"
cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DRESNET_CUDA=ON -DRESNET_BUILD_DOCS=OFF \
  -DCMAKE_CUDA_ARCHITECTURES="$architecture" -DCMAKE_PREFIX_PATH="$deps/usr" \
  -DCMAKE_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu" >/dev/null
cmake --build build/gpu --parallel "$(nproc)" --target test_ch01_gpu test_ch06 test_ch06_gpu bench_gemm_ladder

step "kernel tests: host emulation, then on the GPU"
build/gpu/bin/test_ch06
build/gpu/bin/test_ch01_gpu
RESNET_CUDA_SYNC=1 build/gpu/bin/test_ch06_gpu

step "the GEMM ladder against cuBLAS"
build/gpu/bin/bench_gemm_ladder --sizes 1024,2048,4096 | tee "$results/gemm_ladder.jsonl"

step "done"
