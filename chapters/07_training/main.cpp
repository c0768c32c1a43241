// Chapter 7 demo: optimizers and learning-rate schedules at work.
//
//   1. plots the four schedules (constant, step, cosine, one-cycle) over 100 steps
//      (output/ch07/schedules.svg);
//   2. trains the same small ResNet (CIFAR stem, stages [1, 1, 1] of 16, 32, 64 channels)
//      from the same initial weights on CIFAR-10 images with plain SGD, SGD with momentum,
//      and Adam, and plots the training loss of each (output/ch07/optimizers.svg).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>

#include "demo.hpp"
#include "resnet/data/batches.hpp"
#include "resnet/data/cifar10.hpp"
#include "resnet/exercise.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/optim/optimizer.hpp"
#include "resnet/optim/schedule.hpp"
#include "resnet/train/training_step.hpp"
#include "resnet/viz/plot.hpp"

namespace {

using namespace resnet;

void plot_schedules(const std::string& out_dir) {
  const std::int64_t steps = 100;
  std::vector<PlotSeries> lines;
  for (ScheduleKind kind :
       {ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine, ScheduleKind::one_cycle}) {
    ScheduleSettings settings;
    settings.kind = kind;
    settings.base_rate = 0.1;
    settings.total_steps = steps;
    settings.step_size = 30;
    settings.gamma = 0.1;
    PlotSeries line{to_string(kind), {}, {}};
    for (std::int64_t step = 0; step < steps; ++step) {
      line.x.push_back(static_cast<double>(step));
      line.y.push_back(learning_rate_at(settings, step));
    }
    lines.push_back(line);
  }
  PlotSettings plot;
  plot.title = "Learning-rate schedules (base or peak rate 0.1, 100 steps)";
  plot.x_label = "optimizer step";
  plot.y_label = "learning rate";
  const std::string path = (std::filesystem::path(out_dir) / "schedules.svg").string();
  write_line_plot(path, lines, plot);
  std::printf("Wrote %s\n", path.c_str());
}

// The first `count` training images, normalised (task 7.5), cut into batches of `batch`.
std::vector<Batch> make_batches(const Cifar10Data& data, std::size_t count, std::size_t batch) {
  count = std::min(count, data.labels.size()) / batch * batch;
  std::vector<Batch> batches;
  for (std::size_t start = 0; start < count; start += batch) {
    const xt::xtensor<std::uint8_t, 4> pixels = xt::view(data.images, xt::range(start, start + batch));
    batches.push_back({Tensor<float, 4>::from_host(normalize_images(pixels, Normalization::cifar10)),
                       xt::cast<std::int64_t>(xt::view(data.labels, xt::range(start, start + batch)))});
  }
  return batches;
}

// Trains a fresh copy of the small ResNet (same seed, same weights) and returns the loss of every step.
std::vector<double> train(const std::string& optimizer_name, const std::vector<Batch>& batches, std::size_t epochs) {
  ResNetConfig config;
  config.name = "small";
  config.blocks = {1, 1, 1};
  config.widths = {16, 32, 64};
  config.stem = Stem::cifar;
  config.classes = 10;
  Generator generator(7);
  ResNet<float> model(config, generator);
  std::unique_ptr<Optimizer<float>> optimizer;
  if (optimizer_name == "Adam (lr 1e-3)") {
    optimizer = std::make_unique<Adam<float>>(model.named_parameters(), AdamSettings{});
  } else {
    SgdSettings settings;
    settings.learning_rate = 0.05;
    settings.momentum = optimizer_name == "SGD (lr 0.05)" ? 0.0 : 0.9;
    optimizer = std::make_unique<Sgd<float>>(model.named_parameters(), settings);
  }
  std::vector<double> losses;
  for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
    for (const Batch& batch : batches) losses.push_back(train_step(model, *optimizer, batch).loss);  // task 7.8
  }
  const std::size_t last = std::min<std::size_t>(8, losses.size());  // fewer steps than 8 with tiny --images
  double sum = 0.0;
  for (std::size_t i = losses.size() - last; i < losses.size(); ++i) sum += losses[i];
  std::printf("  %-26s loss %.3f -> %.3f (mean of the last %zu steps)\n", optimizer_name.c_str(), losses.front(),
              sum / static_cast<double>(last), last);
  return losses;
}

int run(const std::string& data_dir, const std::string& out_dir, std::size_t images, std::size_t epochs) {
  std::filesystem::create_directories(out_dir);
  plot_schedules(out_dir);
  const Cifar10Location location = find_cifar10(data_dir);
  const std::vector<Batch> batches = make_batches(load_cifar10(location.directory, Split::train), images, 32);
  std::printf("\nTraining a small ResNet (%zu batches of 32 CIFAR-10 images, %zu epochs) with three optimizers:\n",
              batches.size(), epochs);
  std::vector<PlotSeries> lines;
  for (const std::string name : {"SGD (lr 0.05)", "SGD + momentum 0.9", "Adam (lr 1e-3)"}) {
    PlotSeries line{name, {}, train(name, batches, epochs)};
    for (std::size_t i = 0; i < line.y.size(); ++i) line.x.push_back(static_cast<double>(i + 1));
    lines.push_back(line);
  }
  PlotSettings plot;
  plot.title = "Training loss of the same small ResNet with three optimizers";
  plot.x_label = "optimizer step (batch of 32)";
  plot.y_label = "cross-entropy loss";
  const std::string path = (std::filesystem::path(out_dir) / "optimizers.svg").string();
  write_line_plot(path, lines, plot);
  std::printf("Wrote %s\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 7 demo: learning-rate schedules, and SGD vs momentum vs Adam on a small ResNet"};
  std::string data_dir;
  std::string out_dir = "output/ch07";
  std::size_t images = 512;
  std::size_t epochs = 3;
  app.add_option("--data", data_dir, "CIFAR-10 folder (default: the full set in data/ if present, else the sample)");
  app.add_option("--out", out_dir, "folder for the plots")->capture_default_str();
  app.add_option("--images", images, "training images used")->check(CLI::Range(32, 50000))->capture_default_str();
  app.add_option("--epochs", epochs, "passes over them")->check(CLI::Range(1, 100))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return demo::run_demo([&] { return run(data_dir, out_dir, images, epochs); });
}
