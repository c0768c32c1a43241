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
  // BEGIN SOLUTION 2.7 conv2d_forward: x (N, C, H, W), weight (K, C, R, S), optional bias (K) -> {y (N, K, P, Q), cache}, the same as conv2d_direct_forward, with im2col and gemm
  const std::size_t K = shape.K, CRS = shape.C * shape.R * shape.S, NPQ = shape.N * shape.P * shape.Q;
  const xt::xtensor<T, 2> columns = im2col(x, shape);  // (C*R*S, N*P*Q)
  // The (K, C, R, S) weight is already a row-major (K, C*R*S) matrix in memory.
  xt::xtensor<T, 2> y_by_channel = xt::xtensor<T, 2>::from_shape({K, NPQ});
  gemm(Transpose::no, Transpose::no, K, NPQ, CRS, T(1), weight.data(), columns.data(), T(0), y_by_channel.data());
  xt::xtensor<T, 4> y = to_batch_layout(y_by_channel, shape);
  if (bias) y += xt::view(*bias, xt::newaxis(), xt::all(), xt::newaxis(), xt::newaxis());
  return {std::move(y), {x, weight, bias.has_value(), shape}};  // move y: a braced return would copy it
  // END SOLUTION
}

template <class T>
Conv2dGrads<T> conv2d_backward(const xt::xtensor<T, 4>& dy,  // (N, K, P, Q)
                               const Conv2dCache<T>& cache) {
  const WindowShape& shape = cache.shape;
  require_shape("conv2d_backward", "dy", dy.shape(), shape.output_shape());
  // BEGIN SOLUTION 2.7 conv2d_backward: dy (N, K, P, Q) and the forward's cache -> {dx, dweight, dbias (empty without a bias)}, the same as conv2d_direct_backward, with im2col, col2im and gemm
  const std::size_t K = shape.K, CRS = shape.C * shape.R * shape.S, NPQ = shape.N * shape.P * shape.Q;
  const xt::xtensor<T, 2> dy_by_channel = to_channel_layout(dy, shape);  // (K, N*P*Q)
  const xt::xtensor<T, 2> columns = im2col(cache.x, shape);              // recomputed, not cached
  Conv2dGrads<T> grads;
  grads.dweight = xt::xtensor<T, 4>::from_shape(shape.weight_shape());
  // dW (K, C*R*S) = dY (K, N*P*Q) times columns^T: columns is stored (C*R*S, N*P*Q).
  gemm(Transpose::no, Transpose::yes, K, CRS, NPQ, T(1), dy_by_channel.data(), columns.data(), T(0),
       grads.dweight.data());
  // dcolumns (C*R*S, N*P*Q) = W^T (C*R*S, K) times dY (K, N*P*Q): W is stored (K, C*R*S).
  xt::xtensor<T, 2> dcolumns = xt::xtensor<T, 2>::from_shape({CRS, NPQ});
  gemm(Transpose::yes, Transpose::no, CRS, NPQ, K, T(1), cache.weight.data(), dy_by_channel.data(), T(0),
       dcolumns.data());
  grads.dx = col2im(dcolumns, shape);
  if (cache.has_bias) {
    grads.dbias = xt::sum(dy_by_channel, {1});
  } else {
    grads.dbias = xt::xtensor<T, 1>::from_shape({0});
  }
  return grads;
  // END SOLUTION
}

template Conv2dOutput<float> conv2d_forward(const xt::xtensor<float, 4>&, const xt::xtensor<float, 4>&,
                                            const std::optional<xt::xtensor<float, 1>>&, std::size_t, std::size_t);
template Conv2dOutput<double> conv2d_forward(const xt::xtensor<double, 4>&, const xt::xtensor<double, 4>&,
                                             const std::optional<xt::xtensor<double, 1>>&, std::size_t, std::size_t);
template Conv2dGrads<float> conv2d_backward(const xt::xtensor<float, 4>&, const Conv2dCache<float>&);
template Conv2dGrads<double> conv2d_backward(const xt::xtensor<double, 4>&, const Conv2dCache<double>&);

}  // namespace resnet
