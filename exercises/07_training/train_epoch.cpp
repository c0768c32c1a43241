// EXERCISE FILE, generated from solutions/07_training/train_epoch.cpp by tools/make_exercises.py.
// Write your code between the BEGIN EXERCISE and END EXERCISE lines; the rest of the
// file is given. `./course test TASK` runs a task's tests, `./course reset TASK`
// restores its stub (your version is kept in a backup).
// Chapter 7, task 7.9: the epoch loop (see chapters/07_training/README.md).
#include "resnet/exercise.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet {

EpochTotals train_epoch(Classifier<float>& model, Optimizer<float>& optimizer, const ScheduleSettings& schedule,
                        std::int64_t first_step, const BatchSource& next_batch, const AfterStep& after_step) {
  // BEGIN EXERCISE 7.9: replace the next line with your code (./course hint 7.9)
  todo("7.9", "train_epoch: in training mode, one train_step per batch of next_batch at the schedule's rate (and momentum) for its run-wide step from first_step, after_step after each; return the totals");
  // END EXERCISE 7.9
}

}  // namespace resnet
