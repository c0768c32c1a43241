// EXERCISE FILE, generated from solutions/02_convolution/numerical_gradient.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.1: the numerical gradient (see chapters/02_convolution/README.md).
#include "resnet/exercise.hpp"
#include "resnet/gradcheck.hpp"

namespace resnet {

xt::xtensor<double, 1> numerical_gradient(const std::function<double()>& loss, xt::xtensor<double, 1>& values,
                                          double step) {
  // BEGIN EXERCISE 2.1: replace the next line with your code (./course hint 2.1)
  todo("2.1", "numerical_gradient: the central-difference estimate of dL/dv_i, with step h = step, for every entry i of values, L read by calling loss(); values exactly as before on return");
  // END EXERCISE 2.1
}

}  // namespace resnet
