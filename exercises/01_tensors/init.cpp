// EXERCISE FILE, generated from solutions/01_tensors/init.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 1, task 1.7: Kaiming-normal initialisation (see chapters/01_tensors/README.md).
#include "resnet/init.hpp"

#include <cmath>
#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <std::size_t N>
Fans compute_fans(const std::array<std::size_t, N>& shape) {
  static_assert(N >= 2, "fan-in and fan-out need a weight of rank 2 or more");
  for (std::size_t size : shape) {
    if (size == 0) {
      throw ShapeError("compute_fans: weight shape " + format_shape(shape) +
                       " has an empty axis; there is nothing to initialise");
    }
  }
  // BEGIN EXERCISE 1.7: replace the next line with your code (./course hint 1.7)
  todo("1.7", "compute_fans: Fans{fan_in, fan_out} of a weight shaped (out, in, kernel sizes...), as PyTorch counts them");
  // END EXERCISE 1.7
}

template <std::size_t N>
double kaiming_normal_std(const std::array<std::size_t, N>& shape, FanMode mode) {
  // BEGIN EXERCISE 1.7: replace the next line with your code (./course hint 1.7)
  todo("1.7", "kaiming_normal_std: the standard deviation torch.nn.init.kaiming_normal_ uses for a ReLU layer with this weight shape and fan mode");
  // END EXERCISE 1.7
}

template <class T, std::size_t N>
xt::xtensor<T, N> kaiming_normal(const std::array<std::size_t, N>& shape, FanMode mode, Generator& generator) {
  // BEGIN EXERCISE 1.7: replace the next line with your code (./course hint 1.7)
  todo("1.7", "kaiming_normal: a new tensor of this shape drawn from generator, normal with mean 0 and the standard deviation of kaiming_normal_std");
  // END EXERCISE 1.7
}

template Fans compute_fans(const std::array<std::size_t, 2>&);
template Fans compute_fans(const std::array<std::size_t, 3>&);
template Fans compute_fans(const std::array<std::size_t, 4>&);
template double kaiming_normal_std(const std::array<std::size_t, 2>&, FanMode);
template double kaiming_normal_std(const std::array<std::size_t, 3>&, FanMode);
template double kaiming_normal_std(const std::array<std::size_t, 4>&, FanMode);
template xt::xtensor<float, 2> kaiming_normal(const std::array<std::size_t, 2>&, FanMode, Generator&);
template xt::xtensor<float, 4> kaiming_normal(const std::array<std::size_t, 4>&, FanMode, Generator&);
template xt::xtensor<double, 2> kaiming_normal(const std::array<std::size_t, 2>&, FanMode, Generator&);
template xt::xtensor<double, 4> kaiming_normal(const std::array<std::size_t, 4>&, FanMode, Generator&);

}  // namespace resnet
