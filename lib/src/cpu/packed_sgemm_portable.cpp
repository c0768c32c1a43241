// The portable micro-kernel of sgemm(): what ARM64 (Apple silicon, Graviton) and x86-64
// CPUs without AVX2 run, with no instruction-set intrinsics.
//
// Why not plain loops over a `float sum[MR][NR]`? That was the first version, and the
// compilers did not keep it in registers: for a 4 x 16 tile, GCC 12 on x86-64 spilled
// sums to the stack inside the loop, and Clang 14 for ARM64 vectorised it into a mix of
// 2- and 4-lane FMAs with reloads from the stack (checked in the assembly, -O3). So the
// tile is written with GCC/Clang generic vectors of 4 floats (`vector_size(16)`): both
// compilers lower them to NEON on ARM64 and SSE on x86-64 (scalar code elsewhere), and
// the kernel body is the same template as the AVX2 and AVX-512 kernels
// (packed_sgemm_register_tile.hpp). This file is compiled with -ffp-contract=fast
// (lib/CMakeLists.txt) so that GCC, too, fuses `a * b + c` into one FMA where the target
// has one (ARM64 always does); the project builds with -std=c++17, where GCC does not.
#include <cstring>

#include "packed_sgemm_kernels.hpp"
#include "packed_sgemm_register_tile.hpp"

namespace resnet::cpu::detail {
namespace {

// Four floats in one 128-bit register (NEON q, SSE xmm).
struct GenericVector4 {
  using Vector = float __attribute__((vector_size(16)));
  static constexpr std::size_t lanes = 4;
  static Vector zero() { return Vector{0.0f, 0.0f, 0.0f, 0.0f}; }
  static Vector load(const float* p) {
    Vector v;
    std::memcpy(&v, p, sizeof v);  // an unaligned vector load
    return v;
  }
  static void store(float* p, Vector v) { std::memcpy(p, &v, sizeof v); }
  static Vector broadcast(const float* p) { return Vector{*p, *p, *p, *p}; }
  static Vector fmadd(Vector a, Vector b, Vector c) { return a * b + c; }
  static Vector mul(Vector a, Vector b) { return a * b; }
};

#if defined(__aarch64__)
// ARM64 has 32 NEON registers: an 8 x 12 tile is 24 accumulators + 3 for the B row + 1
// for the A values. Apple's cores run 4 FMA units of latency 4, so 16 FMAs must be in
// flight; 24 independent sums cover that.
constexpr std::size_t kRows = 8;
constexpr std::size_t kVectorsPerRow = 3;
#else
// x86-64 without AVX2 has 16 xmm registers (and no FMA): a 4 x 8 tile is 8 accumulators
// + 2 for the B row + 1 broadcast; 8 independent chains cover a 4-cycle add on 2 units.
constexpr std::size_t kRows = 4;
constexpr std::size_t kVectorsPerRow = 2;
#endif

// Cache blocks (the reasoning of packed_sgemm_avx2.cpp): a KC x NR B micro-panel of at most
// 256 x 12 x 4 = 12 KiB stays in a 32 KiB L1, the 128 x 256 A block (128 KiB) in L2, the
// 256 x 3072 B block (3 MiB) in L3. Cores with bigger caches (Apple M1: 128 KiB L1d,
// 12 MiB L2) lose little with these. MC = 128 is a multiple of both 4 and 8.
constexpr MicroKernel kPortableKernel{register_tile_kernel<GenericVector4, kRows, kVectorsPerRow>,
                                      nullptr,
                                      kRows,
                                      kVectorsPerRow* GenericVector4::lanes,
                                      /*mc=*/128,
                                      /*kc=*/256,
                                      /*nc=*/3072};

}  // namespace

const MicroKernel& portable_kernel() { return kPortableKernel; }

}  // namespace resnet::cpu::detail
