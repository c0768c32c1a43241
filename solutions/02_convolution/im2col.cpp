// Chapter 2, task 2.6: im2col and col2im (see chapters/02_convolution/README.md).
#include "resnet/ops/im2col.hpp"

#include <algorithm>

#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 2> im2col(const xt::xtensor<T, 4>& x, const WindowShape& shape) {  // x: (N, C, H, W)
  require_shape("im2col", "x", x.shape(), shape.input_shape());
  // BEGIN SOLUTION 2.6 im2col: x (N, C, H, W) -> columns (C*R*S, N*P*Q): row (c, r, s) holds what kernel entry (c, r, s) sees in window (n, p, q), 0 where it sees padding; both in row-major order
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;
  const std::size_t R = shape.R, S = shape.S, P = shape.P, Q = shape.Q;
  const std::size_t stride = shape.stride, pad = shape.padding;
  // Every entry is written below (a copy or an explicit 0), so skip zero-filling first.
  xt::xtensor<T, 2> columns = xt::xtensor<T, 2>::from_shape({C * R * S, N * P * Q});
  // One row of the matrix per (c, r, s): what that kernel entry sees in every window.
  // Rows of different channels are independent: the threads share them out.
#pragma omp parallel for
  for (std::size_t c = 0; c < C; ++c) {
    for (std::size_t r = 0; r < R; ++r) {
      const OutputRange rows = outputs_inside(H, P, r, stride, pad);  // p whose input row is real
      for (std::size_t s = 0; s < S; ++s) {
        const OutputRange cols = outputs_inside(W, Q, s, stride, pad);  // q whose input column is real
        T* row = columns.data() + ((c * R + r) * S + s) * (N * P * Q);
        for (std::size_t n = 0; n < N; ++n) {
          const T* plane = x.data() + (n * C + c) * H * W;  // image n, channel c
          for (std::size_t p = 0; p < P; ++p) {
            T* out = row + (n * P + p) * Q;
            if (p < rows.first || p >= rows.last) {  // this window row lies in the padding
              std::fill(out, out + Q, T(0));
              continue;
            }
            const T* in = plane + (p * stride + r - pad) * W;  // input row h = p stride + r - pad
            std::fill(out, out + cols.first, T(0));
            for (std::size_t q = cols.first; q < cols.last; ++q) out[q] = in[q * stride + s - pad];
            std::fill(out + cols.last, out + Q, T(0));
          }
        }
      }
    }
  }
  return columns;
  // END SOLUTION
}

template <class T>
xt::xtensor<T, 4> col2im(const xt::xtensor<T, 2>& columns, const WindowShape& shape) {
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;
  const std::size_t R = shape.R, S = shape.S, P = shape.P, Q = shape.Q;
  require_shape("col2im", "columns", columns.shape(), std::array<std::size_t, 2>{C * R * S, N * P * Q});
  // BEGIN SOLUTION 2.6 col2im: columns (C*R*S, N*P*Q) -> (N, C, H, W), the adjoint of im2col: every entry added into the input position im2col copied it from
  const std::size_t stride = shape.stride, pad = shape.padding;
  xt::xtensor<T, 4> x = xt::zeros<T>(shape.input_shape());
  // Threads take whole channels: rows (c, r, s) only ever add into channel c of x, so no
  // two threads write the same place.
#pragma omp parallel for
  for (std::size_t c = 0; c < C; ++c) {
    for (std::size_t r = 0; r < R; ++r) {
      const OutputRange rows = outputs_inside(H, P, r, stride, pad);
      for (std::size_t s = 0; s < S; ++s) {
        const OutputRange cols = outputs_inside(W, Q, s, stride, pad);
        const T* row = columns.data() + ((c * R + r) * S + s) * (N * P * Q);
        for (std::size_t n = 0; n < N; ++n) {
          T* plane = x.data() + (n * C + c) * H * W;
          for (std::size_t p = rows.first; p < rows.last; ++p) {
            const T* in = row + (n * P + p) * Q;
            T* out = plane + (p * stride + r - pad) * W;
            // +=, not =: overlapping windows all contribute to the same input position.
            for (std::size_t q = cols.first; q < cols.last; ++q) out[q * stride + s - pad] += in[q];
          }
        }
      }
    }
  }
  return x;
  // END SOLUTION
}

template xt::xtensor<float, 2> im2col(const xt::xtensor<float, 4>&, const WindowShape&);
template xt::xtensor<double, 2> im2col(const xt::xtensor<double, 4>&, const WindowShape&);
template xt::xtensor<float, 4> col2im(const xt::xtensor<float, 2>&, const WindowShape&);
template xt::xtensor<double, 4> col2im(const xt::xtensor<double, 2>&, const WindowShape&);

}  // namespace resnet
