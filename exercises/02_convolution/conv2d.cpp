// EXERCISE FILE, generated from solutions/02_convolution/conv2d.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.7: convolution as im2col + GEMM (see chapters/02_convolution/README.md).
#include "resnet/ops/conv2d.hpp"

#include <algorithm>
#include <string>

#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/ops/gemm.hpp"
#include "resnet/ops/im2col.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// The product of the weight matrix and the columns comes out as (K, N*P*Q): channel
// first. These two copy between that and the (N, K, P, Q) batch layout, one contiguous
// P*Q plane at a time; the threads share out the images.
template <class T>
xt::xtensor<T, 4> to_batch_layout(const xt::xtensor<T, 2>& by_channel, const WindowShape& shape) {  // (K, N*P*Q)
  const std::size_t plane = shape.P * shape.Q;
  xt::xtensor<T, 4> batch = xt::xtensor<T, 4>::from_shape(shape.output_shape());
#pragma omp parallel for
  for (std::size_t n = 0; n < shape.N; ++n) {
    for (std::size_t k = 0; k < shape.K; ++k) {
      const T* from = by_channel.data() + (k * shape.N + n) * plane;
      std::copy(from, from + plane, batch.data() + (n * shape.K + k) * plane);
    }
  }
  return batch;
}

template <class T>
xt::xtensor<T, 2> to_channel_layout(const xt::xtensor<T, 4>& batch, const WindowShape& shape) {  // (N, K, P, Q)
  const std::size_t plane = shape.P * shape.Q;
  xt::xtensor<T, 2> by_channel = xt::xtensor<T, 2>::from_shape({shape.K, shape.N * plane});
#pragma omp parallel for
  for (std::size_t n = 0; n < shape.N; ++n) {
    for (std::size_t k = 0; k < shape.K; ++k) {
      const T* from = batch.data() + (n * shape.K + k) * plane;
      std::copy(from, from + plane, by_channel.data() + (k * shape.N + n) * plane);
    }
  }
  return by_channel;
}

}  // namespace

template <class T>
Conv2dOutput<T> conv2d_forward(const xt::xtensor<T, 4>& x,       // (N, C, H, W)
                               const xt::xtensor<T, 4>& weight,  // (K, C, R, S)
                               const OptionalBias<T>& bias,      // (K)
                               std::size_t stride, std::size_t padding) {
  const WindowShape shape = conv2d_shape("conv2d_forward", x.shape(), weight.shape(), stride, padding);
  if (bias) require_shape("conv2d_forward", "bias", bias->shape(), std::array<std::size_t, 1>{shape.K});
  // BEGIN EXERCISE 2.7: replace the next line with your code (./course hint 2.7)
  todo("2.7", "conv2d_forward: x (N, C, H, W), weight (K, C, R, S), optional bias (K) -> {y (N, K, P, Q), cache}, the same as conv2d_direct_forward, with im2col and gemm");
  // END EXERCISE 2.7
}

template <class T>
Conv2dGrads<T> conv2d_backward(const xt::xtensor<T, 4>& dy,  // (N, K, P, Q)
                               const Conv2dCache<T>& cache) {
  const WindowShape& shape = cache.shape;
  require_shape("conv2d_backward", "dy", dy.shape(), shape.output_shape());
  // BEGIN EXERCISE 2.7: replace the next line with your code (./course hint 2.7)
  todo("2.7", "conv2d_backward: dy (N, K, P, Q) and the forward's cache -> {dx, dweight, dbias (empty without a bias)}, the same as conv2d_direct_backward, with im2col, col2im and gemm");
  // END EXERCISE 2.7
}

template Conv2dOutput<float> conv2d_forward(const xt::xtensor<float, 4>&, const xt::xtensor<float, 4>&,
                                            const std::optional<xt::xtensor<float, 1>>&, std::size_t, std::size_t);
template Conv2dOutput<double> conv2d_forward(const xt::xtensor<double, 4>&, const xt::xtensor<double, 4>&,
                                             const std::optional<xt::xtensor<double, 1>>&, std::size_t, std::size_t);
template Conv2dGrads<float> conv2d_backward(const xt::xtensor<float, 4>&, const Conv2dCache<float>&);
template Conv2dGrads<double> conv2d_backward(const xt::xtensor<double, 4>&, const Conv2dCache<double>&);

}  // namespace resnet
