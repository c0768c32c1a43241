// Chapter 7, task 7.2: the Adam and AdamW update (see chapters/07_training/README.md).
#include <cmath>

#include "resnet/exercise.hpp"
#include "resnet/optim/optimizer.hpp"

namespace resnet {

template <class T>
void adam_update(T* value, const T* grad, T* exp_avg, T* exp_avg_sq, std::size_t count, const AdamSettings& settings,
                 std::int64_t step) {
  const T learning_rate = static_cast<T>(settings.learning_rate);
  const T beta1 = static_cast<T>(settings.beta1), beta2 = static_cast<T>(settings.beta2);
  const T eps = static_cast<T>(settings.eps), weight_decay = static_cast<T>(settings.weight_decay);
  // BEGIN SOLUTION 7.2 adam_update: step number `step` (from 1) of torch.optim.Adam, or AdamW with settings.decoupled_weight_decay, on `count` values in place: value, exp_avg and exp_avg_sq from grad
  // The bias corrections: m and v start at 0, so early on they underestimate the true
  // averages by the factors 1 - beta1^t and 1 - beta2^t.
  const T bias_correction1 = T(1) - static_cast<T>(std::pow(settings.beta1, static_cast<double>(step)));
  const T bias_correction2 = T(1) - static_cast<T>(std::pow(settings.beta2, static_cast<double>(step)));
  const T step_size = learning_rate / bias_correction1;
  const T sqrt_bias_correction2 = std::sqrt(bias_correction2);
  for (std::size_t i = 0; i < count; ++i) {
    T g = grad[i];
    if (settings.decoupled_weight_decay) {
      value[i] *= T(1) - learning_rate * weight_decay;  // AdamW: decay apart from the gradient
    } else {
      g += weight_decay * value[i];  // Adam: L2 penalty through the gradient
    }
    exp_avg[i] = beta1 * exp_avg[i] + (T(1) - beta1) * g;
    exp_avg_sq[i] = beta2 * exp_avg_sq[i] + (T(1) - beta2) * g * g;
    const T denominator = std::sqrt(exp_avg_sq[i]) / sqrt_bias_correction2 + eps;
    value[i] -= step_size * exp_avg[i] / denominator;
  }
  // END SOLUTION
}

template void adam_update(float*, const float*, float*, float*, std::size_t, const AdamSettings&, std::int64_t);
template void adam_update(double*, const double*, double*, double*, std::size_t, const AdamSettings&, std::int64_t);

}  // namespace resnet
