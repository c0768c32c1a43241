/// @file
/// @brief Dropout on the GPU (chapter 6), for a mask drawn on the CPU: the twin of
///        resnet::dropout_forward() and resnet::dropout_backward().
#pragma once

#include <cstdint>

#include <xtensor/xtensor.hpp>

#include "resnet/tensor.hpp"

namespace resnet::device {

/// @ingroup ch06
/// @brief y = x times the mask scaled by 1 / (1 - p), on the GPU; the scaled mask, on the GPU,
///        is the cache.
template <class T, std::size_t N>
struct DropoutOutput {
  Tensor<T, N> y;            ///< x's shape, on the GPU
  Tensor<T, N> scaled_keep;  ///< 1 / (1 - p) where kept, 0 where dropped, on the GPU
};

/// @ingroup ch06
/// @brief Inverted dropout on the GPU with the mask `keep` (drawn on the CPU, so that both
///        devices drop the same values for the same seed).
/// @param x any shape, on the GPU
/// @param keep x's shape, 1 or 0, on the CPU
/// @param p the probability of dropping, 0 <= p < 1
template <class T, std::size_t N>
DropoutOutput<T, N> dropout_forward(const Tensor<T, N>& x, const xt::xtensor<std::uint8_t, N>& keep, double p);

/// @ingroup ch06
/// @brief dx = dy times the forward pass's scaled mask, on the GPU.
/// @param dy the upstream gradient, on the GPU
/// @param scaled_keep the forward pass's
template <class T, std::size_t N>
Tensor<T, N> dropout_backward(const Tensor<T, N>& dy, const Tensor<T, N>& scaled_keep);

}  // namespace resnet::device
