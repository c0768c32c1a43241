// The ResNet's given code: the model zoo (the architectures of torchvision's ResNets and of
// the ResNet paper's CIFAR networks), the pieces a stage is built from, and the summary rows.
// (The stack itself is tasks 5.1 and 5.2: solutions/05_resnet34/resnet.cpp.)
#include <stdexcept>

#include "resnet/nn/resnet.hpp"
#include "resnet/nn/summary.hpp"

namespace resnet {

std::string to_string(Stem stem) { return stem == Stem::imagenet ? "imagenet" : "cifar"; }

Stem stem_from_string(const std::string& name) {
  if (name == "imagenet") return Stem::imagenet;
  if (name == "cifar") return Stem::cifar;
  throw std::invalid_argument("unknown stem '" + name + "' (expected imagenet or cifar)");
}

std::size_t expansion_of(BlockKind kind) {
  return kind == BlockKind::basic ? BasicBlock<float>::expansion : Bottleneck<float>::expansion;
}

template <class T>
std::unique_ptr<ImageLayer<T>> make_block(BlockKind kind, std::size_t in_channels, std::size_t planes,
                                          std::size_t stride, Generator& generator, Shortcut shortcut) {
  if (kind == BlockKind::basic) {
    return std::make_unique<BasicBlock<T>>(in_channels, planes, stride, generator, shortcut);
  }
  return std::make_unique<Bottleneck<T>>(in_channels, planes, stride, generator, shortcut);
}

namespace {

struct ZooEntry {
  const char* name;
  BlockKind block;
  std::vector<std::size_t> blocks;
  bool cifar_family;  // three stages 16/32/64 on 32x32 images (ResNet paper, section 4.2)
};

const std::vector<ZooEntry>& zoo() {
  static const std::vector<ZooEntry> entries = {
      {"resnet20", BlockKind::basic, {3, 3, 3}, true},      // depth 6n + 2 with n = 3
      {"resnet32", BlockKind::basic, {5, 5, 5}, true},      // n = 5
      {"resnet44", BlockKind::basic, {7, 7, 7}, true},      // n = 7
      {"resnet56", BlockKind::basic, {9, 9, 9}, true},      // n = 9
      {"resnet110", BlockKind::basic, {18, 18, 18}, true},  // n = 18
      {"resnet18", BlockKind::basic, {2, 2, 2, 2}, false},
      {"resnet34", BlockKind::basic, {3, 4, 6, 3}, false},
      {"resnet50", BlockKind::bottleneck, {3, 4, 6, 3}, false},
      {"resnet101", BlockKind::bottleneck, {3, 4, 23, 3}, false},
      {"resnet152", BlockKind::bottleneck, {3, 8, 36, 3}, false},
  };
  return entries;
}

}  // namespace

std::vector<std::string> resnet_names() {
  std::vector<std::string> names;
  for (const ZooEntry& entry : zoo()) names.emplace_back(entry.name);
  return names;
}

ResNetConfig resnet_config(const std::string& name, std::size_t classes, Stem stem) {
  const bool plain = name.rfind("plain", 0) == 0;  // "plain34" is "resnet34" without shortcuts
  const std::string resnet_name = plain ? "resnet" + name.substr(5) : name;
  for (const ZooEntry& entry : zoo()) {
    if (resnet_name != entry.name) continue;
    ResNetConfig config;
    config.name = name;
    config.block = entry.block;
    config.blocks = entry.blocks;
    config.widths =
        entry.cifar_family ? std::vector<std::size_t>{16, 32, 64} : std::vector<std::size_t>{64, 128, 256, 512};
    config.stem = entry.cifar_family ? Stem::cifar : stem;
    config.classes = classes;
    config.shortcut = plain ? Shortcut::none : Shortcut::residual;
    return config;
  }
  std::string known;
  for (const std::string& known_name : resnet_names()) known += (known.empty() ? "" : ", ") + known_name;
  throw std::invalid_argument("unknown model '" + name + "' (known: " + known +
                              "; 'plain' instead of 'resnet' removes the shortcuts)");
}

template <class T>
Summary summarize(const ResNet<T>& model, const std::vector<std::size_t>& input_shape) {
  Summary summary(input_shape);
  model.summarize(input_shape, summary);
  return summary;
}

template std::unique_ptr<ImageLayer<float>> make_block(BlockKind, std::size_t, std::size_t, std::size_t, Generator&,
                                                       Shortcut);
template std::unique_ptr<ImageLayer<double>> make_block(BlockKind, std::size_t, std::size_t, std::size_t, Generator&,
                                                        Shortcut);
template Summary summarize(const ResNet<float>&, const std::vector<std::size_t>&);
template Summary summarize(const ResNet<double>&, const std::vector<std::size_t>&);

template <class T>
std::vector<std::size_t> ResNet<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.begin("ResNet");
  std::vector<std::size_t> shape = summary.child("conv1", conv1, input_shape);
  shape = summary.child("bn1", bn1, shape);
  shape = summary.child("relu", relu_, shape);
  if (maxpool) shape = summary.child("maxpool", *maxpool, shape);
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    shape = summary.child("layer" + std::to_string(i + 1), *stages_[i], shape);
  }
  shape = summary.child("avgpool", avgpool_, shape);
  shape = summary.child("flatten", flatten_, shape);
  if (dropout) shape = summary.child("dropout", *dropout, shape);
  shape = summary.child("fc", fc, shape);
  summary.end(shape);
  return shape;
}

template std::vector<std::size_t> ResNet<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> ResNet<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
