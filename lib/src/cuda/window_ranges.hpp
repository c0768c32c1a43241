// Which windows of a sliding-window op cover one input position: shared by the kernels that
// gather over windows (col2im, max-pooling's backward). An internal header of lib/src/cuda.
#pragma once

#include <cstddef>

#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

// The first output position o along one axis whose window, of `window` inputs starting at
// o stride - pad, reaches input position i + pad (i.e. i + pad < o stride + window); and
// one past the last output whose window starts at or before i + pad.
RESNET_HOST_DEVICE inline std::size_t first_window(std::size_t i_plus_pad, std::size_t window, std::size_t stride) {
  return i_plus_pad < window ? 0 : (i_plus_pad - window) / stride + 1;
}
RESNET_HOST_DEVICE inline std::size_t end_window(std::size_t i_plus_pad, std::size_t stride, std::size_t outputs) {
  const std::size_t last = i_plus_pad / stride + 1;
  return last < outputs ? last : outputs;
}

}  // namespace resnet::cuda
