// Chapter 7, task 7.9: the epoch loop (see chapters/07_training/README.md).
#include "resnet/exercise.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet {

EpochTotals train_epoch(Classifier<float>& model, Optimizer<float>& optimizer, const ScheduleSettings& schedule,
                        std::int64_t first_step, const BatchSource& next_batch, const AfterStep& after_step) {
  // BEGIN SOLUTION 7.9 train_epoch: in training mode, one train_step per batch of next_batch at the schedule's rate (and momentum) for its run-wide step from first_step, after_step after each; return the totals
  model.train();
  EpochTotals totals;
  std::int64_t step = first_step;
  while (std::optional<Batch> batch = next_batch()) {
    optimizer.set_learning_rate(learning_rate_at(schedule, step));  // per step, not per epoch
    if (const std::optional<double> momentum = momentum_at(schedule, step)) optimizer.set_momentum(*momentum);
    const StepResult result = train_step(model, optimizer, *batch);
    ++step;
    totals.loss_sum += result.loss * static_cast<double>(result.images);
    totals.correct += result.correct;
    totals.images += result.images;
    ++totals.steps;
    if (!after_step(result)) break;
  }
  return totals;
  // END SOLUTION
}

}  // namespace resnet
