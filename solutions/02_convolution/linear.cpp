// Chapter 2, task 2.2: the fully connected layer (see chapters/02_convolution/README.md).
#include "resnet/ops/linear.hpp"

#include <string>

#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
LinearOutput<T> linear_forward(const xt::xtensor<T, 2>& x,       // (N, C)
                               const xt::xtensor<T, 2>& weight,  // (K, C)
                               const xt::xtensor<T, 1>& bias) {  // (K)
  const std::size_t N = x.shape()[0], C = x.shape()[1], K = weight.shape()[0];
  if (weight.shape()[1] != C || bias.size() != K) {
    throw ShapeError("linear_forward: x " + format_shape(x.shape()) + ", weight " + format_shape(weight.shape()) +
                     " and bias " + format_shape(bias.shape()) +
                     " do not fit: expected x (N, C), weight (K, C), bias (K)");
  }
  // BEGIN SOLUTION 2.2 linear_forward: x (N, C), weight (K, C), bias (K) -> {y (N, K), cache}, as torch.nn.functional.linear
  // y (N, K) = x (N, C) times W^T (C, K): W is stored (K, C), so gemm reads it transposed.
  xt::xtensor<T, 2> y = xt::zeros<T>({N, K});
  gemm(Transpose::no, Transpose::yes, N, K, C, T(1), x.data(), weight.data(), T(0), y.data());
  y += xt::view(bias, xt::newaxis(), xt::all());  // the (K) bias broadcast over the N rows
  return {y, {x, weight}};
  // END SOLUTION
}

template <class T>
LinearGrads<T> linear_backward(const xt::xtensor<T, 2>& dy,  // (N, K)
                               const LinearCache<T>& cache) {
  const std::size_t N = cache.x.shape()[0], C = cache.x.shape()[1], K = cache.weight.shape()[0];
  if (dy.shape()[0] != N || dy.shape()[1] != K) {
    throw ShapeError("linear_backward: dy has shape " + format_shape(dy.shape()) +
                     ", expected (N, K) = " + format_shape(std::array<std::size_t, 2>{N, K}));
  }
  // BEGIN SOLUTION 2.2 linear_backward: dy (N, K) and the forward's cache -> {dx (N, C), dweight (K, C), dbias (K)}, the gradients of the loss
  LinearGrads<T> grads{xt::zeros<T>({N, C}), xt::zeros<T>({K, C}), xt::zeros<T>({K})};
  // dx (N, C) = dy (N, K) times W (K, C)
  gemm(Transpose::no, Transpose::no, N, C, K, T(1), dy.data(), cache.weight.data(), T(0), grads.dx.data());
  // dW (K, C) = dy^T (K, N) times x (N, C): dy is stored (N, K), so gemm reads it transposed.
  gemm(Transpose::yes, Transpose::no, K, C, N, T(1), dy.data(), cache.x.data(), T(0), grads.dweight.data());
  // db_k = sum over n of dy_nk: the bias was added to every row.
  grads.dbias = xt::sum(dy, {0});
  return grads;
  // END SOLUTION
}

template LinearOutput<float> linear_forward(const xt::xtensor<float, 2>&, const xt::xtensor<float, 2>&,
                                            const xt::xtensor<float, 1>&);
template LinearOutput<double> linear_forward(const xt::xtensor<double, 2>&, const xt::xtensor<double, 2>&,
                                             const xt::xtensor<double, 1>&);
template LinearGrads<float> linear_backward(const xt::xtensor<float, 2>&, const LinearCache<float>&);
template LinearGrads<double> linear_backward(const xt::xtensor<double, 2>&, const LinearCache<double>&);

}  // namespace resnet
