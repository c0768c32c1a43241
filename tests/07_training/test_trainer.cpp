// The training run, the machinery around tasks 7.1-7.10 (hence the tag [7.10]): a small
// ResNet learns on the committed sample; a resumed run ends exactly where an uninterrupted
// one does; a diverging run stops with a clear message and
// keeps its last good checkpoint; a run on the GPU (chapter 6; here the emulated device)
// follows the CPU run.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <catch2/catch.hpp>

#include "resnet/cuda/memory.hpp"
#include "resnet/io/checkpoint.hpp"
#include "resnet/train/trainer.hpp"
#include "support/device_for_test.hpp"
#include "support/temporary_directory.hpp"
#include "test_paths.hpp"

using namespace resnet;

namespace {

const Cifar10Data& sample(Split split) {
  static const std::string folder =
      std::string(resnet::testing::paths::data_directory) + "/cifar10-sample/cifar-10-batches-bin";
  static const Cifar10Data train = load_cifar10(folder, Split::train), test = load_cifar10(folder, Split::test);
  return split == Split::train ? train : test;
}

// A small, quick run: the CIFAR ResNet-20 (0.27M parameters) on part of the sample.
TrainingOptions small_run(const std::string& directory) {
  TrainingOptions options;
  options.model = "resnet20";
  options.stem = Stem::cifar;
  options.epochs = 2;
  options.batch_size = 64;
  options.train_images = 192;  // 3 steps per epoch
  options.test_images = 32;
  options.normalization = Normalization::cifar10;
  options.augment = true;
  options.seed = 3;
  options.run_directory = directory;
  return options;
}

std::string file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

bool same_state(const ResNet<float>& a, const ResNet<float>& b) {
  const StateDict x = a.state_dict(), y = b.state_dict();
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].first != y[i].first || x[i].second.values != y[i].second.values) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("a small ResNet learns to classify CIFAR-10 images well above chance",
          "[ch07][trainer][learning][slow][7.10]") {
  resnet::testing::TemporaryDirectory directory;
  TrainingOptions options = small_run(directory.path().string());
  options.epochs = 4;
  options.train_images = 1000;
  options.test_images = 200;
  options.augment = false;
  Trainer trainer(options, sample(Split::train), sample(Split::test));
  const auto metrics = trainer.run();
  REQUIRE(metrics.size() == 4);
  INFO("train loss " << metrics.front().train_loss << " -> " << metrics.back().train_loss << ", test accuracy "
                     << metrics.back().test_accuracy);
  CHECK(metrics.back().train_loss < 0.85 * metrics.front().train_loss);
  CHECK(metrics.back().test_accuracy > 0.25);  // chance is 0.10
  const Evaluation evaluation = trainer.evaluate();
  std::size_t counted = 0;
  for (const auto& row : evaluation.confusion) {
    for (std::size_t count : row) counted += count;
  }
  CHECK(counted == 200);
  CHECK(evaluation.accuracy == Approx(metrics.back().test_accuracy));
  for (const std::string file : {"last.safetensors", "best.safetensors", "metrics.jsonl", "loss.svg", "accuracy.svg"}) {
    INFO("a finished run leaves " << trainer.run_file(file) << " in its folder");
    CHECK(std::filesystem::exists(trainer.run_file(file)));
  }
}

TEST_CASE("a run stopped and resumed ends exactly where an uninterrupted run ends", "[ch07][trainer][resume][7.10]") {
  resnet::testing::TemporaryDirectory straight_directory, resumed_directory;
  Trainer straight(small_run(straight_directory.path().string()), sample(Split::train), sample(Split::test));
  straight.run();

  {  // Stopped (as by Ctrl-C) after the second step of the first epoch.
    Trainer first(small_run(resumed_directory.path().string()), sample(Split::train), sample(Split::test));
    first.run([&first](const StepProgress& progress) {
      if (progress.step == 2) first.stop();
    });
    CHECK(first.stopped());
    CHECK(first.epochs_done() == 0);
  }
  {  // Resumed, stopped again at the end of the first epoch.
    Trainer second(small_run(resumed_directory.path().string()), sample(Split::train), sample(Split::test));
    CHECK(second.resume() == 0);
    second.run({}, [&second](const EpochMetrics&) { second.stop(); });
    CHECK(second.epochs_done() == 1);
  }
  Trainer third(small_run(resumed_directory.path().string()), sample(Split::train), sample(Split::test));
  CHECK(third.resume() == 1);
  third.run();
  CHECK(third.epochs_done() == 2);
  INFO(
      "a run stopped twice and resumed from its checkpoints must end with exactly the weights, running statistics "
      "and test accuracy of the run that never stopped: the checkpoint must hold everything training reads next "
      "(the model with its running statistics, the optimizer's state, the epoch reached), and the data's order "
      "must depend on the seed and the epoch only");
  CHECK(same_state(straight.model(), third.model()));
  CHECK(third.history().size() == 2);
  CHECK(third.history().back().test_accuracy == straight.history().back().test_accuracy);
  for (std::size_t e = 0; e < 2; ++e) {
    INFO("epoch " << e + 1
                  << ": an epoch resumed mid-way must report the training loss and accuracy of the whole "
                     "epoch, as the uninterrupted run does (the checkpoint keeps the totals so far)");
    CHECK(third.history()[e].train_loss == straight.history()[e].train_loss);
    CHECK(third.history()[e].train_accuracy == straight.history()[e].train_accuracy);
    CHECK(third.history()[e].learning_rate == straight.history()[e].learning_rate);
  }
}

