/// @file
/// @brief Task 1.4: reductions along an axis (sum, mean, biased and unbiased variance).
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch01
/// @brief Which variance: divide the sum of squared deviations by n or by n - 1.
///
/// Batch norm normalises with the biased one and stores the unbiased one in running_var
/// (chapter 3), exactly as PyTorch does.
enum class Variance {
  biased,   ///< \f$ \frac{1}{n} \sum_i (x_i - \bar{x})^2 \f$ (`torch.var(x, unbiased=False)`)
  unbiased  ///< \f$ \frac{1}{n-1} \sum_i (x_i - \bar{x})^2 \f$ (Bessel's correction; `torch.var(x)`)
};

/// @ingroup ch01
/// @brief Sum along one axis; the result has that axis removed.
///
/// For x of shape (2, 3) and axis 0 the result has shape (3) and
/// \f$ y_j = \sum_i x_{ij} \f$. Mirrors `x.sum(dim=axis)`.
/// @param x any rank-N array
/// @param axis the axis to sum over, below N
/// @return rank N - 1: the shape of x without `axis`
/// @throws ShapeError when axis >= N
/// @see https://pytorch.org/docs/stable/generated/torch.sum.html
template <class T, std::size_t N>
xt::xtensor<T, N - 1> sum_along(const xt::xtensor<T, N>& x, std::size_t axis);

/// @ingroup ch01
/// @brief Mean along one axis: the sum divided by the axis length. Mirrors `x.mean(dim=axis)`.
/// @param x any rank-N array whose size along `axis` is at least 1
/// @param axis the axis to average over
/// @return rank N - 1: the shape of x without `axis`; \f$ y = \frac{1}{n} \sum_i x_i \f$ over the n
///         entries along it
/// @throws ShapeError when axis >= N or the axis is empty
/// @see https://pytorch.org/docs/stable/generated/torch.mean.html
template <class T, std::size_t N>
xt::xtensor<T, N - 1> mean_along(const xt::xtensor<T, N>& x, std::size_t axis);

/// @ingroup ch01
/// @brief Variance along one axis, by the two-pass formula (first the mean, then the mean
///        squared deviation from it), which stays accurate when the values are large
///        compared to their spread; the one-pass \f$ E[x^2] - E[x]^2 \f$ does not.
///
/// Mirrors `torch.var(x, dim=axis, unbiased=...)`.
/// @param x any rank-N array
/// @param axis the axis to reduce
/// @param kind Variance::biased (divide by n) or Variance::unbiased (divide by n - 1)
/// @return rank N - 1: the shape of x without `axis`
/// @throws ShapeError when axis >= N, or when the axis has fewer than 1 (biased) or
///         2 (unbiased) entries: the result would be NaN
/// @see https://pytorch.org/docs/stable/generated/torch.var.html
template <class T, std::size_t N>
xt::xtensor<T, N - 1> variance_along(const xt::xtensor<T, N>& x, std::size_t axis, Variance kind);

}  // namespace resnet
