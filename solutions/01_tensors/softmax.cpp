// Chapter 1, task 1.6: stable softmax and log-softmax (see chapters/01_tensors/README.md).
#include "resnet/ops/softmax.hpp"

#include <string>

#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// Softmax over zero classes has no meaning (the row maximum does not exist).
template <class T>
void check_has_classes(const char* op, const xt::xtensor<T, 2>& logits) {
  if (logits.shape()[1] == 0) {
    throw ShapeError(std::string(op) + ": logits of shape " + format_shape(logits.shape()) + " have no classes");
  }
}

}  // namespace

template <class T>
xt::xtensor<T, 2> softmax(const xt::xtensor<T, 2>& logits) {  // (N, K)
  check_has_classes("softmax", logits);
  // BEGIN SOLUTION 1.6 softmax: logits (N, K) -> probabilities (N, K), each row summing to 1, as torch.softmax(logits, dim=1), finite for logits as large as +-1000
  // keep_dims leaves the reduced axis as size 1: (N, 1) broadcasts against (N, K).
  xt::xtensor<T, 2> row_max = xt::amax(logits, {1}, xt::keep_dims);
  xt::xtensor<T, 2> exponentials = xt::exp(logits - row_max);  // every exponent <= 0
  xt::xtensor<T, 2> row_sum = xt::sum(exponentials, {1}, xt::keep_dims);
  xt::xtensor<T, 2> probabilities = exponentials / row_sum;
  return probabilities;
  // END SOLUTION
}

template <class T>
xt::xtensor<T, 2> log_softmax(const xt::xtensor<T, 2>& logits) {  // (N, K)
  check_has_classes("log_softmax", logits);
  // BEGIN SOLUTION 1.6 log_softmax: logits (N, K) -> log-probabilities (N, K), as torch.log_softmax(logits, dim=1), finite even where a probability underflows to 0
  xt::xtensor<T, 2> row_max = xt::amax(logits, {1}, xt::keep_dims);
  xt::xtensor<T, 2> shifted = logits - row_max;
  // log-sum-exp of the shifted row: the largest term is exp(0) = 1, so the sum is in
  // [1, K] and its log is finite and well conditioned.
  xt::xtensor<T, 2> log_sum_exp = xt::log(xt::sum(xt::exp(shifted), {1}, xt::keep_dims));
  xt::xtensor<T, 2> log_probabilities = shifted - log_sum_exp;
  return log_probabilities;
  // END SOLUTION
}

template xt::xtensor<float, 2> softmax(const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> softmax(const xt::xtensor<double, 2>&);
template xt::xtensor<float, 2> log_softmax(const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> log_softmax(const xt::xtensor<double, 2>&);

}  // namespace resnet
