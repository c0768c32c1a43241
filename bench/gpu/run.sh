#!/usr/bin/env bash
# Everything the project measures on an NVIDIA GPU, in one run meant to take under 8 minutes
# (an estimate: it has not run on a GPU yet; RESNET_GPU_TRAIN_SECONDS sets the training's share), on a
# machine with nvcc, CMake, ninja, g++ and Python (PyTorch, torchvision) but none of our Debian
# packages: those travel in .gpu-deps (bench/gpu/pack_dependencies.sh packs them, with the
# CIFAR-10 copy and its `prepare`).
#
#   bench/gpu/run.sh [RESULTS_DIR]        (default: bench/results/gpu-run)
#   RESNET_GPU_TRAIN_SECONDS=100          how long the CIFAR-10 training may take
#
# Steps: unpack the dependencies; build (Release, code for this GPU's architecture); the
# kernel tests under host emulation and on the GPU; the GEMM ladder against cuBLAS; the GPU
# training path's tests on the GPU and compare-devices (FP32 and TF32); the ResNet-34
# training step against PyTorch (cuDNN, FP32 and TF32); CIFAR-10 training on the GPU for
# the time given (Ctrl-C semantics: it saves and reports when the time is up); the GPU
# checkpoint evaluated on the CPU. Every step's output goes to RESULTS_DIR/run.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
results="${1:-bench/results/gpu-run}"
deps_archive=.gpu-deps/dependencies.tar.xz
deps=/tmp/resnet-gpu-deps
mkdir -p "$results"
log="$results/run.log"
exec > >(tee "$log") 2>&1
step() { printf '\n==== %s (%s) ====\n' "$*" "$(date -u +%H:%M:%S)"; }
# A failed measurement is reported (here and at the end) but does not stop the others:
# the run may be the only one a GPU gets.
failures=()
failed() { echo "FAILED: $*"; failures+=("$*"); }

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
cmake --build build/gpu --parallel "$(nproc)" \
  --target test_ch01_gpu test_ch06 test_ch06_gpu test_ch07 bench_gemm_ladder bench_resnet34 resnet_cli

step "tests: kernels emulated and on the GPU; the GPU training path (on the GPU, as there is one)"
build/gpu/bin/test_ch06 || failed "test_ch06"
build/gpu/bin/test_ch07 "[device]" || failed "test_ch07 [device]"
build/gpu/bin/test_ch01_gpu || failed "test_ch01_gpu"
RESNET_CUDA_SYNC=1 build/gpu/bin/test_ch06_gpu || failed "test_ch06_gpu"

step "the GEMM ladder against cuBLAS"
build/gpu/bin/bench_gemm_ladder --sizes 1024,2048,4096 | tee "$results/gemm_ladder.jsonl" || failed "GEMM ladder"

step "compare-devices: ResNet-34 on the CPU and the GPU, part by part (FP32 rung 05, then TF32 rung 06)"
build/gpu/bin/resnet compare-devices --model resnet34 --stem cifar --batch 16 | tee "$results/compare_devices.txt" ||
  failed "compare-devices FP32 (the first divergence is named above)"
build/gpu/bin/resnet compare-devices --model resnet34 --stem cifar --batch 16 --tf32 |
  tee "$results/compare_devices_tf32.txt" || failed "compare-devices TF32 (the first divergence is named above)"

step "ResNet-34 training step: ours against PyTorch (cuDNN), FP32 and TF32"
python3 bench/gpu/compare_training_step.py --bench build/gpu/bin/bench_resnet34 --out "$results/training_step.md" ||
  failed "training step against PyTorch"

step "CIFAR-10 on the GPU"
data=data/cifar-10-batches-bin
if [ ! -f "$data/test_batch.bin" ] && [ -x .gpu-deps/prepare ]; then
  .gpu-deps/prepare data
fi
[ -f "$data/test_batch.bin" ] || echo "no full CIFAR-10 copy: training on the committed sample"
# ResNet-34 with the CIFAR stem and the better recipe, for as many epochs as the measured
# step speed says fit in the time (one-cycle needs its length up front): 50,000 training
# images and the test pass (10,000 forward passes, about a third of a step each) per
# epoch, with a quarter of the time kept for the optimizer, data and slack. When not even
# one epoch fits, one epoch on the first images that fit. If it is still running when the
# time is up, SIGINT makes it save its checkpoint and stop cleanly.
budget="${RESNET_GPU_TRAIN_SECONDS:-100}"
speed="$(build/gpu/bin/bench_resnet34 --device cuda --stem cifar --batch 128 --repeats 3 | tail -1 |
  python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["images_per_second"])')" || speed=0
read -r epochs images < <(python3 -c "
fit = $budget * $speed * 0.75 - 10000 / 3
print(max(1, int(fit / 50000)), 0 if fit >= 50000 else max(1280, int(fit)))")
echo "training step: $speed images/s, so $epochs epoch(s) in $budget s (--train-images $images; 0 is all)"
timeout -s INT "$((budget + 60))" build/gpu/bin/resnet train --device cuda --model resnet34 \
  --stem cifar --augment --normalization cifar10 --optimizer sgd --nesterov --weight-decay 5e-4 \
  --schedule one-cycle --lr 0.1 --epochs "$epochs" --train-images "$images" --threads "$(nproc)" \
  --run-dir "$results/train" || failed "training on the GPU (exit code $?)"
cat "$results/train/metrics.jsonl" 2>/dev/null || echo "no epoch finished in the time given"

step "the GPU run's best checkpoint, evaluated on the CPU (metrics.jsonl has its GPU accuracy)"
if [ -f "$results/train/best.safetensors" ]; then
  build/gpu/bin/resnet evaluate --checkpoint "$results/train/best.safetensors" | tee "$results/cpu_evaluation.txt" ||
    failed "CPU evaluation"
fi

step "done"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
  exit 1
fi
