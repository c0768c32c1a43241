// EXERCISE FILE, generated from solutions/02_convolution/conv2d_direct.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 2, task 2.5: convolution by its definition (see chapters/02_convolution/README.md).
#include "resnet/ops/conv2d_direct.hpp"

#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
Conv2dOutput<T> conv2d_direct_forward(const xt::xtensor<T, 4>& x,       // (N, C, H, W)
                                      const xt::xtensor<T, 4>& weight,  // (K, C, R, S)
                                      const OptionalBias<T>& bias,      // (K)
                                      std::size_t stride, std::size_t padding) {
  const WindowShape shape = conv2d_shape("conv2d_direct_forward", x.shape(), weight.shape(), stride, padding);
  if (bias) require_shape("conv2d_direct_forward", "bias", bias->shape(), std::array<std::size_t, 1>{shape.K});
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;  // input
  const std::size_t K = shape.K, R = shape.R, S = shape.S;               // filters
  const std::size_t P = shape.P, Q = shape.Q;                            // output
  // BEGIN EXERCISE 2.5: replace the next line with your code (./course hint 2.5)
  todo("2.5", "conv2d_direct_forward: x (N, C, H, W), weight (K, C, R, S), optional bias (K) -> {y (N, K, P, Q), cache}, as torch.nn.functional.conv2d, by its definition");
  // END EXERCISE 2.5
}

template <class T>
Conv2dGrads<T> conv2d_direct_backward(const xt::xtensor<T, 4>& dy,  // (N, K, P, Q)
                                      const Conv2dCache<T>& cache) {
  const WindowShape& shape = cache.shape;
  require_shape("conv2d_direct_backward", "dy", dy.shape(), shape.output_shape());
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W;  // input
  const std::size_t K = shape.K, R = shape.R, S = shape.S;               // filters
  const std::size_t P = shape.P, Q = shape.Q;                            // output
  const std::size_t stride = shape.stride, padding = shape.padding;
  // BEGIN EXERCISE 2.5: replace the next line with your code (./course hint 2.5)
  todo("2.5", "conv2d_direct_backward: dy (N, K, P, Q) and the forward's cache -> {dx (N, C, H, W), dweight (K, C, R, S), dbias (K; empty without a bias)}, by the definition");
  // END EXERCISE 2.5
}

template Conv2dOutput<float> conv2d_direct_forward(const xt::xtensor<float, 4>&, const xt::xtensor<float, 4>&,
                                                   const std::optional<xt::xtensor<float, 1>>&, std::size_t,
                                                   std::size_t);
template Conv2dOutput<double> conv2d_direct_forward(const xt::xtensor<double, 4>&, const xt::xtensor<double, 4>&,
                                                    const std::optional<xt::xtensor<double, 1>>&, std::size_t,
                                                    std::size_t);
template Conv2dGrads<float> conv2d_direct_backward(const xt::xtensor<float, 4>&, const Conv2dCache<float>&);
template Conv2dGrads<double> conv2d_direct_backward(const xt::xtensor<double, 4>&, const Conv2dCache<double>&);

}  // namespace resnet
