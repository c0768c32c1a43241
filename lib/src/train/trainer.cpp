#include "resnet/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include <xtensor/xview.hpp>

#include "device_batches.hpp"
#include "resnet/cuda/kernels.hpp"
#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"
#include "resnet/io/checkpoint.hpp"
#include "run_files.hpp"

namespace resnet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::unique_ptr<Optimizer<float>> make_optimizer(const TrainingOptions& options, ResNet<float>& model) {
  if (options.optimizer == OptimizerKind::sgd) {
    SgdSettings settings;
    settings.learning_rate = options.learning_rate;
    settings.momentum = options.momentum;
    settings.nesterov = options.nesterov;
    settings.weight_decay = options.weight_decay;
    return std::make_unique<Sgd<float>>(model.named_parameters(), settings);
  }
  AdamSettings settings;
  settings.learning_rate = options.learning_rate;
  settings.weight_decay = options.weight_decay;
  settings.decoupled_weight_decay = options.optimizer == OptimizerKind::adamw;
  return std::make_unique<Adam<float>>(model.named_parameters(), settings);
}

// A double as text that reads back to the same bits (17 significant digits).
std::string exact_text(double value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

// The epoch's running totals, kept in a mid-epoch checkpoint so that the resumed epoch's
// metrics are those of an uninterrupted one.
void put_epoch_totals(const EpochTotals& totals, Metadata& metadata) {
  metadata["epoch_loss_sum"] = exact_text(totals.loss_sum);
  metadata["epoch_correct"] = std::to_string(totals.correct);
  metadata["epoch_images"] = std::to_string(totals.images);
  metadata["epoch_steps"] = std::to_string(totals.steps);
}

EpochTotals epoch_totals_from(const Metadata& metadata, const std::string& path) {
  auto field = [&](const std::string& key) {
    const auto found = metadata.find(key);
    if (found == metadata.end()) throw DataError(path + ": a mid-epoch checkpoint without '" + key + "'");
    return found->second;
  };
  EpochTotals totals;
  try {
    totals.loss_sum = std::stod(field("epoch_loss_sum"));
    totals.correct = std::stoul(field("epoch_correct"));
    totals.images = std::stoul(field("epoch_images"));
    totals.steps = std::stoul(field("epoch_steps"));
  } catch (const std::logic_error&) {  // std::stod's and std::stoul's invalid_argument and out_of_range
    throw DataError(path + ": the epoch's totals so far are not numbers");
  }
  return totals;
}

}  // namespace

std::string to_string(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::adamw: return "adamw";
  }
  return "?";
}

OptimizerKind optimizer_from_string(const std::string& name) {
  for (OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::adam, OptimizerKind::adamw}) {
    if (to_string(kind) == name) return kind;
  }
  throw std::invalid_argument("unknown optimizer '" + name + "' (expected adam, adamw or sgd)");
}

std::string describe(const TrainingOptions& o) {
  std::ostringstream text;
  text << o.model << ", " << to_string(o.stem) << " stem, " << o.epochs << " epochs, batch " << o.batch_size << ", "
       << to_string(o.optimizer) << " lr " << o.learning_rate;
  if (o.optimizer == OptimizerKind::sgd) text << " momentum " << o.momentum << (o.nesterov ? " (Nesterov)" : "");
  if (o.weight_decay > 0) text << " weight decay " << o.weight_decay;
  if (o.dropout > 0) text << ", dropout " << o.dropout;
  text << ", " << to_string(o.schedule) << " schedule, normalisation " << to_string(o.normalization)
       << (o.augment ? ", augmentation (crop + flip)" : ", no augmentation") << ", seed " << o.seed;
  if (o.device == Device::cuda) text << ", on the GPU" << (cuda::is_emulated() ? " (emulated on the CPU)" : "");
  return text.str();
}

Cifar10Data first_images(const Cifar10Data& data, std::size_t count) {
  if (count == 0 || count >= data.labels.size()) return data;
  return {xt::view(data.images, xt::range(0, count)), xt::view(data.labels, xt::range(0, count))};
}

