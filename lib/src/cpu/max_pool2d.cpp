// The library's max-pool (resnet/cpu/max_pool2d.hpp). Planes (n, c) are independent: the
// threads share them out.
#include "resnet/cpu/max_pool2d.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet::cpu {

namespace {

// The input rows (or columns) [first, last) that the window of output position `output`
// covers inside the image: output p covers rows p stride - padding + r for r < R.
OutputRange window_inside(std::size_t output, std::size_t window, std::size_t input_size, const WindowShape& shape) {
  const std::size_t start = output * shape.stride;  // the first covered row, counted from the top of the padding
  const std::size_t first = start < shape.padding ? 0 : start - shape.padding;
  const std::size_t end = start + window;  // likewise, one past the last
  const std::size_t last = end < shape.padding ? 0 : std::min(input_size, end - shape.padding);
  return {first, std::max(first, last)};
}

// window_inside() for every output position.
std::vector<OutputRange> windows_inside(std::size_t outputs, std::size_t window, std::size_t input_size,
                                        const WindowShape& shape) {
  std::vector<OutputRange> ranges(outputs);
  for (std::size_t i = 0; i < outputs; ++i) ranges[i] = window_inside(i, window, input_size, shape);
  return ranges;
}

// One plane's pool, an output row at a time: every window tap (h, s) inside the image, in
// the reference's order (row by row, then column by column), updates the running maximum
// of every output q whose window holds it inside the image (columns[s], from
// outputs_inside()). The update is a select, not a branch (on random data a branch on "is
// it larger?" is mispredicted often), and the loop over q vectorises. KeepArgmax is a
// template argument so that evaluation's loop writes no index at all.
template <bool KeepArgmax>
void pool_plane(const float* plane, const std::vector<OutputRange>& rows, const std::vector<OutputRange>& columns,
                const WindowShape& shape, float* y, std::uint32_t* argmax) {
  const std::size_t Q = shape.Q, W = shape.W;
  for (std::size_t p = 0; p < shape.P; ++p) {
    float* best = y + p * Q;
    std::uint32_t* best_index = KeepArgmax ? argmax + p * Q : nullptr;
    // -infinity loses to everything but itself: then the first tap inside, as the
    // reference, whose index is where a window of -infinity points.
    std::fill(best, best + Q, -std::numeric_limits<float>::infinity());
    if constexpr (KeepArgmax) {
      for (std::size_t q = 0; q < Q; ++q) {
        const std::size_t first_w = q * shape.stride < shape.padding ? 0 : q * shape.stride - shape.padding;
        best_index[q] = static_cast<std::uint32_t>(rows[p].first * W + first_w);
      }
    }
    for (std::size_t h = rows[p].first; h < rows[p].last; ++h) {
      for (std::size_t s = 0; s < shape.S; ++s) {
        const float* row = plane + h * W;
        for (std::size_t q = columns[s].first; q < columns[s].last; ++q) {
          const std::size_t w = q * shape.stride + s - shape.padding;  // >= 0 for the q in columns[s]
          const float value = row[w];
          // Strictly greater keeps the first of equal maxima; a NaN takes over, as in the reference.
          const bool take = value > best[q] || value != value;
          best[q] = take ? value : best[q];
          if constexpr (KeepArgmax) {
            best_index[q] = take ? static_cast<std::uint32_t>(h * W + w) : best_index[q];
          }
        }
      }
    }
  }
}

}  // namespace

MaxPool2dResult max_pool2d_forward(const xt::xtensor<float, 4>& x,  // (N, C, H, W)
                                   const WindowShape& shape, bool keep_argmax) {
  require_shape("cpu::max_pool2d_forward", "x", x.shape(), shape.input_shape());
  // The shape must be a pool's: the same checks and output sizes as pool2d_shape() gives.
  const WindowShape expected = pool2d_shape("cpu::max_pool2d_forward", x.shape(), shape.R, shape.stride, shape.padding);
  if (shape.S != shape.R || shape.K != expected.K || shape.P != expected.P || shape.Q != expected.Q) {
    throw ShapeError("cpu::max_pool2d_forward: the window shape is not that of a square max-pool over x of shape " +
                     format_shape(x.shape()));
  }
  if (shape.H * shape.W > std::numeric_limits<std::uint32_t>::max()) {
    throw ShapeError("cpu::max_pool2d_forward: a plane of " + std::to_string(shape.H * shape.W) +
                     " values does not fit the 32-bit index of its maximum");
  }
  MaxPool2dResult out{
      xt::xtensor<float, 4>::from_shape(shape.output_shape()),
      keep_argmax ? xt::xtensor<std::uint32_t, 4>::from_shape(shape.output_shape()) : xt::xtensor<std::uint32_t, 4>()};
  const std::vector<OutputRange> rows = windows_inside(shape.P, shape.R, shape.H, shape);  // per output row
  std::vector<OutputRange> columns(shape.S);  // per window column s: the outputs q that see it inside the image
  for (std::size_t s = 0; s < shape.S; ++s)
    columns[s] = outputs_inside(shape.W, shape.Q, s, shape.stride, shape.padding);
  const std::size_t planes = shape.N * shape.C, in_plane = shape.H * shape.W, out_plane = shape.P * shape.Q;
#pragma omp parallel for
  for (std::size_t i = 0; i < planes; ++i) {
    const float* plane = x.data() + i * in_plane;
    if (keep_argmax) {
      pool_plane<true>(plane, rows, columns, shape, out.y.data() + i * out_plane, out.argmax.data() + i * out_plane);
    } else {
      pool_plane<false>(plane, rows, columns, shape, out.y.data() + i * out_plane, nullptr);
    }
  }
  return out;
}

xt::xtensor<float, 4> max_pool2d_backward(const xt::xtensor<float, 4>& dy,  // (N, C, P, Q)
                                          const xt::xtensor<std::uint32_t, 4>& argmax, const WindowShape& shape) {
  require_shape("cpu::max_pool2d_backward", "dy", dy.shape(), shape.output_shape());
  require_shape("cpu::max_pool2d_backward", "argmax", argmax.shape(), shape.output_shape());
  const std::size_t planes = shape.N * shape.C, in_plane = shape.H * shape.W, out_plane = shape.P * shape.Q;
  for (const std::uint32_t index : argmax) {
    if (index >= in_plane) {
      throw ShapeError("cpu::max_pool2d_backward: argmax holds index " + std::to_string(index) +
                       ", outside a plane of " + std::to_string(in_plane) + " values (an argmax of another shape?)");
    }
  }
  xt::xtensor<float, 4> dx = xt::xtensor<float, 4>::from_shape(shape.input_shape());
#pragma omp parallel for
  for (std::size_t i = 0; i < planes; ++i) {  // each plane's windows add only into that plane
    float* plane = dx.data() + i * in_plane;
    std::fill(plane, plane + in_plane, 0.0f);
    const float* gradients = dy.data() + i * out_plane;
    const std::uint32_t* sources = argmax.data() + i * out_plane;
    for (std::size_t j = 0; j < out_plane; ++j) plane[sources[j]] += gradients[j];
  }
  return dx;
}

}  // namespace resnet::cpu
