#include "training_checks.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <sstream>

#include <xtensor/xview.hpp>

#include "resnet/data/loader.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/train/batch_loss.hpp"

namespace resnet::testing {

namespace {

std::string text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string list(const std::vector<std::size_t>& values, std::size_t most = 12) {
  std::ostringstream out;
  for (std::size_t i = 0; i < values.size() && i < most; ++i) out << (i ? ", " : "") << values[i];
  if (values.size() > most) out << ", ...";
  return out.str();
}

bool close(double a, double b, double rtol) {
  return std::abs(a - b) <= rtol * std::max(std::abs(a), std::abs(b)) + 1e-12;
}

// ---------------------------------------------------------------- data

// 25 images that say who they are: channel 0 of image i is 10 + i everywhere, channels 1
// and 2 ramp along x (so that a flip changes them). Labels in no simple order.
Cifar10Data numbered_images(std::size_t count) {
  Cifar10Data data{xt::xtensor<std::uint8_t, 4>::from_shape({count, 3, 32, 32}),
                   xt::xtensor<std::uint8_t, 1>::from_shape({count})};
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t y = 0; y < 32; ++y) {
      for (std::size_t x = 0; x < 32; ++x) {
        data.images(i, 0, y, x) = static_cast<std::uint8_t>(10 + i);
        data.images(i, 1, y, x) = static_cast<std::uint8_t>(100 + 4 * x);
        data.images(i, 2, y, x) = static_cast<std::uint8_t>(20 + 7 * x);
      }
    }
    data.labels(i) = static_cast<std::uint8_t>((i * 7 + 3) % 10);
  }
  return data;
}

// What normalize_images gives for pixel value v of channel c (the task 7.5 formula, written
// once more here so that the check does not trust the code it checks).
float normalized(std::uint8_t value, std::size_t c, Normalization normalization) {
  const ChannelStatistics s = channel_statistics(normalization);
  return (static_cast<float>(value) / 255.0f - s.mean[c]) / s.stddev[c];
}

xt::xtensor<float, 4> normalized_images(const Cifar10Data& data, Normalization normalization) {
  xt::xtensor<float, 4> result(data.images.shape());
  for (std::size_t i = 0; i < data.images.size(); ++i) {
    const std::size_t c = (i / (32 * 32)) % 3;
    result.data()[i] = normalized(data.images.data()[i], c, normalization);
  }
  return result;
}

// The image a normalised batch entry came from, read back from channel 0 at the centre
// (a crop moves the window by at most 4 pixels, so the centre is never padding), or -1.
long source_of(const xt::xtensor<float, 4>& images, std::size_t entry, std::size_t count) {
  const ChannelStatistics s = channel_statistics(Normalization::cifar10);
  const double pixel = (images(entry, 0, 16, 16) * s.stddev[0] + s.mean[0]) * 255.0;
  const long value = std::lround(pixel);
  if (std::abs(pixel - static_cast<double>(value)) > 0.01 || value < 10 || value >= static_cast<long>(10 + count))
    return -1;
  return value - 10;
}

// A batch of B random, roughly normalised images (3, 8, 8) with random labels.
Batch random_batch(std::size_t B, std::uint64_t seed) {
  Generator generator(seed);
  xt::xtensor<float, 4> images = xt::xtensor<float, 4>::from_shape({B, 3, 8, 8});
  for (float& value : images) value = static_cast<float>(generator.normal());
  xt::xtensor<std::int64_t, 1> labels = xt::xtensor<std::int64_t, 1>::from_shape({B});
  for (auto& label : labels) label = static_cast<std::int64_t>(generator.below(10));
  return {Tensor<float, 4>::from_host(images), labels};
}

std::vector<double> all_gradients(const Module<float>& model) {
  std::vector<double> values;
  for (const auto& named : model.named_parameters()) {
    const float* grad = named.parameter->grad_data();
    values.insert(values.end(), grad, grad + named.parameter->size());
  }
  return values;
}

