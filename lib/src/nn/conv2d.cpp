// The Conv2d module's given code: its initialisation, its GPU pass (chapter 6) and its pass
// through the library's CPU kernel (CpuKernels::packed). Its reference passes on the CPU
// are task 3.3 (solutions/03_batchnorm/modules.cpp),
// its summary row task 5.3 (solutions/05_resnet34/conv_summary.cpp).
#include "resnet/nn/conv2d.hpp"

#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "resnet/cpu/conv2d.hpp"
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

template <class T>
bool Conv2d<T>::runs_packed_kernel() const {
  return std::is_same_v<T, float> && this->cpu_kernels() == CpuKernels::packed;
}

template <class T>
Tensor<T, 4> Conv2d<T>::forward_consuming(Tensor<T, 4>&& x) {
  if (x.device() == Device::cpu && runs_packed_kernel()) return packed_forward(x, &x);
  return forward(x);
}

template <class T>
Tensor<T, 4> Conv2d<T>::packed_forward(const Tensor<T, 4>& x, Tensor<T, 4>* owned) {
  if constexpr (std::is_same_v<T, float>) {
    cache_.reset();  // a backward pass must go back through this forward pass
    const WindowShape shape =
        conv2d_shape("Conv2d.forward", x.host().shape(), weight.value.host().shape(), stride, padding);
    auto y = cpu::conv2d_forward(x.host(), weight.value.host(), bias ? bias->value.host().data() : nullptr, shape);
    // Evaluation mode keeps nothing for a backward pass: no copy of the input.
    if (this->is_training()) {
      // The input the backward pass needs: x itself when the caller gave it up (after y is
      // computed from it), else a copy.
      packed_cache_ =
          owned != nullptr ? PackedCache{std::move(owned->host()), shape, true} : PackedCache{x.host(), shape, true};
    } else {
      packed_cache_ = PackedCache{{}, shape, false};
    }
    return Tensor<T, 4>::from_host(std::move(y));
  } else {
    throw std::logic_error("Conv2d: the packed kernel computes in float only");
  }
}

template <class T>
Tensor<T, 4> Conv2d<T>::packed_backward(const Tensor<T, 4>& dy) {
  if constexpr (std::is_same_v<T, float>) {
    const PackedCache& cache = forward_cache(packed_cache_, "Conv2d");
    if (!cache.has_input) {
      throw std::logic_error(
          "Conv2d.backward after a forward pass in evaluation mode: with the packed kernels, evaluation keeps no "
          "input for a backward pass (call train() before the forward pass, or use the reference kernels)");
    }
    auto grads = cpu::conv2d_backward(dy.host(), cache.x, weight.value.host(), cache.shape, bias.has_value());
    weight.grad.host() += grads.dweight;  // accumulate, as the reference does
    if (bias) bias->grad.host() += grads.dbias;
    return Tensor<T, 4>::from_host(std::move(grads.dx));
  } else {
    throw std::logic_error("Conv2d: the packed kernel computes in float only");
  }
}

template Conv2d<float>::Conv2d(std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, Bias, Generator&);
template Conv2d<double>::Conv2d(std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, Bias, Generator&);
template Tensor<float, 4> Conv2d<float>::gpu_forward(const Tensor<float, 4>&);
template Tensor<double, 4> Conv2d<double>::gpu_forward(const Tensor<double, 4>&);
template Tensor<float, 4> Conv2d<float>::gpu_backward(const Tensor<float, 4>&);
template Tensor<double, 4> Conv2d<double>::gpu_backward(const Tensor<double, 4>&);
template bool Conv2d<float>::runs_packed_kernel() const;
template bool Conv2d<double>::runs_packed_kernel() const;
template Tensor<float, 4> Conv2d<float>::packed_forward(const Tensor<float, 4>&, Tensor<float, 4>*);
template Tensor<double, 4> Conv2d<double>::packed_forward(const Tensor<double, 4>&, Tensor<double, 4>*);
template Tensor<float, 4> Conv2d<float>::forward_consuming(Tensor<float, 4>&&);
template Tensor<double, 4> Conv2d<double>::forward_consuming(Tensor<double, 4>&&);
template Tensor<float, 4> Conv2d<float>::packed_backward(const Tensor<float, 4>&);
template Tensor<double, 4> Conv2d<double>::packed_backward(const Tensor<double, 4>&);

}  // namespace resnet
