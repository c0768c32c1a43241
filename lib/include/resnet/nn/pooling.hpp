/// @file
/// @brief The pooling modules: MaxPool2d and AdaptiveAvgPool2d(1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <optional>

#include "resnet/device/pooling.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/ops/global_avg_pool2d.hpp"
#include "resnet/ops/max_pool2d.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief `torch.nn.MaxPool2d(kernel, stride, padding)`: no parameters.
/// @see https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html
template <class T>
class MaxPool2d : public ImageLayer<T> {
 public:
  /// @brief A max-pool with a kernel x kernel window.
  /// @param kernel window size
  /// @param stride step between windows
  /// @param padding -inf added on every side, at most kernel / 2
  MaxPool2d(std::size_t kernel, std::size_t stride, std::size_t padding);
  /// @brief The maximum of every window (max_pool2d_forward(), or cpu::max_pool2d_forward()
  ///        with CpuKernels::packed in float, which keeps nothing in evaluation mode).
  /// @param x (N, C, H, W)
  /// @return y (N, C, P, Q)
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief The gradient with respect to x (max_pool2d_backward(), or
  ///        cpu::max_pool2d_backward() after a forward pass on the packed kernel).
  /// @param dy (N, C, P, Q)
  /// @return dx (N, C, H, W)
  /// @throws std::logic_error after a forward pass on the packed kernel in evaluation mode,
  ///         which kept no indices
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  const std::size_t kernel;   ///< as constructed
  const std::size_t stride;   ///< as constructed
  const std::size_t padding;  ///< as constructed

 private:
  // What the library's max-pool (CpuKernels::packed, float) keeps: 4-byte indices in
  // training, none in evaluation (resnet/cpu/max_pool2d.hpp).
  struct PackedCache {
    xt::xtensor<std::uint32_t, 4> argmax;  // (N, C, P, Q); empty after a forward pass in evaluation mode
    WindowShape shape;
    bool has_argmax = false;
  };

  std::optional<MaxPool2dCache> cache_;
  std::optional<device::MaxPool2dCache> gpu_cache_;  // the same, for a forward pass on the GPU (chapter 6)
  std::optional<PackedCache> packed_cache_;          // the same, for the library's max-pool
};

/// @ingroup ch03
/// @brief `torch.nn.AdaptiveAvgPool2d(1)`: (N, C, H, W) -> (N, C, 1, 1), the mean of every
///        channel. (Only output size 1, the one ResNet uses.)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html
template <class T>
class AdaptiveAvgPool2d : public ImageLayer<T> {
 public:
  /// @brief The mean over H and W, kept as a 1x1 image:
  ///        \f$ y_{nc00} = \frac{1}{HW} \sum_{h,w} x_{nchw} \f$.
  /// @param x (N, C, H, W)
  /// @return y (N, C, 1, 1)
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief The gradient with respect to x (global_avg_pool2d_backward(), with dy viewed
  ///        as (N, C)).
  /// @param dy (N, C, 1, 1)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

 private:
  std::optional<GlobalAvgPool2dCache> cache_;
  std::optional<std::array<std::size_t, 4>> gpu_input_shape_;  // x's shape, for a forward pass on the GPU
};

}  // namespace resnet
