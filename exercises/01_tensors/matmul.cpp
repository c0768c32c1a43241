// EXERCISE FILE, generated from solutions/01_tensors/matmul.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 1, task 1.5: the naive matrix multiply (see chapters/01_tensors/README.md).
#include "resnet/ops/matmul.hpp"

#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 2> matmul_naive(const xt::xtensor<T, 2>& a,    // (M, K)
                               const xt::xtensor<T, 2>& b) {  // (K, N)
  // BEGIN EXERCISE 1.5: replace the next line with your code (./course hint 1.5)
  todo("1.5", "matmul_naive: a (M, K) times b (K, N) -> (M, N) with your own loops, no BLAS; ShapeError naming both shapes when a's columns differ from b's rows");
  // END EXERCISE 1.5
}

template xt::xtensor<float, 2> matmul_naive(const xt::xtensor<float, 2>&, const xt::xtensor<float, 2>&);
template xt::xtensor<double, 2> matmul_naive(const xt::xtensor<double, 2>&, const xt::xtensor<double, 2>&);

}  // namespace resnet
