// EXERCISE FILE, generated from solutions/03_batchnorm/batchnorm2d.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 3, tasks 3.1 and 3.2: batch normalization (see chapters/03_batchnorm/README.md).
#include "resnet/ops/batchnorm2d.hpp"

#include <cmath>
#include <string>

#include "resnet/error.hpp"
#include "resnet/exercise.hpp"
#include "resnet/shape.hpp"

namespace resnet {

template <class T>
BatchNorm2dOutput<T> batchnorm2d_forward(const xt::xtensor<T, 4>& x,             // (N, C, H, W)
                                         const xt::xtensor<T, 1>& gamma,         // (C)
                                         const xt::xtensor<T, 1>& beta,          // (C)
                                         const xt::xtensor<T, 1>& running_mean,  // (C)
                                         const xt::xtensor<T, 1>& running_var,   // (C)
                                         BatchNormMode mode, const BatchNormSettings<T>& settings) {
  const std::size_t N = x.shape()[0], C = x.shape()[1], HW = x.shape()[2] * x.shape()[3];
  const std::array<std::size_t, 1> channels{C};
  if (gamma.size() != C) {
    throw ShapeError("batchnorm2d_forward: x has " + std::to_string(C) + " channels (shape " + format_shape(x.shape()) +
                     ") but gamma has shape " + format_shape(gamma.shape()));
  }
  require_shape("batchnorm2d_forward", "gamma", gamma.shape(), channels);
  require_shape("batchnorm2d_forward", "beta", beta.shape(), channels);
  require_shape("batchnorm2d_forward", "running_mean", running_mean.shape(), channels);
  require_shape("batchnorm2d_forward", "running_var", running_var.shape(), channels);
  if (mode == BatchNormMode::train && N * HW < 2) {
    throw ShapeError(
        "batchnorm2d_forward: expected more than 1 value per channel when training, "
        "got x of shape " +
        format_shape(x.shape()));
  }
  // BEGIN EXERCISE 3.1: replace the next line with your code (./course hint 3.1)
  todo("3.1", "batchnorm2d_forward: return y (N, C, H, W) in the given mode, the cache batchnorm2d_backward needs, and the running statistics (C) after this call");
  // END EXERCISE 3.1
}

template <class T>
BatchNorm2dGrads<T> batchnorm2d_backward(const xt::xtensor<T, 4>& dy,  // (N, C, H, W)
                                         const BatchNorm2dCache<T>& cache) {
  require_shape("batchnorm2d_backward", "dy", dy.shape(), cache.x_hat.shape());
  // BEGIN EXERCISE 3.2: replace the next line with your code (./course hint 3.2)
  todo("3.2", "batchnorm2d_backward: from dy (N, C, H, W) and the forward pass's cache, return dx (N, C, H, W), dgamma (C) and dbeta (C)");
  // END EXERCISE 3.2
}

template BatchNorm2dOutput<float> batchnorm2d_forward(const xt::xtensor<float, 4>&, const xt::xtensor<float, 1>&,
                                                      const xt::xtensor<float, 1>&, const xt::xtensor<float, 1>&,
                                                      const xt::xtensor<float, 1>&, BatchNormMode,
                                                      const BatchNormSettings<float>&);
template BatchNorm2dOutput<double> batchnorm2d_forward(const xt::xtensor<double, 4>&, const xt::xtensor<double, 1>&,
                                                       const xt::xtensor<double, 1>&, const xt::xtensor<double, 1>&,
                                                       const xt::xtensor<double, 1>&, BatchNormMode,
                                                       const BatchNormSettings<double>&);
template BatchNorm2dGrads<float> batchnorm2d_backward(const xt::xtensor<float, 4>&, const BatchNorm2dCache<float>&);
template BatchNorm2dGrads<double> batchnorm2d_backward(const xt::xtensor<double, 4>&, const BatchNorm2dCache<double>&);

}  // namespace resnet
