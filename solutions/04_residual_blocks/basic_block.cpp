// Chapter 4, tasks 4.1 and 4.2: the basic residual block (see chapters/04_residual_blocks/README.md).
#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
BasicBlock<T>::BasicBlock(std::size_t in_channels, std::size_t planes, std::size_t stride, Generator& generator,
                          Shortcut shortcut_)
    : conv1(in_channels, planes, 3, stride, 1, Bias::none, generator),
      bn1(planes),
      conv2(planes, planes, 3, 1, 1, Bias::none, generator),
      bn2(planes),
      shortcut(shortcut_) {
  this->register_module("conv1", conv1);
  this->register_module("bn1", bn1);
  this->register_module("conv2", conv2);
  this->register_module("bn2", bn2);
  // BEGIN SOLUTION 4.1 BasicBlock constructor: create and register downsample, the projection shortcut, in exactly the residual blocks whose input would not fit the sum (null otherwise)
  const bool shape_changes = stride != 1 || in_channels != planes * expansion;
  if (shortcut == Shortcut::residual && shape_changes) {
    downsample = make_projection<T>(in_channels, planes * expansion, stride, generator);
    this->register_module("downsample", *downsample);
  }
  // END SOLUTION
}

template <class T>
Tensor<T, 4> BasicBlock<T>::forward(const Tensor<T, 4>& x) {
  if (runs_packed_kernels(x)) return packed_forward(x);  // the library's kernels, when chosen
  // BEGIN SOLUTION 4.1 BasicBlock::forward: return y (N, planes, P, Q), the block's output for x (N, in_channels, H, W), with the shortcut unless the block is plain
  Tensor<T, 4> out = relu1_.forward(bn1.forward(conv1.forward(x)));
  out = bn2.forward(conv2.forward(out));
  if (shortcut == Shortcut::residual) {
    // The residual connection: F(x) + x, or F(x) + projection(x). (x itself is added in
    // place, not first copied into a tensor of its own.)
    const Tensor<T, 4> projected = downsample ? downsample->forward(x) : Tensor<T, 4>();
    const Tensor<T, 4>& identity = downsample ? projected : x;
    require_shape("BasicBlock.forward", "the shortcut", identity.shape(), out.shape());
    out += identity;
  }
  return relu2_.forward(out);  // ReLU after the sum, as in the paper and torchvision
  // END SOLUTION
}

template <class T>
Tensor<T, 4> BasicBlock<T>::backward(const Tensor<T, 4>& dy) {
  if (runs_packed_kernels(dy)) return packed_backward(dy);  // the library's kernels, when chosen
  // BEGIN SOLUTION 4.2 BasicBlock::backward: return dx (N, in_channels, H, W) for dy (N, planes, P, Q), every parameter's gradient accumulated
  const Tensor<T, 4> dsum = relu2_.backward(dy);
  // Main path, in reverse order of the forward pass.
  Tensor<T, 4> dx = conv1.backward(bn1.backward(relu1_.backward(conv2.backward(bn2.backward(dsum)))));
  if (shortcut == Shortcut::residual) {
    // y = F(x) + shortcut(x): the sum hands dsum unchanged to both terms, and x received
    // both, so its gradient is the sum of what the two paths send back.
    if (downsample) {
      dx += downsample->backward(dsum);
    } else {
      dx += dsum;
    }
  }
  return dx;
  // END SOLUTION
}

template class BasicBlock<float>;
template class BasicBlock<double>;

}  // namespace resnet
