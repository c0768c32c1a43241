// EXERCISE FILE, generated from solutions/01_tensors/broadcast.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 1, task 1.3: broadcasting (see chapters/01_tensors/README.md).
#include "resnet/ops/broadcast.hpp"

#include <algorithm>
#include <string>

#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

std::vector<std::size_t> broadcast_shapes(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  // BEGIN EXERCISE 1.3: replace the next line with your code (./course hint 1.3)
  todo("1.3", "broadcast_shapes: the shape that shapes a and b broadcast to under NumPy's rule, or a ShapeError naming both shapes when they do not broadcast");
  // END EXERCISE 1.3
}

template <class T>
xt::xtensor<T, 4> normalize_channels(const xt::xtensor<T, 4>& x,         // (N, C, H, W)
                                     const xt::xtensor<T, 1>& mean,      // (C)
                                     const xt::xtensor<T, 1>& stddev) {  // (C)
  // BEGIN EXERCISE 1.3: replace the next line with your code (./course hint 1.3)
  todo("1.3", "normalize_channels: x (N, C, H, W), mean (C), stddev (C) -> (N, C, H, W), as torchvision's Normalize(mean, std); ShapeError for statistics of the wrong size or a stddev <= 0");
  // END EXERCISE 1.3
}

template xt::xtensor<float, 4> normalize_channels(const xt::xtensor<float, 4>&, const xt::xtensor<float, 1>&,
                                                  const xt::xtensor<float, 1>&);
template xt::xtensor<double, 4> normalize_channels(const xt::xtensor<double, 4>&, const xt::xtensor<double, 1>&,
                                                   const xt::xtensor<double, 1>&);

}  // namespace resnet