// max |a - b| / max |b|, the size of a difference relative to the expected values.
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double difference = 0.0, scale = 1e-30;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    difference = std::max(difference, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return a.size() == b.size() ? difference / scale : INFINITY;
}

// The gradient of the batch's mean cross-entropy for a model in the state `state`.
std::vector<double> gradient_at(const StateDict& state, const Batch& batch) {
  auto model = tiny_classifier(0);
  model->load_state_dict(state);
  model->zero_grad();
  const BatchLoss loss = cross_entropy_and_gradient_of_batch(model->forward(batch.images), batch.labels);
  model->backward(loss.dlogits);
  return all_gradients(*model);
}

std::vector<double> running_statistics(const Module<float>& model) {
  std::vector<double> values;
  for (const auto& [name, entry] : model.state_dict()) {
    if (name.find("running_") != std::string::npos)
      values.insert(values.end(), entry.values.begin(), entry.values.end());
  }
  return values;
}

}  // namespace

std::unique_ptr<Classifier<float>> tiny_classifier(std::uint64_t seed) {
  ResNetConfig config;
  config.name = "tiny";
  config.blocks = {1};
  config.widths = {4};
  config.stem = Stem::cifar;
  config.classes = 10;
  Generator generator(seed);
  return std::make_unique<ResNet<float>>(config, generator);
}

void RecordingOptimizer::step() {
  rates.push_back(learning_rate_);
  momenta.push_back(momentum_);
  std::vector<double> gradient;
  for (const auto& named : parameters_) {
    float* value = named.parameter->value_data();
    const float* grad = named.parameter->grad_data();
    for (std::size_t i = 0; i < named.parameter->size(); ++i) {
      gradient.push_back(grad[i]);
      value[i] -= static_cast<float>(learning_rate_) * grad[i];
    }
  }
  gradients.push_back(std::move(gradient));
  ++steps_;
}

// ---------------------------------------------------------------- task 7.4

std::string check_epoch_order(const EpochOrderFunction& epoch_order) {
  Generator unused(0);
  if (!epoch_order(0, true, unused).empty()) return "an epoch of 0 images has an empty order";
  std::vector<std::size_t> identity(10);
  std::iota(identity.begin(), identity.end(), std::size_t{0});
  if (epoch_order(10, false, unused) != identity) {
    return "without shuffle the order must be 0, 1, ..., count - 1; got " + list(epoch_order(10, false, unused));
  }
  Generator first(1), again(1), other(2);
  const std::vector<std::size_t> order = epoch_order(50, true, first);
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  identity.resize(50);
  std::iota(identity.begin(), identity.end(), std::size_t{0});
  if (sorted != identity) {
    return "the order of 50 images is not a permutation of 0-49 (every image exactly once per epoch); got " +
           list(order, 50);
  }
  if (order == identity) return "shuffle is set but the order is 0, 1, 2, ...: nothing was shuffled";
  if (epoch_order(50, true, again) != order) {
    return "two generators in the same state gave different orders: draw every random number from the generator "
           "passed in, so that a run is reproducible from its seed (no std::random_device, no fresh seed)";
  }
  if (epoch_order(50, true, other) == order) {
    return "generators with different seeds gave the same order: the order must come from the generator passed in";
  }
  return "";
}

