/// @file
/// @brief Our own single-precision GEMM: packed panels and register-blocked SIMD
///        micro-kernels (portable, AVX2, AVX-512), the instruction set chosen at run time.
///
/// The structure is GotoBLAS/BLIS's. C (M x N) is computed block by block:
///
///     for jc in steps of NC over the columns of C          B block (KC x NC) -> L3
///       for pc in steps of KC over the shared dimension    pack B[pc.., jc..] into NR-column micro-panels
///         for ic in steps of MC over the rows of C         A block (MC x KC) -> L2
///           pack A[ic.., pc..] into MR-row micro-panels
///           for jr in steps of NR: for ir in steps of MR    one B micro-panel (KC x NR) -> L1
///             micro-kernel: C[ir.., jr..] (MR x NR, in registers) += A micro-panel x B micro-panel
///
/// Packing copies each block once into the order the micro-kernel reads it (unit
/// stride, aligned, zero-padded to whole tiles), so the kernel never sees a transpose, a
/// leading dimension or an edge; the copy costs O(MK + KN) against the O(MNK) arithmetic
/// it feeds. The micro-kernel keeps an MR x NR tile of C in vector registers for the
/// whole KC loop: each step loads NR/lanes vectors of B and MR values of A and does
/// MR x NR/lanes FMAs, enough independent ones to hide the FMA latency.
///
/// Two departures from the textbook loops, both measured (bench/results/sgemm.md): when a
/// block of B has few micro-panels (N small, as in ResNet's deep layers), A is read where
/// it is stored instead of packed, since a packed panel would be used only a few times;
/// and threads take bands of C instead of sharing packed blocks.
///
/// Who calls it: resnet::gemm() after use_cpu_gemm(CpuGemm::packed) (the reference ops'
/// products), and the library's convolution (resnet/cpu/conv2d.hpp), which hands it the
/// input's windows as B panels through sgemm_packed_b().
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "resnet/ops/gemm.hpp"

