// The library's fused batch norm + (residual add) + ReLU (resnet/cpu/batchnorm_relu.hpp).
// Channels are independent in every step: the threads share them out, and each channel's
// values are its N planes of H W floats.
#include "resnet/cpu/batchnorm_relu.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "resnet/error.hpp"
#include "resnet/shape.hpp"

namespace resnet::cpu {

namespace {

// Where channel c's plane of image n starts.
std::size_t plane_start(const std::array<std::size_t, 4>& shape, std::size_t n, std::size_t c) {
  return (n * shape[1] + c) * shape[2] * shape[3];
}

// The batch mean and biased variance of channel c, summed in double in one pass:
// var = E[x^2] - mean^2. In double the cancellation costs nothing that float would see
// unless |mean| / std exceeds about 10^4, far beyond a convolution's outputs. `omp simd`
// lets the compiler keep one partial sum per vector lane (it may reorder a sum it is told
// is a reduction, which it must not do on its own).
void channel_statistics(const xt::xtensor<float, 4>& x, std::size_t c, double& mean, double& variance) {
  const auto& shape = x.shape();
  const std::size_t plane = shape[2] * shape[3];
  double sum = 0.0, sum_of_squares = 0.0;
  for (std::size_t n = 0; n < shape[0]; ++n) {
    const float* values = x.data() + plane_start(shape, n, c);
#pragma omp simd reduction(+ : sum, sum_of_squares)
    for (std::size_t i = 0; i < plane; ++i) {
      sum += values[i];
      sum_of_squares += static_cast<double>(values[i]) * values[i];
    }
  }
  const double count = static_cast<double>(shape[0] * plane);
  mean = sum / count;
  variance = std::max(0.0, sum_of_squares / count - mean * mean);
}

// One channel's normalisation: z = gamma (x - shift) inverse_std + beta (+ residual).
struct PlaneTransform {
  float shift, inverse_std, gamma, beta;
};

// y = max(z, 0) for one plane of `count` values; with KeepCache, also x_hat and whether
// z > 0. KeepCache is a template argument and the residual chooses between two loops, so
// that neither loop has a branch and the compiler vectorises both.
template <bool KeepCache>
void normalise_plane(const PlaneTransform& t, const float* in, const float* added, std::size_t count, float* y,
                     float* x_hat, std::uint8_t* active) {
  if (added == nullptr) {
    for (std::size_t i = 0; i < count; ++i) {
      const float normalised = (in[i] - t.shift) * t.inverse_std;
      const float z = t.gamma * normalised + t.beta;
      y[i] = z > 0.0f ? z : 0.0f;
      if constexpr (KeepCache) {
        x_hat[i] = normalised;
        active[i] = z > 0.0f;
      }
    }
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const float normalised = (in[i] - t.shift) * t.inverse_std;
    const float z = t.gamma * normalised + t.beta + added[i];
    y[i] = z > 0.0f ? z : 0.0f;
    if constexpr (KeepCache) {
      x_hat[i] = normalised;
      active[i] = z > 0.0f;
    }
  }
}

// The ReLU's mask of one channel's `count` values, one byte per value (0 or 1), into bits:
// value i is bit i % 8 of bits[i / 8]. Whole bytes first (a fixed loop of 8 the compiler
// unrolls), then the last, partial one.
void pack_mask(const std::uint8_t* active, std::size_t count, std::uint8_t* bits) {
  const std::size_t whole = count / 8;
  for (std::size_t byte = 0; byte < whole; ++byte) {
    unsigned packed = 0;
    for (unsigned k = 0; k < 8; ++k) packed |= static_cast<unsigned>(active[8 * byte + k]) << k;
    bits[byte] = static_cast<std::uint8_t>(packed);
  }
  if (count % 8 != 0) {
    unsigned packed = 0;
    for (std::size_t i = 8 * whole; i < count; ++i) packed |= static_cast<unsigned>(active[i]) << (i % 8);
    bits[whole] = static_cast<std::uint8_t>(packed);
  }
}

// The reverse of pack_mask().
void unpack_mask(const std::uint8_t* bits, std::size_t count, std::uint8_t* active) {
  const std::size_t whole = count / 8;
  for (std::size_t byte = 0; byte < whole; ++byte) {
    const unsigned packed = bits[byte];
    for (unsigned k = 0; k < 8; ++k) active[8 * byte + k] = (packed & (1u << k)) != 0;
  }
  for (std::size_t i = 8 * whole; i < count; ++i) active[i] = static_cast<std::uint8_t>((bits[whole] >> (i % 8)) & 1u);
}

// The channel sums of the backward pass: sum g_z and sum g_z x_hat, in double.
struct MaskedSums {
  double g = 0.0, g_x_hat = 0.0;
};

// Adds one plane's g_z = g [active] and g_z x_hat to `sums`. g is loaded whatever the mask
// says, so that the select needs no branch (a branch on the ReLU's mask is mispredicted
// about half the time) and the loop vectorises. Each block of kSumBlock values is summed in
// float with one partial sum per vector lane (`omp simd` allows the reordering), then added
// to the double totals. On 4 SSE lanes that is 64 values per lane (256 unvectorised), too
// few for float rounding to show in a float gradient; summing in double lanes instead ran
// 3x slower.
void add_masked_sums(const float* g, const float* x_hat, const std::uint8_t* active, std::size_t count,
                     MaskedSums& sums) {
  constexpr std::size_t kSumBlock = 256;
  for (std::size_t begin = 0; begin < count; begin += kSumBlock) {
    const std::size_t end = std::min(count, begin + kSumBlock);
    float block_g = 0.0f, block_g_x_hat = 0.0f;
#pragma omp simd reduction(+ : block_g, block_g_x_hat)
    for (std::size_t i = begin; i < end; ++i) {
      const float g_i = g[i];
      const float g_z = active[i] != 0 ? g_i : 0.0f;
      block_g += g_z;
      block_g_x_hat += g_z * x_hat[i];
    }
    sums.g += block_g;
    sums.g_x_hat += block_g_x_hat;
  }
}

// One channel's input gradient: dx = scale (g_z - mean_g - x_hat mean_g_x_hat).
struct InputGradient {
  float scale, mean_g, mean_g_x_hat;
};

// dx (and dresidual = g_z, when not null) for one plane of `count` values, without a
// branch in either loop, as in normalise_plane.
void input_gradient_plane(const InputGradient& t, const float* g, const float* x_hat, const std::uint8_t* active,
                          std::size_t count, float* dx, float* dresidual) {
  if (dresidual == nullptr) {
    for (std::size_t i = 0; i < count; ++i) {
      const float g_i = g[i];  // loaded whatever the mask says, so the select needs no branch
      const float g_z = active[i] != 0 ? g_i : 0.0f;
      dx[i] = t.scale * (g_z - t.mean_g - x_hat[i] * t.mean_g_x_hat);
    }
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const float g_i = g[i];
    const float g_z = active[i] != 0 ? g_i : 0.0f;
    dx[i] = t.scale * (g_z - t.mean_g - x_hat[i] * t.mean_g_x_hat);
    dresidual[i] = g_z;
  }
}

void check_shapes(const xt::xtensor<float, 4>& x, const xt::xtensor<float, 1>& gamma, const xt::xtensor<float, 1>& beta,
                  const xt::xtensor<float, 1>& running_mean, const xt::xtensor<float, 1>& running_var,
                  const BatchNormReluSettings& settings, const xt::xtensor<float, 4>* residual) {
  const char* op = "cpu::batchnorm_relu_forward";
  const std::array<std::size_t, 1> channels{x.shape()[1]};
  require_shape(op, "gamma", gamma.shape(), channels);
  require_shape(op, "beta", beta.shape(), channels);
  require_shape(op, "running_mean", running_mean.shape(), channels);
  require_shape(op, "running_var", running_var.shape(), channels);
  if (residual != nullptr) require_shape(op, "residual", residual->shape(), x.shape());
  if (settings.training && x.shape()[0] * x.shape()[2] * x.shape()[3] < 2) {
    throw ShapeError(std::string(op) + ": expected more than 1 value per channel when training, got x of shape " +
                     format_shape(x.shape()));
  }
}

}  // namespace

BatchNormReluOutput batchnorm_relu_forward(const xt::xtensor<float, 4>& x,             // (N, C, H, W)
                                           const xt::xtensor<float, 1>& gamma,         // (C)
                                           const xt::xtensor<float, 1>& beta,          // (C)
                                           const xt::xtensor<float, 1>& running_mean,  // (C)
                                           const xt::xtensor<float, 1>& running_var,   // (C)
                                           const BatchNormReluSettings& settings,
                                           const xt::xtensor<float, 4>* residual) {  // (N, C, H, W) or null
  check_shapes(x, gamma, beta, running_mean, running_var, settings, residual);
  const auto& shape = x.shape();
  const std::size_t N = shape[0], C = shape[1], plane = shape[2] * shape[3];
  BatchNormReluOutput out{xt::xtensor<float, 4>::from_shape(shape), running_mean, running_var, std::nullopt};
  const std::size_t bytes_per_channel = (N * plane + 7) / 8;
  if (settings.training) {
    out.cache = BatchNormReluCache{xt::xtensor<float, 4>::from_shape(shape),
                                   std::vector<std::uint8_t>(C * bytes_per_channel),
                                   bytes_per_channel,
                                   xt::xtensor<float, 1>::from_shape({C}),
                                   gamma,
                                   residual != nullptr};
  }
#pragma omp parallel for
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<std::uint8_t> active(out.cache ? N * plane : 0);  // the channel's mask, a byte per value
    double mean = running_mean(c), variance = running_var(c);
    if (settings.training) {
      channel_statistics(x, c, mean, variance);
      const double m = settings.momentum, count = static_cast<double>(N * plane);
      out.running_mean(c) = static_cast<float>((1.0 - m) * running_mean(c) + m * mean);
      out.running_var(c) = static_cast<float>((1.0 - m) * running_var(c) + m * variance * count / (count - 1.0));
    }
    const float inverse_std = static_cast<float>(1.0 / std::sqrt(variance + settings.eps));
    const float shift = static_cast<float>(mean);
    if (out.cache) out.cache->inverse_std(c) = inverse_std;
    const PlaneTransform transform{shift, inverse_std, gamma(c), beta(c)};
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t start = plane_start(shape, n, c);
      const float* added = residual != nullptr ? residual->data() + start : nullptr;
      if (out.cache) {
        normalise_plane<true>(transform, x.data() + start, added, plane, out.y.data() + start,
                              out.cache->x_hat.data() + start, active.data() + n * plane);
      } else {
        normalise_plane<false>(transform, x.data() + start, added, plane, out.y.data() + start, nullptr, nullptr);
      }
    }
    if (out.cache) pack_mask(active.data(), N * plane, out.cache->active_bits.data() + c * bytes_per_channel);
  }
  return out;
}