TEST_CASE("a run creates its run folder and writes every file there", "[ch07][trainer][7.10]") {
  resnet::testing::TemporaryDirectory directory;
  TrainingOptions options = small_run((directory.path() / "new" / "folder").string());
  options.epochs = 1;
  options.checkpoint_minutes = 1e6;  // no mid-epoch save: the epoch's end is the first write
  Trainer trainer(options, sample(Split::train), sample(Split::test));
  trainer.run();
  for (const char* name : {"metrics.jsonl", "loss.svg", "accuracy.svg", "best.safetensors", "last.safetensors"}) {
    INFO(name << " must be written into the run folder, which the run creates");
    CHECK(std::filesystem::exists(trainer.run_file(name)));
  }
}

TEST_CASE("a diverging run stops naming the step and keeps its last good checkpoint", "[ch07][trainer][errors][7.10]") {
  resnet::testing::TemporaryDirectory directory;
  TrainingOptions options = small_run(directory.path().string());
  options.epochs = 1;
  Trainer good(options, sample(Split::train), sample(Split::test));
  good.run();
  const std::string saved = file_bytes(good.run_file("last.safetensors"));

  options.epochs = 2;
  options.learning_rate = 1e30;  // Adam moves every weight by about 1e30: the loss overflows at once
  Trainer diverging(options, sample(Split::train), sample(Split::test));
  diverging.resume();
  CHECK_THROWS_WITH(diverging.run(), Catch::Contains("at epoch 2, step") && Catch::Contains("nothing was saved"));
  CHECK(file_bytes(good.run_file("last.safetensors")) == saved);
}

TEST_CASE("bad training options and foreign checkpoints are clear errors", "[ch07][trainer][errors][7.10]") {
  resnet::testing::TemporaryDirectory directory;
  TrainingOptions options = small_run(directory.path().string());
  CHECK_THROWS_WITH(optimizer_from_string("adagrad"), Catch::Contains("adam, adamw or sgd"));
  CHECK(optimizer_from_string("adamw") == OptimizerKind::adamw);
  Trainer trainer(options, sample(Split::train), sample(Split::test));
  CHECK_THROWS_AS(trainer.resume(), DataError);  // nothing saved yet
  options.epochs = 1;
  Trainer(options, sample(Split::train), sample(Split::test)).run();
  options.model = "resnet32";
  Trainer other(options, sample(Split::train), sample(Split::test));
  CHECK_THROWS_WITH(other.resume(),
                    Catch::Contains("a checkpoint of resnet20") && Catch::Contains("this run trains resnet32"));
}

