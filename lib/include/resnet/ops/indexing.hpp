/// @file
/// @brief Task 1.1: how an N-dimensional index becomes a position in flat memory.
#pragma once

#include <array>
#include <cstddef>

namespace resnet {

/// @ingroup ch01
/// @brief Row-major (C order) strides, in elements, for an array of the given shape: for
///        each axis, how many elements one step along it skips in contiguous storage, the
///        last axis fastest.
///
/// Task 1.1; chapters/01_tensors/README.md asks for the rule that gives every stride.
/// Mirrors `torch.Tensor.stride()` of a contiguous tensor, including its convention that an
/// empty axis (size 0) counts as size 1: shape (2, 0, 3) has strides (3, 3, 1).
/// @param shape sizes along each axis
/// @return one stride per axis
/// @see https://pytorch.org/docs/stable/generated/torch.Tensor.stride.html
template <std::size_t N>
std::array<std::size_t, N> row_major_strides(const std::array<std::size_t, N>& shape);

/// @ingroup ch01
/// @brief Position of element `index` in the flat row-major storage of an array of shape
///        `shape`, in elements from the first (task 1.1; chapters/01_tensors/README.md
///        derives it from the strides of row_major_strides()).
/// @param shape sizes along each axis
/// @param index one coordinate per axis; each must be below its size
/// @return the offset, in elements, from the first element
/// @throws std::out_of_range naming the axis, the index and the shape when a coordinate
///         is out of bounds
/// @see https://pytorch.org/docs/stable/generated/torch.Tensor.storage_offset.html
template <std::size_t N>
std::size_t flat_offset(const std::array<std::size_t, N>& shape, const std::array<std::size_t, N>& index);

}  // namespace resnet
