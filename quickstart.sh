#!/usr/bin/env bash
# The main job, from a fresh clone: install what is missing, build (release preset), and
# train ResNet-34 on CIFAR-10 with the original tutorial's recipe (Adam, lr 1e-3, batch
# 128, 10 epochs, ImageNet stem), with a progress bar; it ends with the test accuracy, the
# per-class accuracy and the confusion matrix, and leaves checkpoints, metrics and curves
# in runs/latest. Without the full data set in data/ (tools/download_cifar10.sh) it trains
# on the committed 1,000-image sample and says so. Extra arguments go to `resnet train`,
# e.g. ./quickstart.sh --stem cifar --augment --schedule one-cycle --lr 0.01 --epochs 30
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tools/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target resnet_cli
exec build/release/bin/resnet train "$@"
