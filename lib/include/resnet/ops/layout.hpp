/// @file
/// @brief Task 1.2: changing memory layout between NCHW (ours, PyTorch's) and NHWC
///        (image files, TensorFlow's).
#pragma once

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch01
/// @brief Reorders a batch from (N, C, H, W) to (N, H, W, C): y[n, h, w, c] = x[n, c, h, w].
///
/// Image files store pixels interleaved (R G B R G B ...), which is HWC; the network works
/// on planar NCHW. The result is a new contiguous array (a real copy, not a view).
/// Mirrors `x.permute(0, 2, 3, 1).contiguous()`. Compiled for float, double and
/// std::uint8_t (image bytes).
/// @param x batch of shape (N, C, H, W)
/// @return batch of shape (N, H, W, C)
/// @see https://pytorch.org/docs/stable/generated/torch.permute.html
template <class T>
xt::xtensor<T, 4> nchw_to_nhwc(const xt::xtensor<T, 4>& x);

/// @ingroup ch01
/// @brief The inverse of nchw_to_nhwc: (N, H, W, C) to (N, C, H, W).
/// @param x batch of shape (N, H, W, C)
/// @return batch of shape (N, C, H, W)
/// @see https://pytorch.org/docs/stable/generated/torch.permute.html
template <class T>
xt::xtensor<T, 4> nhwc_to_nchw(const xt::xtensor<T, 4>& x);

}  // namespace resnet
