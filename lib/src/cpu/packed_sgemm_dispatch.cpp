// Which micro-kernel sgemm() runs: the widest instruction set the CPU has, unless
// RESNET_SIMD or SgemmOptions::path says otherwise. Compiled for the baseline target
// (no -mavx2), so this file runs on every CPU and only calls a SIMD kernel after the CPU
// said it has the instructions.
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "resnet/cpu/packed_sgemm.hpp"
#include "packed_sgemm_kernels.hpp"

namespace resnet::cpu {

namespace {

constexpr SimdPath kAllPaths[] = {SimdPath::portable, SimdPath::avx2, SimdPath::avx512};

// __builtin_cpu_supports reads CPUID once (libgcc/compiler-rt cache it) and, for AVX and
// AVX-512, also checks XGETBV: that the operating system saves the wide registers.
bool cpu_supports(SimdPath path) {
  switch (path) {
    case SimdPath::portable: return true;
#if defined(__x86_64__)
    case SimdPath::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdPath::avx512: return __builtin_cpu_supports("avx512f");
#else
    case SimdPath::avx2:
    case SimdPath::avx512: return false;
#endif
  }
  return false;
}

SimdPath widest_available() {
  SimdPath widest = SimdPath::portable;
  for (SimdPath path : kAllPaths) {
    if (cpu_supports(path)) widest = path;
  }
  return widest;
}

// RESNET_SIMD=portable|avx2|avx512 when set and non-empty, else the widest path.
SimdPath path_from_environment() {
  const char* requested = std::getenv("RESNET_SIMD");
  if (requested == nullptr || *requested == '\0') return widest_available();
  for (SimdPath path : kAllPaths) {
    if (std::string(requested) != simd_path_name(path)) continue;
    if (!cpu_supports(path)) {
      throw std::runtime_error(std::string("RESNET_SIMD=") + requested + ": this CPU cannot run that path");
    }
    return path;
  }
  throw std::runtime_error(std::string("RESNET_SIMD=") + requested + ": expected portable, avx2 or avx512");
}

}  // namespace

const char* simd_path_name(SimdPath path) {
  switch (path) {
    case SimdPath::portable: return "portable";
    case SimdPath::avx2: return "avx2";
    case SimdPath::avx512: return "avx512";
  }
  return "unknown";
}

bool simd_path_available(SimdPath path) { return cpu_supports(path); }

std::vector<SimdPath> available_simd_paths() {
  std::vector<SimdPath> paths;
  for (SimdPath path : kAllPaths) {
    if (cpu_supports(path)) paths.push_back(path);
  }
  return paths;
}

SimdPath default_simd_path() {
  static const SimdPath path = path_from_environment();  // thread-safe, decided once
  return path;
}

BlockSizes block_sizes(SimdPath path) {
  const detail::MicroKernel& kernel = detail::micro_kernel(path);
  return BlockSizes{kernel.mr, kernel.nr, kernel.mc, kernel.kc, kernel.nc};
}

const detail::MicroKernel& detail::micro_kernel(SimdPath path) {
  switch (path) {
    case SimdPath::portable: return portable_kernel();
#if defined(__x86_64__)
    case SimdPath::avx2: return avx2_kernel();
    case SimdPath::avx512: return avx512_kernel();
#else
    case SimdPath::avx2:
    case SimdPath::avx512: break;
#endif
  }
  throw std::runtime_error(std::string("sgemm: this build has no ") + simd_path_name(path) + " kernel (x86-64 only)");
}

}  // namespace resnet::cpu
