/// @file
/// @brief Task 2.2: the fully connected layer, forward and backward.
#pragma once

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch02
/// @brief What linear_backward() needs from the forward pass.
template <class T>
struct LinearCache {
  xt::xtensor<T, 2> x;       ///< the input, (N, C)
  xt::xtensor<T, 2> weight;  ///< the weight, (K, C)
};

/// @ingroup ch02
/// @brief The output of linear_forward() and its cache.
template <class T>
struct LinearOutput {
  xt::xtensor<T, 2> y;   ///< (N, K)
  LinearCache<T> cache;  ///< for linear_backward()
};

/// @ingroup ch02
/// @brief The gradients linear_backward() returns.
template <class T>
struct LinearGrads {
  xt::xtensor<T, 2> dx;       ///< (N, C)
  xt::xtensor<T, 2> dweight;  ///< (K, C)
  xt::xtensor<T, 1> dbias;    ///< (K)
};

/// @ingroup ch02
/// @brief \f$ y = x W^\top + b \f$: every output is a weighted sum of every input feature.
///
/// \f$ y_{nk} = \sum_c x_{nc} W_{kc} + b_k \f$. Mirrors `torch.nn.functional.linear`; the
/// weight is stored (out_features, in_features), as in PyTorch.
/// @param x input, (N, C)
/// @param weight weight, (K, C)
/// @param bias bias, (K)
/// @return y, (N, K), and the cache for the backward pass
/// @throws ShapeError when C or K disagree between the arguments
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html
template <class T>
LinearOutput<T> linear_forward(const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& weight,
                               const xt::xtensor<T, 1>& bias);

/// @ingroup ch02
/// @brief The gradients of the loss with respect to x, W and b, given
///        \f$ dy = \partial L / \partial y \f$: what the backward pass of
///        `torch.nn.functional.linear` computes, returned fresh (not accumulated).
///
/// Task 2.2; chapters/02_convolution/README.md derives dx, dweight and dbias.
/// @param dy upstream gradient, (N, K)
/// @param cache from linear_forward()
/// @return dx (N, C), dweight (K, C) and dbias (K)
/// @throws ShapeError when dy is not (N, K)
template <class T>
LinearGrads<T> linear_backward(const xt::xtensor<T, 2>& dy, const LinearCache<T>& cache);

}  // namespace resnet
