// EXERCISE FILE, generated from solutions/02_convolution/relu.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 2.3: replace the next line with your code (./course hint 2.3)
  todo("2.3", "relu_forward: x (any shape) -> {y, the same shape, as torch.relu (a NaN stays NaN); cache for relu_backward}");
  // END EXERCISE 2.3
}

template <class T, std::size_t N>
ReluGrads<T, N> relu_backward(const xt::xtensor<T, N>& dy, const ReluCache<T, N>& cache) {
  if (dy.shape() != cache.x.shape()) {
    throw ShapeError("relu_backward: dy has shape " + format_shape(dy.shape()) + " but the input had shape " +
                     format_shape(cache.x.shape()));
  }
  // BEGIN EXERCISE 2.3: replace the next line with your code (./course hint 2.3)
  todo("2.3", "relu_backward: dy and the forward's cache -> {dx}, the shape of x, with PyTorch's conventions at x = 0 and for NaN");
  // END EXERCISE 2.3
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
