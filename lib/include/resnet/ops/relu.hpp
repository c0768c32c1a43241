/// @file
/// @brief Task 2.3: the rectified linear unit, forward and backward.
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch02
/// @brief What relu_backward() needs: the input (only its sign matters).
template <class T, std::size_t N>
struct ReluCache {
  xt::xtensor<T, N> x;  ///< the input, any shape
};

/// @ingroup ch02
/// @brief The output of relu_forward() and its cache.
template <class T, std::size_t N>
struct ReluOutput {
  xt::xtensor<T, N> y;    ///< same shape as x
  ReluCache<T, N> cache;  ///< for relu_backward()
};

/// @ingroup ch02
/// @brief The gradient relu_backward() returns.
template <class T, std::size_t N>
struct ReluGrads {
  xt::xtensor<T, N> dx;  ///< same shape as x
};

/// @ingroup ch02
/// @brief \f$ y = \max(0, x) \f$ elementwise; a NaN input stays NaN. Mirrors `torch.relu`.
/// @param x any shape (rank 2 and 4 are compiled: features and NCHW batches)
/// @return y, the shape of x, and the cache for the backward pass
/// @see https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html
template <class T, std::size_t N>
ReluOutput<T, N> relu_forward(const xt::xtensor<T, N>& x);

/// @ingroup ch02
/// @brief The gradient of the loss with respect to x, given dy, as `torch.relu`'s backward
///        pass computes it.
///
/// Task 2.3; chapters/02_convolution/README.md derives dx. PyTorch's conventions, which
/// this follows: at exactly 0, where ReLU has no derivative, the gradient is 0; where x was
/// NaN the gradient passes (PyTorch zeroes exactly where \f$ x \le 0 \f$).
/// @param dy upstream gradient, the shape of x
/// @param cache from relu_forward()
/// @return dx, the shape of x
/// @throws ShapeError when dy's shape differs from x's
template <class T, std::size_t N>
ReluGrads<T, N> relu_backward(const xt::xtensor<T, N>& dy, const ReluCache<T, N>& cache);

}  // namespace resnet
