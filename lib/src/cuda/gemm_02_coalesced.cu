// Chapter 6, GEMM ladder rung 02: coalesced global memory accesses.
//
// What changed from rung 01: only which index picks the column. Here the thread's column
// comes from its x index, so the 32 threads of a warp take 32 neighbouring columns of C.
//
// Why it should be faster: at step k the warp reads b[k, col .. col + 31], 32 consecutive
// floats (128 bytes), which the hardware serves as one coalesced transaction instead of
// 32; all 32 threads read the same a[row, k] (one broadcast load); and the warp writes 32
// consecutive floats of C. Same arithmetic, same number of loads per thread, but far
// fewer memory transactions. (SGEMM_CUDA's kernel 2 reports about 6x over kernel 1.)
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

// Blocks of 32 x 32 threads, each thread one entry of C.
constexpr unsigned kCoalescedBlock = 32;

// Thread t's entry of C: row = t.global_y(), col = t.global_x() (consecutive threads of a
// warp, consecutive columns).
RESNET_HOST_DEVICE void gemm_coalesced_thread(const ThreadIndex& t, const float* a, const float* b, float* c,
                                              std::size_t M, std::size_t N, std::size_t K) {
  const std::size_t row = t.global_y(), col = t.global_x();
  if (row >= M || col >= N) return;
  float sum = 0.0f;
  for (std::size_t k = 0; k < K; ++k) sum += a[row * K + k] * b[k * N + col];
  c[row * N + col] = sum;
}

namespace detail {

void gemm_coalesced(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                    Launch where) {
  // x covers the columns of C, y its rows.
  const Grid grid{
      Dim3{static_cast<unsigned>(ceil_div(N, kCoalescedBlock)), static_cast<unsigned>(ceil_div(M, kCoalescedBlock)), 1},
      Dim3{kCoalescedBlock, kCoalescedBlock, 1}};
  launch("gemm_02_coalesced", grid, where,
         [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { gemm_coalesced_thread(t, a, b, c, M, N, K); });
}

}  // namespace detail

}  // namespace resnet::cuda
