// Chapter 6: the layers on the GPU (see resnet/nn/device_layers.hpp). Every function
// checks what the CPU op would check (shapes, the forward pass before the backward pass,
// parameters on the same device as the input), then launches chapter 6's kernels.
#include "resnet/nn/device_layers.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>

#include "resnet/cuda/conv2d.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/error.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/linear.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

cuda::GemmKernel chosen_gemm = cuda::GemmKernel::vectorized;

// The GPU layers compute in float, as the kernels of chapter 6 do.
template <class T>
void require_float(const char* layer) {
  if (!std::is_same_v<T, float>) {
    throw DeviceError(std::string(layer) + " on the GPU computes in float; this model holds doubles");
  }
}

template <class T, std::size_t N>
void require_on_device(const Tensor<T, N>& tensor, const char* layer, const char* what) {
  if (tensor.device() != Device::cuda) {
    throw DeviceError(std::string(layer) + ": the input is on the GPU but the " + what +
                      " is on the CPU; move the model first with model.to(Device::cuda)");
  }
}

void require_forward(const DeviceCache& cache, const char* layer) {
  if (!cache.filled) {
    throw std::logic_error(std::string(layer) + ".backward called before forward on the GPU: there is no "
                           "forward pass to go back through");
  }
}

// grad += delta, on the GPU.
void accumulate(float* grad, const cuda::DeviceBuffer<float>& delta) {
  cuda::add(grad, delta.data(), grad, delta.size(), cuda::device_launch());
}

// Linear as a 1x1 convolution: x (N, F) is (N, F, 1, 1), the weight (K, F) is (K, F, 1, 1).
WindowShape linear_window(std::size_t N, std::size_t F, std::size_t K) {
  WindowShape s;
  s.N = N;
  s.C = F;
  s.H = s.W = s.R = s.S = s.P = s.Q = 1;
  s.K = K;
  return s;
}

// y = conv2d(x, weight) + bias with the sizes s, through im2col and a GEMM; keeps im2col(x)
// for the backward pass. Conv2d and Linear both come here.
void im2col_gemm_forward(const float* x, const float* weight, const float* bias, float* y, const WindowShape& s,
                         DeviceCache& cache) {
  cuda::DeviceBuffer<float> columns(s.C * s.R * s.S * s.N * s.P * s.Q);
  cuda::DeviceBuffer<float> product(s.K * s.N * s.P * s.Q);
  cuda::conv2d_forward(x, weight, bias, y, columns.data(), product.data(), s, device_gemm(), cuda::device_launch());
  cache.window = s;
  cache.saved = std::move(columns);
  cache.filled = true;
}

// The backward pass of im2col_gemm_forward(): writes dx, and adds dweight (and dbias, when
// bias_grad is not null) into the gradients.
void im2col_gemm_backward(const float* dy, const float* weight, float* dx, float* weight_grad, float* bias_grad,
                          const DeviceCache& cache) {
  const WindowShape& s = cache.window;
  cuda::DeviceBuffer<float> dweight(s.K * s.C * s.R * s.S);
  cuda::DeviceBuffer<float> dbias(bias_grad != nullptr ? s.K : 0);
  cuda::DeviceBuffer<float> workspace(cuda::Conv2dWorkspace::values_needed(s));
  cuda::conv2d_backward(dy, weight, cache.saved.data(), dx, dweight.data(), bias_grad != nullptr ? dbias.data() : nullptr,
                        workspace.data(), s, device_gemm(), cuda::device_launch());
  accumulate(weight_grad, dweight);
  if (bias_grad != nullptr) accumulate(bias_grad, dbias);
}

}  // namespace

cuda::GemmKernel device_gemm() {
  if (cuda::is_emulated() && !cuda::gemm_runs_on_host(chosen_gemm)) return cuda::GemmKernel::naive;
  return chosen_gemm;
}

void set_device_gemm(cuda::GemmKernel kernel) { chosen_gemm = kernel; }

