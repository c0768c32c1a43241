// Chapter 4 demo: how the gradient travels back through a 34-layer network at
// initialisation, with shortcuts (ResNet-34) and without (the "plain" 34-layer network of
// the ResNet paper: the same layers and the same weights, no shortcuts).
//
// Both networks use the CIFAR stem (3x3 conv, batch norm, ReLU), the stages [3, 4, 6, 3]
// of basic blocks with 64, 128, 256 and 512 channels, average pooling and a linear layer
// to 10 classes. One batch of CIFAR-10 images goes forward and backward; the demo measures
// the size (root mean square) of the gradient of the loss with respect to the input of
// every block, from the last block back to the first, and plots it
// (output/ch04/gradient_flow.svg).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>

#include "demo.hpp"
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
    body.append(std::make_unique<Conv2d<float>>(3, 64, 3, 1, 1, Bias::none, generator));
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

  // Forward and backward on one batch. Returns the loss, and the RMS of the gradient with
  // respect to the input of every block (first block first), measured on the way back.
  std::pair<float, std::vector<double>> forward_backward(const Tensor<float, 4>& images,
                                                         const xt::xtensor<std::int64_t, 1>& labels) {
    const auto logits = fc->forward(flatten.forward(pool.forward(body.forward(images))));
    const auto loss = cross_entropy_forward(logits.host(), labels);
    const auto dlogits = Tensor<float, 2>::from_host(cross_entropy_backward(1.0f, loss.cache).dlogits);
    Tensor<float, 4> gradient = pool.backward(flatten.backward(fc->backward(dlogits)));
    std::vector<double> block_input_rms;
    for (std::size_t i = body.size(); i-- > 0;) {  // reverse order, one layer at a time
      gradient = body[i].backward(gradient);
      if (i >= 3) block_input_rms.insert(block_input_rms.begin(), rms(gradient.host()));  // layers 3.. are blocks
    }
    return {loss.loss, block_input_rms};
  }

  static double rms(const xt::xtensor<float, 4>& values) {
    double sum = 0.0;
    for (float v : values) sum += static_cast<double>(v) * v;
    return std::sqrt(sum / static_cast<double>(values.size()));
  }
};

// Gives `plain` the weights of the same-named parameters of `resnet` (every parameter of the
// plain network has a twin; the projections exist only in ResNet).
void copy_shared_weights(const Network34& resnet, Network34& plain) {
  for (const auto& target : plain.body.named_parameters()) {
    for (const auto& source : resnet.body.named_parameters()) {
      if (source.name == target.name) target.parameter->set_values(source.parameter->values());
    }
  }
  plain.fc->weight.value = resnet.fc->weight.value;
  plain.fc->bias.value = resnet.fc->bias.value;
}

int run(const std::string& data_dir, const std::string& out_dir, std::size_t count) {
  const Cifar10Location location = find_cifar10(data_dir);
  const Cifar10Data data = load_cifar10(location.directory, Split::train);
  count = std::min(count, data.labels.size());
  const xt::xtensor<float, 4> pixels = xt::cast<float>(xt::view(data.images, xt::range(0, count))) / 255.0f;
  const xt::xtensor<float, 1> mean = {0.4914f, 0.4822f, 0.4465f}, stddev = {0.2470f, 0.2435f, 0.2616f};
  const auto images = Tensor<float, 4>::from_host(normalize_channels(pixels, mean, stddev));
  const xt::xtensor<std::int64_t, 1> labels = xt::cast<std::int64_t>(xt::view(data.labels, xt::range(0, count)));
  std::filesystem::create_directories(out_dir);

  Generator resnet_generator(34), plain_generator(34);
  Network34 resnet(Shortcut::residual, resnet_generator);
  Network34 plain(Shortcut::none, plain_generator);
  copy_shared_weights(resnet, plain);

  std::printf("RMS of the gradient with respect to each block's input, at initialisation, batch of %zu images:\n\n",
              count);
  std::printf("  %-24s %8s %11s %11s %11s %11s %11s\n", "network", "loss", "block 1", "block 4", "block 8", "block 16",
              "1 / 16");
  std::vector<PlotSeries> lines;
  for (Network34* network : {&plain, &resnet}) {
    const auto [loss, rms] = network->forward_backward(images, labels);
    const char* name = network == &plain ? "plain-34 (no shortcuts)" : "ResNet-34";
    std::printf("  %-24s %8.4f %11.3g %11.3g %11.3g %11.3g %11.3g\n", name, loss, rms[0], rms[3], rms[7], rms[15],
                rms[0] / rms[15]);
    PlotSeries line{name, {}, rms};
    for (std::size_t i = 0; i < rms.size(); ++i) line.x.push_back(static_cast<double>(i + 1));
    lines.push_back(line);
  }
  PlotSettings settings;
  settings.title = "Gradient reaching each block's input, at initialisation";
  settings.x_label = "block (1 = first, after the stem; 16 = last, before pooling)";
  settings.y_label = "RMS of dL/d(block input) (log scale)";
  settings.log_y = true;
  const std::string path = (std::filesystem::path(out_dir) / "gradient_flow.svg").string();
  write_line_plot(path, lines, settings);
  std::printf("\nWrote %s\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 4 demo: the gradient reaching each block, plain 34-layer network vs ResNet-34"};
  std::string data_dir;
  std::string out_dir = "output/ch04";
  std::size_t batch = 32;
  app.add_option("--data", data_dir, "CIFAR-10 folder (default: the full set in data/ if present, else the sample)");
  app.add_option("--out", out_dir, "folder for the plot")->capture_default_str();
  app.add_option("--batch", batch, "images in the batch")->check(CLI::Range(2, 1024))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return demo::run_demo([&] { return run(data_dir, out_dir, batch); });
}
