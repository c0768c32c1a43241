/// @file
/// @brief Softmax cross-entropy on the GPU (chapter 6), on Tensors: the twin of
///        resnet::cross_entropy_forward() and resnet::cross_entropy_backward().
#pragma once

#include <cstddef>
#include <cstdint>

#include <xtensor/xtensor.hpp>

#include "resnet/cuda/memory.hpp"
#include "resnet/tensor.hpp"

namespace resnet::device {

/// @ingroup ch06
/// @brief What the backward pass of cross-entropy on the GPU needs.
template <class T>
struct CrossEntropyCache {
  cuda::DeviceBuffer<T> probabilities;      ///< softmax of the logits, (N, K)
  cuda::DeviceBuffer<std::int64_t> labels;  ///< (N)
  std::size_t N = 0;                        ///< rows
  std::size_t K = 0;                        ///< classes
};

/// @ingroup ch06
/// @brief The output of cross_entropy_forward() on the GPU.
template <class T>
struct CrossEntropyOutput {
  T loss;                      ///< the mean over the batch, back on the CPU
  CrossEntropyCache<T> cache;  ///< for cross_entropy_backward()
};

/// @ingroup ch06
/// @brief The mean cross-entropy of logits on the GPU against labels on the CPU; only the N
///        row losses come back to the CPU.
/// @param logits (N, K), on the GPU
/// @param labels (N), classes 0 to K - 1
/// @throws ShapeError when a label is not a class or the sizes differ
template <class T>
CrossEntropyOutput<T> cross_entropy_forward(const Tensor<T, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels);

/// @ingroup ch06
/// @brief dL/dlogits (N, K) on the GPU, for an upstream gradient `dloss` of the loss.
/// @param dloss the upstream gradient of the scalar loss
/// @param cache the forward pass's
template <class T>
Tensor<T, 2> cross_entropy_backward(T dloss, const CrossEntropyCache<T>& cache);

}  // namespace resnet::device
