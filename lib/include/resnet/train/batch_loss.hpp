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
  float loss = 0.0f;             ///< the mean cross-entropy over the batch
  xt::xtensor<float, 2> logits;  ///< (B, classes), on the CPU
  Tensor<float, 2> dlogits;      ///< (B, classes), on the logits' device; empty without gradient
};

/// @ingroup ch07
/// @brief The mean cross-entropy of `logits` against `labels`, computed where the logits
///        live (task 2.4's cross_entropy_forward on the CPU, the chapter 6 kernels on the GPU),
///        and the logits on the CPU; `dlogits` stays empty.
/// @param logits (B, classes), on the CPU or the GPU
/// @param labels (B), each in 0 to classes - 1
/// @throws ShapeError when the labels do not fit the logits
/// @see https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
BatchLoss cross_entropy_of_batch(const Tensor<float, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels);

/// @ingroup ch07
/// @brief As cross_entropy_of_batch(), and the gradient of the loss with respect to the
///        logits (cross_entropy_backward with dloss = 1), on the logits' device.
/// @param logits (B, classes), on the CPU or the GPU
/// @param labels (B), each in 0 to classes - 1
BatchLoss cross_entropy_and_gradient_of_batch(const Tensor<float, 2>& logits,
                                              const xt::xtensor<std::int64_t, 1>& labels);

}  // namespace resnet
