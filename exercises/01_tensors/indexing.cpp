// EXERCISE FILE, generated from solutions/01_tensors/indexing.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 1.1: replace the next line with your code (./course hint 1.1)
  todo("1.1", "row_major_strides: for each axis of shape, how many elements one step along it skips in contiguous row-major storage (an empty axis counts as size 1, as in PyTorch)");
  // END EXERCISE 1.1
}

template <std::size_t N>
std::size_t flat_offset(const std::array<std::size_t, N>& shape, const std::array<std::size_t, N>& index) {
  // BEGIN EXERCISE 1.1: replace the next line with your code (./course hint 1.1)
  todo("1.1", "flat_offset: the position in row-major flat storage of the element at index of an array of shape; std::out_of_range naming index and shape when a coordinate is out of bounds");
  // END EXERCISE 1.1
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
