/// @file
/// @brief Task 1.3: broadcasting, the rule that lets a (C) vector act on an (N, C, H, W) batch.
#pragma once

#include <cstddef>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch01
/// @brief The shape two arrays broadcast to, by NumPy's (and PyTorch's) rule.
///
/// Align the shapes at their last axis; pad the shorter one with 1s on the left; along
/// each axis the sizes must be equal or one of them must be 1, and the result takes the
/// size that is not 1 (so an empty axis, size 0, stays empty against size 1).
/// Task 1.3; chapters/01_tensors/README.md has two cases to work out by this rule.
/// @param a shape of the first array
/// @param b shape of the second array
/// @return the broadcast shape, as many axes as the longer of a and b
/// @throws ShapeError naming both shapes and the first axis where they conflict
/// @see https://pytorch.org/docs/stable/notes/broadcasting.html
std::vector<std::size_t> broadcast_shapes(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b);

/// @ingroup ch01
/// @brief Per-channel normalisation \f$ y_{nchw} = (x_{nchw} - \mu_c) / \sigma_c \f$, by
///        broadcasting the (C) vectors over N, H and W.
///
/// This is what `torchvision.transforms.Normalize(mean, std)` does to a batch.
/// @param x batch of shape (N, C, H, W)
/// @param mean per-channel mean, shape (C)
/// @param stddev per-channel standard deviation, shape (C), every entry > 0
/// @return normalised batch of shape (N, C, H, W)
/// @throws ShapeError when mean or stddev do not have C entries, or a stddev is not positive
/// @see https://pytorch.org/vision/stable/generated/torchvision.transforms.Normalize.html
template <class T>
xt::xtensor<T, 4> normalize_channels(const xt::xtensor<T, 4>& x, const xt::xtensor<T, 1>& mean,
                                     const xt::xtensor<T, 1>& stddev);

}  // namespace resnet
