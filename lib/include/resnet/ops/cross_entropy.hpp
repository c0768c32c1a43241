/// @file
/// @brief Task 2.4: softmax cross-entropy, the classification loss, forward and backward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch02
/// @brief Checks that `labels` describe a batch of `batch` examples, each a class in
///        0 to classes - 1, as cross-entropy needs (on the CPU and on the GPU alike).
/// @param labels (batch)
/// @param batch the number of logit rows
/// @param classes the number of logit columns
/// @param what the caller's name, for the message
/// @throws ShapeError naming the first label that does not fit, or the sizes that differ
void check_class_labels(const xt::xtensor<std::int64_t, 1>& labels, std::size_t batch, std::size_t classes,
                        const std::string& what);

/// @ingroup ch02
/// @brief What cross_entropy_backward() needs from the forward pass.
template <class T>
struct CrossEntropyCache {
  xt::xtensor<T, 2> probabilities;      ///< softmax of the logits, (N, K)
  xt::xtensor<std::int64_t, 1> labels;  ///< the classes, (N)
};

/// @ingroup ch02
/// @brief The loss cross_entropy_forward() computes, and its cache.
template <class T>
struct CrossEntropyOutput {
  T loss;                      ///< the mean over the batch, a scalar
  CrossEntropyCache<T> cache;  ///< for cross_entropy_backward()
};

/// @ingroup ch02
/// @brief The gradient cross_entropy_backward() returns.
template <class T>
struct CrossEntropyGrads {
  xt::xtensor<T, 2> dlogits;  ///< (N, K)
};

/// @ingroup ch02
/// @brief Mean softmax cross-entropy of a batch:
///        \f$ L = -\frac{1}{N} \sum_n \log \operatorname{softmax}(z_n)_{y_n} \f$,
///        computed from log_softmax() so that it stays finite for any logits.
///
/// Mirrors `torch.nn.functional.cross_entropy(logits, labels)` (reduction "mean").
/// @param logits scores, (N, K)
/// @param labels class indices, (N), each in 0 ... K - 1
/// @return the loss (a scalar) and the cache: the probabilities (N, K) and the labels (N)
/// @throws ShapeError when the sizes disagree, the batch is empty, or a label is out of range
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html
template <class T>
CrossEntropyOutput<T> cross_entropy_forward(const xt::xtensor<T, 2>& logits,
                                            const xt::xtensor<std::int64_t, 1>& labels);

/// @ingroup ch02
/// @brief The gradient of the loss with respect to the logits, \f$ \partial L / \partial z \f$,
///        times `dloss`: what the backward pass of `torch.nn.functional.cross_entropy`
///        (reduction "mean") computes.
///
/// Task 2.4; chapters/02_convolution/README.md derives it.
/// @param dloss the upstream gradient of the scalar loss (1 when the loss is the final output)
/// @param cache from cross_entropy_forward()
/// @return dlogits, (N, K)
template <class T>
CrossEntropyGrads<T> cross_entropy_backward(T dloss, const CrossEntropyCache<T>& cache);

}  // namespace resnet
