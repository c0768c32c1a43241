// Chapter 3, task 3.4: Sequential's forward and backward (see chapters/03_batchnorm/README.md).
#include "resnet/nn/sequential.hpp"

#include "resnet/exercise.hpp"

namespace resnet {

template <class T>
Tensor<T, 4> Sequential<T>::forward(const Tensor<T, 4>& x) {
  // BEGIN SOLUTION 3.4 Sequential::forward: return the output of the whole chain of layers for the input x (N, C, H, W)
  if (layers_.empty()) return x;
  // The first layer reads x itself (starting from `activation = x` would copy the batch).
  Tensor<T, 4> activation = layers_.front()->forward(x);
  for (std::size_t i = 1; i < layers_.size(); ++i) activation = layers_[i]->forward(activation);
  return activation;
  // END SOLUTION
}

template <class T>
Tensor<T, 4> Sequential<T>::backward(const Tensor<T, 4>& dy) {
  // BEGIN SOLUTION 3.4 Sequential::backward: return the gradient with respect to the chain's input for dy at its output, every layer's parameter gradients accumulated
  // Reverse order: the last layer's input gradient is the upstream gradient of the one
  // before it (the chain rule, one link at a time).
  if (layers_.empty()) return dy;
  Tensor<T, 4> gradient = layers_.back()->backward(dy);  // reads dy itself, without copying it first
  for (auto layer = layers_.rbegin() + 1; layer != layers_.rend(); ++layer) gradient = (*layer)->backward(gradient);
  return gradient;
  // END SOLUTION
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace resnet
