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
  // BEGIN SOLUTION 3.1 batchnorm2d_forward: return y (N, C, H, W) in the given mode, the cache batchnorm2d_backward needs, and the running statistics (C) after this call
  const double M = static_cast<double>(N * HW);  // values per channel
  BatchNorm2dOutput<T> out{xt::xtensor<T, 4>::from_shape(x.shape()),
                           {xt::xtensor<T, 4>::from_shape(x.shape()), xt::xtensor<T, 1>::from_shape({C}), gamma, mode},
                           running_mean,
                           running_var};
  // Channels are independent: the threads share them out.
#pragma omp parallel for
  for (std::size_t c = 0; c < C; ++c) {
    double mean = 0.0, variance = 0.0;  // of channel c: the batch's (train) or the running ones (eval)
    if (mode == BatchNormMode::train) {
      // Two passes over the channel's N planes, in double: the mean, then the squared deviations.
      for (std::size_t n = 0; n < N; ++n) {
        const T* plane = x.data() + (n * C + c) * HW;
        for (std::size_t i = 0; i < HW; ++i) mean += plane[i];
      }
      mean /= M;
      for (std::size_t n = 0; n < N; ++n) {
        const T* plane = x.data() + (n * C + c) * HW;
        for (std::size_t i = 0; i < HW; ++i) variance += (plane[i] - mean) * (plane[i] - mean);
      }
      variance /= M;  // biased: this is what normalises the batch
      const double m = settings.momentum;
      out.running_mean(c) = static_cast<T>((1.0 - m) * running_mean(c) + m * mean);
      // The running variance estimates the population's, so it takes the unbiased batch variance.
      out.running_var(c) = static_cast<T>((1.0 - m) * running_var(c) + m * variance * M / (M - 1.0));
    } else {
      mean = running_mean(c);
      variance = running_var(c);
    }
    const double inverse_std = 1.0 / std::sqrt(variance + settings.eps);
    out.cache.inverse_std(c) = static_cast<T>(inverse_std);
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t offset = (n * C + c) * HW;
      for (std::size_t i = 0; i < HW; ++i) {
        const T x_hat = static_cast<T>((x.data()[offset + i] - mean) * inverse_std);
        out.cache.x_hat.data()[offset + i] = x_hat;
        out.y.data()[offset + i] = gamma(c) * x_hat + beta(c);
      }
    }
  }
  return out;
  // END SOLUTION
}

template <class T>
BatchNorm2dGrads<T> batchnorm2d_backward(const xt::xtensor<T, 4>& dy,  // (N, C, H, W)
                                         const BatchNorm2dCache<T>& cache) {
  require_shape("batchnorm2d_backward", "dy", dy.shape(), cache.x_hat.shape());
  // BEGIN SOLUTION 3.2 batchnorm2d_backward: from dy (N, C, H, W) and the forward pass's cache, return dx (N, C, H, W), dgamma (C) and dbeta (C)
  const std::size_t N = dy.shape()[0], C = dy.shape()[1], HW = dy.shape()[2] * dy.shape()[3];
  const double M = static_cast<double>(N * HW);
  BatchNorm2dGrads<T> grads{xt::xtensor<T, 4>::from_shape(dy.shape()), xt::xtensor<T, 1>::from_shape({C}),
                            xt::xtensor<T, 1>::from_shape({C})};
#pragma omp parallel for
  for (std::size_t c = 0; c < C; ++c) {  // channels are independent: the threads share them out
    double dbeta = 0.0, dgamma = 0.0;
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t offset = (n * C + c) * HW;
      for (std::size_t i = 0; i < HW; ++i) {
        dbeta += dy.data()[offset + i];
        dgamma += dy.data()[offset + i] * cache.x_hat.data()[offset + i];
      }
    }
    grads.dbeta(c) = static_cast<T>(dbeta);
    grads.dgamma(c) = static_cast<T>(dgamma);
    const double scale = cache.gamma(c) * cache.inverse_std(c);  // gamma / sqrt(var + eps)
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t offset = (n * C + c) * HW;
      for (std::size_t i = 0; i < HW; ++i) {
        const double g = dy.data()[offset + i];
        // Train: the mean and variance depend on every x too, which removes the part of dy
        // that moves all values together (dbeta / M) or along x_hat (x_hat dgamma / M).
        grads.dx.data()[offset + i] = static_cast<T>(
            cache.mode == BatchNormMode::train ? scale * (g - dbeta / M - cache.x_hat.data()[offset + i] * dgamma / M)
                                               : scale * g);
      }
    }
  }
  return grads;
  // END SOLUTION
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
