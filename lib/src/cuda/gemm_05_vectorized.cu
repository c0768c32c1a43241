// Chapter 6, GEMM ladder rung 05: vectorised (128-bit) memory accesses and a transposed
// A tile.
//
// What changed from rung 04: the same tiles (BM = BN = 128, BK = 8, an 8 x 8 patch of C
// per thread), but
//   - global loads of A and B, and stores of C, move four floats at once (float4: one
//     128-bit instruction instead of four 32-bit ones). Each thread stages exactly one
//     float4 of the A tile and one of the B tile per step;
//   - the A tile is stored transposed in shared memory, a_tile_t[k][m], so the 8 values
//     of a thread's rows at one k are contiguous, like those of the B tile; the compiler
//     can then read both with 128-bit shared-memory loads (LDS.128).
//
// Why it should be faster: fewer load and store instructions for the same bytes, in the
// staging and in the inner loop, leaving more issue slots for the multiply-adds.
// (SGEMM_CUDA's kernel 6.)
//
// Edges: a float4 load needs its address aligned to 16 bytes, i.e. rows whose length is a
// multiple of 4 (K for A, N for B and C) and aligned base pointers. The kernel is compiled
// twice: with kAligned, four values that are all inside the matrix move as one float4 and
// the others one by one with bounds checks; without it (any other sizes), every access is
// a bounds-checked scalar one. Zeros are staged outside A and B, so any M, N, K works.
//
// Like rung 04, the whole kernel is one function of one thread, barriers included, so the
// block emulator runs it on the CPU: there a float4 is four floats copied at once (Float4),
// and the shared-memory race checks see each of the four words.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>
#include <cstdint>
#include <cstring>

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

// Four floats moved as one: CUDA's float4 (one 128-bit load or store) on the GPU, a
// 16-byte struct on the CPU.
#ifdef __CUDACC__
using Float4 = float4;
#else
struct alignas(16) Float4 {
  float x, y, z, w;
};
#endif

// The four floats at `address`, which is 16-byte aligned: one float4 load on the GPU; a
// copy of 16 bytes on the CPU (reading floats through a Float4 pointer would break C++'s
// aliasing rules there).
RESNET_HOST_DEVICE inline Float4 load_aligned_four(const float* address) {
#ifdef __CUDA_ARCH__
  return *reinterpret_cast<const float4*>(address);
#else
  Float4 four;
  std::memcpy(&four, address, sizeof four);
  return four;
#endif
}

// Stores four floats at the 16-byte aligned `address`: one float4 store on the GPU.
RESNET_HOST_DEVICE inline void store_aligned_four(float* address, const float* values) {
#ifdef __CUDA_ARCH__
  *reinterpret_cast<float4*>(address) = make_float4(values[0], values[1], values[2], values[3]);
#else
  std::memcpy(address, values, 4 * sizeof(float));
#endif
}

// matrix[row, col .. col + 3] of a (rows, cols) row-major matrix, zero where outside it.
// One float4 load when all four are inside and rows are 16-byte aligned (kAligned).
template <bool kAligned>
RESNET_HOST_DEVICE Float4 load_four(const float* matrix, int rows, int cols, int row, int col) {
  const std::size_t start = static_cast<std::size_t>(row) * cols + col;
  if (kAligned && row < rows && col + 3 < cols) return load_aligned_four(matrix + start);
  float values[4];
  RESNET_UNROLL
  for (int q = 0; q < 4; ++q) values[q] = row < rows && col + q < cols ? matrix[start + q] : 0.0f;
  return Float4{values[0], values[1], values[2], values[3]};
}

// matrix[row, col .. col + 3] = values, for the entries inside the matrix.
template <bool kAligned>
RESNET_HOST_DEVICE void store_four(float* matrix, int rows, int cols, int row, int col, const float* values) {
  if (row >= rows) return;
  const std::size_t start = static_cast<std::size_t>(row) * cols + col;
  if (kAligned && col + 3 < cols) {
    store_aligned_four(matrix + start, values);
    return;
  }
  RESNET_UNROLL
  for (int q = 0; q < 4; ++q)
    if (col + q < cols) matrix[start + q] = values[q];
}

