// EXERCISE FILE, generated from solutions/06_cuda/gemm_01_naive.cu by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 6, GEMM ladder rung 01, task 6.3: the naive matrix product (see
// chapters/06_cuda/README.md).
//
// C = A B with A (M, K), B (K, N), C (M, N), row-major: one thread per entry of C,
//     c[row, col] = sum over k of a[row, k] b[k, col].
// The starting point, as in SGEMM_CUDA's kernel 1: each thread reads a row of A and a
// column of B straight from global memory, 2 K loads for 2 K flops.
//
// The thread's row comes from its x index. The 32 threads of a warp have consecutive x, so
// at one step k they read 32 different rows of A (addresses K floats apart: 32 separate
// memory transactions) and all read the same b[k, col]; their stores to C are N floats
// apart. Nothing is coalesced: that is what rung 02 fixes.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/exercise.hpp"  // todo() for the exercise stubs (on the GPU: resnet::cuda::todo)

namespace resnet::cuda {

// Blocks of 32 x 32 threads, each thread one entry of C.
constexpr unsigned kNaiveBlock = 32;

// Thread t's entry of C: row = t.global_x(), col = t.global_y().
RESNET_HOST_DEVICE void gemm_naive_thread(const ThreadIndex& t, const float* a, const float* b, float* c, std::size_t M,
                                          std::size_t N, std::size_t K) {
  // BEGIN EXERCISE 6.3: replace the next line with your code (./course hint 6.3)
  todo("6.3", "gemm_naive_thread: one thread per entry of C (M, N) = A (M, K) B (K, N), all row-major; the thread's entry is row t.global_x(), column t.global_y(), and the grid may stick out past C");
  // END EXERCISE 6.3
}

namespace detail {

void gemm_naive(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K, Launch where) {
  // x covers the rows of C, y its columns.
  const Grid grid{
      Dim3{static_cast<unsigned>(ceil_div(M, kNaiveBlock)), static_cast<unsigned>(ceil_div(N, kNaiveBlock)), 1},
      Dim3{kNaiveBlock, kNaiveBlock, 1}};
  launch("gemm_01_naive", grid, where,
         [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { gemm_naive_thread(t, a, b, c, M, N, K); });
}

}  // namespace detail

}  // namespace resnet::cuda
