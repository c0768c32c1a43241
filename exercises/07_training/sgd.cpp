// EXERCISE FILE, generated from solutions/07_training/sgd.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 7.1: replace the next line with your code (./course hint 7.1)
  todo("7.1", "sgd_update: one torch.optim.SGD step on `count` values, in place: value (and momentum_buffer, with momentum) from grad, settings and first_step");
  // END EXERCISE 7.1
}

template void sgd_update(float*, const float*, float*, std::size_t, const SgdSettings&, bool);
template void sgd_update(double*, const double*, double*, std::size_t, const SgdSettings&, bool);

}  // namespace resnet
