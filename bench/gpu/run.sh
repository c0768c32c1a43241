#!/usr/bin/env bash
# What the project measures on an NVIDIA GPU, in two phases. Each phase is one call meant to
# take under 8 minutes on one H100 with 16 CPU cores, and each works alone (the second builds
# what it needs when the first has not run on this machine):
#
#   bench/gpu/run.sh OUT_DIR build-and-test
#       build (Release, code for this GPU); the kernel tests emulated on the CPU and on the
#       GPU; the GPU kernel tests once more under compute-sanitizer, racecheck then memcheck;
#       the GPU training path's tests; the GEMM ladder against cuBLAS
#   bench/gpu/run.sh OUT_DIR train
#       compare-devices (CPU against GPU, part by part, FP32 then TF32); the ResNet-34
#       training step against PyTorch (cuDNN, FP32 and TF32); CIFAR-10 training on the GPU
#       for the time left (at most RESNET_GPU_TRAIN_SECONDS, default 100); its checkpoint
#       evaluated on the CPU
#   bench/gpu/run.sh OUT_DIR [all]
#       both, one after the other, each with its own deadline
#
# The machine needs nvcc (on PATH, or under /usr/local/cuda/bin), CMake 3.25 or newer, ninja,
# g++ and Python with PyTorch (CUDA) and torchvision, plus Pillow to decode the CIFAR-10
# copy, but none of our Debian packages: those come in .gpu-deps, which
# bench/gpu/pack_dependencies.sh packs (with the CIFAR-10 copy and its `prepare`) and which
# must travel with the checkout (git ignores it; a device runner that copies the working tree
# needs it named among the ignored paths to carry: about 25 MB). bench/gpu/check_pack.sh
# shows that configure needs nothing else. nvidia-smi gives the GPU's architecture; without
# it CMake's "native" is used.
#
# OUT_DIR receives at most 8 files, each under 16 MB (a larger one is gzipped, and cut if
# still too large):
#   build-and-test.log  gemm_ladder.jsonl  sanitizer.log                         (phase 1)
#   train.log  compare_devices.txt  training_step.md  metrics.jsonl  cpu_evaluation.txt  (2)
# The phase's log holds every step's output; checkpoints, the unpacked dependencies and
# every other file go to the scratch folder RESNET_GPU_SCRATCH (default /tmp/resnet-gpu-run),
# the build to build/gpu.
#
# Time: a phase ends by its deadline, RESNET_GPU_PHASE_SECONDS (default 450: 7.5 minutes,
# leaving half a minute for copies and slack) after it starts: every step runs under a time
# limit cut to what is left, and the training gets what the steps after it do not need
# (on a machine without the device runner's limit, a larger RESNET_GPU_PHASE_SECONDS lets
# every step run to its own limit). The estimates beside the steps are for an H100 machine with
# 16 cores and have not been measured yet (no GPU run has happened); the limits are what the
# run reports as "timed out". A failed step (exit code, signal or time-out) prints its
# reason with the last lines of its stderr and of its output, and does not stop the steps
# that do not need it: the run may be the only one a GPU gets. The phase ends with the list
# of failures and exits 1 when there was one.
set -uo pipefail

usage() {
  echo "usage: bench/gpu/run.sh OUT_DIR [build-and-test|train|all]" >&2
  exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
phase="${2:-all}"
case "$phase" in build-and-test | train | all) ;; *) usage ;; esac
mkdir -p "$1" || exit 1
results="$(cd "$1" && pwd)"
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
if [ "$phase" = all ]; then
  status=0
  "$self" "$results" build-and-test || status=1
  "$self" "$results" train || status=1
  exit "$status"
fi
cd "$(dirname "$self")/../.." || exit 1

scratch="${RESNET_GPU_SCRATCH:-/tmp/resnet-gpu-run}"
phase_seconds="${RESNET_GPU_PHASE_SECONDS:-450}"
deadline=$((SECONDS + phase_seconds))
build=build/gpu
deps_archive=.gpu-deps/dependencies.tar.xz
deps="$scratch/deps"
mkdir -p "$scratch" || exit 1
case "$results/" in "$(pwd)/build/"* | "$scratch/"*) echo "run.sh: OUT_DIR must not be in $build or $scratch" >&2; exit 2 ;; esac
exec > >(tee "$results/$phase.log") 2>&1
tee_pid=$!

step() { printf '\n==== %s (%s, %d s left) ====\n' "$*" "$(date -u +%H:%M:%S)" "$((deadline - SECONDS))"; }

