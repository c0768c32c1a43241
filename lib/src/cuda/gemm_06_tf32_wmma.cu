// Chapter 6, GEMM ladder rung 06: tensor cores through WMMA, TF32 inputs, FP32 sums.
//
// What changed from rung 05: the multiply-adds leave the ordinary FP32 units for the
// tensor cores. A tensor core multiplies small matrices in one warp-wide instruction; CUDA's
// WMMA API (nvcuda::wmma, <mma.h>) exposes it as "fragments" that belong to a whole warp:
//
//     load_matrix_sync(a_fragment, pointer, stride)   a 16 x 8 piece of A, from shared memory
//     load_matrix_sync(b_fragment, pointer, stride)   an 8 x 16 piece of B
//     mma_sync(c_fragment, a_fragment, b_fragment, c_fragment)   c += a b, 16 x 16 x 8
//     store_matrix_sync(pointer, c_fragment, stride, mem_row_major)
//
// The inputs are TF32: float's 8-bit exponent with a 10-bit mantissa (like half's), so
// each input is rounded to about 3 decimal digits (relative error up to 2^-11 = 4.9e-4;
// __float_to_tf32 rounds to nearest). The products are exact and the sums FP32. Results
// therefore differ from FP32 ones by about 1e-3 relative, which training tolerates: this
// is what PyTorch does for convolutions on Ampere and newer by default
// (torch.backends.cudnn.allow_tf32).
//
// The block: 256 threads = 8 warps compute a 128 x 128 tile of C, walking along K in
// steps of 32. Each step stages a 128 x 32 tile of A and a 32 x 128 tile of B in shared
// memory (rounded to TF32 once, as they are staged; zeros outside A and B); the warps,
// arranged 2 x 4, each own a 64 x 32 piece of the tile: 4 x 2 accumulator fragments of
// 16 x 16, updated with 4 x 2 mma_sync per 8 of K. The shared tiles' rows are padded by
// 4 floats (16 bytes) so that the rows a fragment load reads fall in different banks.
// At the end each warp writes its fragments through a 16 x 16 scratch area in shared
// memory, from which its lanes copy the entries that lie inside C: so any M, N, K works.
//
// Why it should be faster: one mma_sync does 16 x 16 x 8 = 2048 multiply-adds; an H100's
// tensor cores deliver several times the FP32 units' TF32 throughput (about 495 against
// 67 TFLOP/s dense, from NVIDIA's data sheet). This rung does not yet overlap loading with
// computing (double buffering, cp.async), which cuBLAS does.
//
// Needs compute capability 8.0 (Ampere) or newer: CMAKE_CUDA_ARCHITECTURES is 80-real 90.
// A CUDA kernel only: there is no host emulation.
//
// Not measured yet: no GPU has run this ladder. bench/gpu/run.sh prints the TFLOP/s and the
// fraction of cuBLAS of every rung when one does.
#include <cstddef>
#include <string>

#ifdef __CUDACC__
#include <mma.h>
#endif

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/error.hpp"

namespace resnet::cuda {

#ifdef __CUDACC__
namespace {

constexpr int kBlockM = 128;  // rows of C per block
constexpr int kBlockN = 128;  // columns of C per block
constexpr int kBlockK = 32;   // the step along K
constexpr int kWarpsM = 2;    // the block's 8 warps, as 2 rows
constexpr int kWarpsN = 4;    //   of 4
constexpr int kThreads = 32 * kWarpsM * kWarpsN;
constexpr int kWarpM = kBlockM / kWarpsM;                        // 64 rows of C per warp
constexpr int kWarpN = kBlockN / kWarpsN;                        // 32 columns of C per warp
constexpr int kFragmentM = 16, kFragmentN = 16, kFragmentK = 8;  // the TF32 WMMA shape m16n16k8
constexpr int kFragmentsM = kWarpM / kFragmentM;                 // 4
constexpr int kFragmentsN = kWarpN / kFragmentN;                 // 2
// Row lengths of the shared tiles, padded by 4 floats. WMMA wants a multiple of 4 floats
// (16 bytes) and fragment pointers on 32-byte boundaries, which these keep.
constexpr int kATileStride = kBlockK + 4;  // 36
constexpr int kBTileStride = kBlockN + 4;  // 132

namespace wmma = nvcuda::wmma;

__global__ void __launch_bounds__(kThreads)
    gemm_tf32_wmma_kernel(const float* a, const float* b, float* c, int M, int N, int K) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
  __shared__ __align__(128) float a_tile[kBlockM * kATileStride];                        // (128, 32 + 4)
  __shared__ __align__(128) float b_tile[kBlockK * kBTileStride];                        // (32, 128 + 4)
  __shared__ __align__(128) float scratch[kWarpsM * kWarpsN * kFragmentM * kFragmentN];  // 16 x 16 per warp
  const int row0 = static_cast<int>(blockIdx.y) * kBlockM, col0 = static_cast<int>(blockIdx.x) * kBlockN;
  const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, lane = tid % 32;
  const int warp_row = warp / kWarpsN, warp_col = warp % kWarpsN;  // the warp's piece of the tile

  wmma::fragment<wmma::accumulator, kFragmentM, kFragmentN, kFragmentK, float> sums[kFragmentsM][kFragmentsN];
#pragma unroll
  for (int i = 0; i < kFragmentsM; ++i)
#pragma unroll
    for (int j = 0; j < kFragmentsN; ++j) wmma::fill_fragment(sums[i][j], 0.0f);

