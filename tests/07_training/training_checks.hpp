// Checks of the student's training pipeline (tasks 7.4-7.10) that name the classic mistakes.
//
// Each check runs the function it is given on a small, hand-made case and returns "" when
// the function does what its task asks, or a message that says what went wrong and its
// likely cause. The task tests require "" of the student's function; the planted-bug tests
// give the same check a function with one classic mistake and require the message that
// names it, which proves the check catches that mistake.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "resnet/data/batches.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/train/evaluation.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet::testing {

using EpochOrderFunction = std::function<std::vector<std::size_t>(std::size_t, bool, Generator&)>;
using MakeBatchFunction = std::function<Batch(const Cifar10Data&, const std::vector<std::size_t>&, std::size_t,
                                              const LoaderSettings&, Generator&)>;
using TrainStepFunction = std::function<StepResult(Classifier<float>&, Optimizer<float>&, const Batch&)>;
using TrainEpochFunction = std::function<EpochTotals(Classifier<float>&, Optimizer<float>&, const ScheduleSettings&,
                                                     std::int64_t, const BatchSource&, const AfterStep&)>;
using EvaluateFunction = std::function<Evaluation(Classifier<float>&, const Cifar10Data&, Normalization, std::size_t)>;

// Task 7.4: a permutation of 0..count-1 (the identity without shuffle) that depends only on
// the generator it is given.
std::string check_epoch_order(const EpochOrderFunction& epoch_order);
// Task 7.4: all 6 orders of 3 images equally likely over 60,000 shuffles (a chi-square test).
std::string check_shuffle_is_uniform(const EpochOrderFunction& epoch_order);

// Task 7.7: 25 images in batches of 8: every batch holds the images its part of the order
// names, each with its own label, normalised; the last batch the one image left over;
// augmented only when the settings say so.
std::string check_make_batch(const MakeBatchFunction& make_batch);

// Task 7.8: two steps on two batches: each step's gradient is its own batch's alone, one
// optimizer step per call, and the loss and count returned are the batch's before the update.
std::string check_train_step(const TrainStepFunction& train_step);

// Task 7.9: a 4-batch epoch that starts at step 3 of a run: the model in training mode, the
// schedule's rate and momentum for every step, after_step after each, an early end when it
// returns false, and the totals.
std::string check_train_epoch(const TrainEpochFunction& train_epoch);

// Task 7.10: 37 images in batches of 16: the loss, accuracy and confusion matrix of the
// model in evaluation mode on the images as they are; batch norm's running statistics
// untouched; the model back in the mode it came in.
std::string check_evaluate(const EvaluateFunction& evaluate);

// A Classifier with batch norm, small enough that a check takes milliseconds: a CIFAR-stem
// ResNet with one basic block of 4 channels, 10 classes.
std::unique_ptr<Classifier<float>> tiny_classifier(std::uint64_t seed);

// An optimizer that records, at every step(), the learning rate, the momentum and every
// parameter's gradient, then takes a plain gradient step w -= lr * g.
class RecordingOptimizer : public Optimizer<float> {
 public:
  explicit RecordingOptimizer(std::vector<NamedParameter<float>> parameters, double learning_rate = 0.05)
      : Optimizer<float>(std::move(parameters)), learning_rate_(learning_rate) {}
  void step() override;
  double learning_rate() const override { return learning_rate_; }
  void set_learning_rate(double learning_rate) override { learning_rate_ = learning_rate; }
  void set_momentum(double momentum) override { momentum_ = momentum; }

  std::vector<double> rates;                   // at each step
  std::vector<double> momenta;                 // at each step (NaN until set)
  std::vector<std::vector<double>> gradients;  // every parameter's gradient, concatenated, at each step

 private:
  double learning_rate_;
  double momentum_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace resnet::testing
