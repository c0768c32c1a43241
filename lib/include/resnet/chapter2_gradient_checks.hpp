/// @file
/// @brief The gradient checks of every op of chapter 2, ready to run: the chapter's table.
#pragma once

#include <vector>

#include "resnet/gradcheck.hpp"

namespace resnet {

/// @ingroup ch02
/// @brief One GradCheckCase per op of chapter 2 (and per convolution variant: direct and
///        im2col, stride 1 and 2, 1x1 and 7x7 kernels), on small random double inputs
///        chosen so that central differences are meaningful (no input of ReLU within 0.1
///        of its kink, no near-ties inside a max-pool window).
/// @param seed for the inputs and parameters
std::vector<GradCheckCase> chapter2_gradient_checks(std::uint64_t seed = 2);

}  // namespace resnet
