// Winograd's minimal filtering F(2x2, 3x3) for the library's convolution: a 3x3, stride-1
// convolution and its weight gradient with 2.25x fewer multiplications than the GEMM
// (resnet/cpu/conv2d.hpp says when it is used). Private to lib/src/cpu.
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

namespace resnet::cpu::detail {

// y (N, K, P, Q) = the 3x3 stride-1 convolution of x (N, C, H, W) by weight (K, C, 3, 3)
// with `padding` zeros on every side (at most 2), P = H + 2 padding - 2, Q likewise.
xt::xtensor<float, 4> winograd_3x3(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 4>& weight,
                                   std::size_t padding);

// dweight (K, C, 3, 3) of that convolution, given x (N, C, H, W) and dy (N, K, P, Q): the
// correlation of x with dy, summed over the batch, by Winograd's F(3x3, 2x2).
xt::xtensor<float, 4> winograd_3x3_weight_gradient(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 4>& dy,
                                                   std::size_t padding);

}  // namespace resnet::cpu::detail
