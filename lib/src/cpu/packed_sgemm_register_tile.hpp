// The register-blocked micro-kernel body shared by all three kernels (portable, AVX2,
// AVX-512): one algorithm, written once, instantiated for three register types. A test
// of one kernel therefore also tests the loop structure of the others; what differs is
// only the Simd type's six one-line operations (zero, load, store, broadcast, fmadd, mul)
// and the tile shape.
//
// Included only by the kernel files (packed_sgemm_portable.cpp, packed_sgemm_avx2.cpp,
// packed_sgemm_avx512.cpp), each compiled with its own flags. Everything here has internal
// linkage (an unnamed namespace) so that every file keeps its own copy, compiled for its
// own instruction set: were these templates shared inline functions, the linker would
// keep one copy for the whole program, possibly the AVX-512 one, and run it on a CPU
// without AVX-512.
#pragma once

#include <cstddef>

namespace resnet::cpu::detail {
namespace {

/// The register tile: sum[i][v] holds C row i, columns v*lanes .. v*lanes + lanes - 1.
/// Each step p is a rank-1 update: VectorsPerRow loads of the B row, then for each of the
/// MR rows one broadcast of A(i, p) and VectorsPerRow FMAs. Every sum is its own
/// dependency chain, so MR * VectorsPerRow FMAs are independent and can be in flight at
/// once: the tile is sized so that this count covers FMA latency x FMA units.
template <class Simd, std::size_t MR, std::size_t VectorsPerRow>
struct RegisterTile {
  using Vector = typename Simd::Vector;
  static constexpr std::size_t NR = VectorsPerRow * Simd::lanes;

  Vector sum[MR][VectorsPerRow];

  // Asks for the C tile's cache lines (with intent to write) before the long
  // accumulation, so that the stores at the end do not wait for C to come from L3/DRAM.
  static void prefetch(const float* c, std::size_t ldc) {
#pragma GCC unroll 16
    for (std::size_t i = 0; i < MR; ++i) {
      __builtin_prefetch(c + i * ldc, 1);
      __builtin_prefetch(c + i * ldc + NR - 1, 1);
    }
  }

  void clear() {
#pragma GCC unroll 16
    for (std::size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (std::size_t v = 0; v < VectorsPerRow; ++v) sum[i][v] = Simd::zero();
    }
  }

  // sum += A (MR x kc) * b_panel (kc x NR, packed as packed_sgemm_kernels.hpp says), where
  // A(i, p) is a[i * row_step + p * column_step].
  void accumulate(std::size_t kc, const float* a, std::size_t row_step, std::size_t column_step, const float* b_panel) {
#pragma GCC unroll 4
    for (std::size_t p = 0; p < kc; ++p) {
      Vector b_row[VectorsPerRow];
#pragma GCC unroll 4
      for (std::size_t v = 0; v < VectorsPerRow; ++v) b_row[v] = Simd::load(b_panel + v * Simd::lanes);
#pragma GCC unroll 16
      for (std::size_t i = 0; i < MR; ++i) {
        const Vector a_value = Simd::broadcast(a + i * row_step);
#pragma GCC unroll 4
        for (std::size_t v = 0; v < VectorsPerRow; ++v) sum[i][v] = Simd::fmadd(a_value, b_row[v], sum[i][v]);
      }
      a += column_step;
      b_panel += NR;
    }
  }

  // C <- alpha * sum: the old C is not read (with beta == 0 it may hold NaN).
  void store(float* c, std::size_t ldc, float alpha) const {
    const Vector alpha_vector = Simd::broadcast(&alpha);
#pragma GCC unroll 16
    for (std::size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (std::size_t v = 0; v < VectorsPerRow; ++v) {
        Simd::store(c + i * ldc + v * Simd::lanes, Simd::mul(alpha_vector, sum[i][v]));
      }
    }
  }

  // C <- alpha * sum + beta * C.
  void update(float* c, std::size_t ldc, float alpha, float beta) const {
    const Vector alpha_vector = Simd::broadcast(&alpha);
    const Vector beta_vector = Simd::broadcast(&beta);
#pragma GCC unroll 16
    for (std::size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (std::size_t v = 0; v < VectorsPerRow; ++v) {
        float* destination = c + i * ldc + v * Simd::lanes;
        const Vector scaled_sum = Simd::mul(alpha_vector, sum[i][v]);
        Simd::store(destination, Simd::fmadd(beta_vector, Simd::load(destination), scaled_sum));
      }
    }
  }
};

/// The micro-kernel of packed_sgemm_kernels.hpp for one register type and tile shape.
template <class Simd, std::size_t MR, std::size_t VectorsPerRow>
void register_tile_kernel(std::size_t kc, const float* a, std::size_t a_row_step, std::size_t a_column_step,
                          const float* b_panel, float* c, std::size_t ldc, float alpha, float beta) {
  RegisterTile<Simd, MR, VectorsPerRow> tile;
  tile.prefetch(c, ldc);
  tile.clear();
  if (a_row_step == 1 && a_column_step == MR) {
    tile.accumulate(kc, a, 1, MR, b_panel);  // packed: the constant steps fold into the addressing
  } else {
    tile.accumulate(kc, a, a_row_step, a_column_step, b_panel);
  }
  if (beta == 0.0f) {
    tile.store(c, ldc, alpha);
  } else {
    tile.update(c, ldc, alpha, beta);
  }
}

}  // namespace
}  // namespace resnet::cpu::detail
