// EXERCISE FILE, generated from solutions/02_convolution/cross_entropy.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.4: softmax cross-entropy (see chapters/02_convolution/README.md).
#include "resnet/ops/cross_entropy.hpp"

#include <string>

#include <xtensor/xmath.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/ops/softmax.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
CrossEntropyOutput<T> cross_entropy_forward(const xt::xtensor<T, 2>& logits,               // (N, K)
                                            const xt::xtensor<std::int64_t, 1>& labels) {  // (N)
  const std::size_t N = logits.shape()[0], K = logits.shape()[1];
  if (labels.size() != N || N == 0) {
    throw ShapeError("cross_entropy_forward: logits " + format_shape(logits.shape()) + " and labels " +
                     format_shape(labels.shape()) + " must describe the same non-empty batch");
  }
  for (std::size_t n = 0; n < N; ++n) {
    if (labels(n) < 0 || static_cast<std::size_t>(labels(n)) >= K) {
      throw ShapeError("cross_entropy_forward: label " + std::to_string(labels(n)) + " of example " +
                       std::to_string(n) + " is not a class of " + std::to_string(K));
    }
  }
  // BEGIN EXERCISE 2.4: replace the next line with your code (./course hint 2.4)
  todo("2.4", "cross_entropy_forward: logits (N, K), labels (N) -> {the loss averaged over the batch, cache}, as torch.nn.functional.cross_entropy, finite for logits of +-1000");
  // END EXERCISE 2.4
}

template <class T>
CrossEntropyGrads<T> cross_entropy_backward(T dloss, const CrossEntropyCache<T>& cache) {
  // BEGIN EXERCISE 2.4: replace the next line with your code (./course hint 2.4)
  todo("2.4", "cross_entropy_backward: dloss (the upstream gradient of the scalar loss) and the forward's cache -> {dlogits (N, K)}");
  // END EXERCISE 2.4
}

template CrossEntropyOutput<float> cross_entropy_forward(const xt::xtensor<float, 2>&,
                                                         const xt::xtensor<std::int64_t, 1>&);
template CrossEntropyOutput<double> cross_entropy_forward(const xt::xtensor<double, 2>&,
                                                          const xt::xtensor<std::int64_t, 1>&);
template CrossEntropyGrads<float> cross_entropy_backward(float, const CrossEntropyCache<float>&);
template CrossEntropyGrads<double> cross_entropy_backward(double, const CrossEntropyCache<double>&);

}  // namespace resnet
