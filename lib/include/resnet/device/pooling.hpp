/// @file
/// @brief Max-pooling and global average pooling on the GPU (chapter 6), on Tensors.
#pragma once

#include <array>
#include <cstddef>

#include "resnet/cuda/memory.hpp"
#include "resnet/ops/window_shape.hpp"
#include "resnet/tensor.hpp"

namespace resnet::device {

/// @ingroup ch06
/// @brief What the backward pass of max-pooling on the GPU needs.
struct MaxPool2dCache {
  WindowShape window;                      ///< the sizes of the forward pass
  cuda::DeviceBuffer<std::size_t> argmax;  ///< where each maximum was, (N, C, P, Q)
};

/// @ingroup ch06
/// @brief The output of max_pool2d_forward() on the GPU.
template <class T>
struct MaxPool2dOutput {
  Tensor<T, 4> y;        ///< (N, C, P, Q), on the GPU
  MaxPool2dCache cache;  ///< for max_pool2d_backward()
};

/// @ingroup ch06
/// @brief Max-pooling on the GPU, as resnet::max_pool2d_forward().
/// @param x (N, C, H, W), on the GPU
/// @param kernel window size
/// @param stride step between windows
/// @param padding on every side (never the maximum)
template <class T>
MaxPool2dOutput<T> max_pool2d_forward(const Tensor<T, 4>& x, std::size_t kernel, std::size_t stride,
                                      std::size_t padding);

/// @ingroup ch06
/// @brief The gradient of max_pool2d_forward() with respect to x.
/// @param dy (N, C, P, Q), on the GPU
/// @param cache the forward pass's
template <class T>
Tensor<T, 4> max_pool2d_backward(const Tensor<T, 4>& dy, const MaxPool2dCache& cache);

/// @ingroup ch06
/// @brief The mean of each (n, c) plane on the GPU: (N, C, H, W) to (N, C, 1, 1).
/// @param x (N, C, H, W), on the GPU
template <class T>
Tensor<T, 4> global_avg_pool2d_forward(const Tensor<T, 4>& x);

/// @ingroup ch06
/// @brief The gradient of global_avg_pool2d_forward() with respect to x.
/// @param dy (N, C, 1, 1), on the GPU
/// @param x_shape the forward pass's input shape (N, C, H, W)
template <class T>
Tensor<T, 4> global_avg_pool2d_backward(const Tensor<T, 4>& dy, const std::array<std::size_t, 4>& x_shape);

}  // namespace resnet::device
