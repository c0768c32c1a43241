/// @file
/// @brief The sizes of a window (convolution kernel or pooling window) sliding over an
///        NCHW batch, checked once for every op that slides one.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace resnet {

/// @ingroup ch02
/// @brief Every size of a 2-D sliding-window op, in the course's dimension legend.
///
/// Input (N, C, H, W); K output channels; an R x S window moved by `stride` over the
/// input padded by `padding` on every side; output (N, K, P, Q) with
/// \f[ P = \left\lfloor \frac{H + 2\,\text{padding} - R}{\text{stride}} \right\rfloor + 1, \qquad
///     Q = \left\lfloor \frac{W + 2\,\text{padding} - S}{\text{stride}} \right\rfloor + 1. \f]
/// Output position (p, q) reads input rows \f$ p \cdot \text{stride} - \text{padding} + r \f$
/// for r = 0 ... R - 1 (and columns likewise); rows outside 0 ... H - 1 are padding.
struct WindowShape {
  std::size_t N = 0;        ///< batch size
  std::size_t C = 0;        ///< input channels
  std::size_t H = 0;        ///< input height
  std::size_t W = 0;        ///< input width
  std::size_t K = 0;        ///< output channels (C for pooling)
  std::size_t R = 0;        ///< window height
  std::size_t S = 0;        ///< window width
  std::size_t P = 0;        ///< output height
  std::size_t Q = 0;        ///< output width
  std::size_t stride = 1;   ///< step between windows, in both directions
  std::size_t padding = 0;  ///< zeros (or -inf for max-pool) added on every side

  /// @brief The output shape (N, K, P, Q).
  std::array<std::size_t, 4> output_shape() const { return {N, K, P, Q}; }
  /// @brief The input shape (N, C, H, W).
  std::array<std::size_t, 4> input_shape() const { return {N, C, H, W}; }
  /// @brief The weight shape (K, C, R, S) of a convolution.
  std::array<std::size_t, 4> weight_shape() const { return {K, C, R, S}; }
};

/// @ingroup ch02
/// @brief A half-open range [first, last) of output positions.
struct OutputRange {
  std::size_t first = 0;  ///< the first output position in the range
  std::size_t last = 0;   ///< one past the last (first == last: empty)
};

/// @ingroup ch02
/// @brief The output positions o whose window element `offset` falls inside the input:
///        \f$ 0 \le o \cdot \text{stride} + \text{offset} - \text{padding} < n \f$ for an
///        input of size n.
///
/// Along one axis (rows with offset r, or columns with offset s), outputs outside the
/// range read padding there; the range lets a loop skip the bounds test per element.
/// @param input_size H or W
/// @param output_size P or Q
/// @param offset r or s, the position inside the window
/// @param stride the windows' step
/// @param padding added on every side
/// @return the range [first, last) of such o, within 0 ... output_size
OutputRange outputs_inside(std::size_t input_size, std::size_t output_size, std::size_t offset, std::size_t stride,
                           std::size_t padding);

/// @ingroup ch02
/// @brief Checks and computes the sizes of a convolution of x (N, C, H, W) with a
///        weight (K, C, R, S).
/// @param op the op's name, for error messages
/// @param x_shape input shape (N, C, H, W)
/// @param weight_shape weight shape (K, C, R, S)
/// @param stride at least 1
/// @param padding zeros added on every side
/// @return every size, with P and Q from the formula of WindowShape
/// @throws ShapeError naming the op and the shapes when the channels differ, the stride
///         is 0, the kernel is empty or larger than the padded input
WindowShape conv2d_shape(const std::string& op, const std::array<std::size_t, 4>& x_shape,
                         const std::array<std::size_t, 4>& weight_shape, std::size_t stride, std::size_t padding);

/// @ingroup ch02
/// @brief Checks and computes the sizes of a pooling window `kernel` x `kernel` over x
///        (N, C, H, W); K = C.
/// @param op the op's name, for error messages
/// @param x_shape input shape (N, C, H, W)
/// @param kernel window size, at least 1
/// @param stride at least 1
/// @param padding at most kernel / 2 (as PyTorch requires, so that every window holds at
///        least one real input)
/// @return every size, with K = C, R = S = kernel, and P and Q from the formula of WindowShape
/// @throws ShapeError naming the op and the shapes when a rule above is broken
WindowShape pool2d_shape(const std::string& op, const std::array<std::size_t, 4>& x_shape, std::size_t kernel,
                         std::size_t stride, std::size_t padding);

}  // namespace resnet
