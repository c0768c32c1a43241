/// @file
/// @brief Inverted dropout, forward and backward, for a given mask: the op behind the
///        Dropout module (resnet/nn/dropout.hpp), which draws the masks.
#pragma once

#include <cstddef>
#include <cstdint>

#include <xtensor/xtensor.hpp>

#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief What dropout_backward() needs: which values were kept, and their scale.
template <class T, std::size_t N>
struct DropoutCache {
  xt::xtensor<std::uint8_t, N> keep;  ///< 1 where the value was kept, 0 where it was dropped
  T scale;                            ///< 1 / (1 - p)
};

/// @ingroup ch03
/// @brief The output of dropout_forward().
template <class T, std::size_t N>
struct DropoutOutput {
  xt::xtensor<T, N> y;       ///< x's shape
  DropoutCache<T, N> cache;  ///< for dropout_backward()
};

/// @ingroup ch03
/// @brief A mask that keeps each value with probability 1 - p, independently, drawn from
///        `generator` only (a value is dropped when its uniform draw is below p).
/// @param shape the mask's shape, x's
/// @param p the probability of dropping a value, 0 <= p < 1
/// @param generator the random numbers
/// @return 1 (keep) or 0 (drop) per value
template <std::size_t N>
xt::xtensor<std::uint8_t, N> dropout_mask(const std::array<std::size_t, N>& shape, double p, Generator& generator);

/// @ingroup ch03
/// @brief Inverted dropout with a given mask: \f$ y = x \odot \text{keep} / (1 - p) \f$, so that
///        \f$ \mathbb{E}[y] = x \f$ and evaluation needs no rescaling.
/// @param x any shape
/// @param keep x's shape, 1 or 0
/// @param p the probability of dropping, 0 <= p < 1
/// @throws ShapeError when the mask's shape is not x's; std::invalid_argument for p outside [0, 1)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html
template <class T, std::size_t N>
DropoutOutput<T, N> dropout_forward(const xt::xtensor<T, N>& x, const xt::xtensor<std::uint8_t, N>& keep, double p);

/// @ingroup ch03
/// @brief The gradient of dropout_forward(): \f$ dx = dy \odot \text{keep} / (1 - p) \f$.
/// @param dy the upstream gradient, x's shape
/// @param cache the forward pass's
template <class T, std::size_t N>
xt::xtensor<T, N> dropout_backward(const xt::xtensor<T, N>& dy, const DropoutCache<T, N>& cache);

}  // namespace resnet
