/// @file
/// @brief Tasks 3.1 and 3.2: batch normalization over the (N, H, W) axes of an NCHW batch.
#pragma once

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch03
/// @brief Whether batch norm uses the batch's statistics (training) or the running ones.
enum class BatchNormMode {
  train,  ///< normalise with the batch's mean and biased variance; update the running statistics
  eval    ///< normalise with the running statistics; change nothing
};

/// @ingroup ch03
/// @brief The settings of a batch norm, PyTorch's defaults.
template <class T>
struct BatchNormSettings {
  T eps = T(1e-5);      ///< added to the variance before the square root
  T momentum = T(0.1);  ///< weight of the new batch in the running statistics
};

/// @ingroup ch03
/// @brief What batchnorm2d_backward() needs from the forward pass.
template <class T>
struct BatchNorm2dCache {
  xt::xtensor<T, 4> x_hat;                    ///< the normalised input \f$ \hat{x} \f$, (N, C, H, W)
  xt::xtensor<T, 1> inverse_std;              ///< \f$ 1 / \sqrt{\sigma^2_c + \epsilon} \f$ used, (C)
  xt::xtensor<T, 1> gamma;                    ///< the scale used, (C)
  BatchNormMode mode = BatchNormMode::train;  ///< which statistics were used
};

/// @ingroup ch03
/// @brief The output of batchnorm2d_forward(): y, the cache, and the running statistics
///        after this call (updated in train mode, unchanged in eval mode).
template <class T>
struct BatchNorm2dOutput {
  xt::xtensor<T, 4> y;             ///< (N, C, H, W)
  BatchNorm2dCache<T> cache;       ///< for batchnorm2d_backward()
  xt::xtensor<T, 1> running_mean;  ///< (C), the new running mean
  xt::xtensor<T, 1> running_var;   ///< (C), the new running (unbiased) variance
};

/// @ingroup ch03
/// @brief The gradients batchnorm2d_backward() returns.
template <class T>
struct BatchNorm2dGrads {
  xt::xtensor<T, 4> dx;      ///< (N, C, H, W)
  xt::xtensor<T, 1> dgamma;  ///< (C)
  xt::xtensor<T, 1> dbeta;   ///< (C)
};

/// @ingroup ch03
/// @brief Batch normalization of every channel over its M = N·H·W values:
/// \f[ \hat{x}_{nchw} = \frac{x_{nchw} - \mu_c}{\sqrt{\sigma^2_c + \epsilon}}, \qquad
///     y_{nchw} = \gamma_c \hat{x}_{nchw} + \beta_c. \f]
///
/// In train mode \f$ \mu_c \f$ and \f$ \sigma^2_c \f$ are the batch's mean and *biased*
/// variance, and the running statistics move towards the batch's, with the *unbiased*
/// variance: \f$ \text{running} \leftarrow (1 - m)\,\text{running} + m\,\text{batch} \f$
/// (m = momentum = 0.1). In eval mode the running statistics are used and kept. Exactly
/// PyTorch's `BatchNorm2d`.
/// @param x input, (N, C, H, W)
/// @param gamma scale, (C) (PyTorch's `weight`)
/// @param beta shift, (C) (PyTorch's `bias`)
/// @param running_mean (C)
/// @param running_var (C)
/// @param mode train or eval
/// @param settings eps and momentum
/// @return y (N, C, H, W), the cache, and the running statistics after the call, (C) each
/// @throws ShapeError when a (C) vector has the wrong size, or in train mode when a channel
///         has fewer than 2 values (M = 1: no variance to estimate, as PyTorch refuses)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
template <class T>
BatchNorm2dOutput<T> batchnorm2d_forward(const xt::xtensor<T, 4>& x, const xt::xtensor<T, 1>& gamma,
                                         const xt::xtensor<T, 1>& beta, const xt::xtensor<T, 1>& running_mean,
                                         const xt::xtensor<T, 1>& running_var, BatchNormMode mode,
                                         const BatchNormSettings<T>& settings = {});

/// @ingroup ch03
/// @brief The gradients of the loss with respect to x, gamma and beta, given dy, in the
///        mode the forward pass ran in: in train mode the batch's mean and variance depend
///        on every value of the channel, in eval mode the running statistics are constants.
///        What the backward pass of PyTorch's `BatchNorm2d` computes, returned fresh.
///
/// Task 3.2; chapters/03_batchnorm/README.md derives dgamma, dbeta and dx step by step, and
/// lists properties a correct dx has (in train mode it sums to zero over each channel).
/// @param dy upstream gradient, (N, C, H, W)
/// @param cache from batchnorm2d_forward()
/// @return dx (N, C, H, W), dgamma (C) and dbeta (C)
/// @throws ShapeError when dy's shape differs from x's
template <class T>
BatchNorm2dGrads<T> batchnorm2d_backward(const xt::xtensor<T, 4>& dy, const BatchNorm2dCache<T>& cache);

}  // namespace resnet
