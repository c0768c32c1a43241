// Convolution and the linear layer on the GPU: im2col, a GEMM rung and col2im
// (resnet/device/conv2d.hpp).
#include "resnet/device/conv2d.hpp"

#include <string>

#include "checks.hpp"
#include "resnet/cuda/conv2d.hpp"
#include "resnet/shape.hpp"

namespace resnet::device {

namespace {

// y = conv2d(x, weight) + bias with the sizes s, through im2col and a GEMM; keeps im2col(x)
// for the backward pass. The convolution and the linear layer both come here.
Conv2dCache im2col_gemm_forward(const float* x, const float* weight, const float* bias, float* y, const WindowShape& s,
                                cuda::GemmKernel gemm) {
  Conv2dCache cache{s, cuda::DeviceBuffer<float>(s.C * s.R * s.S * s.N * s.P * s.Q)};
  cuda::DeviceBuffer<float> product(s.K * s.N * s.P * s.Q);
  cuda::im2col_gemm_forward(x, weight, bias, y, cache.columns.data(), product.data(), s, runnable_gemm(gemm),
                            cuda::device_launch());
  return cache;
}

// The backward pass of im2col_gemm_forward(): dx, dweight and (when dbias is not null) dbias.
void im2col_gemm_backward(const float* dy, const float* weight, float* dx, float* dweight, float* dbias,
                          const Conv2dCache& cache, cuda::GemmKernel gemm) {
  cuda::DeviceBuffer<float> workspace(cuda::Conv2dWorkspace::values_needed(cache.window));
  cuda::im2col_gemm_backward(dy, weight, cache.columns.data(), dx, dweight, dbias, workspace.data(), cache.window,
                             runnable_gemm(gemm), cuda::device_launch());
}

// A linear layer is a 1x1 convolution: x (N, F) is (N, F, 1, 1), the weight (K, F) is (K, F, 1, 1).
WindowShape linear_window(std::size_t N, std::size_t F, std::size_t K) {
  WindowShape s;
  s.N = N;
  s.C = F;
  s.H = s.W = s.R = s.S = s.P = s.Q = 1;
  s.K = K;
  return s;
}

}  // namespace

cuda::GemmKernel runnable_gemm(cuda::GemmKernel chosen) {
  if (cuda::is_emulated()) return cuda::GemmKernel::naive;  // see the header
  return chosen;
}

template <class T>
Conv2dOutput<T> conv2d_forward(const Tensor<T, 4>& x, const Tensor<T, 4>& weight, const Tensor<T, 1>* bias,
                               std::size_t stride, std::size_t padding, cuda::GemmKernel gemm) {
  require_on_gpu(x, "Conv2d.forward", "input");
  require_on_gpu(weight, "Conv2d.forward", "weight");
  if (bias) require_on_gpu(*bias, "Conv2d.forward", "bias");
  const WindowShape s = conv2d_shape("Conv2d.forward", x.shape(), weight.shape(), stride, padding);
  Conv2dOutput<T> out{Tensor<T, 4>::empty(s.output_shape(), Device::cuda), {}};
  out.cache = im2col_gemm_forward(gemm_values(x, "Conv2d.forward"), gemm_values(weight, "Conv2d.forward"),
                                  bias ? gemm_values(*bias, "Conv2d.forward") : nullptr,
                                  gemm_values(out.y, "Conv2d.forward"), s, gemm);
  return out;
}

template <class T>
Conv2dGrads<T> conv2d_backward(const Tensor<T, 4>& dy, const Tensor<T, 4>& weight, bool with_bias,
                               const Conv2dCache& cache, cuda::GemmKernel gemm) {
  const WindowShape& s = cache.window;
  require_shape("Conv2d.backward", "dy", dy.shape(), s.output_shape());
  require_on_gpu(dy, "Conv2d.backward", "gradient dy");
  Conv2dGrads<T> grads{Tensor<T, 4>::empty(s.input_shape(), Device::cuda),
                       Tensor<T, 4>::empty(s.weight_shape(), Device::cuda),
                       with_bias ? Tensor<T, 1>::empty({s.K}, Device::cuda) : Tensor<T, 1>()};
  im2col_gemm_backward(gemm_values(dy, "Conv2d.backward"), gemm_values(weight, "Conv2d.backward"),
                       gemm_values(grads.dx, "Conv2d.backward"), gemm_values(grads.dweight, "Conv2d.backward"),
                       with_bias ? gemm_values(grads.dbias, "Conv2d.backward") : nullptr, cache, gemm);
  return grads;
}

template <class T>
LinearOutput<T> linear_forward(const Tensor<T, 2>& x, const Tensor<T, 2>& weight, const Tensor<T, 1>& bias,
                               cuda::GemmKernel gemm) {
  require_on_gpu(x, "Linear.forward", "input");
  require_on_gpu(weight, "Linear.forward", "weight");
  require_on_gpu(bias, "Linear.forward", "bias");
  const std::size_t K = weight.dim(0), F = weight.dim(1);
  if (x.dim(1) != F) {
    throw ShapeError("Linear.forward: x has shape " + format_shape(x.shape()) + ", expected (N, " + std::to_string(F) +
                     ")");
  }
  const WindowShape s = linear_window(x.dim(0), F, K);
  LinearOutput<T> out{Tensor<T, 2>::empty({s.N, K}, Device::cuda), {}};
  out.cache = im2col_gemm_forward(gemm_values(x, "Linear.forward"), gemm_values(weight, "Linear.forward"),
                                  gemm_values(bias, "Linear.forward"), gemm_values(out.y, "Linear.forward"), s, gemm);
  return out;
}

template <class T>
LinearGrads<T> linear_backward(const Tensor<T, 2>& dy, const Tensor<T, 2>& weight, const Conv2dCache& cache,
                               cuda::GemmKernel gemm) {
  const WindowShape& s = cache.window;
  require_shape("Linear.backward", "dy", dy.shape(), std::array<std::size_t, 2>{s.N, s.K});
  require_on_gpu(dy, "Linear.backward", "gradient dy");
  LinearGrads<T> grads{Tensor<T, 2>::empty({s.N, s.C}, Device::cuda), Tensor<T, 2>::empty({s.K, s.C}, Device::cuda),
                       Tensor<T, 1>::empty({s.K}, Device::cuda)};
  im2col_gemm_backward(gemm_values(dy, "Linear.backward"), gemm_values(weight, "Linear.backward"),
                       gemm_values(grads.dx, "Linear.backward"), gemm_values(grads.dweight, "Linear.backward"),
                       gemm_values(grads.dbias, "Linear.backward"), cache, gemm);
  return grads;
}

template Conv2dOutput<float> conv2d_forward(const Tensor<float, 4>&, const Tensor<float, 4>&, const Tensor<float, 1>*,
                                            std::size_t, std::size_t, cuda::GemmKernel);
template Conv2dOutput<double> conv2d_forward(const Tensor<double, 4>&, const Tensor<double, 4>&,
                                             const Tensor<double, 1>*, std::size_t, std::size_t, cuda::GemmKernel);
template Conv2dGrads<float> conv2d_backward(const Tensor<float, 4>&, const Tensor<float, 4>&, bool, const Conv2dCache&,
                                            cuda::GemmKernel);
template Conv2dGrads<double> conv2d_backward(const Tensor<double, 4>&, const Tensor<double, 4>&, bool,
                                             const Conv2dCache&, cuda::GemmKernel);
template LinearOutput<float> linear_forward(const Tensor<float, 2>&, const Tensor<float, 2>&, const Tensor<float, 1>&,
                                            cuda::GemmKernel);
template LinearOutput<double> linear_forward(const Tensor<double, 2>&, const Tensor<double, 2>&,
                                             const Tensor<double, 1>&, cuda::GemmKernel);
template LinearGrads<float> linear_backward(const Tensor<float, 2>&, const Tensor<float, 2>&, const Conv2dCache&,
                                            cuda::GemmKernel);
template LinearGrads<double> linear_backward(const Tensor<double, 2>&, const Tensor<double, 2>&, const Conv2dCache&,
                                             cuda::GemmKernel);

}  // namespace resnet::device
