// EXERCISE FILE, generated from solutions/01_tensors/reduce.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 1, task 1.4: reductions along an axis (see chapters/01_tensors/README.md).
#include "resnet/ops/reduce.hpp"

#include <string>

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// Throws unless `axis` names an axis of x with at least `minimum_length` entries.
template <class T, std::size_t N>
void check_axis(const char* op, const xt::xtensor<T, N>& x, std::size_t axis, std::size_t minimum_length) {
  if (axis >= N) {
    throw ShapeError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a rank-" +
                     std::to_string(N) + " array of shape " + format_shape(x.shape()));
  }
  if (x.shape()[axis] < minimum_length) {
    throw ShapeError(std::string(op) + ": axis " + std::to_string(axis) + " of shape " + format_shape(x.shape()) +
                     " has " + std::to_string(x.shape()[axis]) + " entries; at least " +
                     std::to_string(minimum_length) + " are needed");
  }
}

}  // namespace

template <class T, std::size_t N>
xt::xtensor<T, N - 1> sum_along(const xt::xtensor<T, N>& x, std::size_t axis) {
  check_axis("sum_along", x, axis, 0);
  // BEGIN EXERCISE 1.4: replace the next line with your code (./course hint 1.4)
  todo("1.4", "sum_along: the sum of x along axis (rank N -> N - 1), accurate even for millions of float32 values");
  // END EXERCISE 1.4
}

template <class T, std::size_t N>
xt::xtensor<T, N - 1> mean_along(const xt::xtensor<T, N>& x, std::size_t axis) {
  check_axis("mean_along", x, axis, 1);
  // BEGIN EXERCISE 1.4: replace the next line with your code (./course hint 1.4)
  todo("1.4", "mean_along: the mean of x along axis (rank N -> N - 1), accurate even for millions of float32 values");
  // END EXERCISE 1.4
}

template <class T, std::size_t N>
xt::xtensor<T, N - 1> variance_along(const xt::xtensor<T, N>& x, std::size_t axis, Variance kind) {
  check_axis("variance_along", x, axis, kind == Variance::unbiased ? 2 : 1);
  // BEGIN EXERCISE 1.4: replace the next line with your code (./course hint 1.4)
  todo("1.4", "variance_along: the biased or unbiased variance of x along axis (rank N -> N - 1), as torch.var, accurate also for large values close together");
  // END EXERCISE 1.4
}

// Compiled for float and double, ranks 1 to 4.
template xt::xtensor<float, 0> sum_along(const xt::xtensor<float, 1>&, std::size_t);
template xt::xtensor<float, 1> sum_along(const xt::xtensor<float, 2>&, std::size_t);
template xt::xtensor<float, 2> sum_along(const xt::xtensor<float, 3>&, std::size_t);
template xt::xtensor<float, 3> sum_along(const xt::xtensor<float, 4>&, std::size_t);
template xt::xtensor<double, 0> sum_along(const xt::xtensor<double, 1>&, std::size_t);
template xt::xtensor<double, 1> sum_along(const xt::xtensor<double, 2>&, std::size_t);
template xt::xtensor<double, 2> sum_along(const xt::xtensor<double, 3>&, std::size_t);
template xt::xtensor<double, 3> sum_along(const xt::xtensor<double, 4>&, std::size_t);
template xt::xtensor<float, 0> mean_along(const xt::xtensor<float, 1>&, std::size_t);
template xt::xtensor<float, 1> mean_along(const xt::xtensor<float, 2>&, std::size_t);
template xt::xtensor<float, 2> mean_along(const xt::xtensor<float, 3>&, std::size_t);
template xt::xtensor<float, 3> mean_along(const xt::xtensor<float, 4>&, std::size_t);
template xt::xtensor<double, 0> mean_along(const xt::xtensor<double, 1>&, std::size_t);
template xt::xtensor<double, 1> mean_along(const xt::xtensor<double, 2>&, std::size_t);
template xt::xtensor<double, 2> mean_along(const xt::xtensor<double, 3>&, std::size_t);
template xt::xtensor<double, 3> mean_along(const xt::xtensor<double, 4>&, std::size_t);
template xt::xtensor<float, 0> variance_along(const xt::xtensor<float, 1>&, std::size_t, Variance);
template xt::xtensor<float, 1> variance_along(const xt::xtensor<float, 2>&, std::size_t, Variance);
template xt::xtensor<float, 2> variance_along(const xt::xtensor<float, 3>&, std::size_t, Variance);
template xt::xtensor<float, 3> variance_along(const xt::xtensor<float, 4>&, std::size_t, Variance);
template xt::xtensor<double, 0> variance_along(const xt::xtensor<double, 1>&, std::size_t, Variance);
template xt::xtensor<double, 1> variance_along(const xt::xtensor<double, 2>&, std::size_t, Variance);
template xt::xtensor<double, 2> variance_along(const xt::xtensor<double, 3>&, std::size_t, Variance);
template xt::xtensor<double, 3> variance_along(const xt::xtensor<double, 4>&, std::size_t, Variance);

}  // namespace resnet
