/// @file
/// @brief Batch norm on the GPU (chapter 6), on Tensors: the twin of
///        resnet::batchnorm2d_forward() and resnet::batchnorm2d_backward().
#pragma once

#include <array>
#include <cstddef>

#include "resnet/cuda/memory.hpp"
#include "resnet/tensor.hpp"

namespace resnet::device {

/// @ingroup ch06
/// @brief What the backward pass of batch norm on the GPU needs.
template <class T>
struct BatchNorm2dCache {
  std::array<std::size_t, 4> shape{};  ///< x's shape (N, C, H, W)
  cuda::DeviceBuffer<T> x_hat;         ///< the normalised input, (N, C, H, W)
  cuda::DeviceBuffer<T> inverse_std;   ///< 1 / sqrt(var + eps) per channel, (C)
  bool training = false;               ///< which statistics the forward pass used
};

/// @ingroup ch06
/// @brief The output of batchnorm2d_forward() on the GPU.
template <class T>
struct BatchNorm2dOutput {
  Tensor<T, 4> y;             ///< (N, C, H, W), on the GPU
  BatchNorm2dCache<T> cache;  ///< for batchnorm2d_backward()
};

/// @ingroup ch06
/// @brief The gradients of batch norm on the GPU.
template <class T>
struct BatchNorm2dGrads {
  Tensor<T, 4> dx;      ///< (N, C, H, W)
  Tensor<T, 1> dgamma;  ///< (C)
  Tensor<T, 1> dbeta;   ///< (C)
};

/// @ingroup ch06
/// @brief Batch norm of x on the GPU with the batch's statistics (`training`, which also
///        moves the running statistics, in place) or the running ones.
/// @param x (N, C, H, W), on the GPU
/// @param gamma (C) and @p beta (C), on the GPU
/// @param beta (C)
/// @param running_mean (C), updated in place in training mode
/// @param running_var (C), updated in place in training mode (unbiased variance)
/// @param training batch statistics (true) or running statistics (false)
/// @param eps added to the variance
/// @param momentum weight of the batch in the running statistics
/// @throws ShapeError for a channel count that does not match, or one value per channel
///         when training; DeviceError when a tensor is not on the GPU
template <class T>
BatchNorm2dOutput<T> batchnorm2d_forward(const Tensor<T, 4>& x, const Tensor<T, 1>& gamma, const Tensor<T, 1>& beta,
                                         Tensor<T, 1>& running_mean, Tensor<T, 1>& running_var, bool training,
                                         double eps, double momentum);

/// @ingroup ch06
/// @brief The gradients of batchnorm2d_forward() on the GPU.
/// @param dy (N, C, H, W), on the GPU
/// @param gamma (C), the forward pass's
/// @param cache the forward pass's
template <class T>
BatchNorm2dGrads<T> batchnorm2d_backward(const Tensor<T, 4>& dy, const Tensor<T, 1>& gamma,
                                         const BatchNorm2dCache<T>& cache);

}  // namespace resnet::device
