// EXERCISE FILE, generated from solutions/02_convolution/global_avg_pool2d.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.9: global average pooling (see chapters/02_convolution/README.md).
#include "resnet/ops/global_avg_pool2d.hpp"

#include <string>

#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
GlobalAvgPool2dOutput<T> global_avg_pool2d_forward(const xt::xtensor<T, 4>& x) {  // (N, C, H, W)
  if (x.shape()[2] * x.shape()[3] == 0) {
    throw ShapeError("global_avg_pool2d_forward: x of shape " + format_shape(x.shape()) + " has empty images");
  }
  // BEGIN EXERCISE 2.9: replace the next line with your code (./course hint 2.9)
  todo("2.9", "global_avg_pool2d_forward: x (N, C, H, W) -> {y (N, C), the mean of each (n, c) image plane; cache with x's shape}");
  // END EXERCISE 2.9
}

template <class T>
GlobalAvgPool2dGrads<T> global_avg_pool2d_backward(const xt::xtensor<T, 2>& dy,  // (N, C)
                                                   const GlobalAvgPool2dCache& cache) {
  require_shape("global_avg_pool2d_backward", "dy", dy.shape(),
                std::array<std::size_t, 2>{cache.x_shape[0], cache.x_shape[1]});
  // BEGIN EXERCISE 2.9: replace the next line with your code (./course hint 2.9)
  todo("2.9", "global_avg_pool2d_backward: dy (N, C) and the forward's cache -> {dx (N, C, H, W)}, the gradient of global average pooling");
  // END EXERCISE 2.9
}

template GlobalAvgPool2dOutput<float> global_avg_pool2d_forward(const xt::xtensor<float, 4>&);
template GlobalAvgPool2dOutput<double> global_avg_pool2d_forward(const xt::xtensor<double, 4>&);
template GlobalAvgPool2dGrads<float> global_avg_pool2d_backward(const xt::xtensor<float, 2>&,
                                                                const GlobalAvgPool2dCache&);
template GlobalAvgPool2dGrads<double> global_avg_pool2d_backward(const xt::xtensor<double, 2>&,
                                                                 const GlobalAvgPool2dCache&);

}  // namespace resnet