failures=()
# failed NAME REASON [STDERR_FILE OUTPUT_FILE]: reports a failure, with the tails of the
# step's stderr and output when given (progress bars' carriage returns become new lines).
failed() {
  local name="$1" reason="$2" report
  report="FAILED: $name: $reason"
  if [ $# -ge 4 ]; then
    if [ -s "$3" ]; then
      report+=$'\n'"  its stderr, last lines:"$'\n'"$(tail -c 20000 "$3" | tr '\r' '\n' | tail -n 30 | cut -c1-300 | sed 's/^/  | /')"
    else
      report+=$'\n'"  (nothing on stderr)"
    fi
    if [ -s "$4" ]; then
      report+=$'\n'"  its output, last lines:"$'\n'"$(tail -c 20000 "$4" | tr '\r' '\n' | tail -n 15 | cut -c1-300 | sed 's/^/  | /')"
    fi
  fi
  echo "$report"
  failures+=("$report")
}

# run_step NAME SECONDS COMMAND...: runs COMMAND (an executable, not a function) for at most
# SECONDS, cut to the phase's deadline, its output and stderr shown as they come and kept in
# $scratch/step.out and $scratch/step.err. Returns COMMAND's exit code (124: timed out).
run_step() {
  local name="$1" seconds="$2" left code started reason
  shift 2
  step "$name"
  left=$((deadline - SECONDS))
  if [ "$left" -lt 10 ]; then
    failed "$name" "not run: the phase's $phase_seconds s are used up (RESNET_GPU_PHASE_SECONDS)"
    return 124
  fi
  [ "$seconds" -le "$left" ] || seconds="$left"
  started=$SECONDS
  # stdout through one tee, stderr through another: both synchronous, both shown.
  { { timeout -k 10 "$seconds" "$@"; echo $? >"$scratch/step.status"; } 2>&1 1>&3 3>&- |
      tee "$scratch/step.err" >&2; } 3>&1 | tee "$scratch/step.out"
  code="$(cat "$scratch/step.status")"
  [ "$code" = 0 ] && return 0
  reason="exit code $code"
  if { [ "$code" = 124 ] || [ "$code" = 137 ]; } && [ $((SECONDS - started)) -ge "$seconds" ]; then
    reason="timed out after $seconds s"
  elif [ "$code" = 99 ] && [ "$(basename "$1")" = compute-sanitizer ]; then
    reason="compute-sanitizer reported errors (exit code 99): $(grep -h 'SUMMARY' "$scratch"/sanitizer-*.txt 2>/dev/null |
      tail -1 | sed 's/^=* *//')"
  elif [ "$code" = 77 ]; then
    reason="exit code 77: the program found no CUDA device"
  elif [ "$code" = 126 ] || [ "$code" = 127 ]; then
    reason="exit code $code: could not run $1"
  elif [ "$code" -gt 128 ]; then
    reason="killed by signal $((code - 128)) ($(kill -l $((code - 128)) 2>/dev/null || echo '?'))"
  fi
  failed "$name" "$reason" "$scratch/step.err" "$scratch/step.out"
  return "$code"
}

# deliver SOURCE NAME: copies SOURCE to OUT_DIR/NAME, under 16 MB: gzipped (NAME.gz) when
# larger, and its head and tail only when even that is too large.
limit=$((15 * 1024 * 1024))
deliver() {
  local source="$1" target="$results/$2" size
  rm -f "$target" "$target.gz"
  [ -f "$source" ] || return 0
  size="$(stat -c %s "$source")"
  if [ "$size" -lt "$limit" ]; then
    cp "$source" "$target"
    return
  fi
  gzip -9c "$source" >"$target.gz"
  if [ "$(stat -c %s "$target.gz")" -ge "$limit" ]; then
    { head -c $((limit / 2 - 1000)) "$source"; printf '\n[... %s bytes in all; the middle is cut ...]\n' "$size"
      tail -c $((limit / 2 - 1000)) "$source"; } >"$target"
    rm -f "$target.gz"
    echo "$2: $size bytes, cut to its head and tail"
  else
    echo "$2: $size bytes, delivered gzipped as $2.gz"
  fi
}

