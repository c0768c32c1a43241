#include "resnet/ops/window_shape.hpp"

#include <algorithm>

#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// Fills in P and Q after checking that the window fits the padded input.
void finish(const std::string& op, WindowShape& shape, const std::string& shapes_text) {
  // Sizes are unsigned: a negative stride or padding arrives as an enormous number. Reject
  // those before any arithmetic can overflow.
  constexpr std::size_t kLargest = std::size_t{1} << 31;
  if (shape.stride > kLargest || shape.padding > kLargest) {
    throw ShapeError(op + ": stride and padding must be small non-negative numbers (" + shapes_text +
                     "; a negative value converted to an unsigned size?)");
  }
  if (shape.stride == 0) throw ShapeError(op + ": stride must be at least 1 (" + shapes_text + ")");
  if (shape.R == 0 || shape.S == 0) throw ShapeError(op + ": the window is empty (" + shapes_text + ")");
  const std::size_t padded_height = shape.H + 2 * shape.padding;
  const std::size_t padded_width = shape.W + 2 * shape.padding;
  if (shape.R > padded_height || shape.S > padded_width) {
    throw ShapeError(op + ": the " + std::to_string(shape.R) + "x" + std::to_string(shape.S) +
                     " window is larger than the padded input " + std::to_string(padded_height) + "x" +
                     std::to_string(padded_width) + " (" + shapes_text + ")");
  }
  shape.P = (padded_height - shape.R) / shape.stride + 1;
  shape.Q = (padded_width - shape.S) / shape.stride + 1;
}

}  // namespace

OutputRange outputs_inside(std::size_t input_size, std::size_t output_size, std::size_t offset, std::size_t stride,
                           std::size_t padding) {
  // o * stride >= padding - offset  gives the first; o * stride <= input_size - 1 + padding - offset the last.
  const std::size_t first = offset >= padding ? 0 : (padding - offset + stride - 1) / stride;
  if (input_size + padding <= offset) return {0, 0};  // the whole axis reads padding
  const std::size_t last = std::min(output_size, (input_size - 1 + padding - offset) / stride + 1);
  return {std::min(first, last), last};
}

WindowShape conv2d_shape(const std::string& op, const std::array<std::size_t, 4>& x_shape,
                         const std::array<std::size_t, 4>& weight_shape, std::size_t stride, std::size_t padding) {
  const std::string shapes_text = "x " + format_shape(x_shape) + ", weight " + format_shape(weight_shape) +
                                  ", stride " + std::to_string(stride) + ", padding " + std::to_string(padding);
  if (x_shape[1] != weight_shape[1]) {
    throw ShapeError(op + ": x has " + std::to_string(x_shape[1]) +
                     " channels but the weight "
                     "expects " +
                     std::to_string(weight_shape[1]) + " (" + shapes_text + ")");
  }
  WindowShape shape;
  shape.N = x_shape[0];
  shape.C = x_shape[1];
  shape.H = x_shape[2];
  shape.W = x_shape[3];
  shape.K = weight_shape[0];
  shape.R = weight_shape[2];
  shape.S = weight_shape[3];
  shape.stride = stride;
  shape.padding = padding;
  finish(op, shape, shapes_text);
  return shape;
}

WindowShape pool2d_shape(const std::string& op, const std::array<std::size_t, 4>& x_shape, std::size_t kernel,
                         std::size_t stride, std::size_t padding) {
  const std::string shapes_text = "x " + format_shape(x_shape) + ", kernel " + std::to_string(kernel) + ", stride " +
                                  std::to_string(stride) + ", padding " + std::to_string(padding);
  if (2 * padding > kernel) {
    throw ShapeError(op +
                     ": padding must be at most half the kernel size, so that every window "
                     "covers some of the input (" +
                     shapes_text + ")");
  }
  WindowShape shape;
  shape.N = x_shape[0];
  shape.C = x_shape[1];
  shape.H = x_shape[2];
  shape.W = x_shape[3];
  shape.K = x_shape[1];
  shape.R = kernel;
  shape.S = kernel;
  shape.stride = stride;
  shape.padding = padding;
  finish(op, shape, shapes_text);
  return shape;
}

}  // namespace resnet
