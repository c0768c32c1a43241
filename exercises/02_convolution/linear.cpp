// EXERCISE FILE, generated from solutions/02_convolution/linear.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 2.2: replace the next line with your code (./course hint 2.2)
  todo("2.2", "linear_forward: x (N, C), weight (K, C), bias (K) -> {y (N, K), cache}, as torch.nn.functional.linear");
  // END EXERCISE 2.2
}

template <class T>
LinearGrads<T> linear_backward(const xt::xtensor<T, 2>& dy,  // (N, K)
                               const LinearCache<T>& cache) {
  const std::size_t N = cache.x.shape()[0], C = cache.x.shape()[1], K = cache.weight.shape()[0];
  if (dy.shape()[0] != N || dy.shape()[1] != K) {
    throw ShapeError("linear_backward: dy has shape " + format_shape(dy.shape()) +
                     ", expected (N, K) = " + format_shape(std::array<std::size_t, 2>{N, K}));
  }
  // BEGIN EXERCISE 2.2: replace the next line with your code (./course hint 2.2)
  todo("2.2", "linear_backward: dy (N, K) and the forward's cache -> {dx (N, C), dweight (K, C), dbias (K)}, the gradients of the loss");
  // END EXERCISE 2.2
}

template LinearOutput<float> linear_forward(const xt::xtensor<float, 2>&, const xt::xtensor<float, 2>&,
                                            const xt::xtensor<float, 1>&);
template LinearOutput<double> linear_forward(const xt::xtensor<double, 2>&, const xt::xtensor<double, 2>&,
                                             const xt::xtensor<double, 1>&);
template LinearGrads<float> linear_backward(const xt::xtensor<float, 2>&, const LinearCache<float>&);
template LinearGrads<double> linear_backward(const xt::xtensor<double, 2>&, const LinearCache<double>&);

}  // namespace resnet
