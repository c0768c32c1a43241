// Chapter 5 demo: ResNet-34 as a whole.
//
//   1. builds the model (ResNet-34 with the ImageNet stem and 10 classes unless told
//      otherwise) and prints its summary for CIFAR-10's 32x32 images, with the totals for
//      224x224 ImageNet images next to them;
//   2. runs one forward and backward pass on a batch of CIFAR-10 images and times them;
//   3. given a checkpoint (--checkpoint, a .safetensors file written by the `train` command
//      or converted from torchvision by tools/convert_checkpoint.py), loads it and
//      classifies test images.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>

#include "demo.hpp"
#include "resnet/data/cifar10.hpp"
#include "resnet/exercise.hpp"
#include "resnet/io/checkpoint.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/nn/summary.hpp"
#include "resnet/ops/broadcast.hpp"
#include "resnet/ops/cross_entropy.hpp"

namespace {

using namespace resnet;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string model = "resnet34";
  std::string stem = "imagenet";
  std::size_t classes = 10;
  std::size_t batch = 16;
  std::string data_dir;
  std::string checkpoint;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Batch {
  Tensor<float, 4> images;              // (N, 3, 32, 32), normalised per channel
  xt::xtensor<std::int64_t, 1> labels;  // (N)
};

// The first `count` images of a split, normalised with CIFAR-10's per-channel statistics.
Batch first_images(const Cifar10Data& data, std::size_t count) {
  count = std::min(count, data.labels.size());
  const xt::xtensor<float, 4> pixels = xt::cast<float>(xt::view(data.images, xt::range(0, count))) / 255.0f;
  const xt::xtensor<float, 1> mean = {0.4914f, 0.4822f, 0.4465f}, stddev = {0.2470f, 0.2435f, 0.2616f};
  return {Tensor<float, 4>::from_host(normalize_channels(pixels, mean, stddev)),
          xt::cast<std::int64_t>(xt::view(data.labels, xt::range(0, count)))};
}

void print_summary(const ResNet<float>& model) {
  const Summary cifar = summarize(model, {1, 3, 32, 32});
  std::printf("%s (%s stem, %zu classes), one 32x32 image (CIFAR-10):\n\n%s\n", model.config().name.c_str(),
              to_string(model.config().stem).c_str(), model.config().classes, cifar.to_string(2).c_str());
  const Summary imagenet = summarize(model, {1, 3, 224, 224});
  std::printf("The same model on one 224x224 image (ImageNet): %s mult-adds, %.1f times as many.\n\n",
              with_thousands(imagenet.total_multiply_accumulates()).c_str(),
              static_cast<double>(imagenet.total_multiply_accumulates()) /
                  static_cast<double>(cifar.total_multiply_accumulates()));
}

void forward_backward(ResNet<float>& model, const Batch& batch) {
  const std::size_t n = batch.labels.size();
  auto start = Clock::now();
  const Tensor<float, 2> logits = model.forward(batch.images);
  const double forward_seconds = seconds_since(start);
  const auto loss = cross_entropy_forward(logits.host(), batch.labels);
  start = Clock::now();
  model.backward(Tensor<float, 2>::from_host(cross_entropy_backward(1.0f, loss.cache).dlogits));
  const double backward_seconds = seconds_since(start);
  double gradient_squares = 0.0;
  for (const auto& named : model.named_parameters()) {
    const float* grad = named.parameter->grad_data();
    for (std::size_t i = 0; i < named.parameter->size(); ++i) gradient_squares += double(grad[i]) * grad[i];
  }
  std::printf("One training step on %zu CIFAR-10 images (training mode, batch statistics):\n", n);
  std::printf("  loss %.4f (a fresh model guesses: ln(%zu) = %.4f)\n", loss.loss, model.config().classes,
              std::log(static_cast<double>(model.config().classes)));
  std::printf("  gradient norm over all %zu parameters: %.4g\n", model.parameter_count(), std::sqrt(gradient_squares));
  std::printf("  forward %.3f s, backward %.3f s: %.1f images/s for the step\n\n", forward_seconds, backward_seconds,
              static_cast<double>(n) / (forward_seconds + backward_seconds));
}

void classify(ResNet<float>& model, const std::string& checkpoint, const Batch& batch) {
  load_model(checkpoint, model);
  model.eval();
  const Tensor<float, 2> logits = model.forward(batch.images);
  const auto& names = cifar10_class_names();
  std::size_t correct = 0;
  std::printf("Predictions of %s on %zu test images:\n", checkpoint.c_str(), batch.labels.size());
  for (std::size_t i = 0; i < batch.labels.size(); ++i) {
    const auto row = xt::view(logits.host(), i);
    const auto predicted =
        static_cast<std::size_t>(std::distance(row.begin(), std::max_element(row.begin(), row.end())));
    const auto label = static_cast<std::size_t>(batch.labels(i));
    correct += predicted == label;
    if (i < 10) {
      const std::string predicted_name =
          predicted < names.size() ? names[predicted] : "class " + std::to_string(predicted);
      std::printf("  image %2zu: %-12s (true: %s)\n", i, predicted_name.c_str(), names[label].c_str());
    }
  }
  std::printf("Accuracy on these %zu images: %.1f%%\n", batch.labels.size(),
              100.0 * static_cast<double>(correct) / static_cast<double>(batch.labels.size()));
}

int run(const Options& options) {
  Generator generator(5);
  const auto model = make_resnet<float>(options.model, options.classes, stem_from_string(options.stem), generator);
  print_summary(*model);

  const Cifar10Location location = find_cifar10(options.data_dir);
  if (location.is_sample) std::printf("(Using the CIFAR-10 sample committed with the course.)\n");
  forward_backward(*model, first_images(load_cifar10(location.directory, Split::train), options.batch));
  if (!options.checkpoint.empty()) {
    classify(*model, options.checkpoint, first_images(load_cifar10(location.directory, Split::test), options.batch));
  } else {
    std::printf("Give --checkpoint FILE (from `train`, or converted from torchvision) to classify test images.\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 5 demo: ResNet-34's summary, one training step, and classification with a checkpoint"};
  Options options;
  app.add_option("--model", options.model, "resnet18/34/50/101/152, resnet20/32/44/56/110, or plainNN")
      ->capture_default_str();
  app.add_option("--stem", options.stem, "imagenet or cifar")
      ->check(CLI::IsMember({"imagenet", "cifar"}))
      ->capture_default_str();
  app.add_option("--classes", options.classes, "outputs of the classifier")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--batch", options.batch, "images in the batch")->check(CLI::Range(2, 256))->capture_default_str();
  app.add_option("--data", options.data_dir,
                 "CIFAR-10 folder (default: the full set in data/ if present, else the sample)");
  app.add_option("--checkpoint", options.checkpoint, "a .safetensors checkpoint to classify test images with");
  CLI11_PARSE(app, argc, argv);
  return demo::run_demo([&] { return run(options); });
}
