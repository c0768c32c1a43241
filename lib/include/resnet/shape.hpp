/// @file
/// @brief Shapes as text, for error messages: `(2, 3, 32, 32)`.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "resnet/error.hpp"

namespace resnet {

/// @ingroup core
/// @brief Writes a shape the way PyTorch prints one, e.g. `(2, 3, 32, 32)`.
/// @param shape any sequence of sizes: `std::array`, `std::vector`, an xtensor shape
template <class Shape>
std::string format_shape(const Shape& shape) {
  std::ostringstream text;
  text << '(';
  bool first = true;
  for (auto size : shape) {
    if (!first) text << ", ";
    text << size;
    first = false;
  }
  text << ')';
  return text.str();
}

/// @ingroup core
/// @brief Throws ShapeError "<op>: <what> has shape (..), expected (..)" unless the two
///        shapes are equal (used to check the upstream gradient of a backward pass).
/// @param op the op's name
/// @param what the argument's name, such as "dy"
/// @param actual the shape received
/// @param expected the shape required
template <class Actual, class Expected>
void require_shape(const std::string& op, const std::string& what, const Actual& actual, const Expected& expected) {
  bool equal = actual.size() == expected.size();
  for (std::size_t i = 0; equal && i < actual.size(); ++i) equal = actual[i] == expected[i];
  if (!equal) {
    throw ShapeError(op + ": " + what + " has shape " + format_shape(actual) + ", expected " + format_shape(expected));
  }
}

/// @ingroup core
/// @brief The multi-index of flat position `flat` in a row-major array of `shape` (as
///        numpy.unravel_index), for messages that name an element.
/// @param flat the position in the flat, row-major storage
/// @param shape the array's shape
/// @return one index per axis
inline std::vector<std::size_t> unravel_index(std::size_t flat, const std::vector<std::size_t>& shape) {
  std::vector<std::size_t> index(shape.size());
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = flat % shape[axis];
    flat /= shape[axis];
  }
  return index;
}

}  // namespace resnet
