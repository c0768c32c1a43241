// Chapter 1, task 1.5: the naive matrix multiply (see chapters/01_tensors/README.md).
#include "resnet/ops/matmul.hpp"

#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 2> matmul_naive(const xt::xtensor<T, 2>& a,    // (M, K)
                               const xt::xtensor<T, 2>& b) {  // (K, N)
  // BEGIN SOLUTION 1.5 matmul_naive: a (M, K) times b (K, N) -> (M, N) with your own loops, no BLAS; ShapeError naming both shapes when a's columns differ from b's rows
  // M, K, N are the usual names of a matrix product's sizes (not the batch N and the
  // output channels K of the image legend used elsewhere).
  const std::size_t M = a.shape()[0], K = a.shape()[1], N = b.shape()[1];
  if (b.shape()[0] != K) {
    throw ShapeError("matmul_naive: a has shape " + format_shape(a.shape()) + " and b has shape " +
                     format_shape(b.shape()) + "; a's columns must equal b's rows");
  }
  xt::xtensor<T, 2> c = xt::zeros<T>({M, N});
  // Loop order i, p, j (not i, j, p): the innermost loop walks along a row of B and a row
  // of C, both contiguous in memory, so every cache line fetched is used completely.
  const T* A = a.data();
  const T* B = b.data();
  T* C = c.data();
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t p = 0; p < K; ++p) {
      const T a_ip = A[i * K + p];
      for (std::size_t j = 0; j < N; ++j) C[i * N + j] += a_ip * B[p * N + j];
    }
  }
  return c;
  // END SOLUTION
}

template xt::xtensor<float, 2> matmul_naive(const xt::xtensor<float, 2>&, const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> matmul_naive(const xt::xtensor<double, 2>&, const xt::xtensor<double, 2>&);

}  // namespace resnet
