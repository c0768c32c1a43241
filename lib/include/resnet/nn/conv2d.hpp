/// @file
/// @brief The Conv2d module: a convolution with its weight (and optional bias) as parameters.
#pragma once

#include <cstddef>
#include <vector>
#include <optional>

#include "resnet/device/conv2d.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/ops/conv2d.hpp"
#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch03
/// @brief Whether a convolution adds a learned bias (`bias=` of torch.nn.Conv2d).
enum class Bias {
  none,    ///< no bias: every convolution of a ResNet (batch norm follows, its beta shifts)
  learned  ///< a bias (K), initialised as PyTorch's
};

/// @ingroup ch03
/// @brief `torch.nn.Conv2d`: parameters `weight` (K, C, R, R) and, optionally, `bias` (K).
///
/// Initialised as torchvision's ResNet does: Kaiming normal with fan_out for ReLU
/// (kaiming_normal() with FanMode::fan_out, task 1.7); a bias, as PyTorch's, uniform in
/// \f$ \pm 1/\sqrt{\text{fan\_in}} \f$ (compute_fans()). Forward and backward are
/// conv2d_forward() and conv2d_backward() (im2col + GEMM).
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
template <class T>
class Conv2d : public ImageLayer<T> {
 public:
  /// @brief A convolution with weight (K, C, R, R) and, with Bias::learned, bias (K),
  ///        initialised as described above.
  /// @param in_channels C
  /// @param out_channels K
  /// @param kernel_size R (square kernels, as in every ResNet)
  /// @param stride step between windows
  /// @param padding zeros added on every side
  /// @param bias_kind Bias::learned to add a learned bias (ResNet's convolutions have none)
  /// @param generator the seeded source of the initial weights
  Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_size, std::size_t stride,
         std::size_t padding, Bias bias_kind, Generator& generator);

  /// @brief y = conv2d(x, weight, bias).
  /// @param x (N, C, H, W)
  /// @return y (N, K, P, Q)
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief Adds dweight (and dbias) into the gradients and returns dx.
  /// @param dy (N, K, P, Q)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief forward() for a caller that no longer needs x: on the library's path
  ///        (CpuKernels::packed) the module keeps x itself for the backward pass instead
  ///        of a copy of it. Otherwise the same as forward(x).
  /// @param x (N, C, H, W), moved from
  /// @return y (N, K, P, Q)
  Tensor<T, 4> forward_consuming(Tensor<T, 4>&& x);
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  Parameter<T, 4> weight;               ///< (K, C, R, R)
  std::optional<Parameter<T, 1>> bias;  ///< (K), with Bias::learned
  const std::size_t stride;             ///< as constructed
  const std::size_t padding;            ///< as constructed

 private:
  Tensor<T, 4> gpu_forward(const Tensor<T, 4>& x);  // chapter 6: resnet/device/conv2d.hpp
  Tensor<T, 4> gpu_backward(const Tensor<T, 4>& dy);

  // The library's kernel (resnet/cpu/conv2d.hpp), for CpuKernels::packed on floats.
  bool runs_packed_kernel() const;
  Tensor<T, 4> packed_forward(const Tensor<T, 4>& x, Tensor<T, 4>* owned = nullptr);  // owned: keep it, moved
  Tensor<T, 4> packed_backward(const Tensor<T, 4>& dy);

  // What packed_backward() needs: the input, kept only by a forward pass in training mode.
  struct PackedCache {
    xt::xtensor<T, 4> x;  // (N, C, H, W), empty after a forward pass in evaluation mode
    WindowShape shape;
    bool has_input = false;
  };

  std::optional<Conv2dCache<T>> cache_;
  std::optional<device::Conv2dCache> gpu_cache_;  // the same, for a forward pass on the GPU
  std::optional<PackedCache> packed_cache_;       // the same, for packed_forward()
};

}  // namespace resnet
