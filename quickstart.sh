#!/usr/bin/env bash
# The main job, from a fresh clone: install what is missing, build (release preset),
# and run the course's main program. Until chapter 7 lands that is the chapter 1 demo
# (CIFAR-10 as tensors, channel statistics, an image grid, naive vs BLAS matmul);
# extra arguments go to it, e.g. ./quickstart.sh --data /path/to/cifar-10-batches-bin
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tools/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target ch01_tensors
exec build/release/bin/ch01_tensors "$@"
