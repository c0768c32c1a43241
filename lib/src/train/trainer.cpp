#include "resnet/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <xtensor/xview.hpp>

#include "resnet/cuda/kernels.hpp"
#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"
#include "resnet/io/checkpoint.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/viz/plot.hpp"

namespace resnet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Where a model's parameters live.
Device device_of(ResNet<float>& model) { return model.fc.weight.value.device(); }

// A batch's loss, the logits on the CPU (for the accuracy) and, when asked, the gradient
// of the loss with respect to the logits on the logits' device.
struct BatchLoss {
  float loss = 0.0f;
  xt::xtensor<float, 2> logits;
  Tensor<float, 2> dlogits;
};

// On the GPU (chapter 6): the cross-entropy kernels; only the N row losses and the N x K
// logits come back to the CPU.
BatchLoss loss_on_device(const Tensor<float, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels,
                         bool with_gradient) {
  const std::size_t N = logits.dim(0), K = logits.dim(1);
  if (labels.size() != N) throw ShapeError("loss: " + std::to_string(labels.size()) + " labels for " + std::to_string(N) + " images");
  for (const std::int64_t label : labels) {
    if (label < 0 || static_cast<std::size_t>(label) >= K) {
      throw ShapeError("loss: label " + std::to_string(label) + " is not a class in 0-" + std::to_string(K - 1));
    }
  }
  cuda::DeviceBuffer<std::int64_t> device_labels(N);
  cuda::copy_host_to_device(device_labels.data(), labels.data(), N * sizeof(std::int64_t));
  cuda::DeviceBuffer<float> probabilities(N * K), row_losses(N);
  const cuda::Launch where = cuda::device_launch();
  cuda::cross_entropy_forward(logits.device_data(), device_labels.data(), probabilities.data(), row_losses.data(), N,
                              K, where);
  std::vector<float> losses(N);
  cuda::copy_device_to_host(losses.data(), row_losses.data(), N * sizeof(float));
  BatchLoss result;
  double sum = 0.0;
  for (const float loss : losses) sum += static_cast<double>(loss);
  result.loss = static_cast<float>(sum / static_cast<double>(N));
  result.logits = logits.to(Device::cpu).host();
  if (with_gradient) {
    result.dlogits = Tensor<float, 2>::empty({N, K}, Device::cuda);
    cuda::cross_entropy_backward(1.0f, probabilities.data(), device_labels.data(), result.dlogits.device_data(), N, K,
                                 where);
  }
  return result;
}

BatchLoss loss_of_batch(const Tensor<float, 2>& logits, const xt::xtensor<std::int64_t, 1>& labels,
                        bool with_gradient) {
  if (logits.device() == Device::cuda) return loss_on_device(logits, labels, with_gradient);
  auto loss = cross_entropy_forward(logits.host(), labels);
  BatchLoss result;
  result.loss = loss.loss;
  result.logits = logits.host();
  if (with_gradient) result.dlogits = Tensor<float, 2>::from_host(cross_entropy_backward(1.0f, loss.cache).dlogits);
  return result;
}

// Training batches on the GPU (chapter 6): two slots that a BatchUploader fills in turn,
// so that a batch travels while the GPU still computes on the one before. A batch of
// another shape (an epoch's last, smaller one) is copied on its own.
class DeviceBatches {
 public:
  explicit DeviceBatches(std::size_t batch_size) : batch_size_(batch_size) {}
  DeviceBatches(const DeviceBatches&) = delete;
  DeviceBatches& operator=(const DeviceBatches&) = delete;
  // The slots go back to the caching allocator, whose next user may write them on another
  // stream: first let the kernels that read them finish.
  ~DeviceBatches() {
    try {
      if (uploader_) cuda::synchronize();
    } catch (...) {  // a kernel failure was reported where it happened
    }
  }

