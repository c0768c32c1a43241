/// @file
/// @brief Task 1.5: matrix multiplication, by hand and through BLAS.
#pragma once

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch01
/// @brief C = A B computed with three loops: \f$ C_{ij} = \sum_p A_{ip} B_{pj} \f$.
///
/// The definition, for learning and for checking the BLAS one. Cost: 2·M·K·N flops.
/// @param a matrix of shape (M, K)
/// @param b matrix of shape (K, N)
/// @return matrix of shape (M, N)
/// @throws ShapeError when the inner sizes differ
/// @see https://pytorch.org/docs/stable/generated/torch.matmul.html
template <class T>
xt::xtensor<T, 2> matmul_naive(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b);

/// @ingroup ch01
/// @brief C = A B through BLAS (`xt::linalg::dot`, which calls OpenBLAS's sgemm/dgemm).
///
/// What the framework uses: blocked for the caches, vectorised and multithreaded.
/// @param a matrix of shape (M, K)
/// @param b matrix of shape (K, N)
/// @return matrix of shape (M, N)
/// @throws ShapeError when the inner sizes differ
/// @see https://pytorch.org/docs/stable/generated/torch.matmul.html
template <class T>
xt::xtensor<T, 2> matmul_blas(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b);

}  // namespace resnet
