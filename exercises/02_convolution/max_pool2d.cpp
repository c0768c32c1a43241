// EXERCISE FILE, generated from solutions/02_convolution/max_pool2d.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.8: max pooling (see chapters/02_convolution/README.md).
#include "resnet/ops/max_pool2d.hpp"

#include <cmath>
#include <limits>

#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
MaxPool2dOutput<T> max_pool2d_forward(const xt::xtensor<T, 4>& x,  // (N, C, H, W)
                                      std::size_t kernel, std::size_t stride, std::size_t padding) {
  const WindowShape shape = pool2d_shape("max_pool2d_forward", x.shape(), kernel, stride, padding);
  // BEGIN EXERCISE 2.8: replace the next line with your code (./course hint 2.8)
  todo("2.8", "max_pool2d_forward: x (N, C, H, W) -> {y (N, C, P, Q), as torch's max_pool2d (padding never wins, the first of equal maxima, NaN wins); cache.argmax (N, C, P, Q), each maximum's h*W + w}");
  // END EXERCISE 2.8
}

template <class T>
MaxPool2dGrads<T> max_pool2d_backward(const xt::xtensor<T, 4>& dy,  // (N, C, P, Q)
                                      const MaxPool2dCache& cache) {
  const WindowShape& shape = cache.shape;
  require_shape("max_pool2d_backward", "dy", dy.shape(), shape.output_shape());
  // BEGIN EXERCISE 2.8: replace the next line with your code (./course hint 2.8)
  todo("2.8", "max_pool2d_backward: dy (N, C, P, Q) and the forward's cache -> {dx (N, C, H, W)}, the gradient of max-pooling");
  // END EXERCISE 2.8
}

template MaxPool2dOutput<float> max_pool2d_forward(const xt::xtensor<float, 4>&, std::size_t, std::size_t, std::size_t);
template MaxPool2dOutput<double> max_pool2d_forward(const xt::xtensor<double, 4>&, std::size_t, std::size_t,
                                                    std::size_t);
template MaxPool2dGrads<float> max_pool2d_backward(const xt::xtensor<float, 4>&, const MaxPool2dCache&);
template MaxPool2dGrads<double> max_pool2d_backward(const xt::xtensor<double, 4>&, const MaxPool2dCache&);

}  // namespace resnet