std::string check_shuffle_is_uniform(const EpochOrderFunction& epoch_order) {
  // Each of the 3! = 6 orders of 3 images should come up 1/6 of the time. Pearson's
  // chi-square statistic with 5 degrees of freedom exceeds 35.9 with probability 1e-6 for a
  // fair shuffle; the classic mistake (swap position i with any of the n positions) makes
  // 3^3 = 27 equally likely swap sequences fall unevenly on the 6 orders (4 or 5 of 27
  // each), which gives a statistic near 740 here.
  const std::size_t trials = 60000;
  Generator generator(2024);
  std::map<std::vector<std::size_t>, std::size_t> counts;
  for (std::size_t t = 0; t < trials; ++t) ++counts[epoch_order(3, true, generator)];
  if (counts.size() != 6) {
    return "60,000 shuffles of 3 images gave " + std::to_string(counts.size()) +
           " different orders, not the 6 there are";
  }
  const double expected = static_cast<double>(trials) / 6.0;
  double chi_square = 0.0;
  std::string table;
  for (const auto& [order, count] : counts) {
    chi_square += (static_cast<double>(count) - expected) * (static_cast<double>(count) - expected) / expected;
    table += " (" + list(order) + "): " + std::to_string(count);
  }
  if (chi_square > 35.9) {
    return "the shuffle is biased: over 60,000 shuffles of 3 images the 6 orders came up" + table +
           " times, where each should come up about 10,000 times (chi-square " + text(chi_square) +
           " > 35.9). Each position must take each remaining image with equal probability "
           "(swapping with any of the n positions, not just the ones not yet placed, is the classic mistake)";
  }
  return "";
}

// ---------------------------------------------------------------- task 7.7

std::string check_make_batch(const MakeBatchFunction& make_batch) {
  const std::size_t count = 25, batch_size = 8;
  const Cifar10Data data = numbered_images(count);
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = (i * 7 + 3) % count;  // a permutation: 7 and 25 are coprime
  LoaderSettings settings;
  settings.batch_size = batch_size;
  settings.normalization = Normalization::cifar10;
  settings.augment = false;
  const xt::xtensor<float, 4> plain = normalized_images(data, settings.normalization);
  for (std::size_t index = 0; index < 4; ++index) {
    Generator generator(100 + index);
    const Batch batch = make_batch(data, order, index, settings, generator);
    const std::size_t expected_count = index < 3 ? batch_size : 1;
    const std::string where = "batch " + std::to_string(index) + " of 25 images in batches of 8";
    if (batch.labels.size() != expected_count || batch.images.dim(0) != expected_count) {
      return where + " should hold " + std::to_string(expected_count) + (expected_count == 1 ? " image" : " images") +
             (index == 3 ? " (the last batch holds the one image left over)" : "") + ", it holds " +
             std::to_string(batch.images.dim(0)) + " images and " + std::to_string(batch.labels.size()) + " labels";
    }
    if (batch.images.shape() != std::array<std::size_t, 4>{expected_count, 3, 32, 32}) {
      return where + ": images of shape " + format_shape(batch.images.shape()) + ", expected (B, 3, 32, 32)";
    }
    const xt::xtensor<float, 4>& images = batch.images.host();
    for (std::size_t i = 0; i < expected_count; ++i) {
      const std::size_t position = index * batch_size + i, wanted = order[position];
      if (std::abs(images(i, 0, 16, 16)) > 5.0f) {
        return where + ": entry " + std::to_string(i) + " holds raw pixel values (" + text(images(i, 0, 16, 16)) +
               "): the images were not normalised (normalize_images, task 7.5)";
      }
      const long source = source_of(images, i, count);
      if (source < 0) {
        return where + ": entry " + std::to_string(i) +
               " is not one of the images normalised as normalize_images does "
               "(channel 0 at the centre reads " +
               text(images(i, 0, 16, 16)) + ")";
      }
      if (static_cast<std::size_t>(source) != wanted) {
        return where + ": entry " + std::to_string(i) + " is image " + std::to_string(source) +
               ", but the order puts image " + std::to_string(wanted) + " there" +
               (static_cast<std::size_t>(source) == position
                    ? " (the images were taken in storage order, not in the epoch's order)"
                    : "");
      }
      if (batch.labels(i) != static_cast<std::int64_t>(data.labels(wanted))) {
        return "labels shuffled apart from their images: " + where + ", entry " + std::to_string(i) + " holds image " +
               std::to_string(wanted) + " (label " + std::to_string(data.labels(wanted)) + ") but label " +
               std::to_string(batch.labels(i)) +
               (batch.labels(i) == static_cast<std::int64_t>(data.labels(position))
                    ? ", the label of image " + std::to_string(position) + " in storage order"
                    : "") +
               ": take the label from the same index as the image";
      }
      const xt::xtensor<float, 3> entry = xt::view(images, i), expected = xt::view(plain, wanted);
      if (xt::amax(xt::abs(entry - expected))() > 1e-5f) {
        return where + ": image " + std::to_string(wanted) +
               " was changed although settings.augment is false "
               "(augmentation belongs to training batches only, never to test images)";
      }
    }
  }
  settings.augment = true;
  Generator generator(7);
  const Batch augmented = make_batch(data, order, 0, settings, generator);
  if (augmented.labels.size() != batch_size) return "with settings.augment the first batch should still hold 8 images";
  bool any_changed = false;
  for (std::size_t i = 0; i < batch_size; ++i) {
    const long source = source_of(augmented.images.host(), i, count);
    if (source != static_cast<long>(order[i])) {
      return "with settings.augment, entry " + std::to_string(i) + " of the first batch is not image " +
             std::to_string(order[i]) + " cropped and flipped";
    }
    if (augmented.labels(i) != static_cast<std::int64_t>(data.labels(order[i]))) {
      return "labels shuffled apart from their images when augmenting: entry " + std::to_string(i) + " has label " +
             std::to_string(augmented.labels(i)) + ", its image " + std::to_string(order[i]) + " has label " +
             std::to_string(data.labels(order[i]));
    }
    const xt::xtensor<float, 3> entry = xt::view(augmented.images.host(), i), original = xt::view(plain, order[i]);
    any_changed = any_changed || xt::amax(xt::abs(entry - original))() > 1e-5f;
  }
  if (!any_changed) return "settings.augment is set, but none of 8 images was cropped or flipped";
  return "";
}

