// EXERCISE FILE, generated from solutions/03_batchnorm/sequential.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 3, task 3.4: Sequential's forward and backward (see chapters/03_batchnorm/README.md).
#include "resnet/nn/sequential.hpp"

#include "resnet/exercise.hpp"

namespace resnet {

template <class T>
Tensor<T, 4> Sequential<T>::forward(const Tensor<T, 4>& x) {
  // BEGIN EXERCISE 3.4: replace the next line with your code (./course hint 3.4)
  todo("3.4", "Sequential::forward: return the output of the whole chain of layers for the input x (N, C, H, W)");
  // END EXERCISE 3.4
}

template <class T>
Tensor<T, 4> Sequential<T>::backward(const Tensor<T, 4>& dy) {
  // BEGIN EXERCISE 3.4: replace the next line with your code (./course hint 3.4)
  todo("3.4", "Sequential::backward: return the gradient with respect to the chain's input for dy at its output, every layer's parameter gradients accumulated");
  // END EXERCISE 3.4
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace resnet
