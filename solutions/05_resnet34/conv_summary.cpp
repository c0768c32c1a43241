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
  // BEGIN SOLUTION 5.3 Conv2d::summarize: add this convolution's row (output shape, parameters, multiply-accumulates) to summary and return its output shape (N, K, P, Q)
  // Each of the N K P Q outputs is a dot product of length C R S (a bias only adds).
  const std::size_t multiply_accumulates = shape.N * shape.K * shape.P * shape.Q * (shape.C * shape.R * shape.S);
  const std::vector<std::size_t> output{shape.N, shape.K, shape.P, shape.Q};
  summary.leaf("Conv2d", output, this->parameter_count(), multiply_accumulates);
  return output;
  // END SOLUTION
}

template std::vector<std::size_t> Conv2d<float>::summarize(const std::vector<std::size_t>&, Summary&) const;
template std::vector<std::size_t> Conv2d<double>::summarize(const std::vector<std::size_t>&, Summary&) const;

}  // namespace resnet