// ---------------------------------------------------------------- task 7.8

std::string check_train_step(const TrainStepFunction& train_step) {
  auto model = tiny_classifier(11);
  RecordingOptimizer optimizer(model->named_parameters());
  const Batch first = random_batch(6, 1), second = random_batch(6, 2);
  const StateDict initial = model->state_dict();
  const std::vector<double> first_gradient = gradient_at(initial, first);
  auto copy = tiny_classifier(0);
  copy->load_state_dict(initial);
  const BatchLoss first_loss = cross_entropy_of_batch(copy->forward(first.images), first.labels);
  std::size_t first_correct = 0;
  for (std::size_t n = 0; n < 6; ++n) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < 10; ++k) best = first_loss.logits(n, k) > first_loss.logits(n, best) ? k : best;
    first_correct += best == static_cast<std::size_t>(first.labels(n));
  }

  const StepResult one = train_step(*model, optimizer, first);
  if (optimizer.gradients.size() != 1) {
    return optimizer.gradients.empty()
               ? "optimizer.step() was never called: the weights did not change"
               : "one training step called optimizer.step() " + std::to_string(optimizer.gradients.size()) + " times";
  }
  const double norm = std::sqrt(std::inner_product(optimizer.gradients[0].begin(), optimizer.gradients[0].end(),
                                                   optimizer.gradients[0].begin(), 0.0));
  if (norm == 0.0)
    return "the optimizer stepped with zero gradients: call model.backward() with the loss's dlogits before step()";
  if (relative_difference(optimizer.gradients[0], first_gradient) > 1e-4) {
    return "the first step's gradient is not the gradient of the batch's mean cross-entropy (relative difference " +
           text(relative_difference(optimizer.gradients[0], first_gradient)) +
           "): forward the batch, then backward with cross_entropy_and_gradient_of_batch's dlogits";
  }
  if (!close(one.loss, first_loss.loss, 1e-5)) {
    return "the step returned loss " + text(one.loss) + ", the batch's mean cross-entropy before the update is " +
           text(first_loss.loss);
  }
  if (one.images != 6 || one.correct != first_correct) {
    return "the step returned " + std::to_string(one.correct) + " correct of " + std::to_string(one.images) +
           " images; the batch has 6 images, " + std::to_string(first_correct) +
           " of them predicted right before the update (predicted_classes against the labels)";
  }

  const StateDict after_first = model->state_dict();
  train_step(*model, optimizer, second);
  if (optimizer.gradients.size() != 2) return "the second training step did not call optimizer.step() exactly once";
  const std::vector<double> second_gradient = gradient_at(after_first, second);
  if (relative_difference(optimizer.gradients[1], second_gradient) > 1e-4) {
    std::vector<double> both = second_gradient;
    for (std::size_t i = 0; i < both.size(); ++i) both[i] += first_gradient[i];
    if (relative_difference(optimizer.gradients[1], both) < 1e-3) {
      return "gradients not zeroed: the second step used the sum of the first and second batches' gradients. "
             "Backward passes add to the gradients (+=), so zero them at the start of every step "
             "(optimizer.zero_grad()), as the tutorial's loop does";
    }
    return "the second step's gradient is not the gradient of its batch's loss at the weights after the first step "
           "(relative difference " +
           text(relative_difference(optimizer.gradients[1], second_gradient)) + ")";
  }
  return "";
}

