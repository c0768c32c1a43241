// The module wrappers of the parameter-free ops: ReLU, MaxPool2d, AdaptiveAvgPool2d and
// Flatten. (Conv2d, BatchNorm2d and Linear are task 3.3: solutions/03_batchnorm/modules.cpp.)
// Inputs that live on the GPU go to chapter 6's versions (resnet/nn/device_layers.hpp).
#include <xtensor/xmanipulation.hpp>

#include "resnet/nn/activation.hpp"
#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/flatten.hpp"
#include "resnet/nn/pooling.hpp"

namespace resnet {

// ---- ReLU --------------------------------------------------------------------------------

template <class T>
Tensor<T, 4> ReLU<T>::forward(const Tensor<T, 4>& x) {
  if (runs_on_device(x, device_cache_, cache_)) return device::relu_forward(x, device_cache_);
  auto out = relu_forward(x.host());
  cache_ = std::move(out.cache);
  return Tensor<T, 4>::from_host(std::move(out.y));
}

template <class T>
Tensor<T, 4> ReLU<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::relu_backward(dy, device_cache_);
  return Tensor<T, 4>::from_host(relu_backward(dy.host(), forward_cache(cache_, "ReLU")).dx);
}

// ---- MaxPool2d and AdaptiveAvgPool2d ------------------------------------------------------

template <class T>
MaxPool2d<T>::MaxPool2d(std::size_t kernel_, std::size_t stride_, std::size_t padding_)
    : kernel(kernel_), stride(stride_), padding(padding_) {}

template <class T>
Tensor<T, 4> MaxPool2d<T>::forward(const Tensor<T, 4>& x) {
  if (runs_on_device(x, device_cache_, cache_)) {
    return device::max_pool2d_forward(x, kernel, stride, padding, device_cache_);
  }
  auto out = max_pool2d_forward(x.host(), kernel, stride, padding);
  cache_ = std::move(out.cache);
  return Tensor<T, 4>::from_host(std::move(out.y));
}

template <class T>
Tensor<T, 4> MaxPool2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::max_pool2d_backward(dy, device_cache_);
  return Tensor<T, 4>::from_host(max_pool2d_backward(dy.host(), forward_cache(cache_, "MaxPool2d")).dx);
}

template <class T>
Tensor<T, 4> AdaptiveAvgPool2d<T>::forward(const Tensor<T, 4>& x) {
  if (runs_on_device(x, device_cache_, cache_)) return device::global_avg_pool2d_forward(x, device_cache_);
  auto out = global_avg_pool2d_forward(x.host());
  cache_ = out.cache;
  const std::array<std::size_t, 4> shape{out.y.shape()[0], out.y.shape()[1], 1, 1};
  return Tensor<T, 4>::from_host(xt::xtensor<T, 4>(xt::reshape_view(out.y, shape)));
}

template <class T>
Tensor<T, 4> AdaptiveAvgPool2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::global_avg_pool2d_backward(dy, device_cache_);
  const auto& cache = forward_cache(cache_, "AdaptiveAvgPool2d");
  require_shape("AdaptiveAvgPool2d.backward", "dy", dy.shape(),
                std::array<std::size_t, 4>{cache.x_shape[0], cache.x_shape[1], 1, 1});
  const xt::xtensor<T, 2> flat = xt::reshape_view(dy.host(), std::array<std::size_t, 2>{dy.dim(0), dy.dim(1)});
  return Tensor<T, 4>::from_host(global_avg_pool2d_backward(flat, cache).dx);
}

// ---- Flatten -----------------------------------------------------------------------------

template <class T>
Tensor<T, 2> Flatten<T>::forward(const Tensor<T, 4>& x) {
  input_shape_ = x.shape();
  return x.reshaped(std::array<std::size_t, 2>{x.dim(0), x.dim(1) * x.dim(2) * x.dim(3)});  // on x's device
}

template <class T>
Tensor<T, 4> Flatten<T>::backward(const Tensor<T, 2>& dy) {
  const auto& shape = forward_cache(input_shape_, "Flatten");
  require_shape("Flatten.backward", "dy", dy.shape(),
                std::array<std::size_t, 2>{shape[0], shape[1] * shape[2] * shape[3]});
  return dy.reshaped(shape);
}

template class ReLU<float>;
template class ReLU<double>;
template class MaxPool2d<float>;
template class MaxPool2d<double>;
template class AdaptiveAvgPool2d<float>;
template class AdaptiveAvgPool2d<double>;
template class Flatten<float>;
template class Flatten<double>;

}  // namespace resnet
