// The AVX-512F micro-kernel of sgemm(): a 12 x 32 register tile.
//
// Compiled with -mavx512f (lib/CMakeLists.txt, x86-64 only), for the reasons given in
// packed_sgemm_avx2.cpp; the kernel body is the same template as the AVX2 one
// (packed_sgemm_register_tile.hpp), with 512-bit registers.
#if defined(__x86_64__)

#include <immintrin.h>

#include "packed_sgemm_kernels.hpp"
#include "packed_sgemm_register_tile.hpp"
#include "packed_sgemm_transposed_b.hpp"

namespace resnet::cpu::detail {
namespace {

// Sixteen floats per 512-bit zmm register.
struct Avx512 {
  using Vector = __m512;
  static constexpr std::size_t lanes = 16;
  static Vector zero() { return _mm512_setzero_ps(); }
  static Vector load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Vector v) { _mm512_storeu_ps(p, v); }
  static Vector broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static Vector fmadd(Vector a, Vector b, Vector c) { return _mm512_fmadd_ps(a, b, c); }
  static Vector mul(Vector a, Vector b) { return _mm512_mul_ps(a, b); }
};

// Register tile MR x NR = 12 x 32, i.e. 12 rows x 2 zmm. AVX-512 has 32 zmm registers:
// 24 accumulators + 2 for the B row + 1 broadcast = 27, leaving room for the compiler to
// load the next B row early. With 2 512-bit FMA units of latency 4 (Skylake-SP Gold/Platinum, Ice Lake-SP)
// 8 FMAs must be in flight; 24 independent accumulators cover that three times over, so
// the kernel also keeps up on cores whose FMA latency is longer. Per step: 2 loads + 12
// broadcasts from memory (load-port operations, 2-3 ports) feed 24 FMAs, 12 cycles on 2
// units. Why not 14 x 32 (28 accumulators, 31 registers)? Once latency is covered the
// extra rows buy only a little less loading of B per FMA, and neither divides ResNet's
// channel counts (64 = 5 x 12 + 4 = 4 x 14 + 8), while 12 rows leave the compiler
// registers to spare (GCC 12's loop has no spills).
constexpr std::size_t kRows = 12;
constexpr std::size_t kVectorsPerRow = 2;

// Cache blocks (same reasoning as packed_sgemm_avx2.cpp, with a B micro-panel twice as wide):
//  KC = 128: one B micro-panel, 128 x 32 x 4 = 16 KiB, is half of a 32 KiB L1d.
//  MC = 252: the packed A block, 252 x 128 x 4 = 126 KiB, a quarter of a 512 KiB L2 (the
//            AVX-512 cores have 1-2 MiB); 252 = 21 tiles of 12 rows.
//  NC = 3072: the packed B block, 128 x 3072 x 4 = 1.5 MiB, in L3.
constexpr MicroKernel kAvx512Kernel{register_tile_kernel<Avx512, kRows, kVectorsPerRow>,
                                    pack_b_transposed<kVectorsPerRow * Avx512::lanes>,
                                    kRows,
                                    kVectorsPerRow* Avx512::lanes,
                                    /*mc=*/252,
                                    /*kc=*/128,
                                    /*nc=*/3072};

}  // namespace

const MicroKernel& avx512_kernel() { return kAvx512Kernel; }

}  // namespace resnet::cpu::detail

#endif  // defined(__x86_64__)
