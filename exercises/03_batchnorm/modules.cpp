// EXERCISE FILE, generated from solutions/03_batchnorm/modules.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 3, task 3.3: layers as modules (see chapters/03_batchnorm/README.md).
// Each module calls its op, keeps the op's cache for the backward pass, and in the backward
// pass ADDS its parameters' gradients into their grad buffers. (The first line of each pass,
// given, sends inputs that live on the GPU to chapter 6's version: resnet/nn/device_layers.hpp.)
#include <cmath>

#include "resnet/exercise.hpp"
#include "resnet/init.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/linear.hpp"

namespace resnet {

// ---- Conv2d ----------------------------------------------------------------------------

template <class T>
Conv2d<T>::Conv2d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_size,
                  std::size_t stride_, std::size_t padding_, bool with_bias, Generator& generator)
    : weight(kaiming_normal<T>(std::array<std::size_t, 4>{out_channels, in_channels, kernel_size, kernel_size},
                               FanMode::fan_out, generator)),
      stride(stride_),
      padding(padding_) {
  this->register_parameter("weight", weight);
  if (with_bias) {
    // PyTorch's default for a convolution's bias: uniform in +-1/sqrt(fan_in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size));
    bias.emplace(random_uniform<T, 1>({out_channels}, generator, -bound, bound));
    this->register_parameter("bias", *bias);
  }
}

template <class T>
Tensor<T, 4> Conv2d<T>::forward(const Tensor<T, 4>& x) {
  if (runs_on_device(x, device_cache_, cache_)) return device::conv2d_forward(*this, x, device_cache_);  // chapter 6
  // BEGIN EXERCISE 3.3: replace the next line with your code (./course hint 3.3)
  todo("3.3", "Conv2d::forward: return y (N, K, P, Q), this module's convolution of x (N, C, H, W), and keep what backward needs");
  // END EXERCISE 3.3
}

template <class T>
Tensor<T, 4> Conv2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::conv2d_backward(*this, dy, device_cache_);  // chapter 6
  // BEGIN EXERCISE 3.3: replace the next line with your code (./course hint 3.3)
  todo("3.3", "Conv2d::backward: return dx (N, C, H, W) for dy (N, K, P, Q), with the weight's (and bias's) gradient added to its grad");
  // END EXERCISE 3.3
}

// ---- BatchNorm2d -------------------------------------------------------------------------

template <class T>
BatchNorm2d<T>::BatchNorm2d(std::size_t channels, BatchNormSettings<T> settings_)
    : weight(xt::ones<T>({channels})),
      bias(xt::zeros<T>({channels})),
      running_mean(xt::zeros<T>({channels})),
      running_var(xt::ones<T>({channels})),
      settings(settings_) {
  this->register_parameter("weight", weight);
  this->register_parameter("bias", bias);
  this->register_buffer("running_mean", running_mean);
  this->register_buffer("running_var", running_var);
  this->register_buffer("num_batches_tracked", num_batches_tracked);
}

template <class T>
Tensor<T, 4> BatchNorm2d<T>::forward(const Tensor<T, 4>& x) {
  if (runs_on_device(x, device_cache_, cache_)) return device::batchnorm2d_forward(*this, x, device_cache_);  // chapter 6
  // BEGIN EXERCISE 3.3: replace the next line with your code (./course hint 3.3)
  todo("3.3", "BatchNorm2d::forward: return y (N, C, H, W) in the module's mode, keep what backward needs; training also updates the running statistics and the batch count");
  // END EXERCISE 3.3
}

template <class T>
Tensor<T, 4> BatchNorm2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return device::batchnorm2d_backward(*this, dy, device_cache_);  // chapter 6
  // BEGIN EXERCISE 3.3: replace the next line with your code (./course hint 3.3)
  todo("3.3", "BatchNorm2d::backward: return dx (N, C, H, W) for dy (N, C, H, W), with the gradients of weight and bias added to their grad");
  // END EXERCISE 3.3
}

// ---- Linear ------------------------------------------------------------------------------

namespace {

// PyTorch's default for nn.Linear: uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)].
template <class T, std::size_t N>
xt::xtensor<T, N> linear_init(const std::array<std::size_t, N>& shape, std::size_t fan_in, Generator& generator) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return random_uniform<T>(shape, generator, -bound, bound);
}

}  // namespace

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, Generator& generator)
    : weight(linear_init<T, 2>({out_features, in_features}, in_features, generator)),
      bias(linear_init<T, 1>({out_features}, in_features, generator)) {
  this->register_parameter("weight", weight);
  this->register_parameter("bias", bias);
}

template <class T>
Tensor<T, 2> Linear<T>::forward(const Tensor<T, 2>& x) {
  if (runs_on_device(x, device_cache_, cache_)) return device::linear_forward(*this, x, device_cache_);  // chapter 6
  // BEGIN EXERCISE 3.3: replace the next line with your code (./course hint 3.3)
  todo("3.3", "Linear::forward: return y (N, out_features) for x (N, in_features), and keep what backward needs");
  // END EXERCISE 3.3
}

template <class T>
Tensor<T, 2> Linear<T>::backward(const Tensor<T, 2>& dy) {
  if (dy.device() == Device::cuda) return device::linear_backward(*this, dy, device_cache_);  // chapter 6
  // BEGIN EXERCISE 3.3: replace the next line with your code (./course hint 3.3)
  todo("3.3", "Linear::backward: return dx (N, in_features) for dy (N, out_features), with the gradients of weight and bias added to their grad");
  // END EXERCISE 3.3
}

template class Conv2d<float>;
template class Conv2d<double>;
template class BatchNorm2d<float>;
template class BatchNorm2d<double>;
template class Linear<float>;
template class Linear<double>;

}  // namespace resnet