// ---------------------------------------------------------------- task 7.9

namespace {

struct EpochRun {
  EpochTotals totals;
  std::vector<StepResult> after;  // what after_step saw
  std::size_t batches_asked = 0;
};

EpochRun run_epoch(const TrainEpochFunction& train_epoch, Classifier<float>& model, RecordingOptimizer& optimizer,
                   const ScheduleSettings& schedule, std::size_t stop_after) {
  std::vector<Batch> batches = {random_batch(4, 31), random_batch(4, 32), random_batch(4, 33), random_batch(3, 34)};
  EpochRun run;
  std::size_t next = 0;
  const BatchSource source = [&]() -> std::optional<Batch> {
    ++run.batches_asked;
    if (next >= batches.size()) return std::nullopt;
    return batches[next++];
  };
  const AfterStep after = [&](const StepResult& step) {
    run.after.push_back(step);
    return run.after.size() < stop_after;
  };
  run.totals = train_epoch(model, optimizer, schedule, 3, source, after);
  return run;
}

}  // namespace

std::string check_train_epoch(const TrainEpochFunction& train_epoch) {
  ScheduleSettings schedule;  // a different rate at every step: 0.1 * 0.5^t
  schedule.kind = ScheduleKind::step;
  schedule.base_rate = 0.1;
  schedule.step_size = 1;
  schedule.gamma = 0.5;
  auto model = tiny_classifier(5);
  model->eval();
  const std::vector<double> statistics_before = running_statistics(*model);
  RecordingOptimizer optimizer(model->named_parameters());
  const EpochRun run = run_epoch(train_epoch, *model, optimizer, schedule, 100);
  if (!model->is_training() || running_statistics(*model) == statistics_before) {
    return "the epoch did not train in training mode (the model came in evaluation mode and batch norm's running "
           "statistics did not move): call model.train() at the start of the epoch";
  }
  if (optimizer.rates.size() != 4) {
    return "an epoch of 4 batches took " + std::to_string(optimizer.rates.size()) +
           " optimizer steps: one train_step() per batch, until next_batch() returns nothing";
  }
  for (std::size_t i = 0; i < 4; ++i) {
    const double wanted = learning_rate_at(schedule, static_cast<std::int64_t>(3 + i));
    if (close(optimizer.rates[i], wanted, 1e-12)) continue;
    if (close(optimizer.rates[0], optimizer.rates[3], 1e-12)) {
      return "the schedule stepped per epoch, not per step: the learning rate stayed at " + text(optimizer.rates[0]) +
             " for the whole epoch, where the schedule gives " + text(learning_rate_at(schedule, 3)) + ", " +
             text(learning_rate_at(schedule, 4)) + ", ... for steps 3, 4, ... Set the rate before every step";
    }
    if (close(optimizer.rates[i], learning_rate_at(schedule, static_cast<std::int64_t>(i)), 1e-12)) {
      return "the steps were numbered from 0 in this epoch: the schedule counts steps across the run, and this "
             "epoch's first batch is step first_step (3 here)";
    }
    if (close(optimizer.rates[i], learning_rate_at(schedule, static_cast<std::int64_t>(4 + i)), 1e-12)) {
      return "the rate is one step ahead: set the rate for step t before taking step t";
    }
    return "step " + std::to_string(3 + i) + " used learning rate " + text(optimizer.rates[i]) +
           ", the schedule gives " + text(wanted);
  }
  if (run.after.size() != 4) {
    return "after_step was called " + std::to_string(run.after.size()) + " times for 4 steps: call it after every step";
  }
  double loss_sum = 0.0;
  std::size_t correct = 0, images = 0;
  for (const StepResult& step : run.after) {
    loss_sum += step.loss * static_cast<double>(step.images);
    correct += step.correct;
    images += step.images;
  }
  if (run.totals.steps != 4 || run.totals.images != 15 || run.totals.correct != correct ||
      !close(run.totals.loss_sum, loss_sum, 1e-9)) {
    return "the totals (steps " + std::to_string(run.totals.steps) + ", images " + std::to_string(run.totals.images) +
           ", correct " + std::to_string(run.totals.correct) + ", loss_sum " + text(run.totals.loss_sum) +
           ") do not add up the steps (4 steps, 15 images, " + std::to_string(correct) + " correct, loss_sum " +
           text(loss_sum) + " = the sum of loss x images)";
  }

  auto stopping = tiny_classifier(5);
  RecordingOptimizer stopped(stopping->named_parameters());
  const EpochRun early = run_epoch(train_epoch, *stopping, stopped, schedule, 2);
  if (stopped.rates.size() != 2 || early.totals.steps != 2) {
    return "the epoch went on after after_step returned false (" + std::to_string(stopped.rates.size()) +
           " steps instead of 2): Ctrl-C and the divergence check rely on that early end";
  }

  ScheduleSettings one_cycle;
  one_cycle.kind = ScheduleKind::one_cycle;
  one_cycle.base_rate = 0.1;
  one_cycle.total_steps = 10;
  auto cycling = tiny_classifier(5);
  RecordingOptimizer cycled(cycling->named_parameters());
  run_epoch(train_epoch, *cycling, cycled, one_cycle, 100);
  for (std::size_t i = 0; i < cycled.momenta.size(); ++i) {
    const double wanted = *momentum_at(one_cycle, static_cast<std::int64_t>(3 + i));
    if (!close(cycled.momenta[i], wanted, 1e-12)) {
      return "with one-cycle, step " + std::to_string(3 + i) + " ran with momentum " + text(cycled.momenta[i]) +
             ", the schedule gives " + text(wanted) +
             ": one-cycle moves the momentum too (momentum_at, when it "
             "has a value)";
    }
  }
  return "";
}

