/// @file
/// @brief Task 1.1: how an N-dimensional index becomes a position in flat memory.
#pragma once

#include <array>
#include <cstddef>

namespace resnet {

/// @ingroup ch01
/// @brief Row-major (C order) strides, in elements, for an array of the given shape.
///
/// The last axis is contiguous and each earlier axis steps over everything after it:
/// \f[ \text{stride}_{N-1} = 1, \qquad \text{stride}_i = \text{stride}_{i+1} \cdot \text{shape}_{i+1}. \f]
/// For an NCHW batch of shape (N, C, H, W) that is (C·H·W, H·W, W, 1).
/// Mirrors `torch.Tensor.stride()` of a contiguous tensor, including its convention that an
/// empty axis (size 0) counts as size 1: shape (2, 0, 3) has strides (3, 3, 1).
/// @param shape sizes along each axis
/// @return one stride per axis
/// @see https://pytorch.org/docs/stable/generated/torch.Tensor.stride.html
template <std::size_t N>
std::array<std::size_t, N> row_major_strides(const std::array<std::size_t, N>& shape);

/// @ingroup ch01
/// @brief Position of element `index` in the flat row-major storage of an array of shape
///        `shape`: \f$ \sum_i \text{index}_i \cdot \text{stride}_i \f$.
///
/// For NCHW, element (n, c, h, w) sits at ((n·C + c)·H + h)·W + w.
/// @param shape sizes along each axis
/// @param index one coordinate per axis; each must be below its size
/// @return the offset, in elements, from the first element
/// @throws std::out_of_range naming the axis, the index and the shape when a coordinate
///         is out of bounds
/// @see https://pytorch.org/docs/stable/generated/torch.Tensor.storage_offset.html
template <std::size_t N>
std::size_t flat_offset(const std::array<std::size_t, N>& shape,
                        const std::array<std::size_t, N>& index);

}  // namespace resnet
