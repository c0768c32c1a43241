// The Conv2d module's given code: its initialisation and its GPU pass (chapter 6). Its
// forward and backward passes on the CPU are task 3.3 (solutions/03_batchnorm/modules.cpp),
// its summary row task 5.3 (solutions/05_resnet34/conv_summary.cpp).
#include "resnet/nn/conv2d.hpp"

#include <cmath>

#include "resnet/init.hpp"
#include "resnet/nn/cache_guard.hpp"

namespace resnet {

template <class T>
Conv2d<T>::Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_size, std::size_t stride_,
                  std::size_t padding_, Bias bias_kind, Generator& generator)
    : weight(kaiming_normal<T>(std::array<std::size_t, 4>{out_channels, in_channels, kernel_size, kernel_size},
                               FanMode::fan_out, generator)),
      stride(stride_),
      padding(padding_) {
  this->register_parameter("weight", weight);
  if (bias_kind == Bias::learned) {
    // PyTorch's default for a convolution's bias: uniform in +-1/sqrt(fan_in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size));
    bias.emplace(random_uniform<T, 1>({out_channels}, generator, -bound, bound));
    this->register_parameter("bias", *bias);
  }
}

template <class T>
Tensor<T, 4> Conv2d<T>::gpu_forward(const Tensor<T, 4>& x) {
  cache_.reset();  // a backward pass must go back through this forward pass, on this device
  auto out = device::conv2d_forward(x, weight.value, bias ? &bias->value : nullptr, stride, padding, this->gemm());
  gpu_cache_ = std::move(out.cache);
  return std::move(out.y);
}

template <class T>
Tensor<T, 4> Conv2d<T>::gpu_backward(const Tensor<T, 4>& dy) {
  auto grads =
      device::conv2d_backward(dy, weight.value, bias.has_value(), forward_cache(gpu_cache_, "Conv2d"), this->gemm());
  weight.grad += grads.dweight;  // accumulate, as on the CPU
  if (bias) bias->grad += grads.dbias;
  return std::move(grads.dx);
}

template Conv2d<float>::Conv2d(std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, Bias, Generator&);
template Conv2d<double>::Conv2d(std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, Bias, Generator&);
template Tensor<float, 4> Conv2d<float>::gpu_forward(const Tensor<float, 4>&);
template Tensor<double, 4> Conv2d<double>::gpu_forward(const Tensor<double, 4>&);
template Tensor<float, 4> Conv2d<float>::gpu_backward(const Tensor<float, 4>&);
template Tensor<double, 4> Conv2d<double>::gpu_backward(const Tensor<double, 4>&);

}  // namespace resnet
