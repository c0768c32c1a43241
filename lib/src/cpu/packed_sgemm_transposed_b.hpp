// Packing a B micro-panel from a B stored transposed (N x K), with 8 x 8 transposes in
// 256-bit registers: shared by the AVX2 kernel (16-column panels) and the AVX-512 kernel
// (32-column panels; AVX-512F includes every AVX2 instruction used here).
//
// Included only by packed_sgemm_avx2.cpp and packed_sgemm_avx512.cpp. As in
// packed_sgemm_register_tile.hpp, everything has internal linkage (an unnamed namespace),
// so each file keeps its own copy compiled with its own flags.
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace resnet::cpu::detail {
namespace {

// The B micro-panel of a transposed B holds, in group p, entry p of NR stored rows: a
// transpose. Element by element that is one scattered store per float; here 8 x 8 blocks
// are transposed in registers (8 loads, 24 shuffles, 8 stores for 64 floats).
// dweight = dY x columns^T is such a product.
void transpose_8x8(const float* source, std::size_t source_step, float* destination, std::size_t destination_step) {
  __m256 row[8];
  for (std::size_t r = 0; r < 8; ++r) row[r] = _mm256_loadu_ps(source + r * source_step);
  __m256 pairs[8];  // rows 2q and 2q + 1 interleaved, low and high halves
  for (std::size_t q = 0; q < 4; ++q) {
    pairs[2 * q] = _mm256_unpacklo_ps(row[2 * q], row[2 * q + 1]);
    pairs[2 * q + 1] = _mm256_unpackhi_ps(row[2 * q], row[2 * q + 1]);
  }
  __m256 quads[8];  // columns of rows 0-3 (quads 0-3) and 4-7 (quads 4-7), per 128-bit lane
  for (std::size_t h = 0; h < 2; ++h) {
    const std::size_t in = 4 * h;
    quads[in + 0] = _mm256_shuffle_ps(pairs[in + 0], pairs[in + 2], 0x44);
    quads[in + 1] = _mm256_shuffle_ps(pairs[in + 0], pairs[in + 2], 0xEE);
    quads[in + 2] = _mm256_shuffle_ps(pairs[in + 1], pairs[in + 3], 0x44);
    quads[in + 3] = _mm256_shuffle_ps(pairs[in + 1], pairs[in + 3], 0xEE);
  }
  for (std::size_t c = 0; c < 4; ++c) {
    _mm256_storeu_ps(destination + c * destination_step, _mm256_permute2f128_ps(quads[c], quads[c + 4], 0x20));
    _mm256_storeu_ps(destination + (c + 4) * destination_step, _mm256_permute2f128_ps(quads[c], quads[c + 4], 0x31));
  }
}

// A TransposedBPacker (packed_sgemm_kernels.hpp) for panels of PanelWidth columns, a
// multiple of 8.
template <std::size_t PanelWidth>
void pack_b_transposed(const float* b, std::size_t ldb, std::size_t k0, std::size_t kc, std::size_t j0, std::size_t n,
                       float* panel) {
  static_assert(PanelWidth % 8 == 0, "the panel is filled in blocks of 8 columns");
  if (n < PanelWidth) {  // the edge panel, zero-padded: rare, done element by element
    for (std::size_t p = 0; p < kc; ++p) {
      for (std::size_t j = 0; j < PanelWidth; ++j)
        panel[p * PanelWidth + j] = j < n ? b[(j0 + j) * ldb + k0 + p] : 0.0f;
    }
    return;
  }
  const float* rows = b + j0 * ldb + k0;  // stored row j0 + j, column k0 + p: rows[j * ldb + p]
  std::size_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    for (std::size_t j = 0; j < PanelWidth; j += 8) {
      transpose_8x8(rows + j * ldb + p, ldb, panel + p * PanelWidth + j, PanelWidth);
    }
  }
  for (; p < kc; ++p) {
    for (std::size_t j = 0; j < PanelWidth; ++j) panel[p * PanelWidth + j] = rows[j * ldb + p];
  }
}

}  // namespace
}  // namespace resnet::cpu::detail