namespace device {

// ---- Conv2d and Linear: im2col + GEMM ------------------------------------------------------

template <class T>
Tensor<T, 4> conv2d_forward(Conv2d<T>& conv, const Tensor<T, 4>& x, DeviceCache& cache) {
  require_float<T>("Conv2d");
  if constexpr (std::is_same_v<T, float>) {
    require_on_device(conv.weight.value, "Conv2d.forward", "weight");
    const WindowShape s = conv2d_shape("Conv2d.forward", x.shape(), conv.weight.value.shape(), conv.stride, conv.padding);
    auto y = Tensor<float, 4>::empty(s.output_shape(), Device::cuda);
    const float* bias = conv.bias ? conv.bias->value.device_data() : nullptr;
    im2col_gemm_forward(x.device_data(), conv.weight.value.device_data(), bias, y.device_data(), s, cache);
    return y;
  }
  return {};
}

template <class T>
Tensor<T, 4> conv2d_backward(Conv2d<T>& conv, const Tensor<T, 4>& dy, const DeviceCache& cache) {
  require_float<T>("Conv2d");
  if constexpr (std::is_same_v<T, float>) {
    require_forward(cache, "Conv2d");
    const WindowShape& s = cache.window;
    require_shape("Conv2d.backward", "dy", dy.shape(), s.output_shape());
    auto dx = Tensor<float, 4>::empty(s.input_shape(), Device::cuda);
    float* bias_grad = conv.bias ? conv.bias->grad.device_data() : nullptr;
    im2col_gemm_backward(dy.device_data(), conv.weight.value.device_data(), dx.device_data(),
                         conv.weight.grad.device_data(), bias_grad, cache);
    return dx;
  }
  return {};
}

template <class T>
Tensor<T, 2> linear_forward(Linear<T>& linear, const Tensor<T, 2>& x, DeviceCache& cache) {
  require_float<T>("Linear");
  if constexpr (std::is_same_v<T, float>) {
    require_on_device(linear.weight.value, "Linear.forward", "weight");
    const std::size_t K = linear.weight.value.dim(0), F = linear.weight.value.dim(1);
    if (x.dim(1) != F) {
      throw ShapeError("Linear.forward: x has shape " + format_shape(x.shape()) + ", expected (N, " +
                       std::to_string(F) + ")");
    }
    const WindowShape s = linear_window(x.dim(0), F, K);
    auto y = Tensor<float, 2>::empty({s.N, K}, Device::cuda);
    im2col_gemm_forward(x.device_data(), linear.weight.value.device_data(), linear.bias.value.device_data(),
                        y.device_data(), s, cache);
    return y;
  }
  return {};
}

template <class T>
Tensor<T, 2> linear_backward(Linear<T>& linear, const Tensor<T, 2>& dy, const DeviceCache& cache) {
  require_float<T>("Linear");
  if constexpr (std::is_same_v<T, float>) {
    require_forward(cache, "Linear");
    const WindowShape& s = cache.window;
    require_shape("Linear.backward", "dy", dy.shape(), std::array<std::size_t, 2>{s.N, s.K});
    auto dx = Tensor<float, 2>::empty({s.N, s.C}, Device::cuda);
    im2col_gemm_backward(dy.device_data(), linear.weight.value.device_data(), dx.device_data(),
                         linear.weight.grad.device_data(), linear.bias.grad.device_data(), cache);
    return dx;
  }
  return {};
}

// ---- BatchNorm2d ---------------------------------------------------------------------------

template <class T>
Tensor<T, 4> batchnorm2d_forward(BatchNorm2d<T>& bn, const Tensor<T, 4>& x, DeviceCache& cache) {
  require_float<T>("BatchNorm2d");
  if constexpr (std::is_same_v<T, float>) {
    require_on_device(bn.weight.value, "BatchNorm2d.forward", "weight");
    const std::size_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
    if (C != bn.weight.value.size()) {
      throw ShapeError("BatchNorm2d.forward: x has " + std::to_string(C) + " channels (shape " +
                       format_shape(x.shape()) + "), the layer " + std::to_string(bn.weight.value.size()));
    }
    const bool training = bn.is_training();
    if (training && N * HW < 2) {
      throw ShapeError("BatchNorm2d.forward: expected more than 1 value per channel when training, got shape " +
                       format_shape(x.shape()));
    }
    auto y = Tensor<float, 4>::empty(x.shape(), Device::cuda);
    cuda::DeviceBuffer<float> x_hat(x.size()), inverse_std(C), mean(C), variance(C);
    cuda::BatchNormArrays<float> arrays;
    arrays.x = x.device_data();
    arrays.gamma = bn.weight.value.device_data();
    arrays.beta = bn.bias.value.device_data();
    arrays.running_mean = bn.running_mean.value.device_data();
    arrays.running_var = bn.running_var.value.device_data();
    arrays.y = y.device_data();
    arrays.x_hat = x_hat.data();
    arrays.inverse_std = inverse_std.data();
    arrays.mean = mean.data();
    arrays.variance = variance.data();
    cuda::batchnorm2d_forward(arrays, N, C, HW, training, bn.settings.eps, bn.settings.momentum,
                              cuda::device_launch());
    if (training) ++bn.num_batches_tracked.count;
    cache.input_shape = x.shape();
    cache.saved = std::move(x_hat);
    cache.inverse_std = std::move(inverse_std);
    cache.training = training;
    cache.filled = true;
    return y;
  }
  return {};
}

template <class T>
Tensor<T, 4> batchnorm2d_backward(BatchNorm2d<T>& bn, const Tensor<T, 4>& dy, const DeviceCache& cache) {
  require_float<T>("BatchNorm2d");
  if constexpr (std::is_same_v<T, float>) {
    require_forward(cache, "BatchNorm2d");
    require_shape("BatchNorm2d.backward", "dy", dy.shape(), cache.input_shape);
    const std::size_t N = dy.dim(0), C = dy.dim(1), HW = dy.dim(2) * dy.dim(3);
    auto dx = Tensor<float, 4>::empty(dy.shape(), Device::cuda);
    cuda::DeviceBuffer<float> dgamma(C), dbeta(C);
    cuda::batchnorm2d_backward(dy.device_data(), cache.saved.data(), bn.weight.value.device_data(),
                               cache.inverse_std.data(), dx.device_data(), dgamma.data(), dbeta.data(), N, C, HW,
                               cache.training, cuda::device_launch());
    accumulate(bn.weight.grad.device_data(), dgamma);
    accumulate(bn.bias.grad.device_data(), dbeta);
    return dx;
  }
  return {};
}

// ---- ReLU and the pools --------------------------------------------------------------------

template <class T>
Tensor<T, 4> relu_forward(const Tensor<T, 4>& x, DeviceCache& cache) {
  require_float<T>("ReLU");
  if constexpr (std::is_same_v<T, float>) {
    auto y = Tensor<float, 4>::empty(x.shape(), Device::cuda);
    cuda::relu_forward(x.device_data(), y.device_data(), x.size(), cuda::device_launch());
    cache.saved = cuda::DeviceBuffer<float>(x.size());  // backward needs x: dx = dy [x > 0]
    cuda::copy_device_to_device(cache.saved.data(), x.device_data(), x.size() * sizeof(float));
    cache.input_shape = x.shape();
    cache.filled = true;
    return y;
  }
  return {};
}

template <class T>
Tensor<T, 4> relu_backward(const Tensor<T, 4>& dy, const DeviceCache& cache) {
  require_float<T>("ReLU");
  if constexpr (std::is_same_v<T, float>) {
    require_forward(cache, "ReLU");
    require_shape("ReLU.backward", "dy", dy.shape(), cache.input_shape);
    auto dx = Tensor<float, 4>::empty(dy.shape(), Device::cuda);
    cuda::relu_backward(cache.saved.data(), dy.device_data(), dx.device_data(), dy.size(), cuda::device_launch());
    return dx;
  }
  return {};
}

template <class T>
Tensor<T, 4> max_pool2d_forward(const Tensor<T, 4>& x, std::size_t kernel, std::size_t stride, std::size_t padding,
                                DeviceCache& cache) {
  const WindowShape s = pool2d_shape("MaxPool2d.forward", x.shape(), kernel, stride, padding);
  auto y = Tensor<T, 4>::empty(s.output_shape(), Device::cuda);
  cuda::DeviceBuffer<std::size_t> argmax(y.size());
  cuda::max_pool2d_forward(x.device_data(), y.device_data(), argmax.data(), s, cuda::device_launch());
  cache.window = s;
  cache.argmax = std::move(argmax);
  cache.filled = true;
  return y;
}

template <class T>
Tensor<T, 4> max_pool2d_backward(const Tensor<T, 4>& dy, const DeviceCache& cache) {
  require_forward(cache, "MaxPool2d");
  const WindowShape& s = cache.window;
  require_shape("MaxPool2d.backward", "dy", dy.shape(), s.output_shape());
  auto dx = Tensor<T, 4>::empty(s.input_shape(), Device::cuda);
  cuda::max_pool2d_backward(dy.device_data(), cache.argmax.data(), dx.device_data(), s, cuda::device_launch());
  return dx;
}

template <class T>
Tensor<T, 4> global_avg_pool2d_forward(const Tensor<T, 4>& x, DeviceCache& cache) {
  const std::size_t NC = x.dim(0) * x.dim(1), HW = x.dim(2) * x.dim(3);
  auto y = Tensor<T, 4>::empty({x.dim(0), x.dim(1), 1, 1}, Device::cuda);
  cuda::global_avg_pool2d_forward(x.device_data(), y.device_data(), NC, HW, cuda::device_launch());
  cache.input_shape = x.shape();
  cache.filled = true;
  return y;
}

template <class T>
Tensor<T, 4> global_avg_pool2d_backward(const Tensor<T, 4>& dy, const DeviceCache& cache) {
  require_forward(cache, "AdaptiveAvgPool2d");
  const auto& shape = cache.input_shape;
  require_shape("AdaptiveAvgPool2d.backward", "dy", dy.shape(), std::array<std::size_t, 4>{shape[0], shape[1], 1, 1});
  auto dx = Tensor<T, 4>::empty(shape, Device::cuda);
  cuda::global_avg_pool2d_backward(dy.device_data(), dx.device_data(), shape[0] * shape[1], shape[2] * shape[3],
                                   cuda::device_launch());
  return dx;
}

// The instantiations for float.
template Tensor<float, 4> conv2d_forward(Conv2d<float>&, const Tensor<float, 4>&, DeviceCache&);
template Tensor<float, 4> conv2d_backward(Conv2d<float>&, const Tensor<float, 4>&, const DeviceCache&);
template Tensor<float, 2> linear_forward(Linear<float>&, const Tensor<float, 2>&, DeviceCache&);
template Tensor<float, 2> linear_backward(Linear<float>&, const Tensor<float, 2>&, const DeviceCache&);
template Tensor<float, 4> batchnorm2d_forward(BatchNorm2d<float>&, const Tensor<float, 4>&, DeviceCache&);
template Tensor<float, 4> batchnorm2d_backward(BatchNorm2d<float>&, const Tensor<float, 4>&, const DeviceCache&);
template Tensor<float, 4> relu_forward(const Tensor<float, 4>&, DeviceCache&);
template Tensor<float, 4> relu_backward(const Tensor<float, 4>&, const DeviceCache&);
template Tensor<float, 4> max_pool2d_forward(const Tensor<float, 4>&, std::size_t, std::size_t, std::size_t, DeviceCache&);
template Tensor<float, 4> max_pool2d_backward(const Tensor<float, 4>&, const DeviceCache&);
template Tensor<float, 4> global_avg_pool2d_forward(const Tensor<float, 4>&, DeviceCache&);
template Tensor<float, 4> global_avg_pool2d_backward(const Tensor<float, 4>&, const DeviceCache&);
// The instantiations for double: the pools work, the rest throw DeviceError (the GPU
// path computes in float).
template Tensor<double, 4> conv2d_forward(Conv2d<double>&, const Tensor<double, 4>&, DeviceCache&);
template Tensor<double, 4> conv2d_backward(Conv2d<double>&, const Tensor<double, 4>&, const DeviceCache&);
template Tensor<double, 2> linear_forward(Linear<double>&, const Tensor<double, 2>&, DeviceCache&);
template Tensor<double, 2> linear_backward(Linear<double>&, const Tensor<double, 2>&, const DeviceCache&);
template Tensor<double, 4> batchnorm2d_forward(BatchNorm2d<double>&, const Tensor<double, 4>&, DeviceCache&);
template Tensor<double, 4> batchnorm2d_backward(BatchNorm2d<double>&, const Tensor<double, 4>&, const DeviceCache&);
template Tensor<double, 4> relu_forward(const Tensor<double, 4>&, DeviceCache&);
template Tensor<double, 4> relu_backward(const Tensor<double, 4>&, const DeviceCache&);
template Tensor<double, 4> max_pool2d_forward(const Tensor<double, 4>&, std::size_t, std::size_t, std::size_t, DeviceCache&);
template Tensor<double, 4> max_pool2d_backward(const Tensor<double, 4>&, const DeviceCache&);
template Tensor<double, 4> global_avg_pool2d_forward(const Tensor<double, 4>&, DeviceCache&);
template Tensor<double, 4> global_avg_pool2d_backward(const Tensor<double, 4>&, const DeviceCache&);

}  // namespace device

}  // namespace resnet
