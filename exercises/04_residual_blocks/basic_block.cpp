// EXERCISE FILE, generated from solutions/04_residual_blocks/basic_block.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 4.1: replace the next line with your code (./course hint 4.1)
  todo("4.1", "BasicBlock constructor: create and register downsample, the projection shortcut, in exactly the residual blocks whose input would not fit the sum (null otherwise)");
  // END EXERCISE 4.1
}

template <class T>
Tensor<T, 4> BasicBlock<T>::forward(const Tensor<T, 4>& x) {
  if (runs_packed_kernels(x)) return packed_forward(x);  // the library's kernels, when chosen
  // BEGIN EXERCISE 4.1: replace the next line with your code (./course hint 4.1)
  todo("4.1", "BasicBlock::forward: return y (N, planes, P, Q), the block's output for x (N, in_channels, H, W), with the shortcut unless the block is plain");
  // END EXERCISE 4.1
}

template <class T>
Tensor<T, 4> BasicBlock<T>::backward(const Tensor<T, 4>& dy) {
  if (runs_packed_kernels(dy)) return packed_backward(dy);  // the library's kernels, when chosen
  // BEGIN EXERCISE 4.2: replace the next line with your code (./course hint 4.2)
  todo("4.2", "BasicBlock::backward: return dx (N, in_channels, H, W) for dy (N, planes, P, Q), every parameter's gradient accumulated");
  // END EXERCISE 4.2
}

template class BasicBlock<float>;
template class BasicBlock<double>;

}  // namespace resnet
