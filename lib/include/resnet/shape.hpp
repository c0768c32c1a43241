/// @file
/// @brief Shapes as text, for error messages: `(2, 3, 32, 32)`.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>

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

}  // namespace resnet
