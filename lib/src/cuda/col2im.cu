// col2im, the adjoint of task 6.5's im2col: one thread per input value, gathering what the
// windows that cover it hold (no atomics, the same order of additions as the CPU op).
#include "resnet/cuda/kernels.hpp"
#include "window_ranges.hpp"

namespace resnet::cuda {

template <class T>
void col2im(const T* columns, T* x, const WindowShape& shape, Launch where) {
  const std::size_t values = shape.N * shape.C * shape.H * shape.W;
  if (values == 0) return;
  const WindowShape32 s32 = window_shape32(shape, "col2im");  // indices divided in 32 bits
  const std::size_t NPQ = shape.N * shape.P * shape.Q;
  launch("col2im", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 w = e % s32.W, h = e / s32.W % s32.H, c = e / (s32.H * s32.W) % s32.C,
                  n = e / (s32.C * s32.H * s32.W);
    // Input (h, w) was copied into window (p, q) at kernel offset (r, s) = (h + pad - p
    // stride, w + pad - q stride), for every window that covers it. The CPU adds the
    // rows (c, r, s) in increasing order; r falls as p rises, so walk p and q downwards.
    T sum = T(0);
    const Index32 hp = h + s32.padding, wp = w + s32.padding;
    const Index32 p_first = first_window(hp, s32.R, s32.stride), p_end = end_window(hp, s32.stride, s32.P);
    const Index32 q_first = first_window(wp, s32.S, s32.stride), q_end = end_window(wp, s32.stride, s32.Q);
    for (Index32 p = p_end; p-- > p_first;) {
      const Index32 r = hp - p * s32.stride;
      for (Index32 q = q_end; q-- > q_first;) {
        const Index32 s = wp - q * s32.stride;
        const std::size_t row = (c * s32.R + r) * s32.S + s, column = (n * s32.P + p) * s32.Q + q;
        sum += columns[row * NPQ + column];  // the product in 64 bits: columns has C R S N P Q values
      }
    }
    x[e] = sum;
  });
}

template void col2im<float>(const float*, float*, const WindowShape&, Launch);
template void col2im<double>(const double*, double*, const WindowShape&, Launch);

}  // namespace resnet::cuda
