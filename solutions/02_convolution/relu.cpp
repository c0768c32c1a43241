// Chapter 2, task 2.3: ReLU (see chapters/02_convolution/README.md).
#include "resnet/ops/relu.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T, std::size_t N>
ReluOutput<T, N> relu_forward(const xt::xtensor<T, N>& x) {
  // BEGIN SOLUTION 2.3 relu_forward: x (any shape) -> {y, the same shape, as torch.relu (a NaN stays NaN); cache for relu_backward}
  // "x <= 0 gives 0" rather than max(x, 0): a NaN fails the comparison and passes through,
  // as in PyTorch, where max(NaN, 0) would quietly give 0.
  // A loop over the raw values that the threads share out (xt::where runs on one core, and
  // a ResNet passes every activation through here).
  xt::xtensor<T, N> y = xt::xtensor<T, N>::from_shape(x.shape());
  const T* in = x.data();
  T* out = y.data();
#pragma omp parallel for
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = in[i] <= T(0) ? T(0) : in[i];
  return {std::move(y), {x}};  // move y: a braced return would copy it
  // END SOLUTION
}

template <class T, std::size_t N>
ReluGrads<T, N> relu_backward(const xt::xtensor<T, N>& dy, const ReluCache<T, N>& cache) {
  if (dy.shape() != cache.x.shape()) {
    throw ShapeError("relu_backward: dy has shape " + format_shape(dy.shape()) + " but the input had shape " +
                     format_shape(cache.x.shape()));
  }
  // BEGIN SOLUTION 2.3 relu_backward: dy and the forward's cache -> {dx}, the shape of x, with PyTorch's conventions at x = 0 and for NaN
  xt::xtensor<T, N> dx = xt::xtensor<T, N>::from_shape(dy.shape());
  const T* x = cache.x.data();
  const T* upstream = dy.data();
  T* out = dx.data();
#pragma omp parallel for
  for (std::size_t i = 0; i < dy.size(); ++i) out[i] = x[i] <= T(0) ? T(0) : upstream[i];
  return {std::move(dx)};
  // END SOLUTION
}

template ReluOutput<float, 2> relu_forward(const xt::xtensor<float, 2>&);
template ReluOutput<float, 4> relu_forward(const xt::xtensor<float, 4>&);
template ReluOutput<double, 2> relu_forward(const xt::xtensor<double, 2>&);
template ReluOutput<double, 4> relu_forward(const xt::xtensor<double, 4>&);
template ReluGrads<float, 2> relu_backward(const xt::xtensor<float, 2>&, const ReluCache<float, 2>&);
template ReluGrads<float, 4> relu_backward(const xt::xtensor<float, 4>&, const ReluCache<float, 4>&);
template ReluGrads<double, 2> relu_backward(const xt::xtensor<double, 2>&, const ReluCache<double, 2>&);
template ReluGrads<double, 4> relu_backward(const xt::xtensor<double, 4>&, const ReluCache<double, 4>&);

}  // namespace resnet
