/// @file
/// @brief The BatchNorm2d module: batch normalization with learned scale and shift and
///        running statistics.
#pragma once

#include <cstddef>
#include <vector>
#include <optional>

#include "resnet/device/batchnorm2d.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/ops/batchnorm2d.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.BatchNorm2d(C)`: parameters `weight` (gamma, starts at 1) and `bias`
///        (beta, starts at 0); buffers `running_mean` (0), `running_var` (1) and
///        `num_batches_tracked` (0). In training mode it normalises with the batch's
///        statistics and updates the running ones; in eval mode it uses the running ones.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
template <class T>
class BatchNorm2d : public ImageLayer<T> {
 public:
  /// @brief A batch norm over C channels, with the starting values above.
  /// @param channels C
  /// @param settings eps (1e-5) and momentum (0.1), PyTorch's defaults
  explicit BatchNorm2d(std::size_t channels, BatchNormSettings<T> settings = {});

  /// @brief Normalises x (N, C, H, W) per channel; in training mode also updates the
  ///        running statistics and counts the batch (batchnorm2d_forward()).
  /// @param x (N, C, H, W)
  /// @return y (N, C, H, W)
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief Adds dgamma and dbeta into the gradients and returns dx (batchnorm2d_backward()).
  /// @param dy (N, C, H, W)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  Parameter<T, 1> weight;               ///< gamma, (C)
  Parameter<T, 1> bias;                 ///< beta, (C)
  Buffer<T, 1> running_mean;            ///< (C)
  Buffer<T, 1> running_var;             ///< (C), unbiased
  CounterBuffer num_batches_tracked;    ///< training batches seen
  const BatchNormSettings<T> settings;  ///< eps and momentum

 private:
  Tensor<T, 4> gpu_forward(const Tensor<T, 4>& x);  // chapter 6: resnet/device/batchnorm2d.hpp
  Tensor<T, 4> gpu_backward(const Tensor<T, 4>& dy);

  std::optional<BatchNorm2dCache<T>> cache_;
  std::optional<device::BatchNorm2dCache<T>> gpu_cache_;  // the same, for a forward pass on the GPU
};

}  // namespace resnet