Trainer::Trainer(const TrainingOptions& options, const Cifar10Data& train, const Cifar10Data& test)
    : options_(options),
      train_(first_images(train, options.train_images)),
      test_(first_images(test, options.test_images)) {
  if (options.epochs == 0) throw std::invalid_argument("training needs at least one epoch");
  Generator generator(options.seed);
  ResNetConfig config = resnet_config(options.model, Cifar10Format::classes, options.stem);
  config.dropout = options.dropout;
  model_ = std::make_unique<ResNet<float>>(config, generator);
  model_->use_cpu_kernels(options.cpu_kernels);
  if (options.device == Device::cuda) model_->to(Device::cuda);  // the optimizer's state follows it
  optimizer_ = make_optimizer(options, *model_);
  LoaderSettings loading;
  loading.batch_size = options.batch_size;
  loading.drop_last = options.drop_last;
  loading.normalization = options.normalization;
  loading.augment = options.augment;
  loading.seed = options.seed;
  loader_ = std::make_unique<DataLoader>(train_, loading);
  schedule_.kind = options.schedule;
  schedule_.base_rate = options.learning_rate;
  schedule_.total_steps = static_cast<std::int64_t>(options.epochs * loader_->batches_per_epoch());
  // Step decay: times 0.1 after a third and after two thirds of the run (as 30 and 60 of 90 epochs).
  schedule_.step_size = std::max<std::int64_t>(1, schedule_.total_steps / 3);
  schedule_.gamma = 0.1;
}

std::string Trainer::run_file(const std::string& name) const {
  return (std::filesystem::path(options_.run_directory) / name).string();
}

void Trainer::save(const std::string& name) const {
  Checkpoint checkpoint;
  checkpoint.model = model_->state_dict();
  checkpoint.optimizer = optimizer_->state_dict();
  checkpoint.metadata = {{"model", options_.model},
                         {"stem", to_string(options_.stem)},
                         {"classes", std::to_string(model_->config().classes)},
                         {"normalization", to_string(options_.normalization)},
                         {"epoch", std::to_string(epochs_done_)},
                         {"step_in_epoch", std::to_string(steps_done_in_epoch_)},
                         {"best_test_accuracy", std::to_string(best_accuracy_)},
                         {"options", describe(options_)}};
  if (options_.dropout > 0) checkpoint.metadata["dropout"] = std::to_string(options_.dropout);
  if (steps_done_in_epoch_ > 0) put_epoch_totals(progress_, checkpoint.metadata);
  std::filesystem::create_directories(options_.run_directory);
  save_checkpoint(run_file(name), checkpoint);
}

std::size_t Trainer::resume() {
  const std::string path = run_file("last.safetensors");
  const Checkpoint checkpoint = load_checkpoint(path);
  auto metadata = [&](const std::string& key) {
    const auto found = checkpoint.metadata.find(key);
    if (found == checkpoint.metadata.end()) throw DataError(path + ": not a training checkpoint (no '" + key + "')");
    return found->second;
  };
  if (metadata("model") != options_.model || metadata("stem") != to_string(options_.stem)) {
    throw DataError(path + ": a checkpoint of " + metadata("model") + " with the " + metadata("stem") +
                    " stem; this run trains " + options_.model + " with the " + to_string(options_.stem) + " stem");
  }
  try {
    model_->load_state_dict(checkpoint.model);
    optimizer_->load_state_dict(checkpoint.optimizer);
  } catch (const ShapeError& error) {
    throw DataError(path + ": does not fit this run (" + error.what() + ")");
  }
  try {
    epochs_done_ = std::stoul(metadata("epoch"));
    steps_done_in_epoch_ = std::stoul(metadata("step_in_epoch"));
    best_accuracy_ = std::stod(metadata("best_test_accuracy"));
  } catch (const std::logic_error&) {  // std::stoul's invalid_argument and out_of_range
    throw DataError(path + ": its epoch, step or best accuracy is not a number");
  }
  progress_ = steps_done_in_epoch_ > 0 ? epoch_totals_from(checkpoint.metadata, path) : EpochTotals{};
  images_before_start_ = progress_.images;
  // The metrics of the epochs the checkpoint covers (a later, unsaved epoch is dropped).
  history_.clear();
  for (const EpochMetrics& m : read_metrics(run_file("metrics.jsonl"))) {
    if (m.epoch <= epochs_done_) history_.push_back(m);
  }
  return epochs_done_;
}

// After every step of the student's train_epoch(): stop on a loss that is not a number,
// report progress, and end the epoch early (after saving) when stop() was called.
bool Trainer::after_step(const StepResult& step, std::size_t epoch, double seconds,
                         const std::function<void(const StepProgress&)>& on_step) {
  const std::size_t steps = loader_->batches_per_epoch();
  if (!std::isfinite(step.loss)) {
    throw TrainingDiverged("the loss is " + std::to_string(step.loss) + " at epoch " + std::to_string(epoch + 1) +
                           ", step " + std::to_string(steps_done_in_epoch_ + 1) + " of " + std::to_string(steps) +
                           " (learning rate " + std::to_string(optimizer_->learning_rate()) +
                           "); training stopped, nothing was saved after the last good checkpoint " +
                           run_file("last.safetensors"));
  }
  ++steps_done_in_epoch_;
  progress_.loss_sum += step.loss * static_cast<double>(step.images);
  progress_.correct += step.correct;
  progress_.images += step.images;
  ++progress_.steps;
  if (on_step) {
    const auto seen = static_cast<double>(progress_.images);
    const auto trained_here = static_cast<double>(progress_.images - images_before_start_);
    on_step({epoch + 1, options_.epochs, steps_done_in_epoch_, steps, progress_.loss_sum / seen,
             static_cast<double>(progress_.correct) / seen, trained_here / seconds, seconds});
  }
  if (steps_done_in_epoch_ == steps) return true;  // the epoch's end saves everything
  if (stop_requested_) {
    save("last.safetensors");  // mid-epoch: resume continues at the next batch
    stopped_ = true;
    return false;
  }
  if (seconds_since(last_save_) >= 60.0 * options_.checkpoint_minutes) {
    save("last.safetensors");  // a kill from now on loses at most checkpoint_minutes
    last_save_ = Clock::now();
  }
  return true;
}

