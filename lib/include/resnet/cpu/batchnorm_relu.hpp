/// @file
/// @brief The library's fused batch norm + (residual add) + ReLU for the CPU, in float:
///        the three passes of the reference layers in one, forward and backward.
///
/// A ResNet applies batch norm and then ReLU after nearly every convolution, and at the end
/// of a residual block it adds the shortcut in between:
/// \f[ z = \gamma \hat{x} + \beta \; [+ \; r], \qquad y = \max(0, z), \qquad
///     \hat{x} = (x - \mu) / \sqrt{\sigma^2 + \epsilon}. \f]
/// The reference layers (chapters 2 to 4) run these as separate passes over memory, each
/// writing a tensor and each keeping its own copy for the backward pass. Here one pass
/// computes y, and training keeps \f$ \hat{x} \f$ and one bit per value saying whether the
/// ReLU let it through (instead of a float tensor for the ReLU); evaluation keeps nothing.
///
/// Backward, with \f$ g = \partial L / \partial y \f$ masked by the ReLU
/// (\f$ g_z = g \cdot [z > 0] \f$) and M = N H W values per channel:
/// \f[ \partial L/\partial \beta = \sum g_z, \quad \partial L/\partial \gamma = \sum g_z \hat{x}, \quad
///     \partial L/\partial x = \frac{\gamma}{\sqrt{\sigma^2+\epsilon}} \Big( g_z - \frac{1}{M}\frac{\partial L}{\partial
///     \beta} - \frac{\hat{x}}{M} \frac{\partial L}{\partial \gamma} \Big), \quad \partial L/\partial r = g_z. \f]
/// (Chapter 3's guide derives the batch-norm part.)
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace resnet::cpu {

/// @ingroup core
/// @brief What batchnorm_relu_backward() needs: kept by a forward pass in training mode.
struct BatchNormReluCache {
  xt::xtensor<float, 4> x_hat;  ///< (N, C, H, W), the normalised input
  /// One bit per value, 1 where z > 0 (the ReLU let the value through), channel by
  /// channel: value (n, c, h, w) is bit j % 8 of byte c bytes_per_channel + j / 8, with
  /// j = (n H + h) W + w. A byte per value would add a quarter to x_hat's memory, over
  /// 100 MB for a CIFAR ResNet-34 batch.
  std::vector<std::uint8_t> active_bits;
  std::size_t bytes_per_channel = 0;  ///< ceil(N H W / 8): every channel starts on a byte of its own
  xt::xtensor<float, 1> inverse_std;  ///< (C), 1 / sqrt(batch variance + eps)
  xt::xtensor<float, 1> gamma;        ///< (C), the scale the forward pass used
  bool has_residual = false;          ///< whether a residual was added (then dresidual is returned)
};

/// @ingroup core
/// @brief The output of batchnorm_relu_forward().
struct BatchNormReluOutput {
  xt::xtensor<float, 4> y;                  ///< (N, C, H, W)
  xt::xtensor<float, 1> running_mean;       ///< (C), updated in training, as given in evaluation
  xt::xtensor<float, 1> running_var;        ///< (C), likewise (unbiased batch variance blended in)
  std::optional<BatchNormReluCache> cache;  ///< in training only
};

/// @ingroup core
/// @brief The gradients batchnorm_relu_backward() returns.
struct BatchNormReluGrads {
  xt::xtensor<float, 4> dx;         ///< (N, C, H, W)
  xt::xtensor<float, 4> dresidual;  ///< (N, C, H, W), the masked dy; empty without a residual
  xt::xtensor<float, 1> dgamma;     ///< (C)
  xt::xtensor<float, 1> dbeta;      ///< (C)
};

/// @ingroup core
/// @brief The batch norm settings of one pass.
struct BatchNormReluSettings {
  bool training = true;   ///< batch statistics and a cache (true), or the running ones and no cache
  float eps = 1e-5f;      ///< added to the variance before the square root
  float momentum = 0.1f;  ///< weight of the batch in the running statistics
};

/// @ingroup core
/// @brief y = relu(batchnorm(x) [+ residual]) in one pass, the same numbers as
///        batchnorm2d_forward() followed by an add and relu_forward() up to float rounding.
/// @param x (N, C, H, W)
/// @param gamma (C)
/// @param beta (C)
/// @param running_mean (C)
/// @param running_var (C)
/// @param settings training or evaluation, eps, momentum
/// @param residual (N, C, H, W) to add before the ReLU, or nullptr
/// @throws ShapeError naming the tensor whose shape does not fit, or a training batch with
///         a single value per channel
BatchNormReluOutput batchnorm_relu_forward(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 1>& gamma,
                                           const xt::xtensor<float, 1>& beta, const xt::xtensor<float, 1>& running_mean,
                                           const xt::xtensor<float, 1>& running_var,
                                           const BatchNormReluSettings& settings,
                                           const xt::xtensor<float, 4>* residual);

/// @ingroup core
/// @brief The gradients of batchnorm_relu_forward() in training mode, given dy.
/// @param dy (N, C, H, W)
/// @param cache from a forward pass in training mode
/// @throws ShapeError when dy does not have the forward pass's shape, or the cache's mask
///         does not fit its x_hat
BatchNormReluGrads batchnorm_relu_backward(const xt::xtensor<float, 4>& dy, const BatchNormReluCache& cache);

}  // namespace resnet::cpu