namespace {

// The largest |b - a| / max |a| over one state-dict entry.
double relative_difference(const StateEntry& a, const StateEntry& b) {
  double largest = 1e-12, worst = 0.0;
  for (double value : a.values) largest = std::max(largest, std::abs(value));
  for (std::size_t i = 0; i < a.values.size(); ++i) worst = std::max(worst, std::abs(b.values.at(i) - a.values[i]));
  return worst / largest;
}

// A tiny SGD run: ResNet-20 on the first `images` training images, batches of 8.
TrainingOptions tiny_sgd_run(std::size_t images, double learning_rate) {
  TrainingOptions options = small_run("");  // run_on_both_devices gives each run its folder
  options.epochs = 1;
  options.batch_size = 8;
  options.train_images = images;
  options.test_images = 16;
  options.augment = false;
  options.optimizer = OptimizerKind::sgd;
  options.learning_rate = learning_rate;
  options.nesterov = true;
  options.weight_decay = 5e-4;
  return options;
}

// Every state-dict entry of the two models within `tolerance` (relative to the entry's
// largest value), counters included.
void check_same_state(const ResNet<float>& cpu, const ResNet<float>& gpu, double tolerance) {
  const StateDict cpu_state = cpu.state_dict(), gpu_state = gpu.state_dict();
  REQUIRE(cpu_state.size() == gpu_state.size());
  for (std::size_t i = 0; i < cpu_state.size(); ++i) {
    INFO(cpu_state[i].first);
    CHECK(relative_difference(cpu_state[i].second, gpu_state[i].second) < tolerance);
  }
}

// The same run on the CPU and then on the device, each in a folder of its own; checks
// that the second really lives on the device.
struct RunsOnBothDevices {
  std::unique_ptr<Trainer> cpu;
  std::unique_ptr<Trainer> gpu;
};

RunsOnBothDevices run_on_both_devices(TrainingOptions options, const std::string& cpu_directory,
                                      const std::string& gpu_directory) {
  RunsOnBothDevices runs;
  options.run_directory = cpu_directory;
  runs.cpu = std::make_unique<Trainer>(options, sample(Split::train), sample(Split::test));
  runs.cpu->run();
  options.device = Device::cuda;
  options.run_directory = gpu_directory;
  const std::size_t bytes_before = cuda::memory_stats().bytes_in_use;
  runs.gpu = std::make_unique<Trainer>(options, sample(Split::train), sample(Split::test));
  CHECK(runs.gpu->model().fc.weight.value.device() == Device::cuda);
  CHECK(cuda::memory_stats().bytes_in_use > bytes_before);  // the model lives in device memory
  runs.gpu->run();
  return runs;
}

}  // namespace

TEST_CASE("a run on the GPU gets every batch the CPU run gets, the last smaller one included",
          "[ch07][trainer][device][7.10]") {
  // Learning rate 0: the weights stay as they are, so the batch norms' running statistics
  // (an average over every batch) and the test loss depend only on the batches that
  // arrived. 28 images: steps of 8, 8, 8 and 4, so both upload slots are used, the first
  // twice, and then a smaller batch goes on its own.
  resnet::testing::DeviceForTest device;
  resnet::testing::TemporaryDirectory cpu_directory, gpu_directory;
  const auto runs =
      run_on_both_devices(tiny_sgd_run(28, 0.0), cpu_directory.path().string(), gpu_directory.path().string());
  check_same_state(runs.cpu->model(), runs.gpu->model(), 1e-4);
  CHECK(runs.gpu->history().back().test_loss == Approx(runs.cpu->history().back().test_loss).epsilon(1e-4));
}

TEST_CASE("a run on the GPU follows the CPU run, and its checkpoint evaluates the same on the CPU",
          "[ch07][trainer][device][7.10]") {
  // Two SGD steps. Only two: a later step's gradients can differ by more than rounding,
  // because a value that rounding puts on the other side of 0 flips a ReLU's mask (a
  // kink), and the runs then drift apart; compare_devices is the exact check, part by part.
  resnet::testing::DeviceForTest device;
  resnet::testing::TemporaryDirectory cpu_directory, gpu_directory;
  const TrainingOptions options = tiny_sgd_run(16, 0.05);
  const auto runs = run_on_both_devices(options, cpu_directory.path().string(), gpu_directory.path().string());
  check_same_state(runs.cpu->model(), runs.gpu->model(), 1e-4);
  const EpochMetrics& cpu_epoch = runs.cpu->history().back();
  const EpochMetrics& gpu_epoch = runs.gpu->history().back();
  CHECK(gpu_epoch.test_accuracy == cpu_epoch.test_accuracy);
  CHECK(gpu_epoch.test_loss == Approx(cpu_epoch.test_loss).epsilon(1e-4));

  // The GPU run's checkpoint, in a model on the CPU, evaluates as the GPU run did.
  Generator unused(0);
  auto model = make_resnet<float>("resnet20", 10, Stem::cifar, unused);
  load_model(runs.gpu->run_file("last.safetensors"), *model);
  const Evaluation evaluation = evaluate(*model, first_images(sample(Split::test), 16), options.normalization);
  CHECK(evaluation.accuracy == gpu_epoch.test_accuracy);
  CHECK(evaluation.loss == Approx(gpu_epoch.test_loss).epsilon(1e-4));
}
