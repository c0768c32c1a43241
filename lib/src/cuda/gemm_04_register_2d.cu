// Chapter 6, GEMM ladder rung 04: 2D block tiling, an 8 x 8 patch of C per thread.
//
// What changed from rung 03: a block of 256 threads computes a 128 x 128 tile of C (BM x
// BN), and each thread an 8 x 8 patch of it (TM x TN), held in 64 registers. The block
// walks along K in steps of BK = 8: it stages a 128 x 8 tile of A and an 8 x 128 tile of
// B in shared memory, and for each of the 8 k of the step every thread loads 8 values of
// its rows of the A tile and 8 of its columns of the B tile into registers and adds their
// outer product (64 multiply-adds) to its patch:
//
//     patch[i][j] += a_tile[8 thread_row + i][k] * b_tile[k][8 thread_col + j]
//
// Why it should be faster: in rung 03 each multiply-add needs two shared-memory loads;
// here 16 loads feed 64 multiply-adds, 4x fewer, so the arithmetic units rather than
// shared memory set the pace. Each element staged from global memory is also used by
// 128 results instead of 32. (SGEMM_CUDA's kernel 5, the step that makes the biggest
// difference after coalescing.)
//
// Edges: tiles are staged with zeros outside A and B, and only the entries of a patch
// that lie inside C are stored, so any M, N, K works.
//
// The threads share the tiles and 256 threads run as one block, so this rung is a CUDA
// kernel only: there is no host emulation.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

#ifdef __CUDACC__
namespace {

constexpr int kBlockM = 128;                                           // BM: rows of C per block
constexpr int kBlockN = 128;                                           // BN: columns of C per block
constexpr int kBlockK = 8;                                             // BK: the step along K
constexpr int kThreadM = 8;                                            // TM: rows of C per thread
constexpr int kThreadN = 8;                                            // TN: columns of C per thread
constexpr int kThreads = (kBlockM / kThreadM) * (kBlockN / kThreadN);  // 256

__global__ void __launch_bounds__(kThreads)
    gemm_register_2d_kernel(const float* a, const float* b, float* c, int M, int N, int K) {
  __shared__ float a_tile[kBlockM * kBlockK];  // (BM, BK), row-major
  __shared__ float b_tile[kBlockK * kBlockN];  // (BK, BN), row-major
  // The block's corner of C.
  const int row0 = static_cast<int>(blockIdx.y) * kBlockM, col0 = static_cast<int>(blockIdx.x) * kBlockN;
  const int tid = static_cast<int>(threadIdx.x);
  // The thread's patch: rows 8 thread_row .. + 7 and columns 8 thread_col .. + 7 of the tile.
  const int thread_row = tid / (kBlockN / kThreadN), thread_col = tid % (kBlockN / kThreadN);
  // Staging: thread tid copies A tile entries (tid / 8 + 32 i, tid % 8) and B tile entries
  // (tid / 128 + 2 i, tid % 128), for i = 0..3: 1024 entries of each tile, 4 per thread.
  const int a_row = tid / kBlockK, a_col = tid % kBlockK;
  constexpr int a_row_step = kThreads / kBlockK;
  const int b_row = tid / kBlockN, b_col = tid % kBlockN;
  constexpr int b_row_step = kThreads / kBlockN;
  constexpr int copies = kBlockM * kBlockK / kThreads;  // also kBlockK * kBlockN / kThreads

  float patch[kThreadM][kThreadN] = {};
  float a_column[kThreadM], b_row_values[kThreadN];
  for (int k0 = 0; k0 < K; k0 += kBlockK) {
#pragma unroll
    for (int i = 0; i < copies; ++i) {
      const int r = a_row + i * a_row_step, row = row0 + r, k = k0 + a_col;
      a_tile[r * kBlockK + a_col] = row < M && k < K ? a[static_cast<std::size_t>(row) * K + k] : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < copies; ++i) {
      const int r = b_row + i * b_row_step, k = k0 + r, col = col0 + b_col;
      b_tile[r * kBlockN + b_col] = k < K && col < N ? b[static_cast<std::size_t>(k) * N + col] : 0.0f;
    }
    __syncthreads();  // the tiles are complete
#pragma unroll
    for (int k = 0; k < kBlockK; ++k) {
#pragma unroll
      for (int i = 0; i < kThreadM; ++i) a_column[i] = a_tile[(thread_row * kThreadM + i) * kBlockK + k];
#pragma unroll
      for (int j = 0; j < kThreadN; ++j) b_row_values[j] = b_tile[k * kBlockN + thread_col * kThreadN + j];
#pragma unroll
      for (int i = 0; i < kThreadM; ++i)
#pragma unroll
        for (int j = 0; j < kThreadN; ++j) patch[i][j] += a_column[i] * b_row_values[j];
    }
    __syncthreads();  // everyone has read the tiles before the next step overwrites them
  }
#pragma unroll
  for (int i = 0; i < kThreadM; ++i) {
    const int row = row0 + thread_row * kThreadM + i;
#pragma unroll
    for (int j = 0; j < kThreadN; ++j) {
      const int col = col0 + thread_col * kThreadN + j;
      if (row < M && col < N) c[static_cast<std::size_t>(row) * N + col] = patch[i][j];
    }
  }
}

}  // namespace
#endif

namespace detail {

#ifdef __CUDACC__
void gemm_register_2d(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                      Launch where) {
  if (where == Launch::host_emulation) gpu_only_rung("gemm_04_register_2d");
  const dim3 blocks(static_cast<unsigned>(ceil_div(N, kBlockN)), static_cast<unsigned>(ceil_div(M, kBlockM)));
  gemm_register_2d_kernel<<<blocks, kThreads>>>(a, b, c, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K));
  check_launch("gemm_04_register_2d");
}
#else
// A build without CUDA has no kernel to run.
void gemm_register_2d(const float*, const float*, float*, std::size_t, std::size_t, std::size_t, Launch where) {
  rung_without_cuda("gemm_04_register_2d", where);
}
#endif

}  // namespace detail

}  // namespace resnet::cuda
