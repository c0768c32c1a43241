/// @file
/// @brief The convolution on the GPU: im2col, a GEMM from the ladder, and col2im, the
///        twin of resnet::conv2d_forward and resnet::conv2d_backward (float32).
#pragma once

#include <cstddef>

#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/launch.hpp"
#include "resnet/ops/window_shape.hpp"

namespace resnet::cuda {

/// @ingroup ch06
/// @brief a_transposed (columns, rows) = a (rows, columns) transposed, one thread per entry:
///        \f$ a^\top_{ji} = a_{ij} \f$.
/// @param a            (rows, columns) input
/// @param a_transposed (columns, rows) output
/// @param rows         rows of a
/// @param columns      columns of a
/// @param where        GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.t.html
void transpose(const float* a, float* a_transposed, std::size_t rows, std::size_t columns, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The scratch space of conv2d_forward() and conv2d_backward().
struct Conv2dWorkspace {
  /// @brief How many floats of scratch a convolution of this shape needs:
  ///        \f$ K \cdot NPQ + 2 \cdot CRS \cdot NPQ + CRS \cdot K \f$ (with CRS = C R S, NPQ = N P Q).
  /// @param shape the convolution's sizes
  /// @return the number of floats
  static std::size_t values_needed(const WindowShape& shape);
};

/// @ingroup ch06
/// @brief y = conv2d(x, weight) + bias through im2col and a GEMM:
///        product (K, NPQ) = weight (K, CRS) columns (CRS, NPQ), then rearranged to (N, K, P, Q):
///        \f$ y_{nkpq} = \text{product}_{k,\,(nP + p)Q + q} + b_k \f$.
/// @param x         (N, C, H, W) input
/// @param weight    (K, C, R, S)
/// @param bias      (K), or null for none
/// @param y         (N, K, P, Q) output
/// @param columns   (C R S, N P Q) output: im2col(x), kept for the backward pass
/// @param workspace Conv2dWorkspace::values_needed(shape) floats of scratch
/// @param shape     the sizes, stride and padding (resnet::conv2d_shape)
/// @param kernel    the GEMM rung to use (under host emulation: 01-05)
/// @param where     GPU or host emulation
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html
void im2col_gemm_forward(const float* x, const float* weight, const float* bias, float* y, float* columns,
                         float* workspace, const WindowShape& shape, GemmKernel kernel, Launch where = Launch::gpu);

/// @ingroup ch06
/// @brief The gradients of conv2d_forward() with respect to x, the weight and the bias: the
///        twin of resnet::conv2d_backward, with GEMMs of the chosen rung on dy as a
///        (K, N P Q) matrix and on the cached columns, col2im for dx, and per-channel sums
///        for dbias (chapters/02_convolution/README.md, task 2.7, derives them).
/// @param dy        (N, K, P, Q) upstream gradient
/// @param weight    (K, C, R, S) as in the forward pass
/// @param columns   (C R S, N P Q) from the forward pass
/// @param dx        (N, C, H, W) output
/// @param dweight   (K, C, R, S) output
/// @param dbias     (K) output, or null when the convolution has no bias
/// @param workspace Conv2dWorkspace::values_needed(shape) floats of scratch
/// @param shape     as in the forward pass
/// @param kernel    the GEMM rung to use
/// @param where     GPU or host emulation
void im2col_gemm_backward(const float* dy, const float* weight, const float* columns, float* dx, float* dweight,
                          float* dbias, float* workspace, const WindowShape& shape, GemmKernel kernel,
                          Launch where = Launch::gpu);

}  // namespace resnet::cuda
