#!/usr/bin/env bash
# Runs our packed GEMM's portable path as it runs on an ARM64 laptop (Apple silicon, for
# one): cross-compiled for aarch64 and run under QEMU's user-mode emulator, with one and two
# threads, against a double-precision reference. Also checks that asking an ARM64 CPU for
# the AVX2 path is refused with a message.
#
#   tools/arm64/check_packed_sgemm.sh
#
# Needs g++-aarch64-linux-gnu and qemu-user (Debian packages; about a minute to run).
# The emulator checks correctness only: its timings mean nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "check_packed_sgemm: $tool not found: sudo apt-get install g++-aarch64-linux-gnu qemu-user" >&2; exit 1; }
done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# threads.cpp also sets OpenBLAS's thread count, which this program does not link.
echo 'extern "C" void openblas_set_num_threads(int) {}' >"$out/no_openblas.cpp"
# -ffp-contract=fast: the flag lib/CMakeLists.txt gives the portable kernel.
aarch64-linux-gnu-g++ -std=c++17 -O2 -fopenmp -ffp-contract=fast -static -Ilib/include -o "$out/check" \
  tools/arm64/packed_sgemm_check.cpp "$out/no_openblas.cpp" lib/src/cpu/packed_sgemm*.cpp lib/src/threads.cpp \
  2> >(grep -v -e "dlopen" -e "oacc-profiling" >&2)
for threads in 1 2; do
  echo "check_packed_sgemm: $threads thread(s)"
  OMP_NUM_THREADS=$threads qemu-aarch64 "$out/check"
done
if message="$(RESNET_SIMD=avx2 qemu-aarch64 "$out/check" 2>&1)"; then
  echo "check_packed_sgemm: RESNET_SIMD=avx2 was accepted on ARM64" >&2
  exit 1
fi
grep -q "cannot run that path" <<<"$message" || { echo "$message" >&2; exit 1; }
echo "check_packed_sgemm: RESNET_SIMD=avx2 refused on ARM64, as it must be"