// ---------------------------------------------------------------- task 7.10

namespace {

Cifar10Data random_images(std::size_t count, std::uint64_t seed) {
  Generator generator(seed);
  Cifar10Data data{xt::xtensor<std::uint8_t, 4>::from_shape({count, 3, 32, 32}),
                   xt::xtensor<std::uint8_t, 1>::from_shape({count})};
  for (auto& pixel : data.images) pixel = static_cast<std::uint8_t>(generator.below(256));
  for (auto& label : data.labels) label = static_cast<std::uint8_t>(generator.below(10));
  return data;
}

struct Expected {
  double loss = 0.0;
  std::vector<std::vector<std::size_t>> confusion;
};

Expected expected_result(Classifier<float>& model, const Tensor<float, 4>& images,
                         const xt::xtensor<std::int64_t, 1>& labels) {
  const BatchLoss loss = cross_entropy_of_batch(model.forward(images), labels);
  Expected expected;
  expected.loss = loss.loss;
  expected.confusion.assign(10, std::vector<std::size_t>(10, 0));
  for (std::size_t n = 0; n < labels.size(); ++n) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < 10; ++k) best = loss.logits(n, k) > loss.logits(n, best) ? k : best;
    ++expected.confusion[static_cast<std::size_t>(labels(n))][best];
  }
  return expected;
}

