/// @file
/// @brief ReLU on the GPU (chapter 6, task 6.1's kernels), on Tensors.
#pragma once

#include "resnet/tensor.hpp"

namespace resnet::device {

/// @ingroup ch06
/// @brief y = relu(x) on the GPU; x itself is what the backward pass needs.
/// @param x any shape, on the GPU
/// @return y, x's shape, on the GPU
template <class T, std::size_t N>
Tensor<T, N> relu_forward(const Tensor<T, N>& x);

/// @ingroup ch06
/// @brief The gradient of relu_forward() with respect to x, on the GPU.
/// @param dy the upstream gradient, x's shape
/// @param x the forward pass's input
template <class T, std::size_t N>
Tensor<T, N> relu_backward(const Tensor<T, N>& dy, const Tensor<T, N>& x);

}  // namespace resnet::device
