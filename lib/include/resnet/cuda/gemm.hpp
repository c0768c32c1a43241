/// @file
/// @brief The GEMM ladder of chapter 6: one matrix product, C = A B, written six ways,
///        each a step faster than the one before (gemm_0N_*.cu: rungs 01 and 03 are tasks,
///        in solutions/06_cuda/; the others are in lib/src/cuda/).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

/// @ingroup ch06
/// @brief The rungs of the GEMM ladder, in order. Each file says what changed from the
///        rung before and what it measured.
enum class GemmKernel {
  naive = 1,    ///< 01: one thread per C entry, threads of a warp walk down a column of C (task 6.3)
  coalesced,    ///< 02: the same, but a warp's threads take neighbouring columns: coalesced loads of B
  smem_tiled,   ///< 03: blocks stage 32x32 tiles of A and B in shared memory (task 6.4); emulated on the block emulator
  register_2d,  ///< 04: each thread computes an 8x8 patch of C from registers (2D blocktiling)
  vectorized,   ///< 05: as 04 with 128-bit (float4) loads and a transposed A tile
  tf32_wmma,    ///< 06: tensor cores through WMMA, TF32 inputs, FP32 accumulation
};

/// @ingroup ch06
/// @brief Every rung, in ladder order.
std::vector<GemmKernel> all_gemm_kernels();

/// @ingroup ch06
/// @brief The rung's file-style name, e.g. "01_naive", "06_tf32_wmma".
/// @param kernel the rung
/// @return the name, as in the rung's file: "01_naive" for solutions/06_cuda/gemm_01_naive.cu
std::string gemm_kernel_name(GemmKernel kernel);

/// @ingroup ch06
/// @brief True for the rungs that also run under Launch::host_emulation: 01 and 02, whose
///        threads do not cooperate, and 03-05, whose shared tiles and barriers the block
///        emulator keeps (resnet/cuda/block_emulator.hpp). 06 computes with warp-wide
///        tensor-core operations (WMMA fragments), which the emulator does not model, and
///        needs a GPU.
/// @param kernel the rung
bool gemm_runs_on_host(GemmKernel kernel);

/// @ingroup ch06
/// @brief C = A B with row-major float matrices: A is (M, K), B is (K, N), C is (M, N):
///        \f$ C_{ij} = \sum_{k=0}^{K-1} A_{ik} B_{kj} \f$ (all zeros when K = 0).
///
/// Any M, N, K (edges that do not fill a tile are handled). Rungs 01-05 compute in FP32;
/// rung 06 rounds A and B to TF32 (10 mantissa bits) and sums in FP32.
/// @param kernel the rung to use
/// @param a      (M, K), device pointer (host pointer under host emulation)
/// @param b      (K, N), same kind of pointer as a
/// @param c      (M, N), overwritten, same kind of pointer as a
/// @param M      rows of A and C
/// @param N      columns of B and C
/// @param K      columns of A, rows of B
/// @param where  Launch::gpu, or Launch::host_emulation for the rungs that allow it
/// @throws std::invalid_argument when a pointer is null but its matrix is not empty, or a
///         size is too large for one launch
/// @throws DeviceError for Launch::gpu in a build without CUDA, for Launch::host_emulation
///         of rung 06 (see gemm_runs_on_host()), and for rung 06 on a GPU older than
///         compute capability 8.0
/// @see https://pytorch.org/docs/stable/generated/torch.mm.html
void gemm(GemmKernel kernel, const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
          Launch where = Launch::gpu);

namespace detail {
// The rungs, one per file gemm_0N_*.cu (solutions/06_cuda/ for 01 and 03, lib/src/cuda/ for the others), with gemm()'s parameters.
// gemm() checks the arguments (and returns early for an empty C) before calling one.
void gemm_naive(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K, Launch where);
void gemm_coalesced(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                    Launch where);
void gemm_smem_tiled(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                     Launch where);
void gemm_register_2d(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                      Launch where);
void gemm_vectorized(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                     Launch where);
void gemm_tf32_wmma(const float* a, const float* b, float* c, std::size_t M, std::size_t N, std::size_t K,
                    Launch where);
// Throws the DeviceError of a rung that has no host emulation.
[[noreturn]] void gpu_only_rung(const char* rung);
// What a GPU-only rung does in a build without CUDA: the DeviceError that says why it cannot
// run (no host emulation, or no CUDA in the build).
[[noreturn]] void rung_without_cuda(const char* rung, Launch where);
}  // namespace detail

}  // namespace resnet::cuda
