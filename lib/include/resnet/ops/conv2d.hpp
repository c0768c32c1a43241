/// @file
/// @brief Task 2.7: 2-D convolution as im2col + one matrix product (the framework's
///        convolution), forward and backward. conv2d_direct.hpp has the loop version.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>

#include <xtensor/xtensor.hpp>

#include "resnet/ops/window_shape.hpp"

namespace resnet {

/// @ingroup ch02
/// @brief A convolution's optional bias: a (K) tensor, or std::nullopt for none.
///
/// (Spelled with std::common_type_t so that the compiler takes T from x and the weight and
/// converts a plain `xt::xtensor<T, 1>` argument to it.)
template <class T>
using OptionalBias = std::optional<xt::xtensor<std::common_type_t<T>, 1>>;

/// @ingroup ch02
/// @brief What a convolution's backward pass needs from its forward pass.
template <class T>
struct Conv2dCache {
  xt::xtensor<T, 4> x;       ///< the input, (N, C, H, W)
  xt::xtensor<T, 4> weight;  ///< the weight, (K, C, R, S)
  bool has_bias = false;     ///< whether a bias was added (then dbias is returned)
  WindowShape shape;         ///< every size, checked
};

/// @ingroup ch02
/// @brief The output of a convolution and its cache.
template <class T>
struct Conv2dOutput {
  xt::xtensor<T, 4> y;   ///< (N, K, P, Q)
  Conv2dCache<T> cache;  ///< for the backward pass
};

/// @ingroup ch02
/// @brief The gradients a convolution's backward pass returns.
template <class T>
struct Conv2dGrads {
  xt::xtensor<T, 4> dx;       ///< (N, C, H, W)
  xt::xtensor<T, 4> dweight;  ///< (K, C, R, S)
  xt::xtensor<T, 1> dbias;    ///< (K), or empty when the forward pass had no bias
};

/// @ingroup ch02
/// @brief Convolution (cross-correlation, as in every deep-learning framework):
/// \f[ y_{nkpq} = b_k + \sum_{c=0}^{C-1} \sum_{r=0}^{R-1} \sum_{s=0}^{S-1}
///     W_{kcrs} \; x_{n,\,c,\,p\,\text{stride} - \text{pad} + r,\;q\,\text{stride} - \text{pad} + s}, \f]
/// with x read as 0 outside the image (zero padding). Computed as im2col() followed by
/// one matrix product: \f$ Y_{(K,\,NPQ)} = W_{(K,\,CRS)} \cdot \text{cols}_{(CRS,\,NPQ)} \f$.
///
/// Mirrors `torch.nn.functional.conv2d(x, weight, bias, stride, padding)`.
/// @param x input, (N, C, H, W)
/// @param weight filters, (K, C, R, S)
/// @param bias (K), or std::nullopt for none (ResNet's convolutions have none)
/// @param stride step between windows, at least 1
/// @param padding zeros added on every side
/// @return y (N, K, P, Q) and the cache
/// @throws ShapeError naming the shapes (see conv2d_shape()), or when the bias is not (K)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html
template <class T>
Conv2dOutput<T> conv2d_forward(const xt::xtensor<T, 4>& x, const xt::xtensor<T, 4>& weight, const OptionalBias<T>& bias,
                               std::size_t stride, std::size_t padding);

/// @ingroup ch02
/// @brief The gradients of a convolution with respect to x, the weight and the bias, given
///        dy: the same numbers as conv2d_direct_backward(), computed through the matrices of
///        the forward pass with im2col(), col2im() and gemm().
///
/// Task 2.7; chapters/02_convolution/README.md derives them as products of matrices.
/// @param dy upstream gradient, (N, K, P, Q)
/// @param cache from conv2d_forward()
/// @return dx (N, C, H, W), dweight (K, C, R, S), and dbias (K) (empty without a bias)
/// @throws ShapeError when dy is not (N, K, P, Q)
template <class T>
Conv2dGrads<T> conv2d_backward(const xt::xtensor<T, 4>& dy, const Conv2dCache<T>& cache);

}  // namespace resnet
