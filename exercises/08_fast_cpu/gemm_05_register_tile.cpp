// EXERCISE FILE, generated from solutions/08_fast_cpu/gemm_05_register_tile.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 8, CPU GEMM ladder rung 05, task 8.5: the register tile (see
// chapters/08_fast_cpu/README.md).
//
// Rung 04's kernel loads and stores its tile of C at every step of the depth loop: per
// step, kTileRows x kTileCols multiply-adds, and as many loads and stores of C. This
// kernel keeps the tile's sums out of memory for the whole depth loop and touches C once
// per tile (the guide's task 8.5 asks how, and why a tile of this size). What changed from
// rung 04: only the kernel; packed_gemm is the same.
#include <algorithm>

#include "resnet/cpu/gemm_ladder.hpp"
#include "resnet/exercise.hpp"

namespace resnet::cpu::ladder {

void micro_kernel_register_tile(std::size_t depth, const float* a_panel, const float* b_panel, float* c,
                                std::size_t ldc, std::size_t rows, std::size_t cols) {
  // BEGIN EXERCISE 8.5: replace the next line with your code (./course hint 8.5)
  todo("8.5", "micro_kernel_register_tile: C's tile (rows x cols of it) += A panel x B panel, the tile's sums kept out of memory (in registers) for the whole depth loop, C touched once");
  // END EXERCISE 8.5
}

void gemm_05_register_tile(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                           const CacheBlocks& blocks) {
  std::fill(c, c + M * N, 0.0f);
  packed_gemm(a, K, b, N, c, N, M, N, K, blocks, micro_kernel_register_tile);
}

}  // namespace resnet::cpu::ladder