  const Tensor<float, 4>& upload(const Tensor<float, 4>& images) {
    if (!uploader_) {  // full batches of the first batch's image size
      const std::array<std::size_t, 4> shape{batch_size_, images.dim(1), images.dim(2), images.dim(3)};
      for (auto& slot : slots_) slot = Tensor<float, 4>::empty(shape, Device::cuda);
      uploader_ = std::make_unique<cuda::BatchUploader>(slots_[0].size() * sizeof(float));
    }
    if (images.shape() != slots_[0].shape()) {
      other_shape_ = images.to(Device::cuda);
      return other_shape_;
    }
    Tensor<float, 4>& slot = slots_[uploader_->next_slot()];
    uploader_->upload(slot.device_data(), images.host().data(), images.size() * sizeof(float));
    return slot;
  }

 private:
  std::size_t batch_size_;
  std::unique_ptr<cuda::BatchUploader> uploader_;
  Tensor<float, 4> slots_[2];
  Tensor<float, 4> other_shape_;
};

// The class with the largest logit in row n.
std::size_t predicted_class(const xt::xtensor<float, 2>& logits, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t k = 1; k < logits.shape()[1]; ++k) {
    if (logits(n, k) > logits(n, best)) best = k;
  }
  return best;
}

std::unique_ptr<Optimizer<float>> make_optimizer(const TrainingOptions& options, ResNet<float>& model) {
  if (options.optimizer == "sgd") {
    SgdSettings settings;
    settings.learning_rate = options.learning_rate;
    settings.momentum = options.momentum;
    settings.nesterov = options.nesterov;
    settings.weight_decay = options.weight_decay;
    return std::make_unique<Sgd<float>>(model.named_parameters(), settings);
  }
  if (options.optimizer == "adam" || options.optimizer == "adamw") {
    AdamSettings settings;
    settings.learning_rate = options.learning_rate;
    settings.weight_decay = options.weight_decay;
    settings.decoupled_weight_decay = options.optimizer == "adamw";
    return std::make_unique<Adam<float>>(model.named_parameters(), settings);
  }
  throw std::invalid_argument("unknown optimizer '" + options.optimizer + "' (expected adam, adamw or sgd)");
}

nlohmann::json to_json(const EpochMetrics& m) {
  return {{"epoch", m.epoch},           {"train_loss", m.train_loss},       {"train_accuracy", m.train_accuracy},
          {"test_loss", m.test_loss},   {"test_accuracy", m.test_accuracy}, {"learning_rate", m.learning_rate},
          {"seconds", m.seconds},       {"images_per_second", m.images_per_second}};
}

EpochMetrics from_json(const nlohmann::json& j) {
  EpochMetrics m;
  m.epoch = j.at("epoch");
  m.train_loss = j.at("train_loss");
  m.train_accuracy = j.at("train_accuracy");
  m.test_loss = j.at("test_loss");
  m.test_accuracy = j.at("test_accuracy");
  m.learning_rate = j.at("learning_rate");
  m.seconds = j.at("seconds");
  m.images_per_second = j.at("images_per_second");
  return m;
}

}  // namespace

std::string describe(const TrainingOptions& o) {
  std::ostringstream text;
  text << o.model << ", " << to_string(o.stem) << " stem, " << o.epochs << " epochs, batch " << o.batch_size << ", "
       << o.optimizer << " lr " << o.learning_rate;
  if (o.optimizer == "sgd") text << " momentum " << o.momentum << (o.nesterov ? " (Nesterov)" : "");
  if (o.weight_decay > 0) text << " weight decay " << o.weight_decay;
  text << ", " << to_string(o.schedule) << " schedule, normalisation " << to_string(o.normalization)
       << (o.augment ? ", augmentation (crop + flip)" : ", no augmentation") << ", seed " << o.seed;
  if (o.device == Device::cuda) text << ", on the GPU" << (cuda::is_emulated() ? " (emulated on the CPU)" : "");
  return text.str();
}

