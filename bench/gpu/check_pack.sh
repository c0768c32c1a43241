#!/usr/bin/env bash
# Proves that what bench/gpu/pack_dependencies.sh packs is all that configuring the project
# needs: packs into a temporary folder, unpacks, hides the system's copies, and configures
# the project against the unpacked folder the way bench/gpu/run.sh does
# (bench/gpu/dependencies_env.sh), with CUDA and the docs off.
#
#   bench/gpu/check_pack.sh          (as root; about a minute, most of it xz; no network)
#
# How the system's copies are hidden: the configure runs in a private mount namespace
# (`unshare --mount`) in which an overlay file system covers /usr. Its upper layer holds a
# whiteout for every file and link that the packed Debian packages (and any installed BLAS or
# LAPACK package) put under /usr and for every Debian alternatives link that ends in one of
# them: in the namespace those files do not exist (not empty: absent, so find_path,
# find_library and find_package cannot see them; /lib is a link into /usr/lib, so it is
# covered too). The compiler, CMake and the C library stay. Nothing
# outside the namespace changes (the upper layer is a tmpfs of the namespace).
# CMAKE_IGNORE_PREFIX_PATH would be weaker: it hides prefixes from find_* only, not from the
# compiler in try_compile checks or from paths that package files name.
# Three checks inside: a sample of the hidden files is absent; configuring WITHOUT the pack
# fails (the hiding works); configuring WITH it succeeds and every library found is in it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../.." && pwd)"

if [ "${1:-}" != --inside ]; then
  if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! grep -qw overlay /proc/filesystems; then
    echo "check_pack: needs root, unshare and the overlay file system, to hide the system's packages" >&2
    exit 1
  fi
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  echo "check_pack: packing into $scratch/pack (without the CIFAR-10 copy)"
  RESNET_CIFAR10_PREPARE=/nonexistent "$here/pack_dependencies.sh" "$scratch/pack" 2>&1 | sed 's/^/  /'
  mkdir "$scratch/deps"
  tar -C "$scratch/deps" -xJf "$scratch/pack/dependencies.tar.xz"

  # What to hide, as paths under /usr: the packages' files (a package may list /lib/...: the
  # same file, through the link). Not every file of the pack: it also holds zlib1g's
  # libz.so.1.2.13 (the target of zlib1g-dev's libz.so), which CMake itself loads.
  hide="$scratch/hide.txt"
  { cut -f1 "$scratch/pack/packages.txt"; dpkg-query -W -f '${Package}\n' | grep -E 'blas|lapack' || true; } |
    sort -u | xargs dpkg -L | sed -E 's#^/lib/#/usr/lib/#' | grep '^/usr/' | sort -u | while read -r path; do
    if [ -L "$path" ] || { [ -e "$path" ] && [ ! -d "$path" ]; }; then echo "$path"; fi
  done >"$hide.files"
  # Links elsewhere in the multiarch folders that end in one of those files (Debian's
  # alternatives: libblas.so, cblas.h, ...).
  find /usr/lib/x86_64-linux-gnu /usr/include/x86_64-linux-gnu /usr/include /usr/lib -maxdepth 1 -type l |
    while read -r link; do
      if grep -qxF "$(readlink -f "$link")" "$hide.files"; then echo "$link"; fi
    done >"$hide.links"
  sort -u "$hide.files" "$hide.links" >"$hide"
  echo "check_pack: hiding $(wc -l <"$hide") system files and links"
  unshare --mount --propagation private "$0" --inside "$scratch"
  exit 0
fi

# In the namespace.
scratch="$2"
mkdir "$scratch/overlay"
mount -t tmpfs check_pack "$scratch/overlay"
mkdir "$scratch/overlay/upper" "$scratch/overlay/work"
while read -r path; do
  whiteout="$scratch/overlay/upper${path#/usr}"
  mkdir -p "$(dirname "$whiteout")"
  mknod "$whiteout" c 0 0
done <"$scratch/hide.txt"
mount -t overlay check_pack -o "lowerdir=/usr,upperdir=$scratch/overlay/upper,workdir=$scratch/overlay/work" /usr

for sample in /usr/include/xtensor/xtensor.hpp /usr/include/xtl/xtl_config.hpp /usr/include/catch2/catch.hpp \
              /usr/lib/cmake/Catch2/Catch2Config.cmake /lib/cmake/Catch2/Catch2Config.cmake /usr/include/png.h \
              /usr/include/turbojpeg.h /usr/include/x86_64-linux-gnu/cblas.h /usr/lib/x86_64-linux-gnu/libopenblas.so \
              /usr/lib/x86_64-linux-gnu/libblas.so /usr/lib/x86_64-linux-gnu/libpng.so /usr/include/stb/stb_image_write.h; do
  if [ -e "$sample" ]; then echo "check_pack: FAILED: $sample is still visible" >&2; exit 1; fi
done
echo "check_pack: the system's copies are hidden (e.g. /usr/include/xtensor/xtensor.hpp, libopenblas.so, Catch2Config.cmake)"

configure=(cmake -S "$project" -G Ninja -DRESNET_CUDA=OFF -DRESNET_BUILD_DOCS=OFF)
echo "check_pack: configuring without the pack (must fail)"
if "${configure[@]}" -B "$scratch/build-without" >"$scratch/without.log" 2>&1; then
  echo "check_pack: FAILED: configure succeeded without the pack, so the hiding misses something" >&2
  exit 1
fi
if ! grep -m1 -A1 'resnet: .* not found' "$scratch/without.log" | sed 's/^/  /'; then
  echo "check_pack: FAILED: configure without the pack failed, but not for want of a package:" >&2
  tail -20 "$scratch/without.log" >&2
  exit 1
fi

# shellcheck source-path=SCRIPTDIR source=dependencies_env.sh disable=SC1091
source "$(dirname "$0")/dependencies_env.sh"
resnet_dependency_cmake_args=()
resnet_use_dependencies "$scratch/deps"
echo "check_pack: configuring with the pack: ${configure[*]} -B BUILD ${resnet_dependency_cmake_args[*]}"
if ! "${configure[@]}" -B "$scratch/build" "${resnet_dependency_cmake_args[@]}" >"$scratch/with.log" 2>&1; then
  echo "check_pack: FAILED: configure with the pack failed:" >&2
  tail -30 "$scratch/with.log" >&2
  exit 1
fi
# Where each package was found: all in the pack.
found="$(grep -E '^(xtl_DIR|xtensor_DIR|xtensor-blas_DIR|CLI11_DIR|nlohmann_json_DIR|Catch2_DIR|BLAS_[a-z]*_LIBRARY|LAPACK_[a-z]*_LIBRARY|STB_INCLUDE_DIR|STB_LIBRARY|TURBOJPEG_INCLUDE_DIR|TURBOJPEG_LIBRARY|PNG_PNG_INCLUDE_DIR|PNG_LIBRARY_RELEASE|ZLIB_INCLUDE_DIR|ZLIB_LIBRARY_RELEASE):' \
         "$scratch/build/CMakeCache.txt")"
sed -e "s#$scratch/deps#<pack>#g" -e 's/^/  /' <<<"$found"
if echo "$found" | cut -d= -f2 | grep -v "^$scratch/deps/" | grep -q .; then
  echo "check_pack: FAILED: some of those are outside the pack" >&2
  exit 1
fi
echo "check_pack: OK: configure succeeds with the pack alone ($(grep -c . "$scratch/hide.txt") system files hidden)"
