/// @file
/// @brief Tasks 5.1-5.2: the ResNet stack (stem, stages of residual blocks, pooling head)
///        and the model zoo: resnet18/34/50/101/152 and the CIFAR ResNets of the paper.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "resnet/nn/activation.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/dropout.hpp"
#include "resnet/nn/flatten.hpp"
#include "resnet/nn/linear.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/nn/sequential.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/random.hpp"

namespace resnet {

/// @ingroup ch05
/// @brief The first layers of the network, before the residual stages.
enum class Stem {
  /// @brief torchvision's (and the original tutorial's): 7x7 convolution with stride 2, batch
  /// norm, ReLU, 3x3 max-pool with stride 2. Made for 224x224 images, it divides the
  /// image size by 4 before the first block: a 32x32 CIFAR image becomes 8x8.
  imagenet,
  /// @brief For 32x32 images, as in the ResNet paper's CIFAR experiments: 3x3 convolution with
  /// stride 1, batch norm, ReLU, no max-pool. The first block sees all 32x32 pixels.
  cifar
};

/// @ingroup ch05
/// @brief "imagenet" or "cifar".
std::string to_string(Stem stem);
/// @ingroup ch05
/// @brief The stem named "imagenet" or "cifar"; throws std::invalid_argument otherwise.
Stem stem_from_string(const std::string& name);

/// @ingroup ch05
/// @brief The residual block a ResNet is made of.
enum class BlockKind {
  basic,      ///< BasicBlock (two 3x3 convolutions, expansion 1): ResNet-18/34, CIFAR ResNets
  bottleneck  ///< Bottleneck (1x1, 3x3, 1x1, expansion 4): ResNet-50/101/152
};

/// @ingroup ch05
/// @brief Everything that decides a ResNet's architecture.
struct ResNetConfig {
  std::string name = "resnet34";                          ///< for summaries and checkpoints
  BlockKind block = BlockKind::basic;                     ///< the block type
  std::vector<std::size_t> blocks = {3, 4, 6, 3};         ///< blocks per stage
  std::vector<std::size_t> widths = {64, 128, 256, 512};  ///< planes per stage (stem: widths[0])
  Stem stem = Stem::imagenet;                             ///< the first layers
  std::size_t classes = 1000;                             ///< outputs of the final linear layer
  Shortcut shortcut = Shortcut::residual;                 ///< none: the "plain" network of the paper
  double dropout = 0.0;                                   ///< dropout before fc (0: none, as torchvision)
};

/// @ingroup ch05
/// @brief The ResNet of torchvision (and of the ResNet paper), from a block type and a list
///        of stages: images (N, 3, H, W) to logits (N, classes).
///
/// Layers and names, as in torchvision's state dicts:
///
///     conv1 -> bn1 -> relu [-> maxpool]            the stem
///     layer1 ... layerS                            stages of residual blocks; every stage
///                                                  after the first halves H and W and
///                                                  (in torchvision) doubles the width
///     avgpool -> flatten -> fc                     global average pool, linear classifier
///
/// The forward pass runs these in order; the backward pass runs their backward passes in
/// the reverse order.
/// @see https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py
template <class T>
class ResNet : public Layer<T, 4, 2> {
 public:
  /// @brief The network `config` describes, with freshly initialised weights.
  /// @param config the architecture
  /// @param generator the seeded source of the initial weights (torchvision's scheme)
  /// @throws std::invalid_argument when the config has no stages, stage and width lists of
  ///         different lengths, a stage without blocks, or no classes
  ResNet(const ResNetConfig& config, Generator& generator);

  /// @brief Logits for a batch of images.
  /// @param x (N, 3, H, W), normalised images
  /// @return (N, classes)
  Tensor<T, 2> forward(const Tensor<T, 4>& x) override;
  /// @brief Adds every parameter's gradient and returns the images' gradient.
  /// @param dlogits (N, classes), e.g. from cross_entropy_backward()
  /// @return dx (N, 3, H, W)
  Tensor<T, 4> backward(const Tensor<T, 2>& dlogits) override;
  /// @brief Adds the model's rows to a summary (see resnet::summarize() and Summary::to_string()).
  std::vector<std::size_t> summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const override;

  /// @brief The architecture it was built from.
  const ResNetConfig& config() const { return config_; }
  /// @brief The number of stages.
  std::size_t stage_count() const { return stages_.size(); }
  /// @brief Stage i (0-based; torchvision's `layer{i+1}`).
  Sequential<T>& stage(std::size_t i) { return *stages_.at(i); }
  /// @brief Channels of the features the classifier sees (512 for ResNet-34, 2048 for ResNet-50).
  std::size_t feature_channels() const { return fc.weight.value.shape()[1]; }

  Conv2d<T> conv1;                        ///< the stem's convolution
  BatchNorm2d<T> bn1;                     ///< the stem's batch norm
  std::unique_ptr<MaxPool2d<T>> maxpool;  ///< the ImageNet stem's max-pool; null for the CIFAR stem
  Linear<T> fc;                           ///< the classifier
  std::unique_ptr<Dropout<T>> dropout;    ///< before fc when config.dropout > 0, else null

