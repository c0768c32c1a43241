// EXERCISE FILE, generated from solutions/02_convolution/im2col.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.6: im2col and col2im (see chapters/02_convolution/README.md).
#include "resnet/ops/im2col.hpp"

#include <algorithm>

#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 2> im2col(const xt::xtensor<T, 4>& x, const WindowShape& shape) {  // x: (N, C, H, W)
  require_shape("im2col", "x", x.shape(), shape.input_shape());
  // BEGIN EXERCISE 2.6: replace the next line with your code (./course hint 2.6)
  todo("2.6", "im2col: x (N, C, H, W) -> columns (C*R*S, N*P*Q): row (c, r, s) holds what kernel entry (c, r, s) sees in window (n, p, q), 0 where it sees padding; both in row-major order");
  // END EXERCISE 2.6
}

template <class T>
xt::xtensor<T, 4> col2im(const xt::xtensor<T, 2>& columns, const WindowShape& shape) {
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;
  const std::size_t R = shape.R, S = shape.S, P = shape.P, Q = shape.Q;
  require_shape("col2im", "columns", columns.shape(), std::array<std::size_t, 2>{C * R * S, N * P * Q});
  // BEGIN EXERCISE 2.6: replace the next line with your code (./course hint 2.6)
  todo("2.6", "col2im: columns (C*R*S, N*P*Q) -> (N, C, H, W), the adjoint of im2col: every entry added into the input position im2col copied it from");
  // END EXERCISE 2.6
}

template xt::xtensor<float, 2> im2col(const xt::xtensor<float, 4>&, const WindowShape&);
template xt::xtensor<double, 2> im2col(const xt::xtensor<double, 4>&, const WindowShape&);
template xt::xtensor<float, 4> col2im(const xt::xtensor<float, 2>&, const WindowShape&);
template xt::xtensor<double, 4> col2im(const xt::xtensor<double, 2>&, const WindowShape&);

}  // namespace resnet
