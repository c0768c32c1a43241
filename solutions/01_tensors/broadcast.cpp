// Chapter 1, task 1.3: broadcasting (see chapters/01_tensors/README.md).
#include "resnet/ops/broadcast.hpp"

#include <algorithm>
#include <string>

#include <xtensor/xview.hpp>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

std::vector<std::size_t> broadcast_shapes(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  // BEGIN SOLUTION 1.3 broadcast_shapes: the shape that shapes a and b broadcast to under NumPy's rule, or a ShapeError naming both shapes when they do not broadcast
  const std::size_t rank = std::max(a.size(), b.size());
  std::vector<std::size_t> result(rank);
  // Axis `k` counts from the right: k = 0 is the last axis of every shape.
  for (std::size_t k = 0; k < rank; ++k) {
    const std::size_t size_a = k < a.size() ? a[a.size() - 1 - k] : 1;  // missing axes act as 1
    const std::size_t size_b = k < b.size() ? b[b.size() - 1 - k] : 1;
    if (size_a != size_b && size_a != 1 && size_b != 1) {
      throw ShapeError("broadcast_shapes: shapes " + format_shape(a) + " and " + format_shape(b) +
                       " do not broadcast: sizes " + std::to_string(size_a) + " and " + std::to_string(size_b) +
                       " at axis " + std::to_string(rank - 1 - k) + " of the result differ and neither is 1");
    }
    // The size that is not 1 wins (an empty axis, size 0, stays empty against 1).
    result[rank - 1 - k] = size_a == 1 ? size_b : size_a;
  }
  return result;
  // END SOLUTION
}

template <class T>
xt::xtensor<T, 4> normalize_channels(const xt::xtensor<T, 4>& x,         // (N, C, H, W)
                                     const xt::xtensor<T, 1>& mean,      // (C)
                                     const xt::xtensor<T, 1>& stddev) {  // (C)
  // BEGIN SOLUTION 1.3 normalize_channels: x (N, C, H, W), mean (C), stddev (C) -> (N, C, H, W), as torchvision's Normalize(mean, std); ShapeError for statistics of the wrong size or a stddev <= 0
  const std::size_t channels = x.shape()[1];
  if (mean.size() != channels || stddev.size() != channels) {
    throw ShapeError("normalize_channels: x has " + std::to_string(channels) + " channels (shape " +
                     format_shape(x.shape()) + ") but mean has shape " + format_shape(mean.shape()) +
                     " and stddev has shape " + format_shape(stddev.shape()));
  }
  if (xt::any(stddev <= T(0))) {
    throw ShapeError("normalize_channels: every stddev must be positive");
  }
  // A (C) vector viewed as (1, C, 1, 1) broadcasts against (N, C, H, W): the size-1 axes
  // repeat it over the batch and over every pixel.
  auto per_channel = [](const xt::xtensor<T, 1>& v) {
    return xt::view(v, xt::newaxis(), xt::all(), xt::newaxis(), xt::newaxis());
  };
  xt::xtensor<T, 4> y = (x - per_channel(mean)) / per_channel(stddev);
  return y;
  // END SOLUTION
}

template xt::xtensor<float, 4> normalize_channels(const xt::xtensor<float, 4>&, const xt::xtensor<float, 1>&,
                                                  const xt::xtensor<float, 1>&);
template xt::xtensor<double, 4> normalize_channels(const xt::xtensor<double, 4>&, const xt::xtensor<double, 1>&,
                                                   const xt::xtensor<double, 1>&);

}  // namespace resnet
