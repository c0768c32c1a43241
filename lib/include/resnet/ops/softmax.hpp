/// @file
/// @brief Task 1.6: numerically stable softmax and log-softmax over the classes of a batch.
#pragma once

#include <xtensor/xtensor.hpp>

namespace resnet {

/// @ingroup ch01
/// @brief Softmax of each row: \f$ p_{nk} = e^{z_{nk} - m_n} / \sum_j e^{z_{nj} - m_n} \f$
///        with \f$ m_n = \max_j z_{nj} \f$.
///
/// Subtracting the row maximum changes nothing mathematically (it cancels) but keeps every
/// exponent at most 0, so `exp` cannot overflow even for logits like 1000.
/// Mirrors `torch.softmax(z, dim=1)`.
/// @param logits scores of shape (N, K): N examples, K classes
/// @return probabilities of shape (N, K); each row sums to 1
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html
template <class T>
xt::xtensor<T, 2> softmax(const xt::xtensor<T, 2>& logits);

/// @ingroup ch01
/// @brief Log of the softmax of each row, computed directly:
///        \f$ \log p_{nk} = (z_{nk} - m_n) - \log \sum_j e^{z_{nj} - m_n} \f$.
///
/// Taking `log(softmax(z))` instead fails when a probability underflows to 0 (log gives
/// -inf); this form stays finite. Cross-entropy (chapter 2) is built on it.
/// Mirrors `torch.log_softmax(z, dim=1)`.
/// @param logits scores of shape (N, K)
/// @return log-probabilities of shape (N, K)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html
template <class T>
xt::xtensor<T, 2> log_softmax(const xt::xtensor<T, 2>& logits);

}  // namespace resnet
