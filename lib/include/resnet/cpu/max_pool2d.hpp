/// @file
/// @brief The library's float max-pool for the CPU: the numbers of task 2.8's
///        max_pool2d_forward() and max_pool2d_backward(), with a 4-byte index per output
///        kept in training and nothing kept in evaluation.
///
/// The reference keeps an 8-byte argmax (a std::size_t) for every output even in
/// evaluation, when no backward pass follows. Here the index is a std::uint32_t (the
/// position h W + w in its plane, a plane of at most 2^32 values), written only when a
/// backward pass may follow, and the loops visit exactly the window taps inside the image,
/// whose ranges are worked out once per output row and column instead of tested per tap.
#pragma once

#include <cstdint>

#include <xtensor/xtensor.hpp>

#include "resnet/ops/window_shape.hpp"

namespace resnet::cpu {

/// @ingroup core
/// @brief The output of cpu::max_pool2d_forward().
struct MaxPool2dResult {
  xt::xtensor<float, 4> y;               ///< (N, C, P, Q)
  xt::xtensor<std::uint32_t, 4> argmax;  ///< (N, C, P, Q), h W + w of each maximum; empty in evaluation
};

/// @ingroup core
/// @brief y = the max-pool of x, as max_pool2d_forward() decides ties and NaNs: padding
///        never wins, the first of equal maxima does (in row-major window order), a NaN
///        takes over.
/// @param x (N, C, H, W)
/// @param shape the pool's sizes, from pool2d_shape()
/// @param keep_argmax whether to return the indices a backward pass needs
/// @throws ShapeError when `shape` is not a pool's (as pool2d_shape() makes them), x does not
///         have its sizes, or a plane has 2^32 values or more
MaxPool2dResult max_pool2d_forward(const xt::xtensor<float, 4>& x, const WindowShape& shape, bool keep_argmax);

/// @ingroup core
/// @brief dx of the max-pool: each dy value added to the input that was its window's maximum.
/// @param dy (N, C, P, Q)
/// @param argmax from max_pool2d_forward() with keep_argmax
/// @param shape the pool's sizes
/// @throws ShapeError when dy or argmax do not have the output's sizes, or an index of argmax
///         is outside its plane
xt::xtensor<float, 4> max_pool2d_backward(const xt::xtensor<float, 4>& dy, const xt::xtensor<std::uint32_t, 4>& argmax,
                                          const WindowShape& shape);

}  // namespace resnet::cpu
