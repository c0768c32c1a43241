/// @file
/// @brief The machinery of a training run around the student's epoch loop and evaluation
///        (tasks 7.9 and 7.10): the model, optimizer, schedule and data loader a run is made
///        of, checkpoints, resume, progress, metrics and curves, and divergence checks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "resnet/data/cifar10.hpp"
#include "resnet/data/loader.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/optim/schedule.hpp"
#include "resnet/train/evaluation.hpp"
#include "resnet/train/training_step.hpp"

namespace resnet {

/// @ingroup ch07
/// @brief The optimizers a run can use.
enum class OptimizerKind {
  sgd,   ///< torch.optim.SGD (momentum, Nesterov, weight decay)
  adam,  ///< torch.optim.Adam (weight decay as an L2 term in the gradient)
  adamw  ///< torch.optim.AdamW (decoupled weight decay)
};

/// @ingroup ch07
/// @brief "sgd", "adam" or "adamw".
std::string to_string(OptimizerKind kind);
/// @ingroup ch07
/// @brief The optimizer named by to_string(); throws std::invalid_argument otherwise.
OptimizerKind optimizer_from_string(const std::string& name);

/// @ingroup ch07
/// @brief Everything a training run is made of. The defaults are the original tutorial's
///        recipe: ResNet-34 with the ImageNet stem, Adam with lr 1e-3, batch 128, 10 epochs,
///        normalisation 0.5 / 0.5, no augmentation.
struct TrainingOptions {
  std::string model = "resnet34";                                   ///< a name resnet_config() knows
  Stem stem = Stem::imagenet;                                       ///< the stem
  std::size_t epochs = 10;                                          ///< passes over the training set
  std::size_t batch_size = 128;                                     ///< images per step
  bool drop_last = false;                                           ///< drop each epoch's last, smaller batch
  OptimizerKind optimizer = OptimizerKind::adam;                    ///< the update rule
  double learning_rate = 1e-3;                                      ///< the base (or, one-cycle, the peak) rate
  double momentum = 0.9;                                            ///< SGD's momentum (Adam's beta1 stays 0.9)
  bool nesterov = false;                                            ///< SGD: Nesterov momentum
  double weight_decay = 0.0;                                        ///< as the optimizer defines it
  ScheduleKind schedule = ScheduleKind::constant;                   ///< the learning-rate schedule
  Normalization normalization = Normalization::mean_half_std_half;  ///< the inputs' normalisation
  bool augment = false;                                             ///< random crop and flip for training
  std::uint64_t seed = 0;                                           ///< weights, order, augmentation
  std::string run_directory = "runs/latest";                        ///< checkpoints, metrics.jsonl, curves
  std::size_t train_images = 0;                                     ///< train on the first N only (0: all)
  std::size_t test_images = 0;                                      ///< evaluate on the first N only (0: all)
  Device device = Device::cpu;                                      ///< where the model trains (cuda: chapter 6)
  CpuKernels cpu_kernels = CpuKernels::reference;                   ///< the CPU layers' code (Module::use_cpu_kernels)
  double dropout = 0.0;                                             ///< dropout before the classifier (0: none)
  /// @brief Also save `last.safetensors` mid-epoch once this many minutes have passed since the
  ///        last save, so that a killed run loses at most that much work (0: after every step).
  double checkpoint_minutes = 10.0;
};

/// @ingroup ch07
/// @brief A run's options as text, e.g. for a checkpoint's metadata and the run's log.
/// @param options the run's options
std::string describe(const TrainingOptions& options);

/// @ingroup ch07
/// @brief One epoch's numbers, as written to metrics.jsonl.
struct EpochMetrics {
  std::size_t epoch = 0;           ///< from 1
  double train_loss = 0.0;         ///< mean over the epoch's steps (training mode)
  double train_accuracy = 0.0;     ///< on the training batches as they were trained on
  double test_loss = 0.0;          ///< evaluation mode
  double test_accuracy = 0.0;      ///< evaluation mode
  double learning_rate = 0.0;      ///< at the epoch's last step
  double seconds = 0.0;            ///< wall time of the training part
  double images_per_second = 0.0;  ///< training throughput
};

/// @ingroup ch07
/// @brief What a progress display sees after every training step.
struct StepProgress {
  std::size_t epoch = 0;           ///< from 1
  std::size_t epochs = 0;          ///< in the run
  std::size_t step = 0;            ///< in this epoch, from 1
  std::size_t steps = 0;           ///< per epoch
  double loss = 0.0;               ///< running mean over the epoch so far
  double accuracy = 0.0;           ///< running accuracy over the epoch so far
  double images_per_second = 0.0;  ///< over the epoch so far
  double seconds = 0.0;            ///< since the epoch began
};

/// @ingroup ch07
/// @brief The loss became NaN or infinite: training stopped, nothing was saved after it.
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @ingroup ch07
/// @brief Trains a ResNet on CIFAR-10 with the student's train_epoch() (task 7.9) and
///        evaluate() (task 7.10).
///
/// Each epoch: train_epoch() over the loader's batches, with a callback after every step
/// that checks the loss, reports progress and honours stop(). Then evaluation on the test
/// set, a line in `metrics.jsonl`, `best.safetensors` when the test accuracy is the best so
/// far, and `last.safetensors` (model, optimizer, epoch), all written atomically, in that
/// order: `last` is written last, so a run killed between two of them resumes consistently.
/// Mid-epoch, `last.safetensors` is also saved every `checkpoint_minutes` (with the epoch's
/// running totals), so a run killed at any moment loses at most that much training.
class Trainer {
 public:
  /// @brief A fresh model and optimizer from the options' seed, and the data (copied, cut
  ///        to train_images and test_images).
  /// @param options the run
  /// @param train the training split: images (N, 3, 32, 32) and labels (N)
  /// @param test the test split, likewise
  /// @throws std::invalid_argument for an unknown model, or zero epochs
  Trainer(const TrainingOptions& options, const Cifar10Data& train, const Cifar10Data& test);

