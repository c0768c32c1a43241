// Which windows of a sliding-window op cover one input position: shared by the kernels that
// gather over windows (col2im, max-pooling's backward). An internal header of lib/src/cuda.
#pragma once

#include <cstddef>

#include "resnet/cuda/launch.hpp"

namespace resnet::cuda {

// The first output position o along one axis whose window, of `window` inputs starting at
// o stride - pad, reaches input position i + pad (i.e. i + pad < o stride + window); and
// one past the last output whose window starts at or before i + pad.
// In 32 bits, like the kernels' other index arithmetic (Index32 in resnet/cuda/launch.hpp).
RESNET_HOST_DEVICE inline Index32 first_window(Index32 i_plus_pad, Index32 window, Index32 stride) {
  return i_plus_pad < window ? 0 : (i_plus_pad - window) / stride + 1;
}
RESNET_HOST_DEVICE inline Index32 end_window(Index32 i_plus_pad, Index32 stride, Index32 outputs) {
  const Index32 last = i_plus_pad / stride + 1;
  return last < outputs ? last : outputs;
}

// The sizes of a WindowShape as Index32, for the kernels that gather over windows.
struct WindowShape32 {
  Index32 N, C, H, W, R, S, P, Q, stride, padding;
};

// `shape` in 32 bits; ShapeError when its input or output has 2^32 values or more.
inline WindowShape32 window_shape32(const WindowShape& shape, const char* kernel) {
  index32(shape.N * shape.C * shape.H * shape.W, kernel);  // every product below is at most these
  index32(shape.N * shape.C * shape.P * shape.Q, kernel);
  const auto narrow = [](std::size_t size) { return static_cast<Index32>(size); };
  return WindowShape32{narrow(shape.N), narrow(shape.C), narrow(shape.H), narrow(shape.W),      narrow(shape.R),
                       narrow(shape.S), narrow(shape.P), narrow(shape.Q), narrow(shape.stride), narrow(shape.padding)};
}

}  // namespace resnet::cuda
