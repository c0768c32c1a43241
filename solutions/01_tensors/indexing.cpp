// Chapter 1, task 1.1: strides and flat offsets (see chapters/01_tensors/README.md).
#include "resnet/ops/indexing.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <std::size_t N>
std::array<std::size_t, N> row_major_strides(const std::array<std::size_t, N>& shape) {
  // BEGIN SOLUTION 1.1 row_major_strides: for each axis of shape, how many elements one step along it skips in contiguous row-major storage (an empty axis counts as size 1, as in PyTorch)
  std::array<std::size_t, N> strides{};
  std::size_t step = 1;
  for (std::size_t axis = N; axis-- > 0;) {
    strides[axis] = step;
    // An empty axis (size 0) counts as size 1, as in PyTorch: the array has no elements,
    // so any stride would do, and this keeps the other strides meaningful.
    step *= std::max<std::size_t>(shape[axis], 1);
  }
  return strides;
  // END SOLUTION
}

template <std::size_t N>
std::size_t flat_offset(const std::array<std::size_t, N>& shape, const std::array<std::size_t, N>& index) {
  // BEGIN SOLUTION 1.1 flat_offset: the position in row-major flat storage of the element at index of an array of shape; std::out_of_range naming index and shape when a coordinate is out of bounds
  const std::array<std::size_t, N> strides = row_major_strides(shape);
  std::size_t offset = 0;
  for (std::size_t axis = 0; axis < N; ++axis) {
    if (index[axis] >= shape[axis]) {
      throw std::out_of_range("flat_offset: index " + format_shape(index) +
                              " is out of bounds "
                              "for shape " +
                              format_shape(shape) + " (axis " + std::to_string(axis) + ")");
    }
    offset += index[axis] * strides[axis];
  }
  return offset;
  // END SOLUTION
}

template std::array<std::size_t, 1> row_major_strides(const std::array<std::size_t, 1>&);
template std::array<std::size_t, 2> row_major_strides(const std::array<std::size_t, 2>&);
template std::array<std::size_t, 3> row_major_strides(const std::array<std::size_t, 3>&);
template std::array<std::size_t, 4> row_major_strides(const std::array<std::size_t, 4>&);
template std::size_t flat_offset(const std::array<std::size_t, 1>&, const std::array<std::size_t, 1>&);
template std::size_t flat_offset(const std::array<std::size_t, 2>&, const std::array<std::size_t, 2>&);
template std::size_t flat_offset(const std::array<std::size_t, 3>&, const std::array<std::size_t, 3>&);
template std::size_t flat_offset(const std::array<std::size_t, 4>&, const std::array<std::size_t, 4>&);

}  // namespace resnet
