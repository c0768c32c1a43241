/// @file
/// @brief General matrix multiply through BLAS: the one routine every heavy op ends in.
#pragma once

#include <cstddef>

namespace resnet {

/// @ingroup ch02
/// @brief Whether gemm() reads a matrix as stored or transposed.
///
/// `Transpose::no`: the matrix is used as stored. `Transpose::yes`: the matrix is stored
/// transposed, and gemm() uses its transpose.
enum class Transpose { no, yes };

/// @ingroup core
/// @brief Which code multiplies float matrices on the CPU: OpenBLAS (`cblas_sgemm`) or our
///        own packed GEMM with SIMD micro-kernels (cpu::sgemm, resnet/cpu/packed_sgemm.hpp).
///
/// One setting for the whole process, read by every float gemm() call; double products
/// always go to OpenBLAS (they serve the gradient checks, not speed).
enum class CpuGemm { openblas, packed };

/// @ingroup core
/// @brief Chooses the code of every later float gemm() call (openblas until changed).
/// @param backend openblas or packed
void use_cpu_gemm(CpuGemm backend);

/// @ingroup core
/// @brief The code float gemm() calls use now.
CpuGemm cpu_gemm();

/// @ingroup core
/// @brief "openblas" or "packed".
const char* cpu_gemm_name(CpuGemm backend);

/// @ingroup ch02
/// @brief \f$ C \leftarrow \alpha \, \mathrm{op}(A) \, \mathrm{op}(B) + \beta \, C \f$ on
///        row-major matrices, through OpenBLAS's `cblas_sgemm` / `cblas_dgemm` (or, for
///        float after use_cpu_gemm(CpuGemm::packed), our own cpu::sgemm).
///
/// \f$ \mathrm{op}(A) \f$ is (M, K) and \f$ \mathrm{op}(B) \f$ is (K, N); C is (M, N).
/// With Transpose::yes the matrix is *stored* transposed: A as (K, M), B as (N, K). No
/// copy is made, which is why the ops use this rather than transposing tensors: a product
/// with \f$ W^\top \f$ reads W as it is stored.
/// Raw pointers (an output parameter, unlike the ops) so that it can write into part of
/// a larger tensor and accumulate with \f$ \beta = 1 \f$. It calls the same cblas routine
/// that xtensor-blas's `xt::blas::gemm` ends in, but directly: xtensor-blas wants whole 2-D
/// containers, and the convolution multiplies a (K, C, R, S) weight as the (K, C·R·S)
/// matrix it already is in memory, without copying it into one. (Chapter 1's
/// matmul_blas() shows the xtensor-blas route.)
/// @param transpose_a how A is stored
/// @param transpose_b how B is stored
/// @param M rows of op(A) and of C
/// @param N columns of op(B) and of C
/// @param K columns of op(A), rows of op(B)
/// @param alpha scale of the product
/// @param a the first matrix, row-major: (M, K), or (K, M) with Transpose::yes
/// @param b the second matrix, row-major: (K, N), or (N, K) with Transpose::yes
/// @param beta scale of C's previous contents (0: overwrite, 1: accumulate)
/// @param c the result, (M, N) row-major
/// @see https://www.netlib.org/lapack/explore-html/d1/d54/group__double__blas__level3.html
template <class T>
void gemm(Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* a, const T* b, T beta, T* c);

}  // namespace resnet
