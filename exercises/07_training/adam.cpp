// EXERCISE FILE, generated from solutions/07_training/adam.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
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
  // BEGIN EXERCISE 7.2: replace the next line with your code (./course hint 7.2)
  todo("7.2", "adam_update: step number `step` (from 1) of torch.optim.Adam, or AdamW with settings.decoupled_weight_decay, on `count` values in place: value, exp_avg and exp_avg_sq from grad");
  // END EXERCISE 7.2
}

template void adam_update(float*, const float*, float*, float*, std::size_t, const AdamSettings&, std::int64_t);
template void adam_update(double*, const double*, double*, double*, std::size_t, const AdamSettings&, std::int64_t);

}  // namespace resnet
