// Chapter 8, CPU GEMM ladder rung 04, tasks 8.3 and 8.4: packing, and the five loops
// around a micro-kernel (see chapters/08_fast_cpu/README.md).
//
// Rung 03 still reads its blocks where they lie: a row of the B block is nc floats long,
// the next row N floats further on, and A is read down a column inside the k loop. Here
// each block is first copied ("packed") into the order in which the innermost loops will
// read it: A in micro-panels of kTileRows rows, B in micro-panels of kTileCols columns,
// both stored so that one step of the depth loop reads the next kTileRows (or kTileCols)
// floats in memory. The innermost work becomes a micro-kernel: one kTileRows x kTileCols
// tile of C from one A panel and one B panel. The copies cost O(MK + KN) against the
// product's O(MNK), and they buy three things: unit-stride reads, a block of B no longer
// spread over nc-float rows that fight over the same cache sets, and edges padded with
// zeros, so the kernel never tests where C ends.
//
// The kernel of this rung, given, still reads and writes its tile of C at every step
// of the depth loop; rung 05 keeps the tile in registers.
#include <algorithm>
#include <memory>

#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/exercise.hpp"

namespace resnet::cpu::ladder {

namespace {

// n rounded up to a multiple of `multiple`.
std::size_t round_up(std::size_t n, std::size_t multiple) { return (n + multiple - 1) / multiple * multiple; }

}  // namespace

void pack_a_block(const float* a, std::size_t lda, std::size_t rows, std::size_t depth, float* packed) {
  // BEGIN SOLUTION 8.3 pack_a_block: a block of A (rows x depth, rows lda apart) -> panels of kTileRows rows, each stored column after column, the rows past the block zero
  for (std::size_t row0 = 0; row0 < rows; row0 += kTileRows) {
    float* panel = packed + row0 * depth;  // panel row0 / kTileRows starts kTileRows * depth floats after the last
    for (std::size_t p = 0; p < depth; ++p) {
      for (std::size_t i = 0; i < kTileRows; ++i) {
        const std::size_t row = row0 + i;
        panel[p * kTileRows + i] = row < rows ? a[row * lda + p] : 0.0f;
      }
    }
  }
  // END SOLUTION
}

void pack_b_block(const float* b, std::size_t ldb, std::size_t depth, std::size_t cols, float* packed) {
  // BEGIN SOLUTION 8.3 pack_b_block: a block of B (depth x cols, rows ldb apart) -> panels of kTileCols columns, each stored row after row, the columns past the block zero
  for (std::size_t col0 = 0; col0 < cols; col0 += kTileCols) {
    float* panel = packed + col0 * depth;
    for (std::size_t p = 0; p < depth; ++p) {
      for (std::size_t j = 0; j < kTileCols; ++j) {
        const std::size_t col = col0 + j;
        panel[p * kTileCols + j] = col < cols ? b[p * ldb + col] : 0.0f;
      }
    }
  }
  // END SOLUTION
}

void micro_kernel_in_memory(std::size_t depth, const float* a_panel, const float* b_panel, float* c, std::size_t ldc,
                            std::size_t rows, std::size_t cols) {
  for (std::size_t p = 0; p < depth; ++p) {
    for (std::size_t i = 0; i < rows; ++i) {
      const float a_ip = a_panel[p * kTileRows + i];
      for (std::size_t j = 0; j < cols; ++j) c[i * ldc + j] += a_ip * b_panel[p * kTileCols + j];
    }
  }
}

void packed_gemm(const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                 std::size_t M, std::size_t N, std::size_t K, const CacheBlocks& blocks, MicroKernel kernel) {
  check_cache_blocks(blocks, "packed_gemm", /*whole_tiles=*/true);
  // The packed blocks, sized for the largest block this product has (whole tiles, so the
  // padding fits), and not filled: packing writes every float before the kernel reads it.
  const std::size_t a_rows = std::min(blocks.mc, round_up(M, kTileRows));
  const std::size_t b_cols = std::min(blocks.nc, round_up(N, kTileCols));
  const std::size_t depth = std::min(blocks.kc, K);
  std::unique_ptr<float[]> packed_a_buffer(new float[a_rows * depth + 1]);
  std::unique_ptr<float[]> packed_b_buffer(new float[depth * b_cols + 1]);
  float* const packed_a = packed_a_buffer.get();
  float* const packed_b = packed_b_buffer.get();
  // BEGIN SOLUTION 8.4 packed_gemm: C += A B: for each block of B (kc x nc) packed once, each block of A (mc x kc) packed once, the kernel on every pair of micro-panels
  for (std::size_t jc = 0; jc < N; jc += blocks.nc) {
    const std::size_t nc = std::min(blocks.nc, N - jc);
    for (std::size_t pc = 0; pc < K; pc += blocks.kc) {
      const std::size_t kc = std::min(blocks.kc, K - pc);
      pack_b_block(b + pc * ldb + jc, ldb, kc, nc, packed_b);
      for (std::size_t ic = 0; ic < M; ic += blocks.mc) {
        const std::size_t mc = std::min(blocks.mc, M - ic);
        pack_a_block(a + ic * lda + pc, lda, mc, kc, packed_a);
        // Every tile of this block of C: B panel jr (in L1) meets every A panel (in L2).
        for (std::size_t jr = 0; jr < nc; jr += kTileCols) {
          for (std::size_t ir = 0; ir < mc; ir += kTileRows) {
            kernel(kc, packed_a + ir * kc, packed_b + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc,
                   std::min(kTileRows, mc - ir), std::min(kTileCols, nc - jr));
          }
        }
      }
    }
  }
  // END SOLUTION
}

void gemm_04_packed(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                    const CacheBlocks& blocks) {
  std::fill(c, c + M * N, 0.0f);
  packed_gemm(a, K, b, N, c, N, M, N, K, blocks, micro_kernel_in_memory);
}

}  // namespace resnet::cpu::ladder
