// The residual blocks' given code: the projection shortcut and their summary rows. (Their
// construction, forward and backward passes are tasks 4.1-4.3: solutions/04_residual_blocks/.)
#include "resnet/nn/blocks.hpp"

#include "resnet/nn/summary.hpp"

namespace resnet {

template <class T>
std::unique_ptr<Sequential<T>> make_projection(std::size_t in_channels, std::size_t out_channels, std::size_t stride,
                                               Generator& generator) {
  auto projection = std::make_unique<Sequential<T>>();
  projection->append(std::make_unique<Conv2d<T>>(in_channels, out_channels, 1, stride, 0, Bias::none, generator));
  projection->append(std::make_unique<BatchNorm2d<T>>(out_channels));
  return projection;
}

template <class T>
std::vector<std::size_t> BasicBlock<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.begin("BasicBlock");
  std::vector<std::size_t> shape = summary.child("conv1", conv1, input_shape);
  shape = summary.child("bn1", bn1, shape);
  shape = summary.child("relu", relu1_, shape);
  shape = summary.child("conv2", conv2, shape);
  shape = summary.child("bn2", bn2, shape);
  if (downsample) summary.child("downsample", *downsample, input_shape);
  shape = summary.child("relu", relu2_, shape);
  summary.end(shape);
  return shape;
}

template <class T>
std::vector<std::size_t> Bottleneck<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.begin("Bottleneck");
  std::vector<std::size_t> shape = summary.child("conv1", conv1, input_shape);
  shape = summary.child("bn1", bn1, shape);
  shape = summary.child("relu", relu1_, shape);
  shape = summary.child("conv2", conv2, shape);
  shape = summary.child("bn2", bn2, shape);
  shape = summary.child("relu", relu2_, shape);
  shape = summary.child("conv3", conv3, shape);
  shape = summary.child("bn3", bn3, shape);
  if (downsample) summary.child("downsample", *downsample, input_shape);
  shape = summary.child("relu", relu3_, shape);
  summary.end(shape);
  return shape;
}

template std::unique_ptr<Sequential<float>> make_projection(std::size_t, std::size_t, std::size_t, Generator&);
template std::unique_ptr<Sequential<double>> make_projection(std::size_t, std::size_t, std::size_t, Generator&);
template std::vector<std::size_t> BasicBlock<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> BasicBlock<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Bottleneck<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Bottleneck<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
