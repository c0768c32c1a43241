// EXERCISE FILE, generated from solutions/01_tensors/softmax.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 1.6: replace the next line with your code (./course hint 1.6)
  todo("1.6", "softmax: logits (N, K) -> probabilities (N, K), each row summing to 1, as torch.softmax(logits, dim=1), finite for logits as large as +-1000");
  // END EXERCISE 1.6
}

template <class T>
xt::xtensor<T, 2> log_softmax(const xt::xtensor<T, 2>& logits) {  // (N, K)
  check_has_classes("log_softmax", logits);
  // BEGIN EXERCISE 1.6: replace the next line with your code (./course hint 1.6)
  todo("1.6", "log_softmax: logits (N, K) -> log-probabilities (N, K), as torch.log_softmax(logits, dim=1), finite even where a probability underflows to 0");
  // END EXERCISE 1.6
}

template xt::xtensor<float, 2> softmax(const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> softmax(const xt::xtensor<double, 2>&);
template xt::xtensor<float, 2> log_softmax(const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> log_softmax(const xt::xtensor<double, 2>&);

}  // namespace resnet
