/// @file
/// @brief The ReLU module.
#pragma once

#include <optional>
#include <vector>

#include "resnet/device/relu.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/ops/relu.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.ReLU()` on NCHW batches: no parameters.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html
template <class T>
class ReLU : public ImageLayer<T> {
 public:
  /// @brief \f$ y = \max(0, x) \f$, elementwise (relu_forward()).
  /// @param x (N, C, H, W)
  /// @return y (N, C, H, W)
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief The gradient with respect to x, with PyTorch's conventions at 0 and for NaN
  ///        (relu_backward()).
  /// @param dy (N, C, H, W)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

 private:
  std::optional<ReluCache<T, 4>> cache_;
  std::optional<Tensor<T, 4>> gpu_input_;  // x, for a forward pass on the GPU (chapter 6)
};

}  // namespace resnet
