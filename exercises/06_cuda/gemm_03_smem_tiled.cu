// EXERCISE FILE, generated from solutions/06_cuda/gemm_03_smem_tiled.cu by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 6, GEMM ladder rung 03, task 6.4: shared-memory tiling (see
// chapters/06_cuda/README.md).
//
// What changed from rung 02: a block of 32 x 32 threads computes a 32 x 32 tile of C, and
// walks along K one 32-wide step at a time. At each step the block copies a 32 x 32 tile
// of A and one of B into shared memory (each thread copies one element of each), waits,
// and then every thread adds its 32 products from the tiles:
//
//     for tile = 0, 1, ..., ceil(K / 32) - 1:              k0 = 32 tile
//         a_tile[ty][tx] = A[row, k0 + tx]    b_tile[ty][tx] = B[k0 + ty, col]   (0 outside)
//         __syncthreads()           (every element of both tiles is written)
//         sum += sum over k < 32 of a_tile[ty][k] b_tile[k][tx]
//         __syncthreads()           (everyone has read the tiles: they may be overwritten)
//     C[row, col] = sum             (row = 32 by + ty, col = 32 bx + tx, when inside C)
//
// Why it should be faster: in rung 02 every element of A and B is read from global
// memory by 32 different threads of the block (once per column or row of the tile); here
// it is read once per block and then 32 times from shared memory, which is on-chip and
// about as fast as the L1 cache. Global traffic falls 32-fold. The zeros outside A and B
// add nothing to the sums, so edges need no other care. (SGEMM_CUDA's kernel 3.)
//
// The whole kernel is one function of one thread, gemm_smem_tiled_thread, barriers
// included. On the GPU it runs as a CUDA kernel; under host emulation the block emulator
// (resnet/cuda/block_emulator.hpp) runs each thread of a block as a fiber, so that
// sync_threads() waits for all of them, and reports a missing barrier as a shared-memory
// race naming the two threads and the word. So this rung is tested on the CPU, barriers
// and all.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/exercise.hpp"  // todo() for the exercise stubs (on the GPU: resnet::cuda::todo)

namespace resnet::cuda {

// The side of the tiles of A, B and C, and of the blocks of threads.
constexpr unsigned kTile = 32;

// One thread of the block: the whole kernel, C[row, col] for row = 32 by + ty and
// col = 32 bx + tx. Every thread runs every step of the loop, even one whose (row, col) is
// outside C: its copies are elements other threads need, and a barrier must be reached
// by every thread of the block.
RESNET_HOST_DEVICE void gemm_smem_tiled_thread(const ThreadIndex& t, const float* a, const float* b, float* c,
                                               std::size_t M, std::size_t N, std::size_t K) {
  // BEGIN EXERCISE 6.4: replace the next line with your code (./course hint 6.4)
  todo("6.4", "gemm_smem_tiled_thread: blocks of 32 x 32 threads, x along C's columns and y along its rows; the block computes its 32 x 32 tile of C (M, N) = A (M, K) B (K, N), row-major, stepping along K through 32 x 32 tiles of A and B in shared memory (RESNET_SHARED BlockArray), 0 outside A and B, with the barriers the tiles need");
  // END EXERCISE 6.4
}

namespace {

// Blocks of 32 x 32 threads; x covers the columns of C, y its rows.
Grid smem_tiled_grid(std::size_t M, std::size_t N) {
  return Grid{Dim3{static_cast<unsigned>(ceil_div(N, kTile)), static_cast<unsigned>(ceil_div(M, kTile)), 1},
              Dim3{kTile, kTile, 1}};
}

}  // namespace

namespace detail {

void gemm_smem_tiled(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                     Launch where) {
  launch_cooperative("gemm_03_smem_tiled", smem_tiled_grid(M, N), where,
                     [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { gemm_smem_tiled_thread(t, a, b, c, M, N, K); });
}

}  // namespace detail

}  // namespace resnet::cuda
