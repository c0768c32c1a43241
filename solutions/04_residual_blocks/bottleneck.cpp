// Chapter 4, task 4.3: the bottleneck residual block (see chapters/04_residual_blocks/README.md).
#include "resnet/exercise.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
Bottleneck<T>::Bottleneck(std::size_t in_channels, std::size_t planes, std::size_t stride, Generator& generator,
                          Shortcut shortcut_)
    : conv1(in_channels, planes, 1, 1, 0, Bias::none, generator),
      bn1(planes),
      conv2(planes, planes, 3, stride, 1, Bias::none, generator),
      bn2(planes),
      conv3(planes, planes * expansion, 1, 1, 0, Bias::none, generator),
      bn3(planes * expansion),
      shortcut(shortcut_) {
  this->register_module("conv1", conv1);
  this->register_module("bn1", bn1);
  this->register_module("conv2", conv2);
  this->register_module("bn2", bn2);
  this->register_module("conv3", conv3);
  this->register_module("bn3", bn3);
  // BEGIN SOLUTION 4.3 Bottleneck constructor: create and register downsample, the projection shortcut, in exactly the residual blocks whose input would not fit the sum (null otherwise)
  const bool shape_changes = stride != 1 || in_channels != planes * expansion;
  if (shortcut == Shortcut::residual && shape_changes) {
    downsample = make_projection<T>(in_channels, planes * expansion, stride, generator);
    this->register_module("downsample", *downsample);
  }
  // END SOLUTION
}

template <class T>
Tensor<T, 4> Bottleneck<T>::forward(const Tensor<T, 4>& x) {
  // BEGIN SOLUTION 4.3 Bottleneck::forward: return y (N, 4 planes, P, Q), the block's output for x (N, in_channels, H, W), with the shortcut unless the block is plain
  Tensor<T, 4> out = relu1_.forward(bn1.forward(conv1.forward(x)));
  out = relu2_.forward(bn2.forward(conv2.forward(out)));
  out = bn3.forward(conv3.forward(out));
  if (shortcut == Shortcut::residual) {
    const Tensor<T, 4> identity = downsample ? downsample->forward(x) : x;
    require_shape("Bottleneck.forward", "the shortcut", identity.shape(), out.shape());
    out += identity;
  }
  return relu3_.forward(out);
  // END SOLUTION
}

template <class T>
Tensor<T, 4> Bottleneck<T>::backward(const Tensor<T, 4>& dy) {
  // BEGIN SOLUTION 4.3 Bottleneck::backward: return dx (N, in_channels, H, W) for dy (N, 4 planes, P, Q), every parameter's gradient accumulated
  const Tensor<T, 4> dsum = relu3_.backward(dy);
  Tensor<T, 4> dmain = conv3.backward(bn3.backward(dsum));
  dmain = conv2.backward(bn2.backward(relu2_.backward(dmain)));
  Tensor<T, 4> dx = conv1.backward(bn1.backward(relu1_.backward(dmain)));
  if (shortcut == Shortcut::residual) {
    const Tensor<T, 4> dshortcut = downsample ? downsample->backward(dsum) : dsum;
    dx += dshortcut;  // the two paths' gradients add at the input
  }
  return dx;
  // END SOLUTION
}

template class Bottleneck<float>;
template class Bottleneck<double>;

}  // namespace resnet
