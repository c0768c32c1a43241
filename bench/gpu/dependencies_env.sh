# shellcheck shell=bash
# Sourced by bench/gpu/run.sh and bench/gpu/check_pack.sh, so that the check configures the
# way the GPU run does.
#
#   resnet_use_dependencies DIR
#
# DIR holds the unpacked dependencies.tar.xz of bench/gpu/pack_dependencies.sh (a usr/ tree).
# Exports the compiler's and the loader's search paths into it (OpenBLAS's headers sit in the
# multiarch include folder, and linking libopenblas needs libgfortran found through
# LD_LIBRARY_PATH) and sets the array resnet_dependency_cmake_args, the CMake arguments that
# find the packages there.
resnet_use_dependencies() {
  local usr="$1/usr"
  local libraries="$usr/lib/x86_64-linux-gnu"
  export CPATH="$usr/include/x86_64-linux-gnu:$usr/include${CPATH:+:$CPATH}"
  export LIBRARY_PATH="$libraries:$usr/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
  export LD_LIBRARY_PATH="$libraries${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # shellcheck disable=SC2034  # used by the scripts that source this file
  resnet_dependency_cmake_args=(-DCMAKE_PREFIX_PATH="$usr" -DCMAKE_LIBRARY_PATH="$libraries")
}
