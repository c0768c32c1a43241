// ReLU on the GPU (resnet/device/relu.hpp).
#include "resnet/device/relu.hpp"

#include "checks.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/shape.hpp"

namespace resnet::device {

template <class T, std::size_t N>
Tensor<T, N> relu_forward(const Tensor<T, N>& x) {
  require_on_gpu(x, "ReLU.forward", "input");
  auto y = Tensor<T, N>::empty(x.shape(), Device::cuda);
  cuda::relu_forward(x.device_data(), y.device_data(), x.size(), cuda::device_launch());
  return y;
}

template <class T, std::size_t N>
Tensor<T, N> relu_backward(const Tensor<T, N>& dy, const Tensor<T, N>& x) {
  require_shape("ReLU.backward", "dy", dy.shape(), x.shape());
  require_on_gpu(dy, "ReLU.backward", "gradient dy");
  auto dx = Tensor<T, N>::empty(dy.shape(), Device::cuda);
  cuda::relu_backward(x.device_data(), dy.device_data(), dx.device_data(), dy.size(), cuda::device_launch());
  return dx;
}

template Tensor<float, 4> relu_forward(const Tensor<float, 4>&);
template Tensor<double, 4> relu_forward(const Tensor<double, 4>&);
template Tensor<float, 4> relu_backward(const Tensor<float, 4>&, const Tensor<float, 4>&);
template Tensor<double, 4> relu_backward(const Tensor<double, 4>&, const Tensor<double, 4>&);

}  // namespace resnet::device
