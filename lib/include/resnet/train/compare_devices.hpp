/// @file
/// @brief Chapter 6: one batch through a ResNet on the CPU and on the GPU, part by part,
///        to find the first layer where the two disagree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "resnet/nn/resnet.hpp"

namespace resnet {

/// @ingroup ch06
/// @brief One tensor compared between the devices.
struct DeviceDifference {
  std::string part;    ///< e.g. "conv1", "layer2.0", "fc"
  std::string pass;    ///< "forward" or "backward"
  std::string tensor;  ///< e.g. "output", "input gradient", "conv1.weight gradient", "bn1.running_mean"
  double worst = 0.0;  ///< the largest |gpu - cpu| / max(|cpu|_max, 1e-6) over the tensor
  bool within = true;  ///< worst <= the tolerance (false also for a NaN or a shape mismatch)
};

/// @ingroup ch06
/// @brief Everything compare_devices() compared, in the order it did.
struct DeviceComparison {
  double tolerance = 0.0;                 ///< the relative tolerance used
  std::vector<DeviceDifference> entries;  ///< forward passes first to last, then backward passes last to first
  /// @brief The first entry beyond the tolerance, if any: where to look.
  std::optional<DeviceDifference> first_divergence() const;
};

/// @ingroup ch06
/// @brief Runs one batch through `model` (which lives on the CPU) and through a copy of it
///        on the GPU (Device::cuda: a real GPU, or the emulated device), part by part: the
///        stem's convolution, batch norm, ReLU and max-pool, every residual block, the pool,
///        flatten and fc. Each part gets the CPU's input on both devices, so a difference
///        is that part's own. Forward, it compares each part's output and (training mode)
///        the batch norms' running statistics; backward, with the CPU's upstream gradient
///        of the cross-entropy loss, each part's input gradient and every parameter's gradient.
/// Differences are relative to the largest CPU value of the tensor, so that a tensor of
/// large values is not held to an absolute tolerance. The model itself is not changed
/// except for its gradients and, in training mode, its batch-norm statistics (as one
/// training step's forward and backward passes would).
/// @param model a float ResNet on the CPU, in the mode to compare (train or eval)
/// @param images (N, 3, H, W) on the CPU
/// @param labels (N) classes, for the loss whose gradient goes backward
/// @param tolerance relative tolerance: 1e-4 for the FP32 GEMM rungs; 1e-2 for the TF32
///        rung, where differences near 1e-3 are expected
/// @param prepare_twin called with the GPU copy before the comparison, e.g. to plant a
///        fault and watch it being found (the tests do)
/// @return every comparison made
/// @throws DeviceError when no device is usable; ShapeError for mismatched inputs
DeviceComparison compare_devices(ResNet<float>& model, const Tensor<float, 4>& images,
                                 const xt::xtensor<std::int64_t, 1>& labels, double tolerance = 1e-4,
                                 const std::function<void(ResNet<float>&)>& prepare_twin = {});

}  // namespace resnet
