// Chapter 5, tasks 5.1 and 5.2: the ResNet stack (see chapters/05_resnet34/README.md).
#include <array>
#include <stdexcept>
#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
std::unique_ptr<Sequential<T>> make_stage(BlockKind kind, std::size_t& in_channels, std::size_t planes,
                                          std::size_t blocks, std::size_t stride, Generator& generator,
                                          Shortcut shortcut) {
  if (blocks == 0) throw std::invalid_argument("make_stage: a stage needs at least one block");
  // BEGIN SOLUTION 5.1 make_stage: return the stage, a Sequential of `blocks` blocks named 0, 1, ... that divides H and W by stride; set in_channels to the channels it puts out
  auto stage = std::make_unique<Sequential<T>>();
  stage->append(make_block<T>(kind, in_channels, planes, stride, generator, shortcut));
  in_channels = planes * expansion_of(kind);  // what the first block hands on
  for (std::size_t i = 1; i < blocks; ++i) {
    stage->append(make_block<T>(kind, in_channels, planes, 1, generator, shortcut));
  }
  return stage;
  // END SOLUTION
}

namespace {

// Checks the architecture and returns the stem's width, widths[0].
std::size_t stem_width(const ResNetConfig& config) {
  if (config.blocks.empty()) throw std::invalid_argument("ResNet: the config has no stages");
  if (config.blocks.size() != config.widths.size()) {
    throw std::invalid_argument("ResNet: " + std::to_string(config.blocks.size()) + " stages but " +
                                std::to_string(config.widths.size()) + " widths");
  }
  for (std::size_t i = 0; i < config.blocks.size(); ++i) {
    if (config.blocks[i] == 0 || config.widths[i] == 0) {
      throw std::invalid_argument("ResNet: stage " + std::to_string(i + 1) + " has no blocks or no width");
    }
  }
  if (config.classes == 0) throw std::invalid_argument("ResNet: the classifier needs at least one class");
  return config.widths[0];
}

bool imagenet(const ResNetConfig& config) { return config.stem == Stem::imagenet; }

}  // namespace

template <class T>
ResNet<T>::ResNet(const ResNetConfig& config, Generator& generator)
    // The stem: 7x7 stride 2 padding 3 (ImageNet) or 3x3 stride 1 padding 1 (CIFAR).
    : conv1(3, stem_width(config), imagenet(config) ? 7 : 3, imagenet(config) ? 2 : 1, imagenet(config) ? 3 : 1,
            Bias::none, generator),
      bn1(config.widths[0]),
      fc(config.widths.back() * expansion_of(config.block), config.classes, generator),
      config_(config) {
  this->register_module("conv1", conv1);
  this->register_module("bn1", bn1);
  if (imagenet(config)) {
    maxpool = std::make_unique<MaxPool2d<T>>(3, 2, 1);
    this->register_module("maxpool", *maxpool);  // no parameters: registered for its mode and kernels
  }
  // BEGIN SOLUTION 5.1 ResNet constructor: build stage i from config.blocks[i] blocks of width config.widths[i], and register the stages as layer1, layer2, ...
  std::size_t channels = config.widths[0];  // what the stem hands on
  for (std::size_t i = 0; i < config.blocks.size(); ++i) {
    const std::size_t stride = i == 0 ? 1 : 2;  // every stage after the first halves H and W
    stages_.push_back(
        make_stage<T>(config.block, channels, config.widths[i], config.blocks[i], stride, generator, config.shortcut));
    this->register_module("layer" + std::to_string(i + 1), *stages_.back());
  }
  // END SOLUTION
  if (config.dropout > 0) {  // drawn last, so the weights are those of the model without dropout
    dropout = std::make_unique<Dropout<T>>(config.dropout, generator);
    this->register_module("dropout", *dropout);
  }
  this->register_module("fc", fc);
}

template <class T>
Tensor<T, 2> ResNet<T>::forward(const Tensor<T, 4>& x) {
  if (x.shape()[1] != 3) {
    throw ShapeError("ResNet.forward: expects RGB images (N, 3, H, W), got shape " + format_shape(x.shape()));
  }
  // BEGIN SOLUTION 5.2 ResNet::forward: return the logits (N, classes) for the images x (N, 3, H, W), through the dropout before fc when the model has one
  Tensor<T, 4> out = relu_.forward(bn1.forward(conv1.forward(x)));  // (N, 64, H/2, W/2) with the ImageNet stem
  if (maxpool) out = maxpool->forward(out);                         // (N, 64, H/4, W/4)
  for (auto& stage : stages_) out = stage->forward(out);            // (N, 512, H/32, W/32) for ResNet-34
  Tensor<T, 2> features = flatten_.forward(avgpool_.forward(out));  // (N, 512)
  if (dropout) features = dropout->forward(features);
  return fc.forward(features);  // (N, classes)
  // END SOLUTION
}

template <class T>
Tensor<T, 4> ResNet<T>::backward(const Tensor<T, 2>& dlogits) {
  // BEGIN SOLUTION 5.2 ResNet::backward: return dx (N, 3, H, W) for dlogits (N, classes), every parameter's gradient accumulated
  Tensor<T, 2> dfeatures = fc.backward(dlogits);
  if (dropout) dfeatures = dropout->backward(dfeatures);
  Tensor<T, 4> d = avgpool_.backward(flatten_.backward(dfeatures));
  for (auto stage = stages_.rbegin(); stage != stages_.rend(); ++stage) d = (*stage)->backward(d);
  if (maxpool) d = maxpool->backward(d);
  return conv1.backward(bn1.backward(relu_.backward(d)));
  // END SOLUTION
}

template std::unique_ptr<Sequential<float>> make_stage(BlockKind, std::size_t&, std::size_t, std::size_t, std::size_t,
                                                       Generator&, Shortcut);
template std::unique_ptr<Sequential<double>> make_stage(BlockKind, std::size_t&, std::size_t, std::size_t, std::size_t,
                                                        Generator&, Shortcut);
template class ResNet<float>;
template class ResNet<double>;

}  // namespace resnet
