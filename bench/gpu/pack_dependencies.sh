#!/usr/bin/env bash
# Packs what building the project needs beyond a GPU machine's own toolchain (nvcc, CMake,
# ninja, g++, Python with PyTorch and Pillow) into one folder that travels with the
# checkout: the header-only libraries and the shared libraries of our Debian packages,
# and the CIFAR-10 copy with its `prepare` script.
#
#   bench/gpu/pack_dependencies.sh [OUT_DIR]     (default: .gpu-deps, which git ignores)
#
# bench/gpu/run.sh unpacks it on the GPU machine. Run this on a machine where
# tools/install_deps.sh has installed the packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-.gpu-deps}"
cifar="${RESNET_CIFAR10_PREPARE:-../shared/data/cifar10/prepare}"
packages=(xtl-dev libxtensor-dev libxtensor-blas-dev libcli11-dev nlohmann-json3-dev catch2 libstb-dev libstb0
          libpng-dev libpng16-16 zlib1g-dev libturbojpeg0-dev libturbojpeg0
          libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libgfortran5 libquadmath0)

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
for package in "${packages[@]}"; do
  dpkg-query -W "$package" >/dev/null || { echo "pack_dependencies: $package is not installed" >&2; exit 1; }
  # Headers, CMake package files and shared libraries; links are followed so the copies
  # stand alone (Debian's libopenblas.so points into /etc/alternatives).
  { dpkg -L "$package" | grep -E '^/usr/(include|lib|share/cmake|share/pkgconfig)/' || true; } | while read -r path; do
    [ -f "$path" ] || continue
    case "$path" in *.a|*/liblapack.so*|*/libblas.so*) continue ;; esac  # not needed, and large
    mkdir -p "$root$(dirname "$path")"
    cp -L "$path" "$root$path"
  done
done
for link in /usr/lib/x86_64-linux-gnu/libopenblas.so /usr/lib/x86_64-linux-gnu/libopenblas.so.0 \
            /usr/include/x86_64-linux-gnu/cblas.h /usr/include/x86_64-linux-gnu/openblas_config.h; do
  cp -L "$link" "$root$link"
done
mkdir -p "$out"
tar -C "$root" -cJf "$out/dependencies.tar.xz" usr
if [ -x "$cifar" ]; then
  cp "$(dirname "$cifar")/cifar-10-jpeg.tar.xz" "$cifar" "$out/"
else
  echo "pack_dependencies: no CIFAR-10 copy at $cifar: the GPU run will train on the sample" >&2
fi
du -sh "$out"/*
