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
// The whole kernel is one function of one thread, barriers included: on the GPU a CUDA
// kernel; under host emulation the block emulator runs a block's 256 threads as fibers, so
// the same body is tested on the CPU, race checks and all.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

namespace {

constexpr int kBlockM = 128;                                           // BM: rows of C per block
constexpr int kBlockN = 128;                                           // BN: columns of C per block
constexpr int kBlockK = 8;                                             // BK: the step along K
constexpr int kThreadM = 8;                                            // TM: rows of C per thread
constexpr int kThreadN = 8;                                            // TN: columns of C per thread
constexpr int kThreads = (kBlockM / kThreadM) * (kBlockN / kThreadN);  // 256

// Stages the block's tiles for the step starting at k0: thread tid copies A tile entries
// (tid / 8 + 32 i, tid % 8) and B tile entries (tid / 128 + 2 i, tid % 128), for i = 0..3:
// 1024 entries of each tile, 4 per thread, 0 outside A and B.
template <class ATile, class BTile>
RESNET_HOST_DEVICE void stage_tiles(int tid, int row0, int col0, int k0, const float* a, const float* b, int M, int N,
                                    int K, ATile& a_tile, BTile& b_tile) {
  const int a_row = tid / kBlockK, a_col = tid % kBlockK;
  constexpr int a_row_step = kThreads / kBlockK;
  const int b_row = tid / kBlockN, b_col = tid % kBlockN;
  constexpr int b_row_step = kThreads / kBlockN;
  constexpr int copies = kBlockM * kBlockK / kThreads;  // also kBlockK * kBlockN / kThreads
  RESNET_UNROLL
  for (int i = 0; i < copies; ++i) {
    const int r = a_row + i * a_row_step, row = row0 + r, k = k0 + a_col;
    a_tile[r * kBlockK + a_col] = row < M && k < K ? a[static_cast<std::size_t>(row) * K + k] : 0.0f;
  }
  RESNET_UNROLL
  for (int i = 0; i < copies; ++i) {
    const int r = b_row + i * b_row_step, k = k0 + r, col = col0 + b_col;
    b_tile[r * kBlockN + b_col] = k < K && col < N ? b[static_cast<std::size_t>(k) * N + col] : 0.0f;
  }
}

// One thread of the block (256 threads along x): its 8 x 8 patch of the block's 128 x 128
// tile of C, rows 8 thread_row .. + 7 and columns 8 thread_col .. + 7 of the tile.
RESNET_HOST_DEVICE void gemm_register_2d_thread(const ThreadIndex& t, const float* a, const float* b, float* c, int M,
                                                int N, int K) {
  RESNET_SHARED BlockArray<float, kBlockM * kBlockK> a_tile;  // (BM, BK), row-major
  RESNET_SHARED BlockArray<float, kBlockK * kBlockN> b_tile;  // (BK, BN), row-major
  // The block's corner of C.
  const int row0 = static_cast<int>(t.block.y) * kBlockM, col0 = static_cast<int>(t.block.x) * kBlockN;
  const int tid = static_cast<int>(t.thread.x);
  const int thread_row = tid / (kBlockN / kThreadN), thread_col = tid % (kBlockN / kThreadN);

  float patch[kThreadM][kThreadN] = {};
  float a_column[kThreadM], b_row_values[kThreadN];
  for (int k0 = 0; k0 < K; k0 += kBlockK) {
    stage_tiles(tid, row0, col0, k0, a, b, M, N, K, a_tile, b_tile);
    sync_threads();  // the tiles are complete
    RESNET_UNROLL
    for (int k = 0; k < kBlockK; ++k) {
      RESNET_UNROLL
      for (int i = 0; i < kThreadM; ++i) a_column[i] = a_tile[(thread_row * kThreadM + i) * kBlockK + k];
      RESNET_UNROLL
      for (int j = 0; j < kThreadN; ++j) b_row_values[j] = b_tile[k * kBlockN + thread_col * kThreadN + j];
      RESNET_UNROLL
      for (int i = 0; i < kThreadM; ++i) {
        RESNET_UNROLL
        for (int j = 0; j < kThreadN; ++j) patch[i][j] += a_column[i] * b_row_values[j];
      }
    }
    sync_threads();  // everyone has read the tiles before the next step overwrites them
  }
  RESNET_UNROLL
  for (int i = 0; i < kThreadM; ++i) {
    const int row = row0 + thread_row * kThreadM + i;
    RESNET_UNROLL
    for (int j = 0; j < kThreadN; ++j) {
      const int col = col0 + thread_col * kThreadN + j;
      if (row < M && col < N) c[static_cast<std::size_t>(row) * N + col] = patch[i][j];
    }
  }
}

}  // namespace

namespace detail {

void gemm_register_2d(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                      Launch where) {
  const Grid grid{Dim3{static_cast<unsigned>(ceil_div(N, kBlockN)), static_cast<unsigned>(ceil_div(M, kBlockM)), 1},
                  Dim3{kThreads, 1, 1}};
  const int m = static_cast<int>(M), n = static_cast<int>(N), k = static_cast<int>(K);
  launch_cooperative("gemm_04_register_2d", grid, where,
                     [=] RESNET_HOST_DEVICE(const ThreadIndex& t) { gemm_register_2d_thread(t, a, b, c, m, n, k); });
}

}  // namespace detail

}  // namespace resnet::cuda
