/// @file
/// @brief Task 2.6: im2col and col2im, which turn a convolution into a matrix product.
#pragma once

#include <xtensor/xtensor.hpp>

#include "resnet/ops/window_shape.hpp"

namespace resnet {

/// @ingroup ch02
/// @brief Lays every window of the input out as a column of a matrix.
///
/// Row (c, r, s) = c·R·S + r·S + s holds what kernel entry (c, r, s) sees in each window,
/// column (n, p, q) = n·P·Q + p·Q + q is one window: the entry there is the input value that
/// kernel entry (c, r, s) meets in window (n, p, q) of the convolution, or 0 where it meets
/// padding. A convolution is then the product of the (K, C·R·S) weight matrix with this
/// (C·R·S, N·P·Q) matrix. Every input value is copied into up to R·S columns, one per window
/// that covers it. Task 2.6; chapters/02_convolution/README.md asks which input position
/// each entry holds.
/// @param x input, (N, C, H, W)
/// @param shape the sizes, from conv2d_shape() or pool2d_shape()
/// @return the columns, (C·R·S, N·P·Q)
/// @throws ShapeError when x is not shape.input_shape()
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Unfold.html
template <class T>
xt::xtensor<T, 2> im2col(const xt::xtensor<T, 4>& x, const WindowShape& shape);

/// @ingroup ch02
/// @brief The adjoint of im2col(): adds every column entry back into the input position
///        it was copied from. An input value covered by several windows receives the sum
///        of all their entries, so col2im **adds**; it does not assign.
/// @param columns (C·R·S, N·P·Q), e.g. the gradient of im2col's output
/// @param shape the sizes, as given to im2col()
/// @return (N, C, H, W)
/// @throws ShapeError when columns is not (C·R·S, N·P·Q)
/// @see https://pytorch.org/docs/stable/generated/torch.nn.Fold.html
template <class T>
xt::xtensor<T, 4> col2im(const xt::xtensor<T, 2>& columns, const WindowShape& shape);

}  // namespace resnet
