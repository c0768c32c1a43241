// The GPU twins of the other layers of chapter 2 (col2im, global average pooling, max
// pooling, softmax cross-entropy) and of chapter 7's Adam and SGD updates. Every kernel is
// one thread per output value, none of them cooperates, so each also runs under host
// emulation and is checked on the CPU.
#include <cmath>
#include <limits>

#include "resnet/cuda/kernels.hpp"

namespace resnet::cuda {

namespace {

// The first output position o along one axis whose window, of `window` inputs starting at
// o stride - pad, reaches input position i + pad (i.e. i + pad < o stride + window); and
// one past the last output whose window starts at or before i + pad.
RESNET_HOST_DEVICE inline std::size_t first_window(std::size_t i_plus_pad, std::size_t window, std::size_t stride) {
  return i_plus_pad < window ? 0 : (i_plus_pad - window) / stride + 1;
}
RESNET_HOST_DEVICE inline std::size_t end_window(std::size_t i_plus_pad, std::size_t stride, std::size_t outputs) {
  const std::size_t last = i_plus_pad / stride + 1;
  return last < outputs ? last : outputs;
}

}  // namespace

template <class T>
void col2im(const T* columns, T* x, const WindowShape& shape, Launch where) {
  const std::size_t values = shape.N * shape.C * shape.H * shape.W;
  if (values == 0) return;
  launch("col2im", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= values) return;
    const std::size_t w = e % shape.W, h = e / shape.W % shape.H, c = e / (shape.H * shape.W) % shape.C;
    const std::size_t n = e / (shape.C * shape.H * shape.W);
    const std::size_t NPQ = shape.N * shape.P * shape.Q;
    // Input (h, w) was copied into window (p, q) at kernel offset (r, s) = (h + pad - p
    // stride, w + pad - q stride), for every window that covers it. The CPU adds the
    // rows (c, r, s) in increasing order; r falls as p rises, so walk p and q downwards.
    T sum = T(0);
    const std::size_t hp = h + shape.padding, wp = w + shape.padding;
    const std::size_t p_first = first_window(hp, shape.R, shape.stride), p_end = end_window(hp, shape.stride, shape.P);
    const std::size_t q_first = first_window(wp, shape.S, shape.stride), q_end = end_window(wp, shape.stride, shape.Q);
    for (std::size_t p = p_end; p-- > p_first;) {
      const std::size_t r = hp - p * shape.stride;
      for (std::size_t q = q_end; q-- > q_first;) {
        const std::size_t s = wp - q * shape.stride;
        sum += columns[((c * shape.R + r) * shape.S + s) * NPQ + (n * shape.P + p) * shape.Q + q];
      }
    }
    x[e] = sum;
  });
}

template <class T>
void global_avg_pool2d_forward(const T* x, T* y, std::size_t NC, std::size_t HW, Launch where) {
  if (NC == 0) return;
  launch("global_avg_pool2d_forward", grid_1d(NC), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t nc = t.global_x();
    if (nc >= NC) return;
    T sum = T(0);
    for (std::size_t i = 0; i < HW; ++i) sum += x[nc * HW + i];
    y[nc] = sum / static_cast<T>(HW);
  });
}

template <class T>
void global_avg_pool2d_backward(const T* dy, T* dx, std::size_t NC, std::size_t HW, Launch where) {
  if (NC * HW == 0) return;
  const T share = T(1) / static_cast<T>(HW);  // multiplied, as the CPU op does, for the same rounding
  launch("global_avg_pool2d_backward", grid_1d(NC * HW), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e < NC * HW) dx[e] = dy[e / HW] * share;
  });
}