std::vector<double> Evaluation::class_accuracy() const {
  std::vector<double> result;
  for (std::size_t k = 0; k < confusion.size(); ++k) {
    std::size_t total = 0;
    for (std::size_t count : confusion[k]) total += count;
    result.push_back(total == 0 ? std::numeric_limits<double>::quiet_NaN()
                                : static_cast<double>(confusion[k][k]) / static_cast<double>(total));
  }
  return result;
}

Cifar10Data first_images(const Cifar10Data& data, std::size_t count) {
  if (count == 0 || count >= data.labels.size()) return data;
  return {xt::view(data.images, xt::range(0, count)), xt::view(data.labels, xt::range(0, count))};
}

Evaluation evaluate(ResNet<float>& model, const Cifar10Data& data, Normalization normalization, std::size_t batch_size) {
  const bool was_training = model.is_training();
  model.eval();
  LoaderSettings settings;
  settings.batch_size = batch_size;
  settings.shuffle = false;
  settings.normalization = normalization;
  DataLoader loader(data, settings);
  const std::size_t classes = model.config().classes;
  Evaluation result;
  result.confusion.assign(classes, std::vector<std::size_t>(classes, 0));
  double loss_sum = 0.0;
  std::size_t correct = 0, seen = 0;
  const Device device = device_of(model);
  while (auto batch = loader.next()) {
    const Tensor<float, 2> logits = model.forward(device == Device::cpu ? batch->images : batch->images.to(device));
    const BatchLoss loss = loss_of_batch(logits, batch->labels, false);
    const std::size_t n = batch->labels.size();
    loss_sum += static_cast<double>(loss.loss) * static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t predicted = predicted_class(loss.logits, i);
      const auto truth = static_cast<std::size_t>(batch->labels(i));
      ++result.confusion.at(truth).at(predicted);
      correct += predicted == truth;
    }
    seen += n;
  }
  model.train(was_training);
  result.loss = loss_sum / static_cast<double>(seen);
  result.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
  return result;
}

