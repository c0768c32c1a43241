#include "resnet/ops/gemm.hpp"

#include <limits>
#include <stdexcept>

#include <cblas.h>

#include "resnet/error.hpp"

namespace resnet {

namespace {

// BLAS sizes are int: a matrix with more rows or columns than that cannot be passed.
blasint blas_size(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<blasint>::max())) {
    throw ShapeError("gemm: size " + std::to_string(size) + " exceeds what BLAS accepts");
  }
  return static_cast<blasint>(size);
}

CBLAS_TRANSPOSE to_cblas(Transpose transpose) { return transpose == Transpose::yes ? CblasTrans : CblasNoTrans; }

}  // namespace

template <>
void gemm<float>(Transpose transpose_a, Transpose transpose_b, std::size_t M, std::size_t N, std::size_t K, float alpha,
                 const float* a, const float* b, float beta, float* c) {
  if (M == 0 || N == 0) return;
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
