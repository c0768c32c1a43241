/// @file
/// @brief The ReLU module.
#pragma once

#include <optional>
#include <vector>

#include "resnet/nn/module.hpp"
#include "resnet/ops/relu.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.ReLU()` on NCHW batches: no parameters.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html
template <class T>
class ReLU : public ImageLayer<T> {
 public:
  /// @brief y = max(0, x).
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief dx = dy where x > 0.
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

 private:
  std::optional<ReluCache<T, 4>> cache_;
};

}  // namespace resnet
