/// @file
/// @brief Tasks 4.1-4.3: the residual blocks of ResNet, BasicBlock and Bottleneck.
#pragma once

#include <cstddef>
#include <vector>
#include <memory>

#include "resnet/nn/activation.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/sequential.hpp"
#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch04
/// @brief Whether a block adds its input back (a residual block) or not (a "plain" block,
///        the baseline of the ResNet paper: same layers, no shortcut at all).
enum class Shortcut {
  residual,  ///< \f$ y = \operatorname{relu}(F(x) + \operatorname{shortcut}(x)) \f$
  none       ///< \f$ y = \operatorname{relu}(F(x)) \f$
};

/// @ingroup ch04
/// @brief The projection shortcut of torchvision: a 1x1 convolution with the block's
///        stride and a batch norm, registered as children "0" and "1" of `downsample`.
///        A residual block uses it where its input x does not fit the sum (task 4.1 of
///        chapters/04_residual_blocks/README.md asks when that is).
/// @param in_channels the block's input channels
/// @param out_channels the block's output channels (planes x expansion)
/// @param stride the block's stride
/// @param generator the seeded source of the convolution's weights
/// @return the Sequential of the two layers: (N, in_channels, H, W) to (N, out_channels, P, Q)
template <class T>
std::unique_ptr<Sequential<T>> make_projection(std::size_t in_channels, std::size_t out_channels, std::size_t stride,
                                               Generator& generator);

/// @ingroup ch04
/// @brief ResNet-18/34's block (torchvision's `BasicBlock`): two 3x3 convolutions with batch
///        norm, the shortcut added, then ReLU:
/// \f[ y = \operatorname{relu}\big(\operatorname{bn_2}(\operatorname{conv_2}(
///     \operatorname{relu}(\operatorname{bn_1}(\operatorname{conv_1}(x))))) + \operatorname{shortcut}(x)\big). \f]
///
/// The shortcut is x itself, or the projection (1x1 conv + BN) where x does not fit the
/// sum. The stride is on conv1.
/// @see https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py
template <class T>
class BasicBlock : public ImageLayer<T> {
 public:
  /// @brief Output channels = planes x expansion; 1 for this block.
  static constexpr std::size_t expansion = 1;

  /// @brief A block with freshly initialised layers and, in exactly the residual blocks
  ///        whose input would not fit the sum, the projection shortcut `downsample` (null
  ///        otherwise, and always null for a plain block). Task 4.1.
  /// @param in_channels input channels
  /// @param planes the block's width (output channels = planes)
  /// @param stride 1, or 2 to halve the image
  /// @param generator the seeded source of the weights
  /// @param shortcut residual (ResNet) or none (a plain network)
  BasicBlock(std::size_t in_channels, std::size_t planes, std::size_t stride, Generator& generator,
             Shortcut shortcut = Shortcut::residual);

  /// @brief The main path, plus the shortcut, then ReLU.
  /// @param x (N, C, H, W) with C = in_channels
  /// @return y (N, planes, P, Q) with \f$ P = \lceil H / \text{stride} \rceil \f$,
  ///         \f$ Q = \lceil W / \text{stride} \rceil \f$
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief Returns dx, the gradient with respect to the block's input, and accumulates
  ///        every parameter's gradient (main path and projection) into its `grad`.
  ///
  /// Task 4.2; chapters/04_residual_blocks/README.md asks how the gradients coming back
  /// along the main path and the shortcut combine into dx.
  /// @param dy (N, planes, P, Q)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  Conv2d<T> conv1;                            ///< 3x3, stride
  BatchNorm2d<T> bn1;                         ///< after conv1
  Conv2d<T> conv2;                            ///< 3x3
  BatchNorm2d<T> bn2;                         ///< after conv2
  std::unique_ptr<Sequential<T>> downsample;  ///< the projection, or null for identity
  const Shortcut shortcut;                    ///< residual or none

 private:
  // The library's path (CpuKernels::packed, floats on the CPU): the same layers, with each
  // batch norm, the shortcut's sum and the ReLU after it fused into one pass
  // (BatchNorm2d::forward_relu). Given code, in lib/src/nn/blocks.cpp.
  bool runs_packed_kernels(const Tensor<T, 4>& tensor) const;
  Tensor<T, 4> packed_forward(const Tensor<T, 4>& x);
  Tensor<T, 4> packed_backward(const Tensor<T, 4>& dy);

  ReLU<T> relu1_;  // after bn1
  ReLU<T> relu2_;  // after the sum
};

/// @ingroup ch04
/// @brief ResNet-50/101/152's block (torchvision's `Bottleneck`, "ResNet v1.5"): 1x1 to
///        narrow the channels, 3x3 (with the stride), 1x1 to widen them by `expansion` = 4,
///        each with batch norm; the shortcut added; ReLU.
/// @see https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py
template <class T>
class Bottleneck : public ImageLayer<T> {
 public:
  /// @brief Output channels = planes x expansion.
  static constexpr std::size_t expansion = 4;

  /// @brief A block with freshly initialised layers and, in exactly the residual blocks
  ///        whose input would not fit the sum, the projection shortcut `downsample` (the
  ///        rule is BasicBlock's, with expansion 4). Task 4.3.
  /// @param in_channels input channels
  /// @param planes the width of the narrow middle (output channels = 4 planes)
  /// @param stride 1, or 2 to halve the image (applied by the 3x3 convolution)
  /// @param generator the seeded source of the weights
  /// @param shortcut residual (ResNet) or none (a plain network)
  Bottleneck(std::size_t in_channels, std::size_t planes, std::size_t stride, Generator& generator,
             Shortcut shortcut = Shortcut::residual);

  /// @brief 1x1, 3x3, 1x1 with batch norms, plus the shortcut, then ReLU.
  /// @param x (N, C, H, W) with C = in_channels
  /// @return y (N, 4 planes, P, Q) with \f$ P = \lceil H / \text{stride} \rceil \f$,
  ///         \f$ Q = \lceil W / \text{stride} \rceil \f$
  Tensor<T, 4> forward(const Tensor<T, 4>& x) override;
  /// @brief As BasicBlock::backward, through three convolutions: returns dx and
  ///        accumulates every parameter's gradient.
  /// @param dy (N, 4 planes, P, Q)
  /// @return dx (N, C, H, W)
  Tensor<T, 4> backward(const Tensor<T, 4>& dy) override;
  /// @brief Adds this module's rows to a model summary; returns its output shape.
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  Conv2d<T> conv1;                            ///< 1x1, in -> planes
  BatchNorm2d<T> bn1;                         ///< after conv1
  Conv2d<T> conv2;                            ///< 3x3, stride, planes -> planes
  BatchNorm2d<T> bn2;                         ///< after conv2
  Conv2d<T> conv3;                            ///< 1x1, planes -> 4 planes
  BatchNorm2d<T> bn3;                         ///< after conv3
  std::unique_ptr<Sequential<T>> downsample;  ///< the projection, or null for identity
  const Shortcut shortcut;                    ///< residual or none

 private:
  ReLU<T> relu1_;  // after bn1
  ReLU<T> relu2_;  // after bn2
  ReLU<T> relu3_;  // after the sum
};

}  // namespace resnet
