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
  launch("global_avg_pool2d_backward", grid_1d(NC * HW), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e < NC * HW) dx[e] = dy[e / HW] * share;
  });
}

template <class T>
void max_pool2d_forward(const T* x, T* y, std::size_t* argmax, const WindowShape& shape, Launch where) {
  const std::size_t outputs = shape.N * shape.C * shape.P * shape.Q;
  if (outputs == 0) return;
  launch("max_pool2d_forward", grid_1d(outputs), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= outputs) return;
    const std::size_t q = e % shape.Q, p = e / shape.Q % shape.P, nc = e / (shape.P * shape.Q);
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
  launch("max_pool2d_backward", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= values) return;
    const std::size_t w = e % shape.W, h = e / shape.W % shape.H, nc = e / (shape.H * shape.W);
    const std::size_t hp = h + shape.padding, wp = w + shape.padding, here = h * shape.W + w;
    const std::size_t p_first = first_window(hp, shape.R, shape.stride), p_end = end_window(hp, shape.stride, shape.P);
    const std::size_t q_first = first_window(wp, shape.S, shape.stride), q_end = end_window(wp, shape.stride, shape.Q);
    // The CPU adds each window's gradient into its maximum in window order: gather in that order.
    T sum = T(0);
    for (std::size_t p = p_first; p < p_end; ++p) {
      for (std::size_t q = q_first; q < q_end; ++q) {
        const std::size_t window = (nc * shape.P + p) * shape.Q + q;
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
