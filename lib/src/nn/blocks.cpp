// The residual blocks' given code: the projection shortcut, their summary rows and the basic
// block's pass on the library's kernels. (Their construction and their reference forward and
// backward passes are tasks 4.1-4.3: solutions/04_residual_blocks/.)
#include "resnet/nn/blocks.hpp"

#include <type_traits>

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
bool BasicBlock<T>::runs_packed_kernels(const Tensor<T, 4>& tensor) const {
  return std::is_same_v<T, float> && this->cpu_kernels() == CpuKernels::packed && tensor.device() == Device::cpu;
}

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the two batch norms fused with
// what follows them.
template <class T>
Tensor<T, 4> BasicBlock<T>::packed_forward(const Tensor<T, 4>& x) {
  // conv2 keeps its input for the backward pass: hidden itself, not a copy.
  Tensor<T, 4> hidden = bn1.forward_relu(conv1.forward(x), nullptr);
  const Tensor<T, 4> residual_branch = conv2.forward_consuming(std::move(hidden));
  if (shortcut == Shortcut::none) return bn2.forward_relu(residual_branch, nullptr);
  if (!downsample) return bn2.forward_relu(residual_branch, &x);
  const Tensor<T, 4> projected = downsample->forward(x);
  return bn2.forward_relu(residual_branch, &projected);
}

// In reverse: bn2's fused pass hands back the gradient of its input and of the shortcut.
template <class T>
Tensor<T, 4> BasicBlock<T>::packed_backward(const Tensor<T, 4>& dy) {
  auto after_sum = bn2.backward_relu(dy);
  Tensor<T, 4> dx = conv1.backward(bn1.backward_relu(conv2.backward(after_sum.dx)).dx);
  if (shortcut == Shortcut::residual) {
    if (downsample) {
      dx += downsample->backward(after_sum.dresidual);
    } else {
      dx += after_sum.dresidual;
    }
  }
  return dx;
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
template bool BasicBlock<float>::runs_packed_kernels(const Tensor<float, 4>&) const;
template bool BasicBlock<double>::runs_packed_kernels(const Tensor<double, 4>&) const;
template Tensor<float, 4> BasicBlock<float>::packed_forward(const Tensor<float, 4>&);
template Tensor<double, 4> BasicBlock<double>::packed_forward(const Tensor<double, 4>&);
template Tensor<float, 4> BasicBlock<float>::packed_backward(const Tensor<float, 4>&);
template Tensor<double, 4> BasicBlock<double>::packed_backward(const Tensor<double, 4>&);
template std::vector<std::size_t> BasicBlock<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> BasicBlock<double>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Bottleneck<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Bottleneck<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
