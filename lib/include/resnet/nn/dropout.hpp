/// @file
/// @brief The Dropout module: inverted dropout in training mode, the identity in evaluation
///        mode, with reproducible masks.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "resnet/device/dropout.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/ops/dropout.hpp"
#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.Dropout` for features (N, F): in training mode each value is zeroed with
///        probability p and the others are scaled by 1 / (1 - p); in evaluation mode y = x.
///
/// The masks are reproducible: the k-th training forward pass draws its mask from a
/// generator seeded with (the module's seed, k), and k is the buffer `masks_drawn`, saved
/// with the model's state, so a resumed run draws the masks an uninterrupted one would. A
/// forward pass on the GPU draws the same mask on the CPU and uploads it.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html
template <class T>
class Dropout : public Layer<T, 2, 2> {
 public:
  /// @brief Dropout with probability `p`; takes its seed from `generator` (one draw).
  /// @param p the probability of dropping a value, 0 <= p < 1
  /// @param generator the model's generator
  /// @throws std::invalid_argument for p outside [0, 1)
  Dropout(double p, Generator& generator);

  /// @brief y (N, F): x with its mask applied (training), or x itself (evaluation).
  /// @param x (N, F)
  Tensor<T, 2> forward(const Tensor<T, 2>& x) override;
  /// @brief dx (N, F): dy through the forward pass's mask (or dy in evaluation mode).
  /// @param dy (N, F)
  Tensor<T, 2> backward(const Tensor<T, 2>& dy) override;
  /// @brief Adds this module's row to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  const double p;             ///< the probability of dropping
  CounterBuffer masks_drawn;  ///< training forward passes so far: which mask comes next

 private:
  std::uint64_t seed_;
  bool identity_ = false;  // the last forward pass was in evaluation mode
  std::optional<DropoutCache<T, 2>> cache_;
  std::optional<Tensor<T, 2>> gpu_scaled_keep_;  // the same, for a forward pass on the GPU
};

}  // namespace resnet
