// Chapter 8, CPU GEMM ladder rung 03, task 8.2: cache blocking (see
// chapters/08_fast_cpu/README.md).
//
// Rung 02's loops, inside blocks. Rung 02 streams all of B (K x N floats) through the
// caches once for every row of A: for 1024 x 1024 matrices that is 4 MiB per row, far more
// than the L2 cache holds, so every row of B comes from L3 or memory again and again.
// Here the loops run over blocks: a block of B, kc rows by nc columns, is used by mc rows
// of A in a row before the loops move on, so it is still in a cache when the next row asks
// for it. Which cache depends on the block: the defaults' 256 x 2048 floats (2 MiB) stay in
// L3, not L2; try smaller blocks and measure. What changed from rung 02: three outer loops
// over blocks; inside, rung 02's loops restricted to one block.
#include <algorithm>
#include <cstring>

#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/exercise.hpp"

namespace resnet::cpu::ladder {

void gemm_03_cache_blocked(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                           const CacheBlocks& blocks) {
  check_cache_blocks(blocks, "gemm_03_cache_blocked", /*whole_tiles=*/false);
  // BEGIN SOLUTION 8.2 gemm_03_cache_blocked: C (M, N) = A (M, K) B (K, N) as rung 02, but block by block: blocks.kc x blocks.nc of B reused by blocks.mc rows of A before moving on
  for (std::size_t i = 0; i < M * N; ++i) c[i] = 0.0f;
  for (std::size_t jc = 0; jc < N; jc += blocks.nc) {
    const std::size_t j_end = std::min(N, jc + blocks.nc);
    for (std::size_t pc = 0; pc < K; pc += blocks.kc) {
      const std::size_t k_end = std::min(K, pc + blocks.kc);
      // The block B[pc:k_end, jc:j_end] stays in cache while every row of A uses it.
      for (std::size_t ic = 0; ic < M; ic += blocks.mc) {
        const std::size_t i_end = std::min(M, ic + blocks.mc);
        for (std::size_t i = ic; i < i_end; ++i) {
          float* c_row = c + i * N;
          for (std::size_t k = pc; k < k_end; ++k) {
            const float a_ik = a[i * K + k];
            const float* b_row = b + k * N;
            for (std::size_t j = jc; j < j_end; ++j) c_row[j] += a_ik * b_row[j];
          }
        }
      }
    }
  }
  // END SOLUTION
}

}  // namespace resnet::cpu::ladder