std::vector<EpochMetrics> Trainer::run(const std::function<void(const StepProgress&)>& on_step,
                                       const std::function<void(const EpochMetrics&)>& on_epoch) {
  std::vector<EpochMetrics> done;
  const std::size_t steps = loader_->batches_per_epoch();
  stopped_ = false;
  DeviceBatches on_device(options_.batch_size);  // used when training on the GPU
  const BatchSource next_batch = [&]() -> std::optional<Batch> {
    std::optional<Batch> batch = loader_->next();
    if (batch && options_.device == Device::cuda) batch->images = on_device.upload(batch->images);
    return batch;
  };
  while (epochs_done_ < options_.epochs) {
    const std::size_t epoch = epochs_done_;  // from 0
    loader_->start_epoch(epoch, steps_done_in_epoch_);
    const bool resumed_mid_epoch = steps_done_in_epoch_ > 0;  // progress_ holds the totals so far
    if (!resumed_mid_epoch) {
      progress_ = {};
      images_before_start_ = 0;
    }
    const auto start = Clock::now();
    const auto first_step = static_cast<std::int64_t>(epoch * steps + steps_done_in_epoch_);
    const EpochTotals totals =
        train_epoch(*model_, *optimizer_, schedule_, first_step, next_batch,  // task 7.9
                    [&](const StepResult& step) { return after_step(step, epoch, seconds_since(start), on_step); });
    if (stopped_) return done;
    // The student's totals cover the steps of this call; after a mid-epoch resume the epoch's
    // are progress_, summed step by step as train_epoch sums them, and so equal to the totals
    // of an uninterrupted epoch to the last bit.
    EpochMetrics metrics = epoch_metrics(resumed_mid_epoch ? progress_ : totals, seconds_since(start));
    metrics.epoch = epoch + 1;
    metrics.images_per_second = static_cast<double>(progress_.images - images_before_start_) / metrics.seconds;
    images_before_start_ = 0;
    const Evaluation test = evaluate();
    metrics.test_loss = test.loss;
    metrics.test_accuracy = test.accuracy;
    finish_epoch(metrics);
    done.push_back(metrics);
    if (on_epoch) on_epoch(metrics);
    if (stop_requested_) {
      stopped_ = true;
      return done;
    }
  }
  return done;
}

EpochMetrics Trainer::epoch_metrics(const EpochTotals& totals, double seconds) const {
  EpochMetrics metrics;
  metrics.seconds = seconds;
  const auto seen = static_cast<double>(totals.images);
  metrics.train_loss = totals.images > 0 ? totals.loss_sum / seen : 0.0;
  metrics.train_accuracy = totals.images > 0 ? static_cast<double>(totals.correct) / seen : 0.0;
  metrics.learning_rate = optimizer_->learning_rate();
  return metrics;
}

// The epoch's files, `last.safetensors` last: it says which epoch is done, so a run killed
// between two of these writes resumes from the previous epoch and writes them all again.
void Trainer::finish_epoch(EpochMetrics metrics) {
  ++epochs_done_;
  steps_done_in_epoch_ = 0;
  history_.push_back(metrics);
  const bool best = metrics.test_accuracy > best_accuracy_;
  if (best) best_accuracy_ = metrics.test_accuracy;
  std::filesystem::create_directories(options_.run_directory);  // a run with no mid-epoch save has none yet
  write_file_atomically(run_file("metrics.jsonl"), metrics_lines(history_));
  write_curves(options_.run_directory, history_, options_.model + ", " + to_string(options_.stem) + " stem");
  if (best) save("best.safetensors");
  save("last.safetensors");
  last_save_ = Clock::now();
}

Evaluation Trainer::evaluate() { return resnet::evaluate(*model_, test_, options_.normalization); }  // task 7.10

}  // namespace resnet