  for (int k0 = 0; k0 < K; k0 += kBlockK) {
    // Staging: consecutive threads copy consecutive entries of a row (coalesced), each
    // rounded to TF32 once here rather than in every fragment that reads it.
    for (int e = tid; e < kBlockM * kBlockK; e += kThreads) {
      const int r = e / kBlockK, k = e % kBlockK, row = row0 + r;
      const float value = row < M && k0 + k < K ? a[static_cast<std::size_t>(row) * K + k0 + k] : 0.0f;
      a_tile[r * kATileStride + k] = wmma::__float_to_tf32(value);
    }
    for (int e = tid; e < kBlockK * kBlockN; e += kThreads) {
      const int k = e / kBlockN, j = e % kBlockN, col = col0 + j;
      const float value = k0 + k < K && col < N ? b[static_cast<std::size_t>(k0 + k) * N + col] : 0.0f;
      b_tile[k * kBTileStride + j] = wmma::__float_to_tf32(value);
    }
    __syncthreads();  // the tiles are complete
#pragma unroll
    for (int k = 0; k < kBlockK; k += kFragmentK) {
      wmma::fragment<wmma::matrix_a, kFragmentM, kFragmentN, kFragmentK, wmma::precision::tf32, wmma::row_major>
          a_pieces[kFragmentsM];
      wmma::fragment<wmma::matrix_b, kFragmentM, kFragmentN, kFragmentK, wmma::precision::tf32, wmma::row_major>
          b_pieces[kFragmentsN];
#pragma unroll
      for (int i = 0; i < kFragmentsM; ++i) {
        const int r = warp_row * kWarpM + i * kFragmentM;
        wmma::load_matrix_sync(a_pieces[i], &a_tile[r * kATileStride + k], kATileStride);
      }
#pragma unroll
      for (int j = 0; j < kFragmentsN; ++j) {
        const int col = warp_col * kWarpN + j * kFragmentN;
        wmma::load_matrix_sync(b_pieces[j], &b_tile[k * kBTileStride + col], kBTileStride);
      }
#pragma unroll
      for (int i = 0; i < kFragmentsM; ++i)
#pragma unroll
        for (int j = 0; j < kFragmentsN; ++j) wmma::mma_sync(sums[i][j], a_pieces[i], b_pieces[j], sums[i][j]);
    }
    __syncthreads();  // everyone has read the tiles before the next step overwrites them
  }

  // Each fragment goes to the warp's scratch area, then its lanes copy the 256 entries
  // that lie inside C (8 each; consecutive lanes, consecutive columns).
  float* warp_scratch = &scratch[warp * kFragmentM * kFragmentN];
#pragma unroll
  for (int i = 0; i < kFragmentsM; ++i) {
#pragma unroll
    for (int j = 0; j < kFragmentsN; ++j) {
      wmma::store_matrix_sync(warp_scratch, sums[i][j], kFragmentN, wmma::mem_row_major);
      __syncwarp();  // the whole fragment is in scratch
      const int fragment_row = row0 + warp_row * kWarpM + i * kFragmentM;
      const int fragment_col = col0 + warp_col * kWarpN + j * kFragmentN;
      for (int e = lane; e < kFragmentM * kFragmentN; e += 32) {
        const int row = fragment_row + e / kFragmentN, col = fragment_col + e % kFragmentN;
        if (row < M && col < N) c[static_cast<std::size_t>(row) * N + col] = warp_scratch[e];
      }
      __syncwarp();  // every lane has copied before the next fragment overwrites scratch
    }
  }
#else
  __trap();  // never launched: the host refuses GPUs without TF32 tensor cores
#endif
}

// Throws DeviceError unless the current GPU has TF32 tensor cores (compute capability 8.0+).
void require_tf32_tensor_cores() {
  int device = 0, major = 0, minor = 0;
  cudaError_t status = cudaGetDevice(&device);
  if (status == cudaSuccess) status = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  if (status == cudaSuccess) status = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  if (status != cudaSuccess) {
    throw DeviceError(std::string("gemm_06_tf32_wmma: reading the GPU's compute capability failed: ") +
                      cudaGetErrorString(status));
  }
  if (major < 8) {
    throw DeviceError(
        "gemm_06_tf32_wmma needs TF32 tensor cores, compute capability 8.0 (Ampere) or newer; "
        "this GPU has " +
        std::to_string(major) + "." + std::to_string(minor));
  }
}

}  // namespace
#endif

namespace detail {

#ifdef __CUDACC__
void gemm_tf32_wmma(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                    Launch where) {
  if (where == Launch::host_emulation) gpu_only_rung("gemm_06_tf32_wmma");
  require_tf32_tensor_cores();
  const dim3 blocks(static_cast<unsigned>(ceil_div(N, kBlockN)), static_cast<unsigned>(ceil_div(M, kBlockM)));
  gemm_tf32_wmma_kernel<<<blocks, kThreads>>>(a, b, c, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K));
  check_launch("gemm_06_tf32_wmma");
}
#else
// A build without CUDA has no kernel to run.
void gemm_tf32_wmma(const float*, const float*, float*, std::size_t, std::size_t, std::size_t, Launch where) {
  rung_without_cuda("gemm_06_tf32_wmma", where);
}
#endif

}  // namespace detail

}  // namespace resnet::cuda
