// Chapter 2, task 2.5: convolution by its definition (see chapters/02_convolution/README.md).
#include "resnet/ops/conv2d_direct.hpp"

#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
Conv2dOutput<T> conv2d_direct_forward(const xt::xtensor<T, 4>& x,       // (N, C, H, W)
                                      const xt::xtensor<T, 4>& weight,  // (K, C, R, S)
                                      const OptionalBias<T>& bias,      // (K)
                                      std::size_t stride, std::size_t padding) {
  const WindowShape shape = conv2d_shape("conv2d_direct_forward", x.shape(), weight.shape(), stride, padding);
  if (bias) require_shape("conv2d_direct_forward", "bias", bias->shape(), std::array<std::size_t, 1>{shape.K});
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;  // input
  const std::size_t K = shape.K, R = shape.R, S = shape.S;               // filters
  const std::size_t P = shape.P, Q = shape.Q;                            // output
  // BEGIN SOLUTION 2.5 conv2d_direct_forward: x (N, C, H, W), weight (K, C, R, S), optional bias (K) -> {y (N, K, P, Q), cache}, as torch.nn.functional.conv2d, by its definition
  xt::xtensor<T, 4> y = xt::zeros<T>(shape.output_shape());
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t k = 0; k < K; ++k) {
      for (std::size_t p = 0; p < P; ++p) {
        for (std::size_t q = 0; q < Q; ++q) {
          T sum = bias ? (*bias)(k) : T(0);
          for (std::size_t c = 0; c < C; ++c) {
            for (std::size_t r = 0; r < R; ++r) {
              // Input row under kernel row r; it may fall in the padding (h < 0 or h >= H).
              const long h = static_cast<long>(p * stride + r) - static_cast<long>(padding);
              if (h < 0 || h >= static_cast<long>(H)) continue;
              for (std::size_t s = 0; s < S; ++s) {
                const long w = static_cast<long>(q * stride + s) - static_cast<long>(padding);
                if (w < 0 || w >= static_cast<long>(W)) continue;
                sum += weight(k, c, r, s) * x(n, c, static_cast<std::size_t>(h), static_cast<std::size_t>(w));
              }
            }
          }
          y(n, k, p, q) = sum;
        }
      }
    }
  }
  return {y, {x, weight, bias.has_value(), shape}};
  // END SOLUTION
}

template <class T>
Conv2dGrads<T> conv2d_direct_backward(const xt::xtensor<T, 4>& dy,  // (N, K, P, Q)
                                      const Conv2dCache<T>& cache) {
  const WindowShape& shape = cache.shape;
  require_shape("conv2d_direct_backward", "dy", dy.shape(), shape.output_shape());
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;  // input
  const std::size_t K = shape.K, R = shape.R, S = shape.S;               // filters
  const std::size_t P = shape.P, Q = shape.Q;                            // output
  const std::size_t stride = shape.stride, padding = shape.padding;
  // BEGIN SOLUTION 2.5 conv2d_direct_backward: dy (N, K, P, Q) and the forward's cache -> {dx (N, C, H, W), dweight (K, C, R, S), dbias (K; empty without a bias)}, by the definition
  Conv2dGrads<T> grads{xt::zeros<T>(shape.input_shape()), xt::zeros<T>(shape.weight_shape()),
                       xt::zeros<T>({cache.has_bias ? K : 0})};
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t k = 0; k < K; ++k) {
      for (std::size_t p = 0; p < P; ++p) {
        for (std::size_t q = 0; q < Q; ++q) {
          const T g = dy(n, k, p, q);
          if (cache.has_bias) grads.dbias(k) += g;
          for (std::size_t c = 0; c < C; ++c) {
            for (std::size_t r = 0; r < R; ++r) {
              const long h = static_cast<long>(p * stride + r) - static_cast<long>(padding);
              if (h < 0 || h >= static_cast<long>(H)) continue;
              for (std::size_t s = 0; s < S; ++s) {
                const long w = static_cast<long>(q * stride + s) - static_cast<long>(padding);
                if (w < 0 || w >= static_cast<long>(W)) continue;
                const auto hh = static_cast<std::size_t>(h), ww = static_cast<std::size_t>(w);
                grads.dweight(k, c, r, s) += g * cache.x(n, c, hh, ww);
                grads.dx(n, c, hh, ww) += g * cache.weight(k, c, r, s);
              }
            }
          }
        }
      }
    }
  }
  return grads;
  // END SOLUTION
}

template Conv2dOutput<float> conv2d_direct_forward(const xt::xtensor<float, 4>&, const xt::xtensor<float, 4>&,
                                                   const std::optional<xt::xtensor<float, 1>>&, std::size_t,
                                                   std::size_t);
template Conv2dOutput<double> conv2d_direct_forward(const xt::xtensor<double, 4>&, const xt::xtensor<double, 4>&,
                                                    const std::optional<xt::xtensor<double, 1>>&, std::size_t,
                                                    std::size_t);
template Conv2dGrads<float> conv2d_direct_backward(const xt::xtensor<float, 4>&, const Conv2dCache<float>&);
template Conv2dGrads<double> conv2d_direct_backward(const xt::xtensor<double, 4>&, const Conv2dCache<double>&);

}  // namespace resnet
