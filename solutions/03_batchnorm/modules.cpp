// Chapter 3, task 3.3: layers as modules (see chapters/03_batchnorm/README.md).
// Each module calls its op, keeps the op's cache for the backward pass, and in the backward
// pass ADDS its parameters' gradients into their grad buffers. (The first line of each pass,
// given, sends inputs that live on the GPU to the module's GPU pass of chapter 6; Conv2d's
// second line sends the pass to the library's CPU kernel when the model asked for it with
// use_cpu_kernels(CpuKernels::packed). The rest of each module, its initialisation and those
// passes, is in lib/src/nn/<layer>.cpp.)
#include "resnet/exercise.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/linear.hpp"

namespace resnet {

// ---- Conv2d ----------------------------------------------------------------------------

template <class T>
Tensor<T, 4> Conv2d<T>::forward(const Tensor<T, 4>& x) {
  if (x.device() == Device::cuda) return gpu_forward(x);  // chapter 6
  if (runs_packed_kernel()) return packed_forward(x);     // the library's kernel, when chosen
  // BEGIN SOLUTION 3.3 Conv2d::forward: return y (N, K, P, Q), this module's convolution of x (N, C, H, W), and keep what backward needs
  OptionalBias<T> b;
  if (bias) b = bias->value.host();
  auto out = conv2d_forward(x.host(), weight.value.host(), b, stride, padding);
  cache_ = std::move(out.cache);
  return Tensor<T, 4>::from_host(std::move(out.y));
  // END SOLUTION
}

template <class T>
Tensor<T, 4> Conv2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return gpu_backward(dy);  // chapter 6
  if (runs_packed_kernel()) return packed_backward(dy);      // the library's kernel, when chosen
  // BEGIN SOLUTION 3.3 Conv2d::backward: return dx (N, C, H, W) for dy (N, K, P, Q), with the weight's (and bias's) gradient added to its grad
  auto grads = conv2d_backward(dy.host(), forward_cache(cache_, "Conv2d"));
  weight.grad.host() += grads.dweight;  // accumulate: += , never =
  if (bias) bias->grad.host() += grads.dbias;
  return Tensor<T, 4>::from_host(std::move(grads.dx));
  // END SOLUTION
}

// ---- BatchNorm2d -------------------------------------------------------------------------

template <class T>
Tensor<T, 4> BatchNorm2d<T>::forward(const Tensor<T, 4>& x) {
  if (x.device() == Device::cuda) return gpu_forward(x);  // chapter 6
  // BEGIN SOLUTION 3.3 BatchNorm2d::forward: return y (N, C, H, W) in the module's mode, keep what backward needs; training also updates the running statistics and the batch count
  const BatchNormMode mode = this->is_training() ? BatchNormMode::train : BatchNormMode::eval;
  auto out = batchnorm2d_forward(x.host(), weight.value.host(), bias.value.host(), running_mean.value.host(),
                                 running_var.value.host(), mode, settings);
  if (mode == BatchNormMode::train) {
    running_mean.value.host() = std::move(out.running_mean);
    running_var.value.host() = std::move(out.running_var);
    ++num_batches_tracked.count;
  }
  cache_ = std::move(out.cache);
  return Tensor<T, 4>::from_host(std::move(out.y));
  // END SOLUTION
}

template <class T>
Tensor<T, 4> BatchNorm2d<T>::backward(const Tensor<T, 4>& dy) {
  if (dy.device() == Device::cuda) return gpu_backward(dy);  // chapter 6
  // BEGIN SOLUTION 3.3 BatchNorm2d::backward: return dx (N, C, H, W) for dy (N, C, H, W), with the gradients of weight and bias added to their grad
  auto grads = batchnorm2d_backward(dy.host(), forward_cache(cache_, "BatchNorm2d"));
  weight.grad.host() += grads.dgamma;
  bias.grad.host() += grads.dbeta;
  return Tensor<T, 4>::from_host(std::move(grads.dx));
  // END SOLUTION
}

// ---- Linear ------------------------------------------------------------------------------

template <class T>
Tensor<T, 2> Linear<T>::forward(const Tensor<T, 2>& x) {
  if (x.device() == Device::cuda) return gpu_forward(x);  // chapter 6
  // BEGIN SOLUTION 3.3 Linear::forward: return y (N, out_features) for x (N, in_features), and keep what backward needs
  auto out = linear_forward(x.host(), weight.value.host(), bias.value.host());
  cache_ = std::move(out.cache);
  return Tensor<T, 2>::from_host(std::move(out.y));
  // END SOLUTION
}

template <class T>
Tensor<T, 2> Linear<T>::backward(const Tensor<T, 2>& dy) {
  if (dy.device() == Device::cuda) return gpu_backward(dy);  // chapter 6
  // BEGIN SOLUTION 3.3 Linear::backward: return dx (N, in_features) for dy (N, out_features), with the gradients of weight and bias added to their grad
  auto grads = linear_backward(dy.host(), forward_cache(cache_, "Linear"));
  weight.grad.host() += grads.dweight;
  bias.grad.host() += grads.dbias;
  return Tensor<T, 2>::from_host(std::move(grads.dx));
  // END SOLUTION
}

template class Conv2d<float>;
template class Conv2d<double>;
template class BatchNorm2d<float>;
template class BatchNorm2d<double>;
template class Linear<float>;
template class Linear<double>;

}  // namespace resnet
