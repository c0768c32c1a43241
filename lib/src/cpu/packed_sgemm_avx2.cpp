// The AVX2 + FMA micro-kernel of sgemm(): a 6 x 16 register tile.
//
// This file is compiled with -mavx2 -mfma (lib/CMakeLists.txt, x86-64 only) rather than
// marking functions with __attribute__((target("avx2,fma"))): with per-file flags the
// intrinsics, the shared kernel template and everything it inlines are compiled for
// AVX2 without annotating each helper, and nothing here runs before the dispatcher
// (sgemm.cpp, compiled for the baseline x86-64) has checked the CPU. The price is
// discipline about what this file shares with others: see packed_sgemm_register_tile.hpp.
#if defined(__x86_64__)

#include <immintrin.h>

#include "packed_sgemm_kernels.hpp"
#include "packed_sgemm_register_tile.hpp"
#include "packed_sgemm_transposed_b.hpp"

namespace resnet::cpu::detail {
namespace {

// Eight floats per 256-bit ymm register.
struct Avx2 {
  using Vector = __m256;
  static constexpr std::size_t lanes = 8;
  static Vector zero() { return _mm256_setzero_ps(); }
  static Vector load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Vector v) { _mm256_storeu_ps(p, v); }
  static Vector broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static Vector fmadd(Vector a, Vector b, Vector c) { return _mm256_fmadd_ps(a, b, c); }
  static Vector mul(Vector a, Vector b) { return _mm256_mul_ps(a, b); }
};

// Register tile MR x NR = 6 x 16, i.e. 6 rows x 2 ymm. AVX2 has 16 ymm registers:
// 12 accumulators + 2 for the B row + 1 for the broadcast A value = 15. FMA latency is
// 4-5 cycles on Haswell..Zen 3 with 2 FMA units, so 8-10 FMAs must be in flight to keep
// both units busy; the 12 independent accumulators cover that. Per step: 2 loads + 6
// broadcasts (8 loads, 2-3 load ports) feed 12 FMAs (6 cycles on 2 units): compute bound.
constexpr std::size_t kRows = 6;
constexpr std::size_t kVectorsPerRow = 2;

// Cache blocks, for a core with 32 KiB L1d, 512 KiB-1 MiB L2 and a shared L3:
//  KC = 256: one B micro-panel, KC x 16 floats = 16 KiB, stays in L1 (half of it) while
//            the kernel sweeps all the A micro-panels of the block past it; the other half
//            holds the streaming A micro-panel (6 x 256 x 4 = 6 KiB) and the C tile.
//  MC = 144: the packed A block, 144 x 256 x 4 = 144 KiB, stays in L2 (a quarter to a half
//            of it), leaving room for the B micro-panels and C lines passing through.
//            144 = 24 tiles of 6 rows.
//  NC = 3072: the packed B block, 256 x 3072 x 4 = 3 MiB, stays in L3 and is reused by
//            every MC block of A; a multiple of 16.
constexpr MicroKernel kAvx2Kernel{register_tile_kernel<Avx2, kRows, kVectorsPerRow>,
                                  pack_b_transposed<kVectorsPerRow * Avx2::lanes>,
                                  kRows,
                                  kVectorsPerRow* Avx2::lanes,
                                  /*mc=*/144,
                                  /*kc=*/256,
                                  /*nc=*/3072};

}  // namespace

const MicroKernel& avx2_kernel() { return kAvx2Kernel; }

}  // namespace resnet::cpu::detail

#endif  // defined(__x86_64__)
