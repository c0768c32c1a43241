/// @file
/// @brief The cross-entropy of a batch of logits, computed where the logits live: chapter 2's
///        op on the CPU, chapter 6's kernels on the GPU.
#pragma once

#include <cstdint>

#include <xtensor/xtensor.hpp>

#include "resnet/tensor.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief A batch's loss, its logits on the CPU (for the predictions) and, when asked for,
///        the gradient of the loss with respect to the logits, on the logits' device.
struct BatchLoss {
  float loss = 0.0f;              ///< the mean cross-entropy over the batch
  xt::xtensor<float, 2> logits;   ///< (B, classes), on the CPU
  Tensor<float, 2> dlogits;       ///< (B, classes), on the logits' device; empty without gradient
};

/// @ingroup ch07
/// @brief The mean cross-entropy of `logits` against `labels` (task 2.4's
///        cross_entropy_forward on the CPU, the chapter 6 kernels on the GPU) and, with
///        `with_gradient`, its gradient with respect to the logits (cross_entropy_backward
///        with dloss = 1).
/// @param logits (B, classes), on the CPU or the GPU
/// @param labels (B), each in 0 to classes - 1
/// @param with_gradient whether to compute dlogits
/// @throws ShapeError when the labels do not fit the logits
/// @see https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
BatchLoss cross_entropy_of_batch(const Tensor<float, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels,
                                 bool with_gradient);

}  // namespace resnet
