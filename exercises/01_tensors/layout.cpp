// EXERCISE FILE, generated from solutions/01_tensors/layout.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 1, task 1.2: NCHW <-> NHWC (see chapters/01_tensors/README.md).
#include "resnet/ops/layout.hpp"

#include <cstdint>

#include <xtensor/xmanipulation.hpp>

#include "resnet/exercise.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 4> nchw_to_nhwc(const xt::xtensor<T, 4>& x) {  // x: (N, C, H, W)
  // BEGIN EXERCISE 1.2: replace the next line with your code (./course hint 1.2)
  todo("1.2", "nchw_to_nhwc: x (N, C, H, W) -> a new (N, H, W, C) tensor y with y(n, h, w, c) = x(n, c, h, w)");
  // END EXERCISE 1.2
}

template <class T>
xt::xtensor<T, 4> nhwc_to_nchw(const xt::xtensor<T, 4>& x) {  // x: (N, H, W, C)
  // BEGIN EXERCISE 1.2: replace the next line with your code (./course hint 1.2)
  todo("1.2", "nhwc_to_nchw: x (N, H, W, C) -> a new (N, C, H, W) tensor, the inverse of nchw_to_nhwc");
  // END EXERCISE 1.2
}

template xt::xtensor<float, 4> nchw_to_nhwc(const xt::xtensor<float, 4>&);
template xt::xtensor<double, 4> nchw_to_nhwc(const xt::xtensor<double, 4>&);
template xt::xtensor<std::uint8_t, 4> nchw_to_nhwc(const xt::xtensor<std::uint8_t, 4>&);
template xt::xtensor<float, 4> nhwc_to_nchw(const xt::xtensor<float, 4>&);
template xt::xtensor<double, 4> nhwc_to_nchw(const xt::xtensor<double, 4>&);
template xt::xtensor<std::uint8_t, 4> nhwc_to_nchw(const xt::xtensor<std::uint8_t, 4>&);

}  // namespace resnet