# The phase's end: the failures again (the device runner shows the end of the output), and a
# check of what OUT_DIR holds.
finish() {
  step "done: $phase"
  local count=0 file
  for file in "$results"/*; do
    [ -f "$file" ] || continue
    count=$((count + 1))
    if [ "$(stat -c %s "$file")" -ge $((16 * 1000 * 1000)) ] && [ "$file" != "$results/$phase.log" ]; then
      failed "results" "$file is 16 MB or larger"
    fi
  done
  [ "$count" -le 8 ] || failed "results" "$results holds $count files (at most 8 come back from the GPU machine)"
  echo "$results: $count files; scratch (checkpoints, dependencies): $scratch"
  if [ ${#failures[@]} -gt 0 ]; then
    echo "${#failures[@]} step(s) failed:"
    printf '%s\n' "${failures[@]}"
    end 1
  fi
  echo "all steps passed"
  end 0
}
# end CODE: lets the log's tee finish writing before the phase exits.
end() {
  exec >&- 2>&-
  wait "$tee_pid" 2>/dev/null
  exit "$1"
}

# --- Steps both phases take ----------------------------------------------------------------

# nvcc on PATH, or the toolkit's usual places (a shell that has not sourced the CUDA profile
# lacks it).
find_nvcc() {
  local candidate
  command -v nvcc >/dev/null && return 0
  local versioned=()
  mapfile -t versioned < <(printf '%s\n' /usr/local/cuda-*/bin | sort -rV)
  for candidate in "${CUDA_HOME:-/nonexistent}/bin" "${CUDA_PATH:-/nonexistent}/bin" /usr/local/cuda/bin "${versioned[@]}"; do
    if [ -x "$candidate/nvcc" ]; then
      export PATH="$candidate:$PATH"
      echo "nvcc is not on PATH: using $candidate/nvcc"
      return 0
    fi
  done
  return 1
}

# The GPU and its architecture (for CMAKE_CUDA_ARCHITECTURES: real code for this GPU only,
# which halves nvcc's time). ~2 s.
architecture=native
describe_gpu() {
  step "the GPU"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv ||
      failed "nvidia-smi" "exit code $?"
    architecture="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')"
  else
    failed "nvidia-smi" "not found: is there an NVIDIA driver?"
  fi
  [[ "$architecture" =~ ^[0-9]+$ ]] || architecture=native
  find_nvcc || { failed "nvcc" "not on PATH and not in /usr/local/cuda/bin: the CUDA toolkit is needed"; finish; }
  nvcc --version | tail -2
  echo "CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
}

