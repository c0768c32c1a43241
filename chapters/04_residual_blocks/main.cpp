// Chapter 4 demo: the gradient that reaches each layer of a 34-layer network at
// initialisation, with shortcuts (ResNet-34) and without (the "plain" 34-layer network of
// the ResNet paper: the same layers, no shortcuts).
//
// Both networks use the CIFAR stem (3x3 conv, batch norm, ReLU), the stages [3, 4, 6, 3]
// of basic blocks with 64, 128, 256 and 512 channels, average pooling and a linear layer
// to 10 classes. One batch of CIFAR-10 images goes forward and backward; the demo prints
// and plots the norm of every convolution's weight gradient (output/ch04/gradient_norms.svg).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>

#include "resnet/data/cifar10.hpp"
#include "resnet/exercise.hpp"
#include "resnet/nn/blocks.hpp"
#include "resnet/nn/flatten.hpp"
#include "resnet/nn/linear.hpp"
#include "resnet/nn/pooling.hpp"
#include "resnet/ops/broadcast.hpp"
#include "resnet/ops/cross_entropy.hpp"
#include "resnet/viz/plot.hpp"

namespace {

using namespace resnet;

// A 34-layer network: 1 stem convolution, 16 basic blocks of 2 convolutions, 1 linear layer.
struct Network34 {
  Sequential<float> body;  // stem and the four stages
  AdaptiveAvgPool2d<float> pool;
  Flatten<float> flatten;
  std::unique_ptr<Linear<float>> fc;

  Network34(Shortcut shortcut, Generator& generator) {
    body.append(std::make_unique<Conv2d<float>>(3, 64, 3, 1, 1, false, generator));
    body.append(std::make_unique<BatchNorm2d<float>>(64));
    body.append(std::make_unique<ReLU<float>>());
    std::size_t channels = 64;
    const std::size_t widths[4] = {64, 128, 256, 512}, blocks[4] = {3, 4, 6, 3};
    for (std::size_t stage = 0; stage < 4; ++stage) {
      for (std::size_t block = 0; block < blocks[stage]; ++block) {
        const std::size_t stride = stage > 0 && block == 0 ? 2 : 1;
        body.append(std::make_unique<BasicBlock<float>>(channels, widths[stage], stride, generator, shortcut));
        channels = widths[stage];
      }
    }
    fc = std::make_unique<Linear<float>>(512, 10, generator);
  }

  // Forward and backward on one batch; returns the loss.
  float forward_backward(const Tensor<float, 4>& images, const xt::xtensor<std::int64_t, 1>& labels) {
    const auto logits = fc->forward(flatten.forward(pool.forward(body.forward(images))));
    const auto loss = cross_entropy_forward(logits.host(), labels);
    const auto dlogits = Tensor<float, 2>::from_host(cross_entropy_backward(1.0f, loss.cache).dlogits);
    body.backward(pool.backward(flatten.backward(fc->backward(dlogits))));  // reverse order
    return loss.loss;
  }

  // ||dW|| of every convolution on the main path, in depth order (projections left out:
  // they are not layers of the 34-layer stack).
  std::vector<double> convolution_gradient_norms() const {
    std::vector<double> norms;
    for (const auto& named : body.named_parameters()) {
      if (named.parameter->shape().size() != 4 || named.name.find("downsample") != std::string::npos) continue;
      const float* grad = named.parameter->grad_data();
      double sum = 0.0;
      for (std::size_t i = 0; i < named.parameter->size(); ++i) sum += static_cast<double>(grad[i]) * grad[i];
      norms.push_back(std::sqrt(sum));
    }
    return norms;
  }
};

int run(const std::string& data_dir, const std::string& out_dir, std::size_t count) {
  const Cifar10Location location = find_cifar10(data_dir);
  const Cifar10Data data = load_cifar10(location.directory, Split::train);
  count = std::min(count, data.labels.size());
  const xt::xtensor<float, 4> pixels = xt::cast<float>(xt::view(data.images, xt::range(0, count))) / 255.0f;
  const xt::xtensor<float, 1> mean = {0.4914f, 0.4822f, 0.4465f}, stddev = {0.2470f, 0.2435f, 0.2616f};
  const auto images = Tensor<float, 4>::from_host(normalize_channels(pixels, mean, stddev));
  const xt::xtensor<std::int64_t, 1> labels = xt::cast<std::int64_t>(xt::view(data.labels, xt::range(0, count)));
  std::filesystem::create_directories(out_dir);

  std::vector<PlotSeries> lines;
  std::printf("Weight-gradient norm of each of the 33 convolutions at initialisation, batch of %zu images:\n\n", count);
  std::printf("  %-22s %8s %12s %12s %12s %12s %14s\n", "network", "loss", "conv 1", "conv 9", "conv 17", "conv 33",
              "conv 1 / conv 33");
  for (const Shortcut shortcut : {Shortcut::none, Shortcut::residual}) {
    Generator generator(34);  // the same weights for both networks' shared layers
    Network34 network(shortcut, generator);
    const float loss = network.forward_backward(images, labels);
    const std::vector<double> norms = network.convolution_gradient_norms();
    const char* name = shortcut == Shortcut::none ? "plain-34 (no shortcuts)" : "ResNet-34";
    std::printf("  %-22s %8.4f %12.4g %12.4g %12.4g %12.4g %14.3g\n", name, loss, norms[0], norms[8], norms[16],
                norms[32], norms[0] / norms[32]);
    PlotSeries line{name, {}, norms};
    for (std::size_t i = 0; i < norms.size(); ++i) line.x.push_back(static_cast<double>(i + 1));
    lines.push_back(line);
  }
  PlotSettings settings;
  settings.title = "Gradient norm of each convolution's weight at initialisation";
  settings.x_label = "convolution (1 = stem, 33 = last before the classifier)";
  settings.y_label = "||dW|| (log scale)";
  settings.log_y = true;
  const std::string path = (std::filesystem::path(out_dir) / "gradient_norms.svg").string();
  write_line_plot(path, lines, settings);
  std::printf("\nWrote %s\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 4 demo: gradient norms per layer, plain 34-layer network vs ResNet-34"};
  std::string data_dir;
  std::string out_dir = "output/ch04";
  std::size_t batch = 32;
  app.add_option("--data", data_dir, "CIFAR-10 folder (default: the full set in data/ if present, else the sample)");
  app.add_option("--out", out_dir, "folder for the plot")->capture_default_str();
  app.add_option("--batch", batch, "images in the batch")->check(CLI::Range(2, 1024))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(data_dir, out_dir, batch);
  } catch (const NotImplemented& missing) {
    std::fprintf(stderr, "The demo needs a task you have not written yet:\n  %s\n", missing.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
}
