// The Linear module's given code: its initialisation, its GPU pass (chapter 6) and its
// summary row. Its forward and backward passes on the CPU are task 3.3
// (solutions/03_batchnorm/modules.cpp).
#include "resnet/nn/linear.hpp"

#include <cmath>

#include "resnet/error.hpp"
#include "resnet/nn/cache_guard.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/shape.hpp"

namespace resnet {

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
Tensor<T, 2> Linear<T>::gpu_forward(const Tensor<T, 2>& x) {
  cache_.reset();  // a backward pass must go back through this forward pass, on this device
  auto out = device::linear_forward(x, weight.value, bias.value, this->gemm());
  gpu_cache_ = std::move(out.cache);
  return std::move(out.y);
}

template <class T>
Tensor<T, 2> Linear<T>::gpu_backward(const Tensor<T, 2>& dy) {
  auto grads = device::linear_backward(dy, weight.value, forward_cache(gpu_cache_, "Linear"), this->gemm());
  weight.grad += grads.dweight;  // accumulate, as on the CPU
  bias.grad += grads.dbias;
  return std::move(grads.dx);
}

template <class T>
std::vector<std::size_t> Linear<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  const std::size_t K = weight.value.shape()[0];
  const std::size_t C = weight.value.shape()[1];
  if (input_shape.size() != 2 || input_shape[1] != C) {
    throw ShapeError("Linear.summarize: expects (N, " + std::to_string(C) + "), got shape " +
                     format_shape(input_shape));
  }
  const std::size_t N = input_shape[0];
  summary.leaf("Linear", {N, K}, this->parameter_count(), N * K * C);  // chapter 5's "Counting by hand"
  return {N, K};
}

template Linear<float>::Linear(std::size_t, std::size_t, Generator&);
template Linear<double>::Linear(std::size_t, std::size_t, Generator&);
template Tensor<float, 2> Linear<float>::gpu_forward(const Tensor<float, 2>&);
template Tensor<double, 2> Linear<double>::gpu_forward(const Tensor<double, 2>&);
template Tensor<float, 2> Linear<float>::gpu_backward(const Tensor<float, 2>&);
template Tensor<double, 2> Linear<double>::gpu_backward(const Tensor<double, 2>&);
template std::vector<std::size_t> Linear<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Linear<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
