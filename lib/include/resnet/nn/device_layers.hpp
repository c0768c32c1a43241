/// @file
/// @brief Chapter 6: the layers' forward and backward passes on the GPU. A module's
///        forward() and backward() come here when their input lives on `Device::cuda`
///        (after `model.to(Device::cuda)`), so chapters 3-5's networks train on the GPU
///        unchanged. Each pass launches the chapter 6 kernels that mirror the CPU ops:
///
/// | layer | forward | backward |
/// |---|---|---|
/// | Conv2d | im2col, a GEMM rung, layout (+ bias) | transposes, two GEMMs, col2im, channel_sums |
/// | Linear | the same, as a 1x1 convolution of (N, F, 1, 1) | the same |
/// | BatchNorm2d | batchnorm2d_forward | batchnorm2d_backward |
/// | ReLU | relu_forward | relu_backward |
/// | MaxPool2d | max_pool2d_forward (keeps argmax) | max_pool2d_backward |
/// | AdaptiveAvgPool2d | global_avg_pool2d_forward | global_avg_pool2d_backward |
///
/// Parameter gradients are **added** into `grad` with the `add` kernel, as on the CPU. The
/// GPU path computes in float: a double model on the GPU is a DeviceError.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/ops/window_shape.hpp"
#include "resnet/tensor.hpp"

namespace resnet {

template <class T> class Conv2d;
template <class T> class BatchNorm2d;
template <class T> class Linear;

/// @ingroup ch06
/// @brief What a layer's forward pass on the GPU keeps for its backward pass (the GPU
///        twin of the ops' caches). Which fields a layer fills is said beside each.
struct DeviceCache {
  bool filled = false;                      ///< set by a forward pass on the GPU
  std::array<std::size_t, 4> input_shape{}; ///< x's shape (rank-2 inputs use the first two)
  WindowShape window{};                     ///< Conv2d, Linear, MaxPool2d: the sizes
  cuda::DeviceBuffer<float> saved;          ///< Conv2d/Linear: im2col(x); BatchNorm2d: x_hat; ReLU: x
  cuda::DeviceBuffer<float> inverse_std;    ///< BatchNorm2d: 1 / sqrt(var + eps) per channel
  cuda::DeviceBuffer<std::size_t> argmax;   ///< MaxPool2d: where each maximum was
  bool training = false;                    ///< BatchNorm2d: the mode of the forward pass
};

/// @ingroup ch06
/// @brief Whether a module's forward pass runs on the GPU: true when `x` lives there. It
///        also forgets the cache of the device not used, so that a backward pass can never
///        go back through a forward pass made on the other device.
/// @param x the forward pass's input
/// @param device_cache the module's GPU cache
/// @param cpu_cache the module's CPU cache (a std::optional)
template <class X, class CpuCache>
bool runs_on_device(const X& x, DeviceCache& device_cache, CpuCache& cpu_cache) {
  const bool on_device = x.device() == Device::cuda;
  if (on_device) {
    cpu_cache.reset();
  } else {
    device_cache.filled = false;
  }
  return on_device;
}

/// @ingroup ch06
/// @brief The GEMM rung the GPU layers use: on a GPU, 05 (vectorised, FP32) unless
///        set_device_gemm() chose another; on the emulated device, 01 (naive) when the
///        chosen rung has no host emulation.
cuda::GemmKernel device_gemm();
/// @ingroup ch06
/// @brief Chooses the GEMM rung of the GPU layers (e.g. GemmKernel::tf32_wmma for TF32).
void set_device_gemm(cuda::GemmKernel kernel);

namespace device {

/// @ingroup ch06
/// @brief Conv2d::forward on the GPU: y (N, K, P, Q) from x (N, C, H, W).
template <class T>
Tensor<T, 4> conv2d_forward(Conv2d<T>& conv, const Tensor<T, 4>& x, DeviceCache& cache);
/// @ingroup ch06
/// @brief Conv2d::backward on the GPU: adds dweight (and dbias), returns dx.
template <class T>
Tensor<T, 4> conv2d_backward(Conv2d<T>& conv, const Tensor<T, 4>& dy, const DeviceCache& cache);
/// @ingroup ch06
/// @brief BatchNorm2d::forward on the GPU, in the module's mode; in training mode it
///        updates the running statistics and counts the batch.
template <class T>
Tensor<T, 4> batchnorm2d_forward(BatchNorm2d<T>& bn, const Tensor<T, 4>& x, DeviceCache& cache);
/// @ingroup ch06
/// @brief BatchNorm2d::backward on the GPU: adds dgamma and dbeta, returns dx.
template <class T>
Tensor<T, 4> batchnorm2d_backward(BatchNorm2d<T>& bn, const Tensor<T, 4>& dy, const DeviceCache& cache);
/// @ingroup ch06
/// @brief Linear::forward on the GPU: y (N, K) = x W^T + b.
template <class T>
Tensor<T, 2> linear_forward(Linear<T>& linear, const Tensor<T, 2>& x, DeviceCache& cache);
/// @ingroup ch06
/// @brief Linear::backward on the GPU: adds dweight and dbias, returns dx.
template <class T>
Tensor<T, 2> linear_backward(Linear<T>& linear, const Tensor<T, 2>& dy, const DeviceCache& cache);
/// @ingroup ch06
/// @brief ReLU::forward on the GPU.
template <class T>
Tensor<T, 4> relu_forward(const Tensor<T, 4>& x, DeviceCache& cache);
/// @ingroup ch06
/// @brief ReLU::backward on the GPU.
template <class T>
Tensor<T, 4> relu_backward(const Tensor<T, 4>& dy, const DeviceCache& cache);
/// @ingroup ch06
/// @brief MaxPool2d::forward on the GPU.
template <class T>
Tensor<T, 4> max_pool2d_forward(const Tensor<T, 4>& x, std::size_t kernel, std::size_t stride, std::size_t padding,
                                DeviceCache& cache);
/// @ingroup ch06
/// @brief MaxPool2d::backward on the GPU.
template <class T>
Tensor<T, 4> max_pool2d_backward(const Tensor<T, 4>& dy, const DeviceCache& cache);
/// @ingroup ch06
/// @brief AdaptiveAvgPool2d::forward on the GPU: (N, C, H, W) to (N, C, 1, 1).
template <class T>
Tensor<T, 4> global_avg_pool2d_forward(const Tensor<T, 4>& x, DeviceCache& cache);
/// @ingroup ch06
/// @brief AdaptiveAvgPool2d::backward on the GPU.
template <class T>
Tensor<T, 4> global_avg_pool2d_backward(const Tensor<T, 4>& dy, const DeviceCache& cache);

}  // namespace device

}  // namespace resnet
