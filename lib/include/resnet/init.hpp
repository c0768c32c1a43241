/// @file
/// @brief Task 1.7: weight initialisation as torchvision's ResNet does it.
#pragma once

#include <array>
#include <cstddef>

#include <xtensor/xtensor.hpp>

#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch01
/// @brief The fan-in and fan-out of a weight tensor, as PyTorch counts them.
struct Fans {
  std::size_t fan_in;   ///< how many inputs feed one output
  std::size_t fan_out;  ///< how many outputs one input feeds
};

/// @ingroup ch01
/// @brief Fan-in and fan-out of a weight of the given shape: (out, in) for a linear weight
///        (K, C), (out, in, R, S) for a conv weight (K, C, R, S).
///
/// Task 1.7; chapters/01_tensors/README.md asks for both fans of both kinds of weight,
/// counted as PyTorch counts them (for a conv's fan-out, every kernel position, whatever
/// the stride). Mirrors `torch.nn.init._calculate_fan_in_and_fan_out`.
/// @param shape weight shape, rank N >= 2: (out, in, kernel sizes...)
/// @return fan_in and fan_out
/// @throws ShapeError for a weight with a zero-sized axis
/// @see https://pytorch.org/docs/stable/nn.init.html
template <std::size_t N>
Fans compute_fans(const std::array<std::size_t, N>& shape);

/// @ingroup ch01
/// @brief Which fan Kaiming initialisation divides by.
enum class FanMode {
  fan_in,  ///< preserves the variance of activations in the forward pass (PyTorch's default)
  fan_out  ///< preserves the variance of gradients in the backward pass (torchvision's ResNet)
};

/// @ingroup ch01
/// @brief The standard deviation of Kaiming-normal initialisation for a ReLU network:
///        \f$ \sigma = \text{gain} / \sqrt{\text{fan}} \f$ with \f$ \text{gain} = \sqrt{2} \f$.
///
/// He et al. 2015: a ReLU zeroes half of its inputs, halving the second moment, so the
/// weights need variance 2/fan (not 1/fan) to keep it constant from layer to layer.
/// @param shape weight shape (out, in, kernel sizes...)
/// @param mode FanMode::fan_in or FanMode::fan_out
/// @return σ
/// @see https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.calculate_gain
template <std::size_t N>
double kaiming_normal_std(const std::array<std::size_t, N>& shape, FanMode mode);

/// @ingroup ch01
/// @brief A weight drawn from \f$ \mathcal{N}(0, \sigma^2) \f$ with σ from
///        kaiming_normal_std(). torchvision's ResNet initialises every conv with
///        `kaiming_normal_(w, mode="fan_out", nonlinearity="relu")`.
/// @param shape weight shape (out, in, kernel sizes...)
/// @param mode which fan to use
/// @param generator the seeded random source
/// @return a tensor of shape `shape`, for example (K, C, R, S) for a conv weight
/// @see https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.kaiming_normal_
template <class T, std::size_t N>
xt::xtensor<T, N> kaiming_normal(const std::array<std::size_t, N>& shape, FanMode mode, Generator& generator);

}  // namespace resnet