Trainer::Trainer(const TrainingOptions& options, const Cifar10Data& train, const Cifar10Data& test)
    : options_(options), train_(first_images(train, options.train_images)), test_(first_images(test, options.test_images)) {
  if (options.epochs == 0) throw std::invalid_argument("training needs at least one epoch");
  Generator generator(options.seed);
  model_ = make_resnet<float>(options.model, Cifar10Format::classes, options.stem, generator);
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

void Trainer::set_schedule(std::int64_t global_step) {
  optimizer_->set_learning_rate(learning_rate_at(schedule_, global_step));
  if (const auto momentum = momentum_at(schedule_, global_step)) optimizer_->set_momentum(*momentum);
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
  // The metrics of the epochs the checkpoint covers (a later, unsaved epoch is dropped).
  history_.clear();
  std::ifstream metrics(run_file("metrics.jsonl"));
  for (std::string line; std::getline(metrics, line);) {
    if (line.empty()) continue;
    const EpochMetrics m = from_json(nlohmann::json::parse(line));
    if (m.epoch <= epochs_done_) history_.push_back(m);
  }
  return epochs_done_;
}

std::vector<EpochMetrics> Trainer::run(const std::function<void(const StepProgress&)>& on_step,
                                       const std::function<void(const EpochMetrics&)>& on_epoch) {
  std::vector<EpochMetrics> done;
  const std::size_t steps = loader_->batches_per_epoch();
  stopped_ = false;
  DeviceBatches on_device(options_.batch_size);  // used when training on the GPU
  while (epochs_done_ < options_.epochs) {
    const std::size_t epoch = epochs_done_;  // from 0
    loader_->start_epoch(epoch, steps_done_in_epoch_);
    model_->train();
    const auto start = Clock::now();
    double loss_sum = 0.0;
    std::size_t correct = 0, seen = 0;
    while (auto batch = loader_->next()) {
      set_schedule(static_cast<std::int64_t>(epoch * steps + steps_done_in_epoch_));
      optimizer_->zero_grad();
      const bool on_cpu = options_.device == Device::cpu;
      const Tensor<float, 2> logits = model_->forward(on_cpu ? batch->images : on_device.upload(batch->images));
      BatchLoss loss = loss_of_batch(logits, batch->labels, true);
      if (!std::isfinite(loss.loss)) {
        throw TrainingDiverged("the loss is " + std::to_string(loss.loss) + " at epoch " + std::to_string(epoch + 1) +
                               ", step " + std::to_string(steps_done_in_epoch_ + 1) + " of " + std::to_string(steps) +
                               " (learning rate " + std::to_string(optimizer_->learning_rate()) +
                               "); training stopped, nothing was saved after the last good checkpoint " +
                               run_file("last.safetensors"));
      }
      model_->backward(loss.dlogits);
      optimizer_->step();
      ++steps_done_in_epoch_;
      const std::size_t n = batch->labels.size();
      loss_sum += static_cast<double>(loss.loss) * static_cast<double>(n);
      for (std::size_t i = 0; i < n; ++i) correct += predicted_class(loss.logits, i) == static_cast<std::size_t>(batch->labels(i));
      seen += n;
      const double seconds = seconds_since(start);
      if (on_step) {
        on_step({epoch + 1, options_.epochs, steps_done_in_epoch_, steps, loss_sum / static_cast<double>(seen),
                 static_cast<double>(correct) / static_cast<double>(seen), static_cast<double>(seen) / seconds, seconds});
      }
      if (stop_requested_ && steps_done_in_epoch_ < steps) {
        save("last.safetensors");  // mid-epoch: resume continues at the next batch
        stopped_ = true;
        return done;
      }
    }
    EpochMetrics metrics;
    metrics.epoch = epoch + 1;
    metrics.seconds = seconds_since(start);
    metrics.train_loss = seen > 0 ? loss_sum / static_cast<double>(seen) : 0.0;
    metrics.train_accuracy = seen > 0 ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
    metrics.images_per_second = static_cast<double>(seen) / metrics.seconds;
    metrics.learning_rate = optimizer_->learning_rate();
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

void Trainer::finish_epoch(EpochMetrics metrics) {
  ++epochs_done_;
  steps_done_in_epoch_ = 0;
  history_.push_back(metrics);
  const bool best = metrics.test_accuracy > best_accuracy_;
  if (best) best_accuracy_ = metrics.test_accuracy;
  save("last.safetensors");
  if (best) save("best.safetensors");
  write_metrics_and_curves();
}

Evaluation Trainer::evaluate() { return resnet::evaluate(*model_, test_, options_.normalization); }

void Trainer::write_metrics_and_curves() const {
  std::string lines;
  for (const EpochMetrics& m : history_) lines += to_json(m).dump() + "\n";
  write_file_atomically(run_file("metrics.jsonl"), lines);
  PlotSeries train_loss{"train", {}, {}}, test_loss{"test", {}, {}}, train_accuracy{"train", {}, {}},
      test_accuracy{"test", {}, {}};
  for (const EpochMetrics& m : history_) {
    const double x = static_cast<double>(m.epoch);
    for (PlotSeries* series : {&train_loss, &test_loss, &train_accuracy, &test_accuracy}) series->x.push_back(x);
    train_loss.y.push_back(m.train_loss);
    test_loss.y.push_back(m.test_loss);
    train_accuracy.y.push_back(100.0 * m.train_accuracy);
    test_accuracy.y.push_back(100.0 * m.test_accuracy);
  }
  PlotSettings plot;
  plot.x_label = "epoch";
  plot.title = "Loss: " + options_.model + ", " + to_string(options_.stem) + " stem";
  plot.y_label = "cross-entropy";
  write_line_plot(run_file("loss.svg"), {train_loss, test_loss}, plot);
  plot.title = "Accuracy: " + options_.model + ", " + to_string(options_.stem) + " stem";
  plot.y_label = "accuracy (%)";
  write_line_plot(run_file("accuracy.svg"), {train_accuracy, test_accuracy}, plot);
}

}  // namespace resnet
