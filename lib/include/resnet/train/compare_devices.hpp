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
/// @brief How compare_devices() decides that a tensor is the same on both devices.
///
/// Element-wise first: the largest |gpu - cpu| relative to the largest |cpu| must be at most
/// `tolerance`. A backward tensor that fails this may still agree norm-wise, because of ReLU's
/// kink: its derivative jumps from 0 to 1 at 0, so a pre-activation within rounding of zero
/// can fall on different sides on the two devices. Such a flip moves one entry dy_i of the
/// upstream gradient by its whole value; batch norm's backward then spreads it over the
/// channel and the convolutions over the neighbours, so many entries move a little and one
/// may move by a tenth of the largest. Norm-wise the flip stays small, near
/// |dy_i| / ||dy||: the backward tensor agrees when
/// \f$\|g - c\|_2 / \|c\|_2 \le\f$ `kink_tolerance` and the part's forward output agreed
/// element-wise (a flip leaves the forward pass alone: ReLU is continuous). A real bug (a
/// wrong weight, index or formula) moves a whole channel, border or tensor, which is far
/// more. What the norm-wise rule cannot tell from a flip is a bug that moves only a few
/// entries of a large tensor: the element-wise figures are kept beside it for that reason.
/// The rule also needs each batch norm to see enough values per channel: with 2 images of
/// 32x32, ResNet-34's layer4 normalises 32 values per channel and a flip there moved a
/// weight gradient by more than 3% norm-wise (4 images: at most 1.0%).
struct AgreementRule {
  /// Element-wise, relative to the tensor's largest CPU value: 1e-4 for the FP32 GEMM rungs,
  /// 1e-2 for the TF32 rung, where differences near 1e-3 are expected.
  double tolerance = 1e-4;
  /// Norm-wise, for backward tensors only. ReLU flips on ResNet-34 moved backward tensors by
  /// up to 0.83% norm-wise (emulated device, 8 images, three seeds); a single wrong channel
  /// of 512 moves a tensor of like-sized entries by sqrt(1/512) = 4.4%, a wrong border row
  /// of a 4x4 map by a quarter.
  double kink_tolerance = 3e-2;
};

/// @ingroup ch06
/// @brief One tensor compared between the devices.
struct DeviceDifference {
  std::string part;              ///< e.g. "conv1", "layer2.0", "fc"
  std::string pass;              ///< "forward" or "backward"
  std::string tensor;            ///< e.g. "output", "input gradient", "conv1.weight gradient", "bn1.running_mean"
  double worst = 0.0;            ///< the largest |gpu - cpu| / max(|cpu|_max, 1e-6) over the tensor
  double norm_relative = 0.0;    ///< ||gpu - cpu||_2 / max(||cpu||_2, 1e-6)
  double fraction_beyond = 0.0;  ///< the fraction of entries whose |gpu - cpu| / max(|cpu|_max, 1e-6) > tolerance
  std::size_t size = 0;          ///< entries compared
  /// The verdict: within the tolerance element-wise, or (backward) the kink rule's norm-wise
  /// one. False also for a NaN or a size mismatch.
  bool within = true;
  bool only_norm_wise = false;  ///< within by the norm-wise kink rule only (ReLU flips)
};

/// @ingroup ch06
/// @brief Compares one tensor's values on the two devices by `rule` (see AgreementRule).
/// @param part the part of the network, e.g. "layer2.0"
/// @param pass "forward" or "backward": only backward tensors may agree norm-wise
/// @param tensor which of the part's tensors, e.g. "input gradient"
/// @param cpu the tensor's values computed on the CPU: the reference
/// @param gpu the same tensor's values computed on the GPU
/// @param rule the element-wise and norm-wise tolerances
/// @param forward_agreed whether the part's forward output agreed (the kink rule needs it)
/// @return the figures and the verdict
DeviceDifference compare_tensor(const std::string& part, const std::string& pass, const std::string& tensor,
                                const std::vector<double>& cpu, const std::vector<double>& gpu,
                                const AgreementRule& rule, bool forward_agreed = true);

/// @ingroup ch06
/// @brief Everything compare_devices() compared, in the order it did.
struct DeviceComparison {
  AgreementRule rule;                     ///< the rule used
  std::vector<DeviceDifference> entries;  ///< forward passes first to last, then backward passes last to first
  /// @brief The first entry beyond the rule, if any: where to look.
  std::optional<DeviceDifference> first_divergence() const;
  /// @brief How many entries agree only by the norm-wise kink rule.
  std::size_t only_norm_wise() const;
};

/// @ingroup ch06
/// @brief Runs one batch through `model` (which lives on the CPU) and through a copy of it
///        on the GPU (Device::cuda: a real GPU, or the emulated device), part by part: the
///        stem's convolution, batch norm, ReLU and max-pool, every residual block, the pool,
///        flatten and fc. Each part gets the CPU's input on both devices, so a difference
///        is that part's own. Forward, it compares each part's output and (training mode)
///        the batch norms' running statistics; backward, with the CPU's upstream gradient
///        of the cross-entropy loss, each part's input gradient and every parameter's gradient.
/// Each tensor is judged by `rule` (element-wise, relative to its largest CPU value, so that
/// a tensor of large values is not held to an absolute tolerance; backward tensors may agree
/// norm-wise, see AgreementRule). The model itself is not changed except for its gradients
/// and, in training mode, its batch-norm statistics (as one training step's forward and
/// backward passes would).
/// @param model a float ResNet on the CPU, in the mode to compare (train or eval)
/// @param images (N, 3, H, W) on the CPU
/// @param labels (N) classes, for the loss whose gradient goes backward
/// @param rule the tolerances
/// @param prepare_twin called with the GPU copy before the comparison, e.g. to plant a
///        fault and watch it being found (the tests do)
/// @return every comparison made
/// @throws DeviceError when no device is usable; ShapeError for mismatched inputs
DeviceComparison compare_devices(ResNet<float>& model, const Tensor<float, 4>& images,
                                 const xt::xtensor<std::int64_t, 1>& labels, const AgreementRule& rule = {},
                                 const std::function<void(ResNet<float>&)>& prepare_twin = {});

}  // namespace resnet
