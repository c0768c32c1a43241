// The ReLU module: the relu op of task 2.3 on the CPU, chapter 6's kernels on the GPU, and
// its summary row.
#include "resnet/nn/activation.hpp"

#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/summary.hpp"

namespace resnet {

template <class T>
Tensor<T, 4> ReLU<T>::forward(const Tensor<T, 4>& x) {
  if (x.device() == Device::cuda) {  // chapter 6
    cache_.reset();
    gpu_input_ = x;  // backward needs x: the gradient passes where x > 0
    return device::relu_forward(x);
  }
  auto out = relu_forward(x.host());
  cache_ = std::move(out.cache);
  return Tensor<T, 4>::from_host(std::move(out.y));
}

template <class T>
Tensor<T, 4> ReLU<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::relu_backward(dy, forward_cache(gpu_input_, "ReLU"));
  return Tensor<T, 4>::from_host(relu_backward(dy.host(), forward_cache(cache_, "ReLU")).dx);
}

template <class T>
std::vector<std::size_t> ReLU<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  summary.leaf("ReLU", input_shape, 0, 0);
  return input_shape;
}

template class ReLU<float>;
template class ReLU<double>;

}  // namespace resnet
