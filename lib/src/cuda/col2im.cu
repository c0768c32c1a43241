// col2im, the adjoint of task 6.5's im2col: one thread per input value, gathering what the
// windows that cover it hold (no atomics, the same order of additions as the CPU op).
#include "resnet/cuda/kernels.hpp"
#include "window_ranges.hpp"

namespace resnet::cuda {

template <class T>
void col2im(const T* columns, T* x, const WindowShape& shape, Launch where) {
  const std::size_t values = shape.N * shape.C * shape.H * shape.W;
  if (values == 0) return;
  launch("col2im", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= values) return;
    const std::size_t w = e % shape.W, h = e / shape.W % shape.H, c = e / (shape.H * shape.W) % shape.C;
    const std::size_t n = e / (shape.C * shape.H * shape.W);
    const std::size_t NPQ = shape.N * shape.P * shape.Q;
    // Input (h, w) was copied into window (p, q) at kernel offset (r, s) = (h + pad - p
    // stride, w + pad - q stride), for every window that covers it. The CPU adds the
    // rows (c, r, s) in increasing order; r falls as p rises, so walk p and q downwards.
    T sum = T(0);
    const std::size_t hp = h + shape.padding, wp = w + shape.padding;
    const std::size_t p_first = first_window(hp, shape.R, shape.stride), p_end = end_window(hp, shape.stride, shape.P);
    const std::size_t q_first = first_window(wp, shape.S, shape.stride), q_end = end_window(wp, shape.stride, shape.Q);
    for (std::size_t p = p_end; p-- > p_first;) {
      const std::size_t r = hp - p * shape.stride;
      for (std::size_t q = q_end; q-- > q_first;) {
        const std::size_t s = wp - q * shape.stride;
        sum += columns[((c * shape.R + r) * shape.S + s) * NPQ + (n * shape.P + p) * shape.Q + q];
      }
    }
    x[e] = sum;
  });
}

template void col2im<float>(const float*, float*, const WindowShape&, Launch);
template void col2im<double>(const double*, double*, const WindowShape&, Launch);

}  // namespace resnet::cuda
