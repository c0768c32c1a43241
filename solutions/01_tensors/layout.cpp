// Chapter 1, task 1.2: NCHW <-> NHWC (see chapters/01_tensors/README.md).
#include "resnet/ops/layout.hpp"

#include <cstdint>

#include <xtensor/xmanipulation.hpp>

#include "resnet/exercise.hpp"

namespace resnet {

template <class T>
xt::xtensor<T, 4> nchw_to_nhwc(const xt::xtensor<T, 4>& x) {  // x: (N, C, H, W)
  // BEGIN SOLUTION 1.2 nchw_to_nhwc: x (N, C, H, W) -> a new (N, H, W, C) tensor y with y(n, h, w, c) = x(n, c, h, w)
  // xt::transpose returns a lazy view with permuted strides; assigning it to an
  // xtensor copies the values into the new (N, H, W, C) row-major order.
  xt::xtensor<T, 4> y = xt::transpose(x, {0, 2, 3, 1});
  return y;
  // END SOLUTION
}

template <class T>
xt::xtensor<T, 4> nhwc_to_nchw(const xt::xtensor<T, 4>& x) {  // x: (N, H, W, C)
  // BEGIN SOLUTION 1.2 nhwc_to_nchw: x (N, H, W, C) -> a new (N, C, H, W) tensor, the inverse of nchw_to_nhwc
  xt::xtensor<T, 4> y = xt::transpose(x, {0, 3, 1, 2});
  return y;
  // END SOLUTION
}

template xt::xtensor<float, 4> nchw_to_nhwc(const xt::xtensor<float, 4>&);
template xt::xtensor<double, 4> nchw_to_nhwc(const xt::xtensor<double, 4>&);
template xt::xtensor<std::uint8_t, 4> nchw_to_nhwc(const xt::xtensor<std::uint8_t, 4>&);
template xt::xtensor<float, 4> nhwc_to_nchw(const xt::xtensor<float, 4>&);
template xt::xtensor<double, 4> nhwc_to_nchw(const xt::xtensor<double, 4>&);
template xt::xtensor<std::uint8_t, 4> nhwc_to_nchw(const xt::xtensor<std::uint8_t, 4>&);

}  // namespace resnet
