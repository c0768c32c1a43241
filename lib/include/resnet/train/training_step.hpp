/// @file
/// @brief Chapter 7, tasks 7.8 and 7.9: the training step and the epoch loop, what the
///        tutorial's `for images, labels in train_loader:` loop does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "resnet/data/batches.hpp"
#include "resnet/nn/module.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/optim/schedule.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief Task 7.8: the predicted class of each row of logits, the index of its largest
///        value (the first one on a tie, as torch.argmax).
/// @param logits (B, classes)
/// @return (B) class indices
/// @see https://pytorch.org/docs/stable/generated/torch.argmax.html
std::vector<std::size_t> predicted_classes(const xt::xtensor<float, 2>& logits);

/// @ingroup ch07
/// @brief What one training step saw.
struct StepResult {
  double loss = 0.0;        ///< the batch's mean cross-entropy, before the update
  std::size_t correct = 0;  ///< images whose predicted class was their label, before the update
  std::size_t images = 0;   ///< images in the batch
};

/// @ingroup ch07
/// @brief Task 7.8: one step of gradient descent on one batch, as the tutorial's
///        `optimizer.zero_grad(); loss = criterion(model(images), labels); loss.backward();
///        optimizer.step()`.
///
/// Afterwards every parameter's gradient is the gradient of this batch's loss alone, and
/// the optimizer has taken one step with it. The loss is cross_entropy_and_gradient_of_batch()
/// (resnet/train/batch_loss.hpp), which works wherever the model lives.
/// @param model images (B, 3, H, W) to logits (B, classes), in training mode
/// @param optimizer the optimizer over the model's parameters
/// @param batch images (B, 3, H, W), on the model's device, and labels (B)
/// @return the loss and the number of correct predictions of the batch
StepResult train_step(Classifier<float>& model, Optimizer<float>& optimizer, const Batch& batch);

/// @ingroup ch07
/// @brief The totals of an epoch's steps.
struct EpochTotals {
  double loss_sum = 0.0;    ///< sum over the steps of loss x images (divide by images for the mean)
  std::size_t correct = 0;  ///< correct predictions over the epoch
  std::size_t images = 0;   ///< images trained on
  std::size_t steps = 0;    ///< steps taken
};

/// @ingroup ch07
/// @brief The next batch of the epoch, or nothing at its end (a DataLoader's next(), with the
///        images moved to the model's device).
using BatchSource = std::function<std::optional<Batch>()>;

/// @ingroup ch07
/// @brief Called after every step with its result; returns false to end the epoch early
///        (the machinery's progress bar, divergence check and Ctrl-C live here).
using AfterStep = std::function<bool(const StepResult&)>;

/// @ingroup ch07
/// @brief Task 7.9: one epoch of training: the model in training mode, then for every batch
///        of `next_batch` the learning rate (and momentum) the schedule gives for the step
///        about to be taken, one train_step(), and `after_step` with its result.
///
/// The steps are numbered across the whole run, from `first_step` for this epoch's first
/// batch, because the schedule (task 7.3) is a function of the step, not of the epoch.
/// @param model the model, set to training mode here
/// @param optimizer the optimizer over its parameters
/// @param schedule the learning-rate schedule of the run
/// @param first_step the run's step number of this epoch's first batch, from 0
/// @param next_batch where the batches come from
/// @param after_step called after each step; the epoch ends early when it returns false
/// @return the totals of the steps taken
EpochTotals train_epoch(Classifier<float>& model, Optimizer<float>& optimizer, const ScheduleSettings& schedule,
                        std::int64_t first_step, const BatchSource& next_batch, const AfterStep& after_step);

}  // namespace resnet
