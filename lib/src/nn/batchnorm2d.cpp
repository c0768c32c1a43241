// The BatchNorm2d module's given code: its parameters and buffers, its GPU pass (chapter 6),
// the library's fused pass with the ReLU that follows it, and its summary row. Its forward and backward passes on the CPU are task 3.3
// (solutions/03_batchnorm/modules.cpp).
#include "resnet/nn/batchnorm2d.hpp"

#include <stdexcept>
#include <type_traits>

#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/shape.hpp"

namespace resnet {

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
Tensor<T, 4> BatchNorm2d<T>::gpu_forward(const Tensor<T, 4>& x) {
  cache_.reset();  // a backward pass must go back through this forward pass, on this device
  const bool training = this->is_training();
  auto out = device::batchnorm2d_forward(x, weight.value, bias.value, running_mean.value, running_var.value, training,
                                         settings.eps, settings.momentum);
  if (training) ++num_batches_tracked.count;
  gpu_cache_ = std::move(out.cache);
  return std::move(out.y);
}

template <class T>
Tensor<T, 4> BatchNorm2d<T>::gpu_backward(const Tensor<T, 4>& dy) {
  auto grads = device::batchnorm2d_backward(dy, weight.value, forward_cache(gpu_cache_, "BatchNorm2d"));
  weight.grad += grads.dgamma;  // accumulate, as on the CPU
  bias.grad += grads.dbeta;
  return std::move(grads.dx);
}

template <class T>
Tensor<T, 4> BatchNorm2d<T>::forward_relu(const Tensor<T, 4>& x, const Tensor<T, 4>* residual) {
  if constexpr (std::is_same_v<T, float>) {
    cache_.reset();  // a backward pass must go back through this forward pass
    fused_cache_.reset();
    const cpu::BatchNormReluSettings fused{this->is_training(), settings.eps, settings.momentum};
    auto out = cpu::batchnorm_relu_forward(x.host(), weight.value.host(), bias.value.host(), running_mean.value.host(),
                                           running_var.value.host(), fused, residual ? &residual->host() : nullptr);
    if (fused.training) {
      running_mean.value.host() = std::move(out.running_mean);
      running_var.value.host() = std::move(out.running_var);
      ++num_batches_tracked.count;
    }
    fused_cache_ = std::move(out.cache);  // none in evaluation mode
    return Tensor<T, 4>::from_host(std::move(out.y));
  } else {
    throw std::logic_error("BatchNorm2d.forward_relu: the fused pass computes in float only");
  }
}

template <class T>
typename BatchNorm2d<T>::ReluGrads BatchNorm2d<T>::backward_relu(const Tensor<T, 4>& dy) {
  if constexpr (std::is_same_v<T, float>) {
    if (!fused_cache_) {
      throw std::logic_error(
          "BatchNorm2d.backward_relu without a forward_relu in training mode before it: evaluation keeps nothing "
          "for a backward pass");
    }
    auto grads = cpu::batchnorm_relu_backward(dy.host(), *fused_cache_);
    weight.grad.host() += grads.dgamma;  // accumulate, as the reference does
    bias.grad.host() += grads.dbeta;
    return ReluGrads{Tensor<T, 4>::from_host(std::move(grads.dx)), Tensor<T, 4>::from_host(std::move(grads.dresidual))};
  } else {
    throw std::logic_error("BatchNorm2d.backward_relu: the fused pass computes in float only");
  }
}

template <class T>
std::vector<std::size_t> BatchNorm2d<T>::summarize(const std::vector<std::size_t>& input_shape,
                                                   Summary& summary) const {
  const auto x = image_shape_for_summary("BatchNorm2d.summarize", input_shape);
  require_shape("BatchNorm2d.summarize", "channels", std::array<std::size_t, 1>{x[1]},
                std::array<std::size_t, 1>{weight.value.shape()[0]});
  summary.leaf("BatchNorm2d", input_shape, this->parameter_count(), 0);
  return input_shape;
}

template BatchNorm2d<float>::BatchNorm2d(std::size_t, BatchNormSettings<float>);
template BatchNorm2d<double>::BatchNorm2d(std::size_t, BatchNormSettings<double>);
template Tensor<float, 4> BatchNorm2d<float>::gpu_forward(const Tensor<float, 4>&);
template Tensor<double, 4> BatchNorm2d<double>::gpu_forward(const Tensor<double, 4>&);
template Tensor<float, 4> BatchNorm2d<float>::gpu_backward(const Tensor<float, 4>&);
template Tensor<float, 4> BatchNorm2d<float>::forward_relu(const Tensor<float, 4>&, const Tensor<float, 4>*);
template Tensor<double, 4> BatchNorm2d<double>::forward_relu(const Tensor<double, 4>&, const Tensor<double, 4>*);
template BatchNorm2d<float>::ReluGrads BatchNorm2d<float>::backward_relu(const Tensor<float, 4>&);
template BatchNorm2d<double>::ReluGrads BatchNorm2d<double>::backward_relu(const Tensor<double, 4>&);
template Tensor<double, 4> BatchNorm2d<double>::gpu_backward(const Tensor<double, 4>&);
template std::vector<std::size_t> BatchNorm2d<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> BatchNorm2d<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