template <class T>
void max_pool2d_forward(const T* x, T* y, std::size_t* argmax, const WindowShape& shape, Launch where) {
  const std::size_t outputs = shape.N * shape.C * shape.P * shape.Q;
  if (outputs == 0) return;
  launch("max_pool2d_forward", grid_1d(outputs), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= outputs) return;
    const std::size_t q = e % shape.Q, p = e / shape.Q % shape.P, nc = e / (shape.P * shape.Q);
    const T* plane = x + nc * shape.H * shape.W;
    // As on the CPU: padding is never looked at, strictly greater keeps the first of equal
    // maxima, and a NaN takes over (value != value only for a NaN).
    T best = T(0);
    std::size_t best_index = 0;
    bool found = false;
    for (std::size_t r = 0; r < shape.R; ++r) {
      const long h = static_cast<long>(p * shape.stride + r) - static_cast<long>(shape.padding);
      if (h < 0 || h >= static_cast<long>(shape.H)) continue;
      for (std::size_t s = 0; s < shape.S; ++s) {
        const long w = static_cast<long>(q * shape.stride + s) - static_cast<long>(shape.padding);
        if (w < 0 || w >= static_cast<long>(shape.W)) continue;
        const std::size_t index = static_cast<std::size_t>(h) * shape.W + static_cast<std::size_t>(w);
        const T value = plane[index];
        if (!found || value > best || value != value) {
          best = value;
          best_index = index;
          found = true;
        }
      }
    }
    y[e] = best;
    argmax[e] = best_index;
  });
}

template <class T>
void max_pool2d_backward(const T* dy, const std::size_t* argmax, T* dx, const WindowShape& shape, Launch where) {
  const std::size_t values = shape.N * shape.C * shape.H * shape.W;
  if (values == 0) return;
  launch("max_pool2d_backward", grid_1d(values), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= values) return;
    const std::size_t w = e % shape.W, h = e / shape.W % shape.H, nc = e / (shape.H * shape.W);
    const std::size_t hp = h + shape.padding, wp = w + shape.padding, here = h * shape.W + w;
    const std::size_t p_first = first_window(hp, shape.R, shape.stride), p_end = end_window(hp, shape.stride, shape.P);
    const std::size_t q_first = first_window(wp, shape.S, shape.stride), q_end = end_window(wp, shape.stride, shape.Q);
    // The CPU adds each window's gradient into its maximum in window order: gather in that order.
    T sum = T(0);
    for (std::size_t p = p_first; p < p_end; ++p) {
      for (std::size_t q = q_first; q < q_end; ++q) {
        const std::size_t window = (nc * shape.P + p) * shape.Q + q;
        if (argmax[window] == here) sum += dy[window];
      }
    }
    dx[e] = sum;
  });
}

template <class T>
void cross_entropy_forward(const T* logits, const std::int64_t* labels, T* probabilities, T* row_losses,
                           std::size_t N, std::size_t K, Launch where) {
  if (N == 0) return;
  launch("cross_entropy_forward", grid_1d(N, 128), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t n = t.global_x();
    if (n >= N) return;
    const T* z = logits + n * K;
    T largest = z[0];
    for (std::size_t k = 1; k < K; ++k) largest = z[k] > largest ? z[k] : largest;
    T sum = T(0);  // sum_k exp(z_k - max): between 1 and K, never overflows
    for (std::size_t k = 0; k < K; ++k) sum += std::exp(z[k] - largest);
    const T log_sum = std::log(sum);
    for (std::size_t k = 0; k < K; ++k) probabilities[n * K + k] = std::exp(z[k] - largest - log_sum);
    row_losses[n] = log_sum - (z[labels[n]] - largest);
  });
}

template <class T>
void cross_entropy_backward(T dloss, const T* probabilities, const std::int64_t* labels, T* dlogits, std::size_t N,
                            std::size_t K, Launch where) {
  if (N * K == 0) return;
  const T scale_by = dloss / static_cast<T>(N);
  launch("cross_entropy_backward", grid_1d(N * K), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t e = t.global_x();
    if (e >= N * K) return;
    const std::size_t n = e / K, k = e % K;
    const T one_hot = static_cast<std::size_t>(labels[n]) == k ? T(1) : T(0);
    dlogits[e] = scale_by * (probabilities[e] - one_hot);
  });
}