# Unpacks the dependencies once per archive (~3 s) and builds TARGETS (configure ~15 s;
# either phase's programs from nothing ~2 min on 16 cores, nvcc for one architecture
# included: about 1,700 s of compiler time on this project's 2-core CI machine, most of it
# the library; ~5 s when up to date).
# Targets that fail to build do not stop the others (ninja -k 0); steps whose program is
# missing report it.
build_targets() {
  step "dependencies"
  if [ ! -f "$deps_archive" ]; then
    failed "dependencies" "no $deps_archive: run bench/gpu/pack_dependencies.sh and carry .gpu-deps to this machine"
    finish
  fi
  local stamp
  stamp="$(stat -c '%s %Y' "$deps_archive")"
  if [ "$(cat "$deps/.archive" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$deps" && mkdir -p "$deps"
    if ! tar -C "$deps" -xJf "$deps_archive"; then
      failed "dependencies" "could not unpack $deps_archive (tar's message above)"
      finish
    fi
    echo "$stamp" >"$deps/.archive"
  fi
  cut -f1,2 .gpu-deps/packages.txt 2>/dev/null | tr '\t' ' ' | paste -sd, - | sed 's/,/, /g'
  echo "this machine: $(ldd --version 2>&1 | head -1) (the packed libraries need glibc 2.34+); $(cmake --version | head -1)"
  # shellcheck source-path=SCRIPTDIR source=dependencies_env.sh disable=SC1091
  source bench/gpu/dependencies_env.sh
  resnet_dependency_cmake_args=()
  resnet_use_dependencies "$deps"
  run_step "configure (sm_$architecture)" 120 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DRESNET_CUDA=ON -DRESNET_BUILD_DOCS=OFF -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" \
    -DCMAKE_CUDA_ARCHITECTURES="$architecture" "${resnet_dependency_cmake_args[@]}" || finish
  # Kernels carry line tables (-lineinfo, cmake/Cuda.cmake) for compute-sanitizer's reports.
  grep -q -- '-lineinfo' "$build/build.ninja" "$build"/CMakeFiles/rules.ninja 2>/dev/null ||
    echo "note: -lineinfo not seen in $build's build rules"
  run_step "build: $*" 420 cmake --build "$build" --parallel "$(nproc)" --target "$@" -- -k 0
}

# have PROGRAM: whether the build produced it (else the step that needs it is reported).
have() {
  [ -x "$build/bin/$1" ] && return 0
  failed "$1" "not built (see the build step above)"
  return 1
}

# --- Phase 1: build and test (estimate: ~6.5 min, 2 of them the build; when the build takes
# longer, the phase's deadline cuts the sanitizer runs, last, and says so) ------------------

phase_build_and_test() {
  describe_gpu
  # This phase's programs only (the train phase builds its two, ~30 s more on a warm machine,
  # where the library is built already).
  build_targets test_ch01_gpu test_ch06 test_ch06_gpu test_ch07 bench_gemm_ladder

  # The kernels under host emulation (~15 s), the training path with a device ([device]: on
  # the GPU, as there is one; ~60 s), device tensors (~5 s) and the kernels on the GPU
  # against the CPU ops (~10 s).
  have test_ch06 && run_step "kernel tests, emulated on the CPU" 120 "$build/bin/test_ch06"
  have test_ch07 && run_step "the training path with a device" 150 "$build/bin/test_ch07" "[device]"
  have test_ch01_gpu && run_step "device tensors on the GPU" 60 "$build/bin/test_ch01_gpu"
  have test_ch06_gpu && run_step "kernel tests on the GPU" 60 env RESNET_CUDA_SYNC=1 "$build/bin/test_ch06_gpu"

  # The GEMM ladder against cuBLAS, FP32 and TF32 (~30 s). Before the sanitizer runs, the
  # least predictable steps, which get the time left.
  if have bench_gemm_ladder; then
    run_step "the GEMM ladder against cuBLAS" 120 "$build/bin/bench_gemm_ladder" --sizes 1024,2048,4096
    deliver "$scratch/step.out" gemm_ladder.jsonl
  fi

  # The GPU kernel tests once under each compute-sanitizer tool: racecheck (shared-memory
  # hazards; ~90 s, the GEMM rungs' tiles are what takes long) and memcheck (out-of-bounds
  # and misaligned accesses, CUDA API errors; ~40 s). Reports go to sanitizer.log, capped by
  # --print-limit; the test program's own output to the log.
  local sanitizer="" tool candidate
  sanitizer="$(command -v compute-sanitizer || true)"
  for candidate in "$(dirname "$(command -v nvcc)")/compute-sanitizer" \
                   "$(dirname "$(command -v nvcc)")/../compute-sanitizer/compute-sanitizer"; do
    [ -n "$sanitizer" ] || { [ -x "$candidate" ] && sanitizer="$candidate"; }
  done
  : >"$scratch/sanitizer.log"
  if [ -z "$sanitizer" ]; then
    step "compute-sanitizer"
    echo "no compute-sanitizer on PATH or beside nvcc: the sanitizer runs are skipped" | tee "$scratch/sanitizer.log"
  elif have test_ch06_gpu; then
    for tool in racecheck memcheck; do
      rm -f "$scratch/sanitizer-$tool.txt"
      run_step "compute-sanitizer --tool $tool: the kernel tests on the GPU" 180 "$sanitizer" --tool "$tool" \
        --error-exitcode 99 --print-limit 200 --log-file "$scratch/sanitizer-$tool.txt" "$build/bin/test_ch06_gpu"
      if [ -f "$scratch/sanitizer-$tool.txt" ]; then
        echo "compute-sanitizer $tool, last lines (all of it in sanitizer.log):"
        tail -n 5 "$scratch/sanitizer-$tool.txt"
      fi
      { echo "==== compute-sanitizer --tool $tool $build/bin/test_ch06_gpu"; cat "$scratch/sanitizer-$tool.txt" 2>/dev/null
        echo; } >>"$scratch/sanitizer.log"
    done
  fi
  deliver "$scratch/sanitizer.log" sanitizer.log
}

# --- Phase 2: train (estimate: ~6 min after phase 1 on the same machine, which leaves
# 40 s to build the command line and the benchmark; from nothing the build takes ~1.5 min
# more and the training gets that much less time, ~85 s instead of 100) --------------------

phase_train() {
  describe_gpu
  build_targets bench_resnet34 resnet_cli
  local resnet="$build/bin/resnet" bench="$build/bin/bench_resnet34" run="$scratch/train"

  # compare-devices: ResNet-34 on the CPU and on the GPU, part by part (~15 s each).
  rm -f "$scratch/compare_devices.txt"
  if have resnet; then
    run_step "compare-devices, FP32 (rung 05)" 90 "$resnet" compare-devices --model resnet34 --stem cifar --batch 16
    cat "$scratch/step.out" >>"$scratch/compare_devices.txt"
    run_step "compare-devices, TF32 (rung 06)" 90 "$resnet" compare-devices --model resnet34 --stem cifar --batch 16 --tf32
    cat "$scratch/step.out" >>"$scratch/compare_devices.txt"
    deliver "$scratch/compare_devices.txt" compare_devices.txt
  fi

  # The training step against PyTorch: 8 measurements, each in a fresh process (~60 s).
  if have bench_resnet34; then
    rm -f "$scratch/training_step.md"
    run_step "ResNet-34 training step: ours against PyTorch (cuDNN), FP32 and TF32" 180 \
      python3 bench/gpu/compare_training_step.py --bench "$bench" --out "$scratch/training_step.md"
    deliver "$scratch/training_step.md" training_step.md
  fi

  # CIFAR-10 from the packed copy (~15 s), unless this checkout has it.
  local data=data/cifar-10-batches-bin
  if [ ! -f "$data/test_batch.bin" ] && [ -x .gpu-deps/prepare ]; then
    run_step "CIFAR-10 from the packed copy" 120 .gpu-deps/prepare data
  fi
  [ -f "$data/test_batch.bin" ] || echo "no full CIFAR-10 copy: training on the committed sample"

  if ! have resnet || ! have bench_resnet34; then finish; fi
  # ResNet-34 with the CIFAR stem and the better recipe, for as many epochs as the measured
  # step speed says fit in the time (one-cycle needs its length up front): 50,000 training
  # images and the test pass (10,000 forward passes, about a third of a step each) per
  # epoch, with a quarter of the time kept for the optimizer, data and slack. When not even
  # one epoch fits, one epoch on the first images that fit. If it is still running when the
  # time is up, SIGINT makes it save its checkpoint and stop cleanly (exit code 130).
  # The time: RESNET_GPU_TRAIN_SECONDS (default 100), less when the phase's deadline is
  # nearer; kept besides: ~10 s to measure the speed, ~20 s to finish the step and save
  # after the SIGINT, ~60 s for the CPU evaluation, ~30 s of slack.
  local budget left speed epochs images
  budget="${RESNET_GPU_TRAIN_SECONDS:-100}"
  left=$((deadline - SECONDS - 120))
  if [ "$left" -lt 20 ]; then
    failed "training on the GPU" "not run: $((deadline - SECONDS)) s left in the phase, too few"
    finish
  fi
  [ "$budget" -le "$left" ] || budget="$left"
  speed=0
  if run_step "training speed (to size the run)" 60 "$bench" --device cuda --stem cifar --batch 128 --repeats 3; then
    speed="$(tail -1 "$scratch/step.out" | python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["images_per_second"])')" ||
      speed=0
  fi
  read -r epochs images < <(python3 -c "
fit = $budget * $speed * 0.75 - 10000 / 3
print(max(1, int(fit / 50000)), 0 if fit >= 50000 else max(1280, int(fit)))")
  echo "training step: $speed images/s, so $epochs epoch(s) in $budget s (--train-images $images; 0 is all)"
  rm -rf "$run"
  # shellcheck disable=SC2016  # $0, $1 and $@ belong to the inner shell
  run_step "CIFAR-10 on the GPU ($budget s)" $((budget + 60)) bash -c '
    timeout --preserve-status -s INT "$0" "$@"; code=$?
    [ "$code" = 130 ] && { echo "stopped at the time limit; the checkpoint is saved"; exit 0; }
    exit "$code"' "$budget" "$resnet" train --device cuda --model resnet34 \
    --stem cifar --augment --normalization cifar10 --optimizer sgd --nesterov --weight-decay 5e-4 \
    --schedule one-cycle --lr 0.1 --epochs "$epochs" --train-images "$images" --threads "$(nproc)" --run-dir "$run"
  if [ -f "$run/metrics.jsonl" ]; then
    cat "$run/metrics.jsonl"
    deliver "$run/metrics.jsonl" metrics.jsonl
  else
    echo "no epoch finished in the time given"
  fi

  # The GPU run's checkpoint evaluated on the CPU (metrics.jsonl has its GPU accuracy):
  # 10,000 test images on 16 cores, ~45 s.
  local checkpoint="$run/best.safetensors"
  [ -f "$checkpoint" ] || checkpoint="$run/last.safetensors"
  if [ -f "$checkpoint" ]; then
    run_step "$(basename "$checkpoint") of the GPU run, evaluated on the CPU" 150 \
      "$resnet" evaluate --checkpoint "$checkpoint" --threads "$(nproc)"
    deliver "$scratch/step.out" cpu_evaluation.txt
  else
    failed "CPU evaluation" "the training wrote no checkpoint"
  fi
}

case "$phase" in
  build-and-test) phase_build_and_test ;;
  train) phase_train ;;
esac
finish
