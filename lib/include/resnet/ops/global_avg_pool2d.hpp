/// @file
/// @brief Task 2.9: global average pooling, the step from feature maps to a feature vector.
#pragma once

#include <array>
#include <cstddef>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch02
/// @brief What global_avg_pool2d_backward() needs: the input's shape.
struct GlobalAvgPool2dCache {
  std::array<std::size_t, 4> x_shape;  ///< (N, C, H, W)
};

/// @ingroup ch02
/// @brief The output of global_avg_pool2d_forward() and its cache.
template <class T>
struct GlobalAvgPool2dOutput {
  xt::xtensor<T, 2> y;         ///< (N, C)
  GlobalAvgPool2dCache cache;  ///< for global_avg_pool2d_backward()
};

/// @ingroup ch02
/// @brief The gradient global_avg_pool2d_backward() returns.
template <class T>
struct GlobalAvgPool2dGrads {
  xt::xtensor<T, 4> dx;  ///< (N, C, H, W)
};

/// @ingroup ch02
/// @brief \f$ y_{nc} = \frac{1}{HW} \sum_{h,w} x_{nchw} \f$: one number per channel.
///
/// ResNet's head: `nn.AdaptiveAvgPool2d(1)` followed by `torch.flatten(x, 1)`, so the
/// result is (N, C) rather than (N, C, 1, 1).
/// @param x input, (N, C, H, W), with H·W > 0
/// @return y (N, C) and the cache
/// @throws ShapeError for an empty image
/// @see https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html
template <class T>
GlobalAvgPool2dOutput<T> global_avg_pool2d_forward(const xt::xtensor<T, 4>& x);

/// @ingroup ch02
/// @brief The gradient of the loss with respect to x, given dy, as the backward pass of
///        `nn.AdaptiveAvgPool2d(1)` (with the flatten) computes it.
///
/// Task 2.9; chapters/02_convolution/README.md derives dx.
/// @param dy upstream gradient, (N, C)
/// @param cache from global_avg_pool2d_forward()
/// @return dx, (N, C, H, W)
/// @throws ShapeError when dy is not (N, C)
template <class T>
GlobalAvgPool2dGrads<T> global_avg_pool2d_backward(const xt::xtensor<T, 2>& dy, const GlobalAvgPool2dCache& cache);

}  // namespace resnet
