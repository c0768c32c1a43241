// EXERCISE FILE, generated from solutions/05_resnet34/conv_summary.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 5, task 5.3: counting a convolution's work (see chapters/05_resnet34/README.md).
#include <array>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/ops/window_shape.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
std::vector<std::size_t> Conv2d<T>::summarize(const std::vector<std::size_t>& input_shape, Summary& summary) const {
  if (input_shape.size() != 4) {
    throw ShapeError("Conv2d.summarize: expects an image batch (N, C, H, W), got shape " + format_shape(input_shape));
  }
  const std::array<std::size_t, 4> x_shape{input_shape[0], input_shape[1], input_shape[2], input_shape[3]};
  const WindowShape shape = conv2d_shape("Conv2d.summarize", x_shape, weight.value.shape(), stride, padding);
  // BEGIN EXERCISE 5.3: replace the next line with your code (./course hint 5.3)
  todo("5.3", "Conv2d::summarize: add this convolution's row (output shape, parameters, multiply-accumulates) to summary and return its output shape (N, K, P, Q)");
  // END EXERCISE 5.3
}

template std::vector<std::size_t> Conv2d<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Conv2d<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
