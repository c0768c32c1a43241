// Chapter 7, task 7.1: the SGD update (see chapters/07_training/README.md).
#include "resnet/exercise.hpp"
#include "resnet/optim/optimizer.hpp"

namespace resnet {

template <class T>
void sgd_update(T* value, const T* grad, T* momentum_buffer, std::size_t count, const SgdSettings& settings,
                bool first_step) {
  const T learning_rate = static_cast<T>(settings.learning_rate);
  const T momentum = static_cast<T>(settings.momentum);
  const T dampening = static_cast<T>(settings.dampening);
  const T weight_decay = static_cast<T>(settings.weight_decay);
  // BEGIN SOLUTION 7.1 sgd_update: one torch.optim.SGD step on `count` values, in place: value (and momentum_buffer, with momentum) from grad, settings and first_step
  for (std::size_t i = 0; i < count; ++i) {
    T g = grad[i] + weight_decay * value[i];  // L2 penalty (weight_decay / 2) |w|^2 adds weight_decay * w
    if (momentum != T(0)) {
      T& b = momentum_buffer[i];
      b = first_step ? g : momentum * b + (T(1) - dampening) * g;
      g = settings.nesterov ? g + momentum * b : b;
    }
    value[i] -= learning_rate * g;
  }
  // END SOLUTION
}

template void sgd_update(float*, const float*, float*, std::size_t, const SgdSettings&, bool);
template void sgd_update(double*, const double*, double*, std::size_t, const SgdSettings&, bool);

}  // namespace resnet