// The confusion matrix if the test images were augmented as training batches are.
std::vector<std::vector<std::size_t>> augmented_confusion(Classifier<float>& model, const Cifar10Data& data) {
  LoaderSettings settings;
  settings.batch_size = 16;
  settings.shuffle = false;
  settings.augment = true;
  settings.normalization = Normalization::cifar10;
  DataLoader loader(data, settings);
  std::vector<std::vector<std::size_t>> confusion(10, std::vector<std::size_t>(10, 0));
  while (auto batch = loader.next()) {
    const Expected part = expected_result(model, batch->images, batch->labels);
    for (std::size_t i = 0; i < 10; ++i) {
      for (std::size_t j = 0; j < 10; ++j) confusion[i][j] += part.confusion[i][j];
    }
  }
  return confusion;
}

}  // namespace

std::string check_evaluate(const EvaluateFunction& evaluate) {
  auto model = tiny_classifier(21);
  model->train();
  for (std::uint64_t seed = 0; seed < 3; ++seed) {  // running statistics far from the test batches' own
    Batch shifted = random_batch(8, 40 + seed);
    shifted.images.host() += 3.0f;
    model->forward(shifted.images);
  }
  const std::size_t count = 37;
  const Cifar10Data data = random_images(count, 9);
  xt::xtensor<std::int64_t, 1> labels = xt::cast<std::int64_t>(data.labels);
  model->eval();
  const Expected expected =
      expected_result(*model, Tensor<float, 4>::from_host(normalized_images(data, Normalization::cifar10)), labels);
  model->train();
  const std::vector<double> statistics = running_statistics(*model);

  const Evaluation result = evaluate(*model, data, Normalization::cifar10, 16);
  if (running_statistics(*model) != statistics) {
    return "evaluation in training mode: batch norm's running statistics changed during the evaluation, and the "
           "batches were normalised with their own statistics. Call model.eval() before the forward passes";
  }
  if (!model->is_training()) {
    return "the model came to the evaluation in training mode and was left in evaluation mode: put it back in "
           "the mode it was in (training goes on after each epoch's evaluation)";
  }
  std::size_t counted = 0, right = 0;
  for (std::size_t i = 0; i < result.confusion.size(); ++i) {
    for (std::size_t j = 0; j < result.confusion[i].size(); ++j) counted += result.confusion[i][j];
    if (i < result.confusion[i].size()) right += result.confusion[i][i];
  }
  if (result.confusion.size() != 10 || counted != count) {
    return "the confusion matrix has " + std::to_string(result.confusion.size()) + " rows and counts " +
           std::to_string(counted) +
           " images; it should be 10 x 10 (one row per true class, one column per "
           "predicted class) and count all 37 images once";
  }
  if (result.confusion != expected.confusion) {
    model->eval();
    const auto augmented = augmented_confusion(*model, data);
    if (result.confusion == augmented) {
      return "augmentation applied to test images: the predictions are those of cropped and flipped images. "
             "Evaluation sees the test images as they are (no augment in its loader settings)";
    }
    return "the confusion matrix differs from the model's predictions in evaluation mode on the images as they "
           "are (normalised as in training, in their order)";
  }
  if (!close(result.loss, expected.loss, 1e-5)) {
    return "the loss is " + text(result.loss) + ", the mean cross-entropy over the 37 images is " +
           text(expected.loss) +
           " (batches of 16, 16 and 5: weight each batch's mean by its size, or the smaller last batch counts as much "
           "as a full one)";
  }
  if (!close(result.accuracy, static_cast<double>(right) / static_cast<double>(count), 1e-12)) {
    return "the accuracy " + text(result.accuracy) + " is not the fraction of the 37 images predicted right (" +
           std::to_string(right) + "/37)";
  }
  model->eval();
  evaluate(*model, data, Normalization::cifar10, 16);
  if (model->is_training()) {
    return "the model came to the evaluation in evaluation mode and was left in training mode: put it back in the "
           "mode it was in";
  }
  return "";
}

}  // namespace resnet::testing
