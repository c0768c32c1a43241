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
  // BEGIN SOLUTION 2.9 global_avg_pool2d_forward: x (N, C, H, W) -> {y (N, C), the mean of each (n, c) image plane; cache with x's shape}
  xt::xtensor<T, 2> y = xt::mean(x, {2, 3});
  return {y, {x.shape()}};
  // END SOLUTION
}

template <class T>
GlobalAvgPool2dGrads<T> global_avg_pool2d_backward(const xt::xtensor<T, 2>& dy,  // (N, C)
                                                   const GlobalAvgPool2dCache& cache) {
  require_shape("global_avg_pool2d_backward", "dy", dy.shape(),
                std::array<std::size_t, 2>{cache.x_shape[0], cache.x_shape[1]});
  // BEGIN SOLUTION 2.9 global_avg_pool2d_backward: dy (N, C) and the forward's cache -> {dx (N, C, H, W)}, the gradient of global average pooling
  const T share = T(1) / static_cast<T>(cache.x_shape[2] * cache.x_shape[3]);
  xt::xtensor<T, 4> dx = xt::xtensor<T, 4>::from_shape(cache.x_shape);
  dx = xt::broadcast(xt::view(dy * share, xt::all(), xt::all(), xt::newaxis(), xt::newaxis()), cache.x_shape);
  return {std::move(dx)};
  // END SOLUTION
}

template GlobalAvgPool2dOutput<float> global_avg_pool2d_forward(const xt::xtensor<float, 4>&);
template GlobalAvgPool2dOutput<double> global_avg_pool2d_forward(const xt::xtensor<double, 4>&);
template GlobalAvgPool2dGrads<float> global_avg_pool2d_backward(const xt::xtensor<float, 2>&,
                                                                const GlobalAvgPool2dCache&);
template GlobalAvgPool2dGrads<double> global_avg_pool2d_backward(const xt::xtensor<double, 2>&,
                                                                 const GlobalAvgPool2dCache&);

}  // namespace resnet
