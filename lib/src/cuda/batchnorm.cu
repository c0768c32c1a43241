// The GPU twin of chapter 3's batch norm. The per-channel sums go through the reduction
// of task 6.2 (channel_sums, channel_mean_variance); everything else is one thread per
// channel (the statistics) or one thread per value (normalise, the gradient), so the
// whole layer also runs under host emulation and is checked on the CPU.
#include <cmath>

#include "resnet/cuda/kernels.hpp"

namespace resnet::cuda {

namespace {

// One thread per channel: the statistics this call normalises with, and in train mode the
// running statistics moved towards the batch's (with the unbiased variance, as PyTorch):
//   train: mean, variance = the batch's (already in `mean`, `variance`);
//          running_mean = (1 - m) running_mean + m mean,
//          running_var  = (1 - m) running_var  + m variance M / (M - 1)
//   eval:  mean = running_mean, variance = running_var
//   both:  inverse_std = 1 / sqrt(variance + eps)
// Computed in double, as the CPU op does, and rounded once.
template <class T>
void batchnorm_statistics(const BatchNormArrays<T>& a, std::size_t C, double M, bool training, double eps,
                          double momentum, Launch where) {
  const BatchNormArrays<T> arrays = a;
  launch("batchnorm_statistics", grid_1d(C, 64), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t c = t.global_x();
    if (c >= C) return;
    double variance = 0.0;
    if (training) {
      const double batch_mean = arrays.mean[c];
      variance = arrays.variance[c];
      arrays.running_mean[c] = static_cast<T>((1.0 - momentum) * arrays.running_mean[c] + momentum * batch_mean);
      arrays.running_var[c] =
          static_cast<T>((1.0 - momentum) * arrays.running_var[c] + momentum * variance * M / (M - 1.0));
    } else {
      arrays.mean[c] = arrays.running_mean[c];
      variance = arrays.running_var[c];
    }
    arrays.inverse_std[c] = static_cast<T>(1.0 / sqrt(variance + eps));
  });
}

}  // namespace

template <class T>
void batchnorm2d_forward(const BatchNormArrays<T>& arrays, std::size_t N, std::size_t C, std::size_t HW, bool training,
                         double eps, double momentum, Launch where) {
  const std::size_t values = N * C * HW;
  if (values == 0) return;
  // The normalisation's index arithmetic in 32 bits: checked before any kernel runs.
  const Index32 plane = index32(HW, "batchnorm2d_forward"), channels = index32(C, "batchnorm2d_forward");
  index32(values, "batchnorm2d_forward");
  if (training) channel_mean_variance(arrays.x, arrays.mean, arrays.variance, N, C, HW, where);
  batchnorm_statistics(arrays, C, static_cast<double>(N * HW), training, eps, momentum, where);
  // x_hat = (x - mean_c) inverse_std_c and y = gamma_c x_hat + beta_c, one thread per value.
  const T* x = arrays.x;
  const T *mean = arrays.mean, *inverse_std = arrays.inverse_std, *gamma = arrays.gamma, *beta = arrays.beta;
  T *x_hat = arrays.x_hat, *y = arrays.y;
  launch("batchnorm2d_normalize", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 c = e / plane % channels;  // in 32 bits (Index32)
    const T normalized = (x[e] - mean[c]) * inverse_std[c];
    x_hat[e] = normalized;
    y[e] = gamma[c] * normalized + beta[c];
  });
}

template <class T>
void batchnorm2d_backward(const T* dy, const T* x_hat, const T* gamma, const T* inverse_std, T* dx, T* dgamma, T* dbeta,
                          std::size_t N, std::size_t C, std::size_t HW, bool training, Launch where) {
  const std::size_t values = N * C * HW;
  if (values == 0) return;
  const Index32 plane = index32(HW, "batchnorm2d_backward"), channels = index32(C, "batchnorm2d_backward");
  index32(values, "batchnorm2d_backward");
  // dbeta_c = sum dy and dgamma_c = sum dy x_hat. dx holds the products for the second
  // sum: it is the right size and is overwritten below.
  channel_sums(dy, dbeta, N, C, HW, where);
  launch("batchnorm2d_dy_times_x_hat", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e < values) dx[e] = dy[e] * x_hat[e];
  });
  channel_sums(dx, dgamma, N, C, HW, where);
  // train: dx = gamma_c inverse_std_c (dy - dbeta_c / M - x_hat dgamma_c / M)
  // eval:  dx = gamma_c inverse_std_c dy (the statistics are constants)
  const T one_over_m = T(1) / static_cast<T>(N * HW);
  launch("batchnorm2d_dx", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    if (t.global_x() >= values) return;
    const Index32 e = static_cast<Index32>(t.global_x());
    const Index32 c = e / plane % channels;
    const T scale_c = gamma[c] * inverse_std[c];
    dx[e] = training ? scale_c * (dy[e] - dbeta[c] * one_over_m - x_hat[e] * dgamma[c] * one_over_m) : scale_c * dy[e];
  });
}

template void batchnorm2d_forward<float>(const BatchNormArrays<float>&, std::size_t, std::size_t, std::size_t, bool,
                                         double, double, Launch);
template void batchnorm2d_forward<double>(const BatchNormArrays<double>&, std::size_t, std::size_t, std::size_t, bool,
                                          double, double, Launch);
template void batchnorm2d_backward<float>(const float*, const float*, const float*, const float*, float*, float*,
                                          float*, std::size_t, std::size_t, std::size_t, bool, Launch);
template void batchnorm2d_backward<double>(const double*, const double*, const double*, const double*, double*, double*,
                                           double*, std::size_t, std::size_t, std::size_t, bool, Launch);

}  // namespace resnet::cuda
