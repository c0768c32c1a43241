#!/usr/bin/env bash
# Packs what building the project needs beyond a GPU machine's own toolchain (nvcc, CMake,
# ninja, g++, Python with PyTorch and Pillow) into one folder that travels with the
# checkout: the header-only libraries, the CMake package files and the shared libraries of
# our Debian packages, and the CIFAR-10 copy with its `prepare` script.
#
#   bench/gpu/pack_dependencies.sh [OUT_DIR]     (default: .gpu-deps, which git ignores)
#   RESNET_CIFAR10_PREPARE=PATH                  the CIFAR-10 copy's `prepare` (default
#                                                ../shared/data/cifar10/prepare; a path that
#                                                does not exist packs no data)
#
# OUT_DIR gets dependencies.tar.xz (a usr/ tree with the packages' files at their Debian
# paths), packages.txt (the packages and versions packed) and, when found, the CIFAR-10
# copy. bench/gpu/run.sh unpacks it on the GPU machine; bench/gpu/check_pack.sh proves that
# configure succeeds with it alone. Run this on a machine where tools/install_deps.sh has
# installed the packages (Debian 12): the shared libraries then need glibc 2.34 or newer on
# the GPU machine (OpenBLAS and libgfortran do; Ubuntu 22.04 has 2.35).
#
# What is left out: static libraries (large, and we link the shared ones) and the reference
# BLAS/LAPACK links, except files a CMake package file in the pack names: Debian's
# Catch2Targets-none.cmake names lib/libCatch2WithMain.a, and find_package(Catch2) fails when
# a file it names is missing. Package files that name absolute /usr paths (libjpeg-turbo's,
# OpenBLAS's) cannot work from another folder, so they are left out: the project finds
# TurboJPEG with find_path/find_library and OpenBLAS with CMake's FindBLAS instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-.gpu-deps}"
cifar="${RESNET_CIFAR10_PREPARE:-../shared/data/cifar10/prepare}"
packages=(xtl-dev libxtensor-dev libxtensor-blas-dev libcli11-dev nlohmann-json3-dev catch2 libstb-dev libstb0
          libpng-dev libpng16-16 zlib1g-dev libturbojpeg0-dev libturbojpeg0
          libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libgfortran5 libquadmath0)

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

# pack PATH: puts PATH (a file or a link under /usr) into the pack at the same path. A link
# whose final target is under /usr stays a link, made relative, and its target is packed too
# (one copy of libopenblas.so.0, not four); a link that leaves /usr (Debian's alternatives in
# /etc) is replaced by such a link to where it ends.
pack() {
  local path="$1" target
  if [ -e "$root$path" ] || [ -L "$root$path" ]; then return 0; fi
  mkdir -p "$root$(dirname "$path")"
  if [ -L "$path" ]; then
    target="$(readlink -f "$path")"
    case "$target" in
      /usr/*) pack "$target"; ln -sr "$root$target" "$root$path" ;;
      *) cp "$target" "$root$path" ;;
    esac
  else
    cp "$path" "$root$path"
  fi
}

for package in "${packages[@]}"; do
  dpkg-query -W "$package" >/dev/null || { echo "pack_dependencies: $package is not installed" >&2; exit 1; }
  # Headers, CMake package files and shared libraries.
  while read -r path; do
    [ -f "$path" ] || continue
    case "$path" in *.a|*/liblapack.so*|*/libblas.so*) continue ;; esac  # see the top
    pack "$path"
  done < <(dpkg -L "$package" | grep -E '^/usr/(include|lib|share/cmake|share/pkgconfig)/' || true)
done
# Debian's alternatives links for OpenBLAS (the compiler's default include and library
# folders hold them: `#include <cblas.h>`, `-lopenblas`).
for link in /usr/lib/x86_64-linux-gnu/libopenblas.so /usr/lib/x86_64-linux-gnu/libopenblas.so.0 \
            /usr/include/x86_64-linux-gnu/cblas.h /usr/include/x86_64-linux-gnu/openblas_config.h; do
  pack "$link"
done

# Every file a CMake package file names must be in the pack: find_package fails otherwise.
# Relocatable files name them as ${_IMPORT_PREFIX}/...; for our packages the prefix is /usr
# (checked: the file must exist there).
# shellcheck disable=SC2016  # a literal ${_IMPORT_PREFIX}, as the package files write it
named_file='\${_IMPORT_PREFIX}/[^";) ]*'
while IFS= read -r -d '' cmake_file; do
  [ -f "$cmake_file" ] || continue  # its folder was left out
  # (The `_realOrig` lines name the package's own folder, to undo a /lib -> /usr/lib link.)
  if grep -E '["[:space:]]/usr/' "$cmake_file" | grep -vE '^[[:space:]]*#' |
       grep -qvE '_realOrig|set\(_IMPORT_PREFIX|PACKAGE_PREFIX_DIR'; then
    folder="$(dirname "$cmake_file")"
    echo "pack_dependencies: leaving out ${folder#"$root"}: ${cmake_file#"$root"} names absolute /usr paths" >&2
    rm -rf "$folder"
    continue
  fi
  while read -r named; do
    relative="${named#\$\{_IMPORT_PREFIX\}/}"
    if [ ! -e "$root/usr/$relative" ]; then
      [ -e "/usr/$relative" ] || { echo "pack_dependencies: ${cmake_file#"$root"} names /usr/$relative, which does not exist" >&2; exit 1; }
      if [ -d "/usr/$relative" ]; then
        echo "pack_dependencies: ${cmake_file#"$root"} names the folder /usr/$relative, which the pack lacks" >&2
        exit 1
      fi
      echo "pack_dependencies: packing /usr/$relative (named by ${cmake_file#"$root"})"
      pack "/usr/$relative"
    fi
  done < <(grep -o "$named_file" "$cmake_file" | sort -u)
done < <(find "$root/usr" -name '*.cmake' -print0)

mkdir -p "$out"
rm -f "$out/dependencies.tar.xz"
tar -C "$root" -cf - usr | xz -T0 -6 >"$out/dependencies.tar.xz"
dpkg-query -W "${packages[@]}" >"$out/packages.txt"
if [ -x "$cifar" ]; then
  cp "$(dirname "$cifar")/cifar-10-jpeg.tar.xz" "$cifar" "$out/"
else
  echo "pack_dependencies: no CIFAR-10 copy at $cifar: the GPU run will train on the sample" >&2
fi
du -sh "$out"/*
