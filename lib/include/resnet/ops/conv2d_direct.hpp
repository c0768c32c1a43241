/// @file
/// @brief Task 2.5: 2-D convolution by its definition, seven nested loops, forward and
///        backward. Slow, and the reference the fast version (conv2d.hpp) is checked against.
#pragma once

#include <cstddef>
#include <optional>

#include <xtensor/xtensor.hpp>

#include "resnet/ops/conv2d.hpp"

namespace resnet {

/// @ingroup ch02
/// @brief The same convolution as conv2d_forward(), computed straight from the formula:
///        for every output element, sum over the window's C x R x S inputs.
/// @param x input, (N, C, H, W)
/// @param weight filters, (K, C, R, S)
/// @param bias (K), or std::nullopt
/// @param stride step between windows, at least 1
/// @param padding zeros added on every side
/// @return y (N, K, P, Q) and the cache
/// @throws ShapeError as conv2d_forward()
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html
template <class T>
Conv2dOutput<T> conv2d_direct_forward(const xt::xtensor<T, 4>& x, const xt::xtensor<T, 4>& weight,
                                      const OptionalBias<T>& bias, std::size_t stride, std::size_t padding);

/// @ingroup ch02
/// @brief The gradients of the loss with respect to x, the weight and the bias, given dy,
///        computed by loops over the definition: what the backward pass of
///        `torch.nn.functional.conv2d` computes, returned fresh (not accumulated).
///
/// Task 2.5; chapters/02_convolution/README.md ("Backward, by the chain rule") derives dx,
/// dweight and dbias.
/// @param dy upstream gradient, (N, K, P, Q)
/// @param cache from conv2d_direct_forward() or conv2d_forward()
/// @return dx (N, C, H, W), dweight (K, C, R, S), and dbias (K) (empty without a bias)
/// @throws ShapeError when dy is not (N, K, P, Q)
template <class T>
Conv2dGrads<T> conv2d_direct_backward(const xt::xtensor<T, 4>& dy, const Conv2dCache<T>& cache);

}  // namespace resnet
