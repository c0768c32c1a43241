// EXERCISE FILE, generated from solutions/04_residual_blocks/bottleneck.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 4.3: replace the next line with your code (./course hint 4.3)
  todo("4.3", "Bottleneck constructor: create and register downsample, the projection shortcut, in exactly the residual blocks whose input would not fit the sum (null otherwise)");
  // END EXERCISE 4.3
}

template <class T>
Tensor<T, 4> Bottleneck<T>::forward(const Tensor<T, 4>& x) {
  // BEGIN EXERCISE 4.3: replace the next line with your code (./course hint 4.3)
  todo("4.3", "Bottleneck::forward: return y (N, 4 planes, P, Q), the block's output for x (N, in_channels, H, W), with the shortcut unless the block is plain");
  // END EXERCISE 4.3
}

template <class T>
Tensor<T, 4> Bottleneck<T>::backward(const Tensor<T, 4>& dy) {
  // BEGIN EXERCISE 4.3: replace the next line with your code (./course hint 4.3)
  todo("4.3", "Bottleneck::backward: return dx (N, in_channels, H, W) for dy (N, 4 planes, P, Q), every parameter's gradient accumulated");
  // END EXERCISE 4.3
}

template class Bottleneck<float>;
template class Bottleneck<double>;

}  // namespace resnet
