/// @file
/// @brief The Linear module: a fully connected layer with weight and bias.
#pragma once

#include <cstddef>
#include <vector>
#include <optional>

#include "resnet/device/conv2d.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/ops/linear.hpp"
#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.Linear(C, K)`: parameters `weight` (K, C) and `bias` (K).
///
/// Initialised as PyTorch does: weight and bias uniform in
/// \f$ [-1/\sqrt{C},\, 1/\sqrt{C}] \f$ (PyTorch's `kaiming_uniform_(a=sqrt(5))` works out
/// to exactly that bound).
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
template <class T>
class Linear : public Layer<T, 2, 2> {
 public:
  /// @brief A layer with weight (K, C) and bias (K), initialised as described above.
  /// @param in_features C
  /// @param out_features K
  /// @param generator the seeded source of the initial weights
  Linear(std::size_t in_features, std::size_t out_features, Generator& generator);
  /// @brief \f$ y = x W^\top + b \f$, x (N, C) -> y (N, K) (linear_forward()).
  /// @param x (N, C)
  /// @return y (N, K)
  Tensor<T, 2> forward(const Tensor<T, 2>& x) override;
  /// @brief Adds dweight and dbias into the gradients and returns dx (linear_backward()).
  /// @param dy (N, K)
  /// @return dx (N, C)
  Tensor<T, 2> backward(const Tensor<T, 2>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  Parameter<T, 2> weight;  ///< (K, C)
  Parameter<T, 1> bias;    ///< (K)

 private:
  Tensor<T, 2> gpu_forward(const Tensor<T, 2>& x);  // chapter 6: resnet/device/conv2d.hpp
  Tensor<T, 2> gpu_backward(const Tensor<T, 2>& dy);

  std::optional<LinearCache<T>> cache_;
  std::optional<device::Conv2dCache> gpu_cache_;  // the same, for a forward pass on the GPU
};

}  // namespace resnet
