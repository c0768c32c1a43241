// Chapter 2, task 2.8: max pooling (see chapters/02_convolution/README.md).
#include "resnet/ops/max_pool2d.hpp"

#include <cmath>
#include <limits>

#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
MaxPool2dOutput<T> max_pool2d_forward(const xt::xtensor<T, 4>& x,  // (N, C, H, W)
                                      std::size_t kernel, std::size_t stride, std::size_t padding) {
  const WindowShape shape = pool2d_shape("max_pool2d_forward", x.shape(), kernel, stride, padding);
  // BEGIN SOLUTION 2.8 max_pool2d_forward: x (N, C, H, W) -> {y (N, C, P, Q), as torch's max_pool2d (padding never wins, the first of equal maxima, NaN wins); cache.argmax (N, C, P, Q), each maximum's h*W + w}
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W, P = shape.P, Q = shape.Q;
  const long pad = static_cast<long>(padding);
  xt::xtensor<T, 4> y = xt::xtensor<T, 4>::from_shape(shape.output_shape());
  xt::xtensor<std::size_t, 4> argmax = xt::xtensor<std::size_t, 4>::from_shape(shape.output_shape());
#pragma omp parallel for  // images are independent: the threads share them out
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t c = 0; c < C; ++c) {
      const T* plane = x.data() + (n * C + c) * H * W;
      for (std::size_t p = 0; p < P; ++p) {
        for (std::size_t q = 0; q < Q; ++q) {
          // Padding is -infinity: simply never look at it. pool2d_shape() guarantees that
          // every window holds at least one real input.
          T best = -std::numeric_limits<T>::infinity();
          std::size_t best_index = 0;
          bool found = false;
          for (std::size_t r = 0; r < kernel; ++r) {
            const long h = static_cast<long>(p * stride + r) - pad;
            if (h < 0 || h >= static_cast<long>(H)) continue;
            for (std::size_t s = 0; s < kernel; ++s) {
              const long w = static_cast<long>(q * stride + s) - pad;
              if (w < 0 || w >= static_cast<long>(W)) continue;
              const std::size_t index = static_cast<std::size_t>(h) * W + static_cast<std::size_t>(w);
              const T value = plane[index];
              // Strictly greater keeps the first of equal maxima; a NaN takes over (the last
              // NaN of the window wins), exactly as PyTorch's CPU kernel decides.
              if (!found || value > best || std::isnan(value)) {
                best = value;
                best_index = index;
                found = true;
              }
            }
          }
          y(n, c, p, q) = best;
          argmax(n, c, p, q) = best_index;
        }
      }
    }
  }
  return {std::move(y), {std::move(argmax), shape}};  // moved: a braced return would copy
  // END SOLUTION
}

template <class T>
MaxPool2dGrads<T> max_pool2d_backward(const xt::xtensor<T, 4>& dy,  // (N, C, P, Q)
                                      const MaxPool2dCache& cache) {
  const WindowShape& shape = cache.shape;
  require_shape("max_pool2d_backward", "dy", dy.shape(), shape.output_shape());
  // BEGIN SOLUTION 2.8 max_pool2d_backward: dy (N, C, P, Q) and the forward's cache -> {dx (N, C, H, W)}, the gradient of max-pooling
  const std::size_t N = shape.N, C = shape.C, H = shape.H, W = shape.W, P = shape.P, Q = shape.Q;
  xt::xtensor<T, 4> dx = xt::zeros<T>(shape.input_shape());
#pragma omp parallel for  // each image's windows add only into that image
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t c = 0; c < C; ++c) {
      T* plane = dx.data() + (n * C + c) * H * W;
      for (std::size_t p = 0; p < P; ++p) {
        for (std::size_t q = 0; q < Q; ++q) plane[cache.argmax(n, c, p, q)] += dy(n, c, p, q);
      }
    }
  }
  return {std::move(dx)};
  // END SOLUTION
}

template MaxPool2dOutput<float> max_pool2d_forward(const xt::xtensor<float, 4>&, std::size_t, std::size_t, std::size_t);
template MaxPool2dOutput<double> max_pool2d_forward(const xt::xtensor<double, 4>&, std::size_t, std::size_t,
                                                    std::size_t);
template MaxPool2dGrads<float> max_pool2d_backward(const xt::xtensor<float, 4>&, const MaxPool2dCache&);
template MaxPool2dGrads<double> max_pool2d_backward(const xt::xtensor<double, 4>&, const MaxPool2dCache&);

}  // namespace resnet