BatchNormReluGrads batchnorm_relu_backward(const xt::xtensor<float, 4>& dy,  // (N, C, H, W)
                                           const BatchNormReluCache& cache) {
  require_shape("cpu::batchnorm_relu_backward", "dy", dy.shape(), cache.x_hat.shape());
  const auto& shape = dy.shape();
  const std::size_t N = shape[0], C = shape[1], plane = shape[2] * shape[3];
  if (cache.bytes_per_channel != (N * plane + 7) / 8 || cache.active_bits.size() != C * cache.bytes_per_channel) {
    throw ShapeError("cpu::batchnorm_relu_backward: the cache's mask does not fit x_hat of shape " +
                     format_shape(shape));
  }
  const double count = static_cast<double>(N * plane);
  BatchNormReluGrads grads{xt::xtensor<float, 4>::from_shape(shape),
                           cache.has_residual ? xt::xtensor<float, 4>::from_shape(shape) : xt::xtensor<float, 4>(),
                           xt::xtensor<float, 1>::from_shape({C}), xt::xtensor<float, 1>::from_shape({C})};
#pragma omp parallel for
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<std::uint8_t> active(N * plane);  // the channel's mask, a byte per value
    unpack_mask(cache.active_bits.data() + c * cache.bytes_per_channel, N * plane, active.data());
    // First pass: the sums over the channel of the masked gradient g_z and of g_z x_hat.
    MaskedSums sums;
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t start = plane_start(shape, n, c);
      add_masked_sums(dy.data() + start, cache.x_hat.data() + start, active.data() + n * plane, plane, sums);
    }
    grads.dbeta(c) = static_cast<float>(sums.g);
    grads.dgamma(c) = static_cast<float>(sums.g_x_hat);
    // Second pass: dx = scale (g_z - dbeta / M - x_hat dgamma / M), and dresidual = g_z.
    const InputGradient gradient{cache.gamma(c) * cache.inverse_std(c), static_cast<float>(sums.g / count),
                                 static_cast<float>(sums.g_x_hat / count)};
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t start = plane_start(shape, n, c);
      float* dresidual = cache.has_residual ? grads.dresidual.data() + start : nullptr;
      input_gradient_plane(gradient, dy.data() + start, cache.x_hat.data() + start, active.data() + n * plane, plane,
                           grads.dx.data() + start, dresidual);
    }
  }
  return grads;
}

}  // namespace resnet::cpu
