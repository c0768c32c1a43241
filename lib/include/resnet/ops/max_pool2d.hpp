/// @file
/// @brief Task 2.8: 2-D max pooling, forward and backward.
#pragma once

#include <cstddef>
#include <cstdint>

#include <xtensor/xtensor.hpp>

#include "resnet/ops/window_shape.hpp"

namespace resnet {

/// @ingroup ch02
/// @brief What max_pool2d_backward() needs: where each window's maximum was.
struct MaxPool2dCache {
  xt::xtensor<std::size_t, 4> argmax;  ///< (N, C, P, Q): h·W + w of each window's maximum
  WindowShape shape;                   ///< every size, checked
};

/// @ingroup ch02
/// @brief The output of max_pool2d_forward() and its cache.
template <class T>
struct MaxPool2dOutput {
  xt::xtensor<T, 4> y;   ///< (N, C, P, Q)
  MaxPool2dCache cache;  ///< for max_pool2d_backward()
};

/// @ingroup ch02
/// @brief The gradient max_pool2d_backward() returns.
template <class T>
struct MaxPool2dGrads {
  xt::xtensor<T, 4> dx;  ///< (N, C, H, W)
};

/// @ingroup ch02
/// @brief \f$ y_{ncpq} = \max_{r,s} x_{n,\,c,\,p\,\text{stride} - \text{pad} + r,\;q\,\text{stride} - \text{pad} + s} \f$
///        over a kernel x kernel window; padding counts as \f$ -\infty \f$ (never the max).
///
/// Ties go to the first maximum in row-major window order and a NaN wins, as in PyTorch,
/// so that the gradient goes where PyTorch sends it. ResNet's stem uses kernel 3,
/// stride 2, padding 1. Mirrors `torch.nn.functional.max_pool2d`.
/// @param x input, (N, C, H, W)
/// @param kernel window size
/// @param stride step between windows
/// @param padding at most kernel / 2
/// @return y (N, C, P, Q) and the cache (the argmax of every window)
/// @throws ShapeError as pool2d_shape()
/// @see https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html
template <class T>
MaxPool2dOutput<T> max_pool2d_forward(const xt::xtensor<T, 4>& x, std::size_t kernel, std::size_t stride,
                                      std::size_t padding);

/// @ingroup ch02
/// @brief The gradient of the loss with respect to x, given dy, as the backward pass of
///        `torch.nn.functional.max_pool2d` computes it, ties included (a golden test full of
///        ties checks that it lands where PyTorch's does).
///
/// Task 2.8; chapters/02_convolution/README.md derives dx.
/// @param dy upstream gradient, (N, C, P, Q)
/// @param cache from max_pool2d_forward()
/// @return dx, (N, C, H, W)
/// @throws ShapeError when dy is not (N, C, P, Q)
template <class T>
MaxPool2dGrads<T> max_pool2d_backward(const xt::xtensor<T, 4>& dy, const MaxPool2dCache& cache);

}  // namespace resnet
