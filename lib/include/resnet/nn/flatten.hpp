/// @file
/// @brief The Flatten module: from images to feature vectors.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "resnet/nn/module.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.Flatten()`: (N, C, H, W) -> (N, C·H·W), the values unchanged (row-major
///        order already puts each image's values together).
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Flatten.html
template <class T>
class Flatten : public Layer<T, 4, 2> {
 public:
  /// @brief Reshapes to (N, C·H·W).
  /// @param x (N, C, H, W)
  /// @return (N, C·H·W)
  Tensor<T, 2> forward(const Tensor<T, 4>& x) override;
  /// @brief Reshapes dy back to the input's shape.
  /// @param dy (N, C·H·W)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 2>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

 private:
  std::optional<std::array<std::size_t, 4>> input_shape_;
};

}  // namespace resnet
