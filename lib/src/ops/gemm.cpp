#include "resnet/ops/gemm.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <stdexcept>

#include <cblas.h>

#include "resnet/cpu/packed_sgemm.hpp"
#include "resnet/error.hpp"

namespace resnet {

namespace {

// Set between steps by a command or a test, read by every float product: an atomic, so that
// a product running on another thread never reads a half-written value.
std::atomic<CpuGemm> chosen_cpu_gemm{CpuGemm::openblas};

// BLAS sizes are int: a matrix with more rows or columns than that cannot be passed.
blasint blas_size(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<blasint>::max())) {
    throw ShapeError("gemm: size " + std::to_string(size) + " exceeds what BLAS accepts");
  }
  return static_cast<blasint>(size);
}

CBLAS_TRANSPOSE to_cblas(Transpose transpose) { return transpose == Transpose::yes ? CblasTrans : CblasNoTrans; }

}  // namespace

void use_cpu_gemm(CpuGemm backend) { chosen_cpu_gemm.store(backend); }

CpuGemm cpu_gemm() { return chosen_cpu_gemm.load(); }

const char* cpu_gemm_name(CpuGemm backend) { return backend == CpuGemm::packed ? "packed" : "openblas"; }

template <>
void gemm<float>(Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
                 const float* a, const float* b, float beta, float* c) {
  if (M == 0 || N == 0) return;
  if (cpu_gemm() == CpuGemm::packed) {
    // Leading dimension = the stored row length of each matrix (at least 1, as BLAS wants).
    const std::size_t lda = std::max<std::size_t>(transpose_a == Transpose::yes ? M : K, 1);
    const std::size_t ldb = std::max<std::size_t>(transpose_b == Transpose::yes ? K : N, 1);
    cpu::sgemm(transpose_a, transpose_b, M, N, K, alpha, a, lda, b, ldb, beta, c, N);
    return;
  }
  // Leading dimension = the stored row length of each matrix.
  const blasint lda = blas_size(transpose_a == Transpose::yes ? M : K);
  const blasint ldb = blas_size(transpose_b == Transpose::yes ? K : N);
  cblas_sgemm(CblasRowMajor, to_cblas(transpose_a), to_cblas(transpose_b), blas_size(M), blas_size(N), blas_size(K),
              alpha, a, std::max<blasint>(lda, 1), b, std::max<blasint>(ldb, 1), beta, c, blas_size(N));
}

template <>
void gemm<double>(Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N, std::size_t K,
                  double alpha, const double* a, const double* b, double beta, double* c) {
  if (M == 0 || N == 0) return;
  const blasint lda = blas_size(transpose_a == Transpose::yes ? M : K);
  const blasint ldb = blas_size(transpose_b == Transpose::yes ? K : N);
  cblas_dgemm(CblasRowMajor, to_cblas(transpose_a), to_cblas(transpose_b), blas_size(M), blas_size(N), blas_size(K),
              alpha, a, std::max<blasint>(lda, 1), b, std::max<blasint>(ldb, 1), beta, c, blas_size(N));
}

}  // namespace resnet
