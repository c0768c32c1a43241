/// @file
/// @brief Convolution and the linear layer on the GPU (chapter 6): im2col, a GEMM rung of
///        the ladder and col2im, on Tensors; the twins of resnet::conv2d_forward() and
///        resnet::linear_forward().
#pragma once

#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/ops/window_shape.hpp"
#include "resnet/tensor.hpp"

namespace resnet::device {

/// @ingroup ch06
/// @brief What the backward pass of a convolution (or linear layer) on the GPU needs: its
///        sizes and im2col(x).
struct Conv2dCache {
  WindowShape window;                 ///< the sizes of the forward pass
  cuda::DeviceBuffer<float> columns;  ///< im2col(x), (C R S, N P Q)
};

/// @ingroup ch06
/// @brief The output of conv2d_forward() on the GPU.
template <class T>
struct Conv2dOutput {
  Tensor<T, 4> y;     ///< (N, K, P, Q), on the GPU
  Conv2dCache cache;  ///< for conv2d_backward()
};

/// @ingroup ch06
/// @brief The gradients of a convolution on the GPU.
template <class T>
struct Conv2dGrads {
  Tensor<T, 4> dx;       ///< (N, C, H, W)
  Tensor<T, 4> dweight;  ///< (K, C, R, S)
  Tensor<T, 1> dbias;    ///< (K), or empty without a bias
};

/// @ingroup ch06
/// @brief y = conv2d(x, weight) + bias on the GPU, as resnet::conv2d_forward() on the CPU.
///
/// The GEMM rungs compute in float: a double tensor is refused with DeviceError (a double
/// model never gets here, Module::to() refuses to move it).
/// @param x (N, C, H, W), on the GPU
/// @param weight (K, C, R, S), on the GPU
/// @param bias (K) on the GPU, or null for none
/// @param stride step between windows
/// @param padding zeros on every side
/// @param gemm the rung of the GEMM ladder (on the emulated device, a rung without host
///        emulation falls back to rung 01)
/// @throws DeviceError when a tensor is not on the GPU; ShapeError for sizes that do not fit
template <class T>
Conv2dOutput<T> conv2d_forward(const Tensor<T, 4>& x, const Tensor<T, 4>& weight, const Tensor<T, 1>* bias,
                               std::size_t stride, std::size_t padding, cuda::GemmKernel gemm);

/// @ingroup ch06
/// @brief The gradients of conv2d_forward() on the GPU, as resnet::conv2d_backward().
/// @param dy (N, K, P, Q), on the GPU
/// @param weight (K, C, R, S), the forward pass's
/// @param with_bias whether to compute dbias
/// @param cache the forward pass's
/// @param gemm the rung, as in the forward pass
template <class T>
Conv2dGrads<T> conv2d_backward(const Tensor<T, 4>& dy, const Tensor<T, 4>& weight, bool with_bias,
                               const Conv2dCache& cache, cuda::GemmKernel gemm);

/// @ingroup ch06
/// @brief The output of linear_forward() on the GPU.
template <class T>
struct LinearOutput {
  Tensor<T, 2> y;     ///< (N, K), on the GPU
  Conv2dCache cache;  ///< for linear_backward(): a linear layer is a 1x1 convolution
};

/// @ingroup ch06
/// @brief The gradients of a linear layer on the GPU.
template <class T>
struct LinearGrads {
  Tensor<T, 2> dx;       ///< (N, F)
  Tensor<T, 2> dweight;  ///< (K, F)
  Tensor<T, 1> dbias;    ///< (K)
};

/// @ingroup ch06
/// @brief y = x weight^T + bias on the GPU, as resnet::linear_forward(): a 1x1 convolution
///        of x seen as (N, F, 1, 1).
/// @param x (N, F), on the GPU
/// @param weight (K, F), on the GPU
/// @param bias (K), on the GPU
/// @param gemm the rung of the GEMM ladder
template <class T>
LinearOutput<T> linear_forward(const Tensor<T, 2>& x, const Tensor<T, 2>& weight, const Tensor<T, 1>& bias,
                               cuda::GemmKernel gemm);

/// @ingroup ch06
/// @brief The gradients of linear_forward() on the GPU, as resnet::linear_backward().
/// @param dy (N, K), on the GPU
/// @param weight (K, F), the forward pass's
/// @param cache the forward pass's
/// @param gemm the rung, as in the forward pass
template <class T>
LinearGrads<T> linear_backward(const Tensor<T, 2>& dy, const Tensor<T, 2>& weight, const Conv2dCache& cache,
                               cuda::GemmKernel gemm);

/// @ingroup ch06
/// @brief The rung that runs for `chosen`: itself on a GPU; rung 01 on the emulated device.
///
/// The emulated device checks the path around the GEMM (im2col, layouts, batch norm, the
/// backward passes), and rung 01 is the fastest to emulate: the tiled rungs compute whole
/// 128 x 128 tiles (mostly zeros for ResNet-20's 16 channels) with every shared-memory
/// access race-checked, which made the device tests of test_ch06 two to four times slower.
/// Every rung's own body is checked under host emulation by test_ch06's GEMM tests, and
/// rungs 01-05 add in the same order, so the results are the same.
cuda::GemmKernel runnable_gemm(cuda::GemmKernel chosen);

}  // namespace resnet::device