namespace resnet::cpu {

/// @ingroup core
/// @brief The instruction sets sgemm() has a micro-kernel for.
///
/// `portable`: GCC/Clang generic 4-float vectors (NEON on ARM64, SSE on x86-64), on every
/// CPU. `avx2`: AVX2 + FMA, 6 x 16 tile (Haswell, Zen and later). `avx512`: AVX-512F,
/// 12 x 32 tile (Skylake-SP, Ice Lake, Sapphire Rapids, Zen 4).
enum class SimdPath { portable, avx2, avx512 };

/// @ingroup core
/// @brief The name of a path: "portable", "avx2" or "avx512" (the values RESNET_SIMD takes).
const char* simd_path_name(SimdPath path);

/// @ingroup core
/// @brief Whether this CPU (and this build) can run `path`. x86-64 only for AVX2/AVX-512;
///        checked with `__builtin_cpu_supports`, which also checks that the OS saves the
///        wide registers.
bool simd_path_available(SimdPath path);

/// @ingroup core
/// @brief Every path this CPU can run, portable first.
std::vector<SimdPath> available_simd_paths();

/// @ingroup core
/// @brief The path sgemm() uses: the environment variable RESNET_SIMD when set (portable,
///        avx2 or avx512; an unknown name or a path this CPU lacks throws std::runtime_error),
///        otherwise the widest available. Decided once per process and cached.
SimdPath default_simd_path();

/// @ingroup core
/// @brief The register tile and cache blocks of a path's micro-kernel.
struct BlockSizes {
  std::size_t mr;  ///< rows of the C tile in registers: the height of an A micro-panel
  std::size_t nr;  ///< columns of the C tile in registers: the width of a B micro-panel
  std::size_t mc;  ///< rows of A packed at a time (L2), a multiple of mr
  std::size_t kc;  ///< depth of the packed blocks (a B micro-panel in L1)
  std::size_t nc;  ///< columns of B packed at a time (L3), a multiple of nr
};

/// @ingroup core
/// @brief The default BlockSizes of `path`, whether or not this CPU can run it;
///        std::runtime_error if this build has no kernel for it (AVX2, AVX-512 off x86-64).
BlockSizes block_sizes(SimdPath path);

/// @ingroup core
/// @brief Choices for sgemm_with(); zeros mean "the path's default".
struct SgemmOptions {
  SimdPath path = SimdPath::portable;  ///< the micro-kernel; must be available (else std::runtime_error)
  std::size_t mc = 0;  ///< overrides BlockSizes::mc (rounded up to a multiple of mr); tests use small blocks
  std::size_t kc = 0;  ///< overrides BlockSizes::kc
  std::size_t nc = 0;  ///< overrides BlockSizes::nc (rounded up to a multiple of nr)
  int threads =
      0;  ///< threads to use (at most one per tile of a block); 0: resnet::thread_count(), one for small products
};

/// @ingroup core
/// @brief \f$ C \leftarrow \alpha \, \mathrm{op}(A) \, \mathrm{op}(B) + \beta \, C \f$ on
///        row-major matrices, with default_simd_path() and resnet::thread_count() threads.
///
/// The same contract as resnet::gemm() (OpenBLAS), plus leading dimensions, so that a
/// block of a larger matrix can be read or written in place. \f$ \mathrm{op}(A) \f$ is
/// (M, K), \f$ \mathrm{op}(B) \f$ is (K, N), C is (M, N). With beta = 0, C is written
/// without being read (it may hold NaN); with alpha = 0 or K = 0, A and B are not read.
/// Threads take bands of C along its longer side (about three per thread, handed out as
/// they finish), each band packing its own blocks, with no barriers between them; products
/// with fewer than about a million multiply-adds, or called from inside an OpenMP parallel
/// region, run on one thread.
/// @param transpose_a Transpose::yes: A is stored as (K, M)
/// @param transpose_b Transpose::yes: B is stored as (N, K)
/// @param M rows of op(A) and of C
/// @param N columns of op(B) and of C
/// @param K columns of op(A), rows of op(B)
/// @param alpha scale of the product
/// @param a A, row-major, rows lda floats apart: (M, K), or (K, M) transposed
/// @param lda distance between rows of the stored A, at least its row length
/// @param b B, row-major, rows ldb floats apart: (K, N), or (N, K) transposed
/// @param ldb distance between rows of the stored B, at least its row length
/// @param beta scale of C's previous contents (0: overwrite, 1: accumulate)
/// @param c C, (M, N), rows ldc floats apart
/// @param ldc distance between rows of C, at least N
/// @throws resnet::ShapeError when a leading dimension is shorter than its row
/// @see https://www.netlib.org/lapack/explore-html/d1/d54/group__double__blas__level3.html
void sgemm(Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

/// @ingroup core
/// @brief sgemm() with a chosen micro-kernel, block sizes and thread count (tests compare
///        every path the CPU has, benchmarks time them).
void sgemm_with(const SgemmOptions& options, Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N,
                std::size_t K, float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                float beta, float* c, std::size_t ldc);

/// @ingroup core
/// @brief Writes one B micro-panel: rows k0 .. k0 + kc - 1 and columns j0 .. j0 + n - 1 of
///        op(B), as kc groups of nr floats (group p holds row k0 + p), where n <= nr and
///        columns n .. nr - 1 of every group are zeros.
///
/// The driver calls it for every micro-panel it needs, possibly from several threads at
/// once for different panels: it must only write `panel` (nr * kc floats) and must not
/// throw. This is how a convolution can pack its input windows straight into B panels
/// (B = the im2col matrix, never built whole): op(B)(p, j) is then input pixel p of
/// window j. `panel` is 64-byte aligned.
using BPanelPacker =
    std::function<void(std::size_t k0, std::size_t kc, std::size_t j0, std::size_t n, std::size_t nr, float* panel)>;

/// @ingroup core
/// @brief C = alpha op(A) B + beta C where B (K x N) exists only as the micro-panels that
///        `pack_b` writes on request. Otherwise as sgemm_with().
void sgemm_packed_b(const SgemmOptions& options, Transpose transpose_a, std::size_t M, std::size_t N, std::size_t K,
                    float alpha, const float* a, std::size_t lda, const BPanelPacker& pack_b, float beta, float* c,
                    std::size_t ldc);

/// @ingroup core
/// @brief The BPanelPacker of a stored matrix: packs rows k0 .. k0 + kc - 1 and columns
///        j0 .. j0 + n - 1 of op(B) (B stored as (K, N), or (N, K) with Transpose::yes,
///        rows ldb floats apart) into `panel` as kc groups of nr floats, zero-padded.
void pack_b_panel(Transpose transpose_b, const float* b, std::size_t ldb, std::size_t k0, std::size_t kc,
                  std::size_t j0, std::size_t n, std::size_t nr, float* panel);

/// @ingroup core
/// @brief Packs rows i0 .. i0 + m - 1 and columns k0 .. k0 + kc - 1 of op(A) (A stored as
///        (M, K), or (K, M) with Transpose::yes) into `panel` as kc groups of mr floats
///        (group p holds column k0 + p), rows m .. mr - 1 zeros.
void pack_a_panel(Transpose transpose_a, const float* a, std::size_t lda, std::size_t i0, std::size_t m, std::size_t k0,
                  std::size_t kc, std::size_t mr, float* panel);

}  // namespace resnet::cpu
