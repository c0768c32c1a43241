/// @file
/// @brief Task 1.6: numerically stable softmax and log-softmax over the classes of a batch.
#pragma once

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch01
/// @brief Softmax of each row: \f$ p_{nk} = e^{z_{nk}} / \sum_j e^{z_{nj}} \f$.
///
/// Computed so that it neither overflows nor divides 0 by 0: every result is finite for
/// logits as large as ±1000, where the formula taken literally gives NaN (task 1.6 of
/// chapters/01_tensors/README.md asks how). Mirrors `torch.softmax(z, dim=1)`.
/// @param logits scores of shape (N, K): N examples, K classes
/// @return probabilities of shape (N, K); each row sums to 1
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
template <class T>
xt::xtensor<T, 2> softmax(const xt::xtensor<T, 2>& logits);

/// @ingroup ch01
/// @brief Log of the softmax of each row, \f$ \log p_{nk} \f$, computed directly.
///
/// Taking `log(softmax(z))` instead fails when a probability underflows to 0 (log gives
/// -inf); this function stays finite there, and for logits as large as ±1000 (task 1.6
/// asks for a form that never takes the log of a probability). Cross-entropy (chapter 2)
/// is built on it. Mirrors `torch.log_softmax(z, dim=1)`.
/// @param logits scores of shape (N, K)
/// @return log-probabilities of shape (N, K)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html
template <class T>
xt::xtensor<T, 2> log_softmax(const xt::xtensor<T, 2>& logits);

}  // namespace resnet