// One thread of the block (256 threads along x): its 8 x 8 patch of the block's 128 x 128
// tile of C, as in rung 04, with float4 staging and the A tile transposed.
template <bool kAligned>
RESNET_HOST_DEVICE void gemm_vectorized_thread(const ThreadIndex& t, const float* a, const float* b, float* c, int M,
                                               int N, int K) {
  // 16-byte aligned, so that the compiler may read 4 of a thread's values at once (LDS.128).
  alignas(16) RESNET_SHARED BlockArray<float, kBlockK * kBlockM> a_tile_t;  // (BK, BM): the A tile, transposed
  alignas(16) RESNET_SHARED BlockArray<float, kBlockK * kBlockN> b_tile;    // (BK, BN)
  // The block's corner of C.
  const int row0 = static_cast<int>(t.block.y) * kBlockM, col0 = static_cast<int>(t.block.x) * kBlockN;
  const int tid = static_cast<int>(t.thread.x);
  const int thread_row = tid / (kBlockN / kThreadN), thread_col = tid % (kBlockN / kThreadN);
  // Staging, one float4 of each tile per thread: A tile row tid / 2, columns 4 (tid % 2)
  // .. + 3; B tile row tid / 32, columns 4 (tid % 32) .. + 3.
  const int a_row = tid / (kBlockK / 4), a_col = (tid % (kBlockK / 4)) * 4;
  const int b_row = tid / (kBlockN / 4), b_col = (tid % (kBlockN / 4)) * 4;

  float patch[kThreadM][kThreadN] = {};
  float a_column[kThreadM], b_row_values[kThreadN];
  for (int k0 = 0; k0 < K; k0 += kBlockK) {
    const Float4 a_four = load_four<kAligned>(a, M, K, row0 + a_row, k0 + a_col);
    a_tile_t[(a_col + 0) * kBlockM + a_row] = a_four.x;  // transposed: a_tile_t[k][m]
    a_tile_t[(a_col + 1) * kBlockM + a_row] = a_four.y;
    a_tile_t[(a_col + 2) * kBlockM + a_row] = a_four.z;
    a_tile_t[(a_col + 3) * kBlockM + a_row] = a_four.w;
    // Four neighbouring words: the compiler may store them as one float4 (STS.128).
    const Float4 b_four = load_four<kAligned>(b, K, N, k0 + b_row, col0 + b_col);
    b_tile[b_row * kBlockN + b_col + 0] = b_four.x;
    b_tile[b_row * kBlockN + b_col + 1] = b_four.y;
    b_tile[b_row * kBlockN + b_col + 2] = b_four.z;
    b_tile[b_row * kBlockN + b_col + 3] = b_four.w;
    sync_threads();  // the tiles are complete
    RESNET_UNROLL
    for (int k = 0; k < kBlockK; ++k) {
      RESNET_UNROLL
      for (int i = 0; i < kThreadM; ++i) a_column[i] = a_tile_t[k * kBlockM + thread_row * kThreadM + i];
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
    for (int j = 0; j < kThreadN; j += 4) {
      store_four<kAligned>(c, M, N, row, col0 + thread_col * kThreadN + j, &patch[i][j]);
    }
  }
}

// True when the pointer is a multiple of 16 bytes, as a float4 access needs.
bool is_16_byte_aligned(const void* pointer) { return reinterpret_cast<std::uintptr_t>(pointer) % 16 == 0; }

}  // namespace

namespace detail {

void gemm_vectorized(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                     Launch where) {
  // Every row of A, B and C starts on a 16-byte boundary when the rows hold a multiple of
  // 4 floats and the matrices themselves start on one (cudaMalloc gives 256 bytes).
  const bool aligned =
      K % 4 == 0 && N % 4 == 0 && is_16_byte_aligned(a) && is_16_byte_aligned(b) && is_16_byte_aligned(c);
  const Grid grid{Dim3{static_cast<unsigned>(ceil_div(N, kBlockN)), static_cast<unsigned>(ceil_div(M, kBlockM)), 1},
                  Dim3{kThreads, 1, 1}};
  const int m = static_cast<int>(M), n = static_cast<int>(N), k = static_cast<int>(K);
  if (aligned) {
    launch_cooperative("gemm_05_vectorized", grid, where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
      gemm_vectorized_thread<true>(t, a, b, c, m, n, k);
    });
  } else {
    launch_cooperative("gemm_05_vectorized", grid, where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
      gemm_vectorized_thread<false>(t, a, b, c, m, n, k);
    });
  }
}

}  // namespace detail

}  // namespace resnet::cuda
