// Chapter 3 demo: what batch norm fixes in a deep network at initialisation.
//
// Three 30-layer stacks of 3x3 convolutions and ReLUs (32 channels) see the same batch of
// CIFAR-10 images, freshly initialised:
//   - PyTorch's default convolution initialisation, no batch norm;
//   - Kaiming-normal initialisation (chapter 1), no batch norm;
//   - PyTorch's default initialisation, with batch norm after every convolution.
// The demo prints and plots the mean and standard deviation of the activations after each
// layer (output/ch03/activation_std.svg and activation_mean.svg).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "demo.hpp"
#include "resnet/data/cifar10.hpp"
#include "resnet/exercise.hpp"
#include "resnet/nn/activation.hpp"
#include "resnet/nn/batchnorm2d.hpp"
#include "resnet/nn/conv2d.hpp"
#include "resnet/nn/sequential.hpp"
#include "resnet/ops/broadcast.hpp"
#include "resnet/viz/plot.hpp"

namespace {

using namespace resnet;

enum class Variant { default_init, kaiming_init, default_init_with_bn };

const char* name_of(Variant variant) {
  switch (variant) {
    case Variant::default_init: return "PyTorch default init, no BN";
    case Variant::kaiming_init: return "Kaiming init, no BN";
    case Variant::default_init_with_bn: return "PyTorch default init + BN";
  }
  return "";
}

// PyTorch's default for nn.Conv2d: kaiming_uniform_(a=sqrt(5)), which is uniform in
// [-1/sqrt(fan_in), 1/sqrt(fan_in)]: a standard deviation of 1/sqrt(3 fan_in), where ReLU
// layers need sqrt(2/fan_in) to keep the signal's size.
void use_pytorch_default_init(Conv2d<float>& conv, Generator& generator) {
  const auto& shape = conv.weight.value.shape();
  const double bound = 1.0 / std::sqrt(static_cast<double>(shape[1] * shape[2] * shape[3]));
  conv.weight.value.host() = random_uniform<float, 4>(shape, generator, -bound, bound);
}

// depth x (conv [+ BN] + ReLU), 3 input channels, `width` channels after.
std::unique_ptr<Sequential<float>> make_stack(Variant variant, std::size_t depth, std::size_t width,
                                              Generator& generator) {
  auto stack = std::make_unique<Sequential<float>>();
  for (std::size_t layer = 0; layer < depth; ++layer) {
    auto& conv =
        stack->append(std::make_unique<Conv2d<float>>(layer == 0 ? 3 : width, width, 3, 1, 1, Bias::none, generator));
    if (variant != Variant::kaiming_init) use_pytorch_default_init(conv, generator);
    if (variant == Variant::default_init_with_bn) stack->append(std::make_unique<BatchNorm2d<float>>(width));
    stack->append(std::make_unique<ReLU<float>>());
  }
  return stack;
}

struct Statistics {
  std::vector<double> mean, stddev;  // one per conv layer, after its ReLU
};

// Runs the stack layer by layer and measures the activations after every ReLU.
Statistics measure(Sequential<float>& stack, const Tensor<float, 4>& images) {
  Statistics statistics;
  Tensor<float, 4> activation = images;
  for (std::size_t i = 0; i < stack.size(); ++i) {
    activation = stack[i].forward(activation);
    if (dynamic_cast<ReLU<float>*>(&stack[i]) == nullptr) continue;
    const auto& values = activation.host();
    const double mean = xt::mean(xt::cast<double>(values))();
    const double variance = xt::mean(xt::square(xt::cast<double>(values) - mean))();
    statistics.mean.push_back(mean);
    statistics.stddev.push_back(std::sqrt(variance));
  }
  return statistics;
}

// The first `count` images as floats, normalised per channel with CIFAR-10's statistics.
Tensor<float, 4> normalised_images(const Cifar10Data& data, std::size_t count) {
  const xt::xtensor<float, 4> pixels = xt::cast<float>(xt::view(data.images, xt::range(0, count))) / 255.0f;
  const xt::xtensor<float, 1> mean = {0.4914f, 0.4822f, 0.4465f}, stddev = {0.2470f, 0.2435f, 0.2616f};
  return Tensor<float, 4>::from_host(normalize_channels(pixels, mean, stddev));  // task 1.3
}

int run(const std::string& data_dir, const std::string& out_dir, std::size_t images, std::size_t depth) {
  const Cifar10Location location = find_cifar10(data_dir);
  const Cifar10Data data = load_cifar10(location.directory, Split::train);
  images = std::min(images, data.labels.size());
  const Tensor<float, 4> batch = normalised_images(data, images);
  std::filesystem::create_directories(out_dir);
  std::printf(
      "A %zu-layer stack of 3x3 convolutions (32 channels) and ReLUs at initialisation,\n"
      "%zu CIFAR-10 images (normalised: mean 0, std 1 per channel); activations after each ReLU:\n\n",
      depth, images);
  std::vector<PlotSeries> stddev_lines, mean_lines;
  std::printf("  %-30s", "layer:");
  for (std::size_t layer : {1, 2, 5, 10, 20, 30}) {
    if (layer <= depth) std::printf(" %10zu", layer);
  }
  std::printf("\n");
  for (Variant variant : {Variant::default_init, Variant::kaiming_init, Variant::default_init_with_bn}) {
    Generator generator(3);
    auto stack = make_stack(variant, depth, 32, generator);
    const Statistics statistics = measure(*stack, batch);
    std::printf("  %-30s", (std::string(name_of(variant)) + ", std").c_str());
    for (std::size_t layer : {1, 2, 5, 10, 20, 30}) {
      if (layer <= depth) std::printf(" %10.3g", statistics.stddev[layer - 1]);
    }
    std::printf("\n");
    PlotSeries stddev_line{name_of(variant), {}, statistics.stddev}, mean_line{name_of(variant), {}, statistics.mean};
    for (std::size_t layer = 1; layer <= depth; ++layer) {
      stddev_line.x.push_back(static_cast<double>(layer));
      mean_line.x.push_back(static_cast<double>(layer));
    }
    stddev_lines.push_back(stddev_line);
    mean_lines.push_back(mean_line);
  }
  PlotSettings settings;
  settings.title = "Standard deviation of the activations after each ReLU, at initialisation";
  settings.x_label = "layer";
  settings.y_label = "std of activations (log scale)";
  settings.log_y = true;
  write_line_plot((std::filesystem::path(out_dir) / "activation_std.svg").string(), stddev_lines, settings);
  settings.title = "Mean of the activations after each ReLU, at initialisation";
  settings.y_label = "mean of activations (log scale)";
  write_line_plot((std::filesystem::path(out_dir) / "activation_mean.svg").string(), mean_lines, settings);
  std::printf("\nWrote %s/activation_std.svg and activation_mean.svg\n", out_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 3 demo: activation statistics per layer of a deep conv stack, with and without batch norm"};
  std::string data_dir;
  std::string out_dir = "output/ch03";
  std::size_t images = 64;
  std::size_t depth = 30;
  app.add_option("--data", data_dir, "CIFAR-10 folder (default: the full set in data/ if present, else the sample)");
  app.add_option("--out", out_dir, "folder for the plots")->capture_default_str();
  app.add_option("--images", images, "images in the batch (2 to 512)")
      ->check(CLI::Range(2, 512))
      ->capture_default_str();
  app.add_option("--depth", depth, "convolution layers")->check(CLI::Range(1, 200))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return demo::run_demo([&] { return run(data_dir, out_dir, images, depth); });
}
