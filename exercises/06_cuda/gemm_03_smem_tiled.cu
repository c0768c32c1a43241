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
// The threads cooperate, so each phase is a function of one thread, and the barriers sit
// between the calls: in the CUDA kernel they are __syncthreads(); under host emulation
// (below) every thread of the block finishes one phase before any thread starts the next,
// which is exactly the guarantee __syncthreads() gives. So this rung is tested on the CPU.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/exercise.hpp"  // todo() for the exercise stubs (on the GPU: resnet::cuda::todo)

namespace resnet::cuda {

// The side of the tiles of A, B and C, and of the blocks of threads.
constexpr unsigned kTile = 32;

// Phase 1 (step `tile` along K): thread (tx, ty) of the block copies A[row, k0 + tx] into
// a_tile[ty][tx] and B[k0 + ty, col] into b_tile[ty][tx], zero outside A or B. The tiles
// are 32 x 32, row-major. Every thread takes part, even one whose (row, col) is outside C:
// its copies are elements other threads need.
RESNET_HOST_DEVICE void load_tiles_thread(const ThreadIndex& t, std::size_t tile, const float* a, const float* b,
                                          std::size_t M, std::size_t N, std::size_t K, float* a_tile, float* b_tile) {
  // BEGIN EXERCISE 6.4: replace the next line with your code (./course hint 6.4)
  todo("6.4", "load_tiles_thread: step `tile` along K; thread (tx, ty) of the 32 x 32 block writes entry (ty, tx) of A's and B's tiles for this block and step into a_tile, b_tile (row-major), 0 outside A or B");
  // END EXERCISE 6.4
}

// Phase 2: thread (tx, ty) adds the 32 products of row ty of a_tile and column tx of
// b_tile to its running sum. (A warp's threads share ty: they all read the same
// a_tile[ty][k], a broadcast, and neighbouring b_tile[k][tx], distinct banks.)
RESNET_HOST_DEVICE void accumulate_tile_thread(const ThreadIndex& t, const float* a_tile, const float* b_tile,
                                               float& sum) {
  // BEGIN EXERCISE 6.4: replace the next line with your code (./course hint 6.4)
  todo("6.4", "accumulate_tile_thread: thread (tx, ty) of the 32 x 32 block adds entry (ty, tx) of the product a_tile b_tile (both 32 x 32, row-major, in shared memory) to its running sum");
  // END EXERCISE 6.4
}

namespace {

// Phase 3: the finished sum goes to C[row, col], when that is inside C.
RESNET_HOST_DEVICE void store_sum_thread(const ThreadIndex& t, float sum, float* c, std::size_t M, std::size_t N) {
  const std::size_t row = t.global_y(), col = t.global_x();
  if (row < M && col < N) c[row * N + col] = sum;
}

// Blocks of 32 x 32 threads; x covers the columns of C, y its rows.
Grid smem_tiled_grid(std::size_t M, std::size_t N) {
  return Grid{Dim3{static_cast<unsigned>(ceil_div(N, kTile)), static_cast<unsigned>(ceil_div(M, kTile)), 1},
              Dim3{kTile, kTile, 1}};
}

#ifdef __CUDACC__
__global__ void gemm_smem_tiled_kernel(const float* a, const float* b, float* c, std::size_t M, std::size_t N,
                                       std::size_t K) {
  // BEGIN EXERCISE 6.4: replace the next line with your code (./course hint 6.4)
  todo("6.4", "gemm_smem_tiled_kernel: blocks of 32 x 32 threads, x along C's columns and y along its rows; each block computes its 32 x 32 tile of C (M, N) = A (M, K) B (K, N), row-major, through shared memory");
  // END EXERCISE 6.4
}
#endif

// Calls f(t) for every thread t of block (t.block.x, t.block.y), one after the other.
template <class F>
void for_each_thread_of_block(ThreadIndex& t, F f) {
  for (t.thread.y = 0; t.thread.y < t.block_size.y; ++t.thread.y)
    for (t.thread.x = 0; t.thread.x < t.block_size.x; ++t.thread.x) f(t);
}

// The kernel on the CPU, block by block. A barrier means: every thread of the block has
// finished the phase before it. Running each phase for all threads of the block before
// the next phase starts gives exactly that, so the sums are the GPU's, in the same order.
void emulate_smem_tiled(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K) {
  const Grid grid = smem_tiled_grid(M, N);
  std::vector<float> a_tile(kTile * kTile), b_tile(kTile * kTile);
  std::vector<float> sums(kTile * kTile);  // each thread's running sum (a register on the GPU)
  auto sum_of = [&](const ThreadIndex& t) -> float& { return sums[t.thread.y * kTile + t.thread.x]; };
  ThreadIndex t{Dim3{}, Dim3{}, grid.threads, grid.blocks};
  for (t.block.y = 0; t.block.y < grid.blocks.y; ++t.block.y) {
    for (t.block.x = 0; t.block.x < grid.blocks.x; ++t.block.x) {
      std::fill(sums.begin(), sums.end(), 0.0f);
      for (std::size_t tile = 0; tile < ceil_div(K, kTile); ++tile) {
        for_each_thread_of_block(
            t, [&](const ThreadIndex& u) { load_tiles_thread(u, tile, a, b, M, N, K, a_tile.data(), b_tile.data()); });
        // __syncthreads()
        for_each_thread_of_block(
            t, [&](const ThreadIndex& u) { accumulate_tile_thread(u, a_tile.data(), b_tile.data(), sum_of(u)); });
        // __syncthreads()
      }
      for_each_thread_of_block(t, [&](const ThreadIndex& u) { store_sum_thread(u, sum_of(u), c, M, N); });
    }
  }
}

}  // namespace

namespace detail {

void gemm_smem_tiled(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                     Launch where) {
  if (where == Launch::host_emulation) {
    emulate_smem_tiled(a, b, c, M, N, K);
    return;
  }
#ifdef __CUDACC__
  const Grid grid = smem_tiled_grid(M, N);
  gemm_smem_tiled_kernel<<<to_dim3(grid.blocks), to_dim3(grid.threads)>>>(a, b, c, M, N, K);
  check_launch("gemm_03_smem_tiled");
#else
  no_cuda_in_this_build("gemm_03_smem_tiled");
#endif
}

}  // namespace detail

}  // namespace resnet::cuda
