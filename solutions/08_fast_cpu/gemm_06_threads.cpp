// Chapter 8, CPU GEMM ladder rung 06, task 8.6: threads (see
// chapters/08_fast_cpu/README.md).
//
// Rung 05 runs on one core. Here C is cut into bands of rows, and each thread computes
// its bands with rung 05's packed_gemm on the matching rows of A: a band of C depends on
// its rows of A and all of B, so the threads share only what they read, never what they
// write, and need no lock and no barrier until the end. Bands are whole register tiles
// high, so that no tile is split between two threads; each thread packs its own blocks
// (B once per thread: O(K N) extra copying, small next to the M N K / threads work).
#include <algorithm>

#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/error.hpp"
#include "resnet/exercise.hpp"

namespace resnet::cpu::ladder {

void gemm_06_threads(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K, int threads,
                     const CacheBlocks& blocks) {
  check_cache_blocks(blocks, "gemm_06_threads", /*whole_tiles=*/true);
  if (threads < 1 || threads > 1024) {
    throw ShapeError("gemm_06_threads: threads must be 1 to 1024, got " + std::to_string(threads));
  }
  std::fill(c, c + M * N, 0.0f);
  // BEGIN SOLUTION 8.6 gemm_06_threads: C (M, N) = A B on `threads` OpenMP threads, each running packed_gemm with micro_kernel_register_tile on its own bands of rows of C, bands a whole number of register tiles high
  // One band per thread, rounded up to whole tiles: every thread gets the same share,
  // give or take one tile row, and the last band may be shorter or empty.
  const std::size_t tile_rows = (M + kTileRows - 1) / kTileRows;
  const std::size_t band_tiles = (tile_rows + threads - 1) / threads;
  const std::size_t band_rows = band_tiles * kTileRows;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int band = 0; band < threads; ++band) {
    const std::size_t row0 = std::min(M, static_cast<std::size_t>(band) * band_rows);
    const std::size_t rows = std::min(band_rows, M - row0);
    if (rows > 0) {
      packed_gemm(a + row0 * K, K, b, N, c + row0 * N, N, rows, N, K, blocks, micro_kernel_register_tile);
    }
  }
  // END SOLUTION
}

}  // namespace resnet::cpu::ladder