  /// @brief Continues from `run_directory/last.safetensors`: model, optimizer state, epoch,
  ///        step within it and the epoch's totals so far. The weights, checkpoints and metrics
  ///        (but the timings) equal those of a run that was never interrupted.
  /// @return the number of epochs already done
  /// @throws DataError when the checkpoint is missing, damaged or from another model
  std::size_t resume();

  /// @brief Trains the remaining epochs, calling `on_step` after every step and `on_epoch`
  ///        after every epoch (both may be empty). Returns early, after saving `last`,
  ///        when stop() was called.
  /// @param on_step called with the progress after every training step
  /// @param on_epoch called with the metrics after every epoch
  /// @return the metrics of the epochs trained in this call
  /// @throws TrainingDiverged when a loss is not finite, naming the epoch and step
  std::vector<EpochMetrics> run(const std::function<void(const StepProgress&)>& on_step = {},
                                const std::function<void(const EpochMetrics&)>& on_epoch = {});

  /// @brief Asks run() to stop after the current step (safe to call from a signal handler).
  void stop() { stop_requested_ = true; }
  /// @brief True when run() returned because of stop().
  bool stopped() const { return stopped_; }

  /// @brief Loss, accuracy and confusion matrix on the test set, in evaluation mode.
  Evaluation evaluate();

  /// @brief The model being trained.
  ResNet<float>& model() { return *model_; }
  /// @brief Epochs completed.
  std::size_t epochs_done() const { return epochs_done_; }
  /// @brief The metrics of every epoch done, including those before a resume.
  const std::vector<EpochMetrics>& history() const { return history_; }
  /// @brief A file of the run: `run_directory/name`.
  /// @param name the file's name, e.g. "last.safetensors"
  std::string run_file(const std::string& name) const;

 private:
  void save(const std::string& name) const;
  EpochMetrics epoch_metrics(const EpochTotals& totals, double seconds) const;
  bool after_step(const StepResult& step, std::size_t epoch, double seconds,
                  const std::function<void(const StepProgress&)>& on_step);
  void finish_epoch(EpochMetrics metrics);

  TrainingOptions options_;
  Cifar10Data train_;
  Cifar10Data test_;
  std::unique_ptr<ResNet<float>> model_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  std::unique_ptr<DataLoader> loader_;
  ScheduleSettings schedule_;
  std::size_t epochs_done_ = 0;
  std::size_t steps_done_in_epoch_ = 0;  // non-zero after a resume from a stopped run
  double best_accuracy_ = -1.0;
  std::vector<EpochMetrics> history_;
  EpochTotals progress_;  // the epoch so far: the progress display, and the metrics after a mid-epoch resume
  std::size_t images_before_start_ = 0;  // of progress_, trained before this process (a mid-epoch resume)
  std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();  // for checkpoint_minutes
  std::atomic<bool> stop_requested_{false};
  bool stopped_ = false;
};

/// @ingroup ch07
/// @brief The first `count` images of a data set (all when count is 0 or larger).
/// @param data images (N, 3, 32, 32) and labels (N)
/// @param count how many to keep
/// @return images (M, 3, 32, 32) and labels (M), M = count (N when count is 0 or above N)
Cifar10Data first_images(const Cifar10Data& data, std::size_t count);

}  // namespace resnet
