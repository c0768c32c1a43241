// EXERCISE FILE, generated from solutions/08_fast_cpu/gemm_06_threads.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 8.6: replace the next line with your code (./course hint 8.6)
  todo("8.6", "gemm_06_threads: C (M, N) = A B on `threads` OpenMP threads, each running packed_gemm with micro_kernel_register_tile on its own bands of rows of C, bands a whole number of register tiles high");
  // END EXERCISE 8.6
}

}  // namespace resnet::cpu::ladder
