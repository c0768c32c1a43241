// Global average pooling and max-pooling, forward and backward: one thread per output
// value, none cooperating, so each also runs under host emulation.
#include "resnet/cuda/kernels.hpp"
#include "window_ranges.hpp"

namespace resnet::cuda {

template <class T>
void global_avg_pool2d_forward(const T* x, T* y, std::size_t NC, std::size_t HW, Launch where) {
  if (NC == 0) return;
  launch("global_avg_pool2d_forward", grid_1d(NC), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t nc = t.global_x();
    if (nc >= NC) return;
    T sum = T(0);
    for (std::size_t i = 0; i < HW; ++i) sum += x[nc * HW + i];
    y[nc] = sum / static_cast<T>(HW);
  });
}

template <class T>
void global_avg_pool2d_backward(const T* dy, T* dx, std::size_t NC, std::size_t HW, Launch where) {
  if (NC * HW == 0) return;
  const T share = T(1) / static_cast<T>(HW);  // multiplied, as the CPU op does, for the same rounding
  const Index32 plane = index32(HW, "global_avg_pool2d_backward");
  index32(NC * HW, "global_avg_pool2d_backward");
  launch("global_avg_pool2d_backward", grid_1d(NC * HW), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= NC * HW) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    dx[e] = dy[e / plane] * share;
  });
}

template <class T>
void max_pool2d_forward(const T* x, T* y, std::size_t* argmax, const WindowShape& shape, Launch where) {
  const std::size_t outputs = shape.N * shape.C * shape.P * shape.Q;
  if (outputs == 0) return;
  const WindowShape32 s32 = window_shape32(shape, "max_pool2d_forward");  // indices divided in 32 bits
  launch("max_pool2d_forward", grid_1d(outputs), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= outputs) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const std::size_t q = e % s32.Q, p = e / s32.Q % s32.P, nc = e / (s32.P * s32.Q);
    const T* plane = x + nc * shape.H * shape.W;
    // As on the CPU: padding is never looked at, strictly greater keeps the first of equal
    // maxima, and a NaN takes over (value != value only for a NaN).
    T best = T(0);
    std::size_t best_index = 0;
    bool found = false;
    for (std::size_t r = 0; r < shape.R; ++r) {
      const long h = static_cast<long>(p * shape.stride + r) - static_cast<long>(shape.padding);
      if (h < 0 || h >= static_cast<long>(shape.H)) continue;
      for (std::size_t s = 0; s < shape.S; ++s) {
        const long w = static_cast<long>(q * shape.stride + s) - static_cast<long>(shape.padding);
        if (w < 0 || w >= static_cast<long>(shape.W)) continue;
        const std::size_t index = static_cast<std::size_t>(h) * shape.W + static_cast<std::size_t>(w);
        const T value = plane[index];
        if (!found || value > best || value != value) {
          best = value;
          best_index = index;
          found = true;
        }
      }
    }
    y[e] = best;
    argmax[e] = best_index;
  });
}

template <class T>
void max_pool2d_backward(const T* dy, const std::size_t* argmax, T* dx, const WindowShape& shape, Launch where) {
  const std::size_t values = shape.N * shape.C * shape.H * shape.W;
  if (values == 0) return;
  const WindowShape32 s32 = window_shape32(shape, "max_pool2d_backward");  // indices divided in 32 bits
  launch("max_pool2d_backward", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 w = e % s32.W, h = e / s32.W % s32.H, nc = e / (s32.H * s32.W);
    const Index32 hp = h + s32.padding, wp = w + s32.padding;
    const std::size_t here = h * s32.W + w;
    const Index32 p_first = first_window(hp, s32.R, s32.stride), p_end = end_window(hp, s32.stride, s32.P);
    const Index32 q_first = first_window(wp, s32.S, s32.stride), q_end = end_window(wp, s32.stride, s32.Q);
    // The CPU adds each window's gradient into its maximum in window order: gather in that order.
    T sum = T(0);
    for (Index32 p = p_first; p < p_end; ++p) {
      for (Index32 q = q_first; q < q_end; ++q) {
        const std::size_t window = (nc * s32.P + p) * s32.Q + q;
        if (argmax[window] == here) sum += dy[window];
      }
    }
    dx[e] = sum;
  });
}

template void global_avg_pool2d_forward<float>(const float*, float*, std::size_t, std::size_t, Launch);
template void global_avg_pool2d_backward<float>(const float*, float*, std::size_t, std::size_t, Launch);
template void max_pool2d_forward<float>(const float*, float*, std::size_t*, const WindowShape&, Launch);
template void max_pool2d_backward<float>(const float*, const std::size_t*, float*, const WindowShape&, Launch);
template void global_avg_pool2d_forward<double>(const double*, double*, std::size_t, std::size_t, Launch);
template void global_avg_pool2d_backward<double>(const double*, double*, std::size_t, std::size_t, Launch);
template void max_pool2d_forward<double>(const double*, double*, std::size_t*, const WindowShape&, Launch);
template void max_pool2d_backward<double>(const double*, const std::size_t*, double*, const WindowShape&, Launch);

}  // namespace resnet::cuda