 private:
  ResNetConfig config_;
  ReLU<T> relu_;
  std::vector<std::unique_ptr<Sequential<T>>> stages_;  // "layer1", "layer2", ...
  AdaptiveAvgPool2d<T> avgpool_;
  Flatten<T> flatten_;
};

/// @ingroup ch05
/// @brief Output channels per plane of a block kind: BasicBlock's `expansion` (1) or
///        Bottleneck's (4).
/// @param kind the block kind
/// @return 1 or 4
std::size_t expansion_of(BlockKind kind);

/// @ingroup ch05
/// @brief A new BasicBlock or Bottleneck (see their constructors for the arguments).
/// @return the block: (N, in_channels, H, W) to (N, planes x expansion, P, Q)
template <class T>
std::unique_ptr<ImageLayer<T>> make_block(BlockKind kind, std::size_t in_channels, std::size_t planes,
                                          std::size_t stride, Generator& generator, Shortcut shortcut);

/// @ingroup ch05
/// @brief Task 5.1: one stage of `blocks` residual blocks of width `planes`, as
///        torchvision's `_make_layer`: a Sequential that takes `in_channels` channels in,
///        puts planes x expansion out, and divides the height and width by `stride`.
///
/// Children are named "0", "1", ... (as `layer1.0.conv1.weight`). Which block takes the
/// stride, how many channels each block takes in, and which can need a projection are
/// the questions of task 5.1 in chapters/05_resnet34/README.md.
/// @param kind BasicBlock or Bottleneck
/// @param in_channels channels entering the stage; **updated** to the channels the stage
///        puts out, so that the next stage starts from them
/// @param planes the stage's width
/// @param blocks how many blocks, at least 1
/// @param stride the stage's stride: H and W are divided by it
/// @param generator the seeded source of the weights
/// @param shortcut residual, or none for a plain network
/// @return the stage: (N, in_channels, H, W) to (N, planes x expansion, P, Q), with
///         \f$ P = \lceil H / \text{stride} \rceil \f$ and \f$ Q = \lceil W / \text{stride} \rceil \f$
template <class T>
std::unique_ptr<Sequential<T>> make_stage(BlockKind kind, std::size_t& in_channels, std::size_t planes,
                                          std::size_t blocks, std::size_t stride, Generator& generator,
                                          Shortcut shortcut);

/// @ingroup ch05
/// @brief The architecture of a model of the zoo, by name: "resnet18", "resnet34",
///        "resnet50", "resnet101", "resnet152" (four stages, 64/128/256/512 wide) or the
///        CIFAR ResNets of the paper, "resnet20", "resnet32", "resnet44", "resnet56",
///        "resnet110" (three stages of (depth - 2) / 6 basic blocks, 16/32/64 wide, with
///        projection shortcuts; the paper's parameter-free "option A" shortcut is not
///        implemented, so they have a few percent more parameters than its table says).
/// @param name one of the names above; "plain" instead of "resnet" (e.g. "plain34") removes
///        every shortcut
/// @param classes outputs of the classifier
/// @param stem the stem (the CIFAR ResNets use Stem::cifar whatever is asked)
/// @return the architecture, ready for the ResNet constructor
/// @throws std::invalid_argument for an unknown name, listing the known ones
ResNetConfig resnet_config(const std::string& name, std::size_t classes = 1000, Stem stem = Stem::imagenet);

/// @ingroup ch05
/// @brief The names resnet_config() knows, in order of size.
std::vector<std::string> resnet_names();

/// @ingroup ch05
/// @brief ResNet-18: BasicBlock, stages [2, 2, 2, 2]; 11,689,512 parameters with 1000 classes.
/// @param classes outputs of the classifier
/// @param stem the stem
/// @param generator the seeded source of the initial weights
/// @return the model: images (N, 3, H, W) to logits (N, classes)
/// @see https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet18.html
template <class T = float>
std::unique_ptr<ResNet<T>> resnet18(std::size_t classes, Stem stem, Generator& generator) {
  return std::make_unique<ResNet<T>>(resnet_config("resnet18", classes, stem), generator);
}

/// @ingroup ch05
/// @brief ResNet-34: BasicBlock, stages [3, 4, 6, 3]; 21,797,672 parameters with 1000 classes.
/// @param classes outputs of the classifier
/// @param stem the stem
/// @param generator the seeded source of the initial weights
/// @return the model: images (N, 3, H, W) to logits (N, classes)
/// @see https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet34.html
template <class T = float>
std::unique_ptr<ResNet<T>> resnet34(std::size_t classes, Stem stem, Generator& generator) {
  return std::make_unique<ResNet<T>>(resnet_config("resnet34", classes, stem), generator);
}

/// @ingroup ch05
/// @brief ResNet-50: Bottleneck, stages [3, 4, 6, 3]; 25,557,032 parameters with 1000 classes.
/// @param classes outputs of the classifier
/// @param stem the stem
/// @param generator the seeded source of the initial weights
/// @return the model: images (N, 3, H, W) to logits (N, classes)
/// @see https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet50.html
template <class T = float>
std::unique_ptr<ResNet<T>> resnet50(std::size_t classes, Stem stem, Generator& generator) {
  return std::make_unique<ResNet<T>>(resnet_config("resnet50", classes, stem), generator);
}

/// @ingroup ch05
/// @brief Any model of the zoo by name (see resnet_config()).
/// @return the model: images (N, 3, H, W) to logits (N, classes)
template <class T = float>
std::unique_ptr<ResNet<T>> make_resnet(const std::string& name, std::size_t classes, Stem stem, Generator& generator) {
  return std::make_unique<ResNet<T>>(resnet_config(name, classes, stem), generator);
}

/// @ingroup ch05
/// @brief The summary of a model for inputs of `input_shape` (N, 3, H, W).
/// @param model the model to describe (nothing is computed)
/// @param input_shape (N, 3, H, W)
/// @return every layer's row, with output shapes, parameters and multiply-accumulates
template <class T>
Summary summarize(const ResNet<T>& model, const std::vector<std::size_t>& input_shape);

}  // namespace resnet
