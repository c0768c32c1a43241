// matmul_blas: the framework's matrix multiply, through xtensor-blas and OpenBLAS.
// Kept in its own file so that the heavy xtensor-blas headers are compiled once.
#include <string>

#include <xtensor-blas/xlinalg.hpp>

#include "resnet/error.hpp"
#include "resnet/ops/matmul.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 2> matmul_blas(const xt::xtensor<T, 2>& a,    // (M, K)
                              const xt::xtensor<T, 2>& b) {  // (K, N)
  if (a.shape()[1] != b.shape()[0]) {
    throw ShapeError("matmul_blas: a has shape " + format_shape(a.shape()) + " and b has shape " +
                     format_shape(b.shape()) + "; a's columns must equal b's rows");
  }
  xt::xtensor<T, 2> c = xt::linalg::dot(a, b);
  return c;
}

template xt::xtensor<float, 2> matmul_blas(const xt::xtensor<float, 2>&, const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> matmul_blas(const xt::xtensor<double, 2>&, const xt::xtensor<double, 2>&);

}  // namespace resnet
