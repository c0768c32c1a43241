// The optimizers' updates of chapter 7 on the GPU, Adam (and AdamW) and SGD: one thread per
// value of a parameter, in PyTorch's order of operations.
#include <cmath>

#include "resnet/cuda/kernels.hpp"

namespace resnet::cuda {

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
void sgd_update(T* value, const T* grad, T* momentum_buffer, std::size_t count, const SgdStep& step, Launch where) {
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

template void adam_update<float>(float*, const float*, float*, float*, std::size_t, const AdamStep&, Launch);
template void sgd_update<float>(float*, const float*, float*, std::size_t, const SgdStep&, Launch);
template void adam_update<double>(double*, const double*, double*, double*, std::size_t, const AdamStep&, Launch);
template void sgd_update<double>(double*, const double*, double*, std::size_t, const SgdStep&, Launch);

}  // namespace resnet::cuda
