// Task 7.10: evaluation, with the classic mistakes planted in copies to show that the check
// catches them.
#include <catch2/catch.hpp>

#include "resnet/data/loader.hpp"
#include "resnet/train/batch_loss.hpp"
#include "resnet/train/evaluation.hpp"
#include "training_checks.hpp"

using namespace resnet;
using namespace resnet::testing;

namespace {

// The reference's evaluation with two switches for the classic mistakes.
Evaluation planted_evaluation(Classifier<float>& model, const Cifar10Data& data, Normalization normalization,
                              std::size_t batch_size, bool switch_to_eval, bool augment, bool restore_mode) {
  const bool was_training = model.is_training();
  if (switch_to_eval) model.eval();
  LoaderSettings settings;
  settings.batch_size = batch_size;
  settings.shuffle = false;
  settings.augment = augment;
  settings.normalization = normalization;
  DataLoader loader(data, settings);
  Evaluation result;
  result.confusion.assign(10, std::vector<std::size_t>(10, 0));
  double loss_sum = 0.0;
  std::size_t correct = 0, seen = 0;
  while (std::optional<Batch> batch = loader.next()) {
    const BatchLoss loss = cross_entropy_of_batch(model.forward(batch->images), batch->labels);
    const std::vector<std::size_t> predicted = predicted_classes(loss.logits);
    for (std::size_t i = 0; i < batch->labels.size(); ++i) {
      const auto truth = static_cast<std::size_t>(batch->labels(i));
      ++result.confusion[truth][predicted[i]];
      correct += predicted[i] == truth;
    }
    loss_sum += static_cast<double>(loss.loss) * static_cast<double>(batch->labels.size());
    seen += batch->labels.size();
  }
  if (restore_mode) model.train(was_training);
  result.loss = loss_sum / static_cast<double>(seen);
  result.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
  return result;
}

}  // namespace

TEST_CASE("evaluation runs in evaluation mode on the test images as they are, and restores the mode",
          "[ch07][evaluate][7.10]") {
  const std::string problem = check_evaluate(evaluate);
  INFO(problem);
  CHECK(problem.empty());
}

TEST_CASE("planted bugs: training mode, augmented test images, the mode not restored",
          "[ch07][evaluate][planted][7.10]") {
  using namespace std::placeholders;
  CHECK(check_evaluate(std::bind(planted_evaluation, _1, _2, _3, _4, true, false, true)).empty());  // the switches off
  CHECK_THAT(check_evaluate(std::bind(planted_evaluation, _1, _2, _3, _4, false, false, true)),
             Catch::Contains("evaluation in training mode"));
  CHECK_THAT(check_evaluate(std::bind(planted_evaluation, _1, _2, _3, _4, true, true, true)),
             Catch::Contains("augmentation applied to test images"));
  CHECK_THAT(check_evaluate(std::bind(planted_evaluation, _1, _2, _3, _4, true, false, false)),
             Catch::Contains("left in evaluation mode"));
}

TEST_CASE("per-class accuracy divides each diagonal entry by its row", "[ch07][evaluate][hand]") {
  Evaluation evaluation;
  evaluation.confusion = {{3, 1}, {0, 0}};
  const std::vector<double> accuracy = evaluation.class_accuracy();
  CHECK(accuracy[0] == Approx(0.75));
  INFO(
      "class 1 has no test images: its accuracy is 0 / 0, reported as NaN, not as 0 (which would claim a class "
      "that was never tested was always wrong)");
  CHECK(std::isnan(accuracy[1]));  // no images of class 1
}
