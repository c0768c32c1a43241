// Tasks 7.8 and 7.9: the training step and the epoch loop, each with the classic mistake
// planted in a copy to show that the checks catch it.
#include <catch2/catch.hpp>

#include "resnet/train/batch_loss.hpp"
#include "resnet/train/training_step.hpp"
#include "training_checks.hpp"

using namespace resnet;
using namespace resnet::testing;

namespace {

// Planted bug: the gradients are never zeroed, so they pile up from step to step.
StepResult step_without_zero_grad(Classifier<float>& model, Optimizer<float>& optimizer, const Batch& batch) {
  const BatchLoss loss = cross_entropy_and_gradient_of_batch(model.forward(batch.images), batch.labels);
  model.backward(loss.dlogits);
  optimizer.step();
  StepResult result;
  result.loss = loss.loss;
  result.images = batch.labels.size();
  const std::vector<std::size_t> predicted = predicted_classes(loss.logits);
  for (std::size_t n = 0; n < result.images; ++n)
    result.correct += predicted[n] == static_cast<std::size_t>(batch.labels(n));
  return result;
}

// Planted bug: the learning rate set once, at the start of the epoch.
EpochTotals epoch_with_one_rate(Classifier<float>& model, Optimizer<float>& optimizer, const ScheduleSettings& schedule,
                                std::int64_t first_step, const BatchSource& next_batch, const AfterStep& after_step) {
  model.train();
  optimizer.set_learning_rate(learning_rate_at(schedule, first_step));
  EpochTotals totals;
  while (std::optional<Batch> batch = next_batch()) {
    const StepResult step = train_step(model, optimizer, *batch);
    totals.loss_sum += step.loss * static_cast<double>(step.images);
    totals.correct += step.correct;
    totals.images += step.images;
    ++totals.steps;
    if (!after_step(step)) break;
  }
  return totals;
}

}  // namespace

TEST_CASE("the predicted class is the index of the largest logit, the first on a tie", "[ch07][step][hand][7.8]") {
  const xt::xtensor<float, 2> logits = {{0.1f, 2.0f, -1.0f}, {5.0f, 5.0f, 1.0f}, {-3.0f, -2.0f, -2.5f}};
  INFO(
      "row 0: 2.0 is largest (class 1); row 1: a tie between classes 0 and 1, torch.argmax gives the first; "
      "row 2: -2.0 is largest (class 1)");
  CHECK(predicted_classes(logits) == std::vector<std::size_t>{1, 0, 1});
}

TEST_CASE("a training step steps once, on its own batch's gradient", "[ch07][step][7.8]") {
  const std::string problem = check_train_step(train_step);
  INFO(problem);
  CHECK(problem.empty());
}

TEST_CASE("planted bug: gradients that are not zeroed are caught", "[ch07][step][planted][7.8]") {
  CHECK_THAT(check_train_step(step_without_zero_grad), Catch::Contains("gradients not zeroed"));
}

TEST_CASE("an epoch trains every batch at the schedule's rate for its step", "[ch07][epoch][7.9]") {
  const std::string problem = check_train_epoch(train_epoch);
  INFO(problem);
  CHECK(problem.empty());
}

TEST_CASE("planted bug: a schedule stepped per epoch instead of per step is caught", "[ch07][epoch][planted][7.9]") {
  CHECK_THAT(check_train_epoch(epoch_with_one_rate), Catch::Contains("the schedule stepped per epoch, not per step"));
}
