/// @file
/// @brief The BatchNorm2d module: batch normalization with learned scale and shift and
///        running statistics.
#pragma once

#include <cstddef>
#include <vector>
#include <optional>

#include "resnet/cpu/batchnorm_relu.hpp"
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

  /// @brief What backward_relu() returns.
  struct ReluGrads {
    Tensor<T, 4> dx;         ///< (N, C, H, W)
    Tensor<T, 4> dresidual;  ///< (N, C, H, W), the gradient of the residual; empty without one
  };
  /// @brief The library's fused pass (resnet/cpu/batchnorm_relu.hpp), which a residual
  ///        block on CpuKernels::packed calls in place of this module, an add and a ReLU:
  ///        y = relu(batchnorm(x) + residual), in this module's mode (the running
  ///        statistics and batch count updated in training, as forward() does).
  /// @param x (N, C, H, W), floats on the CPU
  /// @param residual (N, C, H, W) to add before the ReLU, or nullptr
  /// @return y (N, C, H, W)
  /// @throws std::logic_error for a module of doubles (the fused pass computes in float)
  Tensor<T, 4> forward_relu(const Tensor<T, 4>& x, const Tensor<T, 4>* residual);
  /// @brief The backward pass of forward_relu() (after one in training mode): adds dgamma
  ///        and dbeta into the gradients, returns dx and the residual's gradient.
  /// @param dy (N, C, H, W)
  ReluGrads backward_relu(const Tensor<T, 4>& dy);

  Parameter<T, 1> weight;               ///< gamma, (C)
  Parameter<T, 1> bias;                 ///< beta, (C)
  Buffer<T, 1> running_mean;            ///< (C)
  Buffer<T, 1> running_var;             ///< (C), unbiased
  CounterBuffer num_batches_tracked;    ///< training batches seen
  const BatchNormSettings<T> settings;  ///< eps and momentum

 private:
  Tensor<T, 4> gpu_forward(const Tensor<T, 4>& x);  // chapter 6: resnet/device/batchnorm2d.hpp
  Tensor<T, 4> gpu_backward(const Tensor<T, 4>& dy);

  std::optional<cpu::BatchNormReluCache> fused_cache_;  // kept by forward_relu() in training
  std::optional<BatchNorm2dCache<T>> cache_;
  std::optional<device::BatchNorm2dCache<T>> gpu_cache_;  // the same, for a forward pass on the GPU
};

}  // namespace resnet