template <class T>
void adam_update(T* value, const T* grad, T* exp_avg, T* exp_avg_sq, std::size_t count, const AdamStep& step,
                 Launch where) {
  if (count == 0) return;
  // The same scalars, computed the same way, as resnet::adam_update on the CPU.
  const T learning_rate = static_cast<T>(step.learning_rate);
  const T beta1 = static_cast<T>(step.beta1), beta2 = static_cast<T>(step.beta2);
  const T eps = static_cast<T>(step.eps), weight_decay = static_cast<T>(step.weight_decay);
  const T bias_correction1 = T(1) - static_cast<T>(std::pow(step.beta1, static_cast<double>(step.step)));
  const T bias_correction2 = T(1) - static_cast<T>(std::pow(step.beta2, static_cast<double>(step.step)));
  const T step_size = learning_rate / bias_correction1;
  const T sqrt_bias_correction2 = std::sqrt(bias_correction2);
  const bool decoupled = step.decoupled_weight_decay;
  launch("adam_update", grid_1d(count), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t i = t.global_x();
    if (i >= count) return;
    T g = grad[i];
    if (decoupled) {
      value[i] *= T(1) - learning_rate * weight_decay;
    } else {
      g += weight_decay * value[i];
    }
    exp_avg[i] = beta1 * exp_avg[i] + (T(1) - beta1) * g;
    exp_avg_sq[i] = beta2 * exp_avg_sq[i] + (T(1) - beta2) * g * g;
    const T denominator = std::sqrt(exp_avg_sq[i]) / sqrt_bias_correction2 + eps;
    value[i] -= step_size * exp_avg[i] / denominator;
  });
}

template <class T>
void sgd_update(T* value, const T* grad, T* momentum_buffer, std::size_t count, const SgdStep& step,
                Launch where) {
  if (count == 0) return;
  // The same arithmetic, in the same order, as resnet::sgd_update on the CPU.
  const T learning_rate = static_cast<T>(step.learning_rate), momentum = static_cast<T>(step.momentum);
  const T dampening = static_cast<T>(step.dampening), weight_decay = static_cast<T>(step.weight_decay);
  const bool nesterov = step.nesterov, first_step = step.first_step;
  launch("sgd_update", grid_1d(count), where, [=] RESNET_HOST_DEVICE(const ThreadIndex& t) {
    const std::size_t i = t.global_x();
    if (i >= count) return;
    T g = grad[i] + weight_decay * value[i];
    if (momentum != T(0)) {
      T& b = momentum_buffer[i];
      b = first_step ? g : momentum * b + (T(1) - dampening) * g;
      g = nesterov ? g + momentum * b : b;
    }
    value[i] -= learning_rate * g;
  });
}

template void col2im<float>(const float*, float*, const WindowShape&, Launch);
template void global_avg_pool2d_forward<float>(const float*, float*, std::size_t, std::size_t, Launch);
template void global_avg_pool2d_backward<float>(const float*, float*, std::size_t, std::size_t, Launch);
template void max_pool2d_forward<float>(const float*, float*, std::size_t*, const WindowShape&, Launch);
template void max_pool2d_backward<float>(const float*, const std::size_t*, float*, const WindowShape&, Launch);
template void cross_entropy_forward<float>(const float*, const std::int64_t*, float*, float*, std::size_t, std::size_t,
                                          Launch);
template void cross_entropy_backward<float>(float, const float*, const std::int64_t*, float*, std::size_t, std::size_t,
                                           Launch);
template void adam_update<float>(float*, const float*, float*, float*, std::size_t, const AdamStep&, Launch);
template void sgd_update<float>(float*, const float*, float*, std::size_t, const SgdStep&, Launch);
template void col2im<double>(const double*, double*, const WindowShape&, Launch);
template void global_avg_pool2d_forward<double>(const double*, double*, std::size_t, std::size_t, Launch);
template void global_avg_pool2d_backward<double>(const double*, double*, std::size_t, std::size_t, Launch);
template void max_pool2d_forward<double>(const double*, double*, std::size_t*, const WindowShape&, Launch);
template void max_pool2d_backward<double>(const double*, const std::size_t*, double*, const WindowShape&, Launch);
template void cross_entropy_forward<double>(const double*, const std::int64_t*, double*, double*, std::size_t, std::size_t,
                                          Launch);
template void cross_entropy_backward<double>(double, const double*, const std::int64_t*, double*, std::size_t, std::size_t,
                                           Launch);
template void adam_update<double>(double*, const double*, double*, double*, std::size_t, const AdamStep&, Launch);
template void sgd_update<double>(double*, const double*, double*, std::size_t, const SgdStep&, Launch);

}  // namespace resnet::cuda
