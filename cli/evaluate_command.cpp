// `resnet evaluate`: a checkpoint's accuracy on the CIFAR-10 test set, per class, with the
// confusion matrix; and `resnet predict`: the classes of image files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "cpu_options.hpp"
#include "number_checks.hpp"
#include "report.hpp"
#include "resnet/io/checkpoint.hpp"
#include "resnet/io/image.hpp"
#include "resnet/ops/layout.hpp"
#include "resnet/ops/softmax.hpp"
#include "resnet/threads.hpp"

namespace resnet::cli {

namespace {

struct CheckpointOptions {
  std::string checkpoint;
  std::string model;          // empty: from the checkpoint's metadata
  std::string stem;           // empty: from the checkpoint's metadata
  std::string normalization;  // empty: from the checkpoint's metadata, else "half"
  std::string data_dir;
  std::vector<std::string> images;
  int threads = 0;
  CpuChoices cpu;
};

std::string from_metadata(const Checkpoint& checkpoint, const std::string& key, const std::string& given,
                          const std::string& fallback) {
  if (!given.empty()) return given;
  const auto found = checkpoint.metadata.find(key);
  return found != checkpoint.metadata.end() ? found->second : fallback;
}

// The model the checkpoint describes (or the options override), with its weights loaded.
std::unique_ptr<ResNet<float>> load_trained_model(const CheckpointOptions& options, Normalization& normalization,
                                                  CpuKernels kernels) {
  const Checkpoint checkpoint = load_checkpoint(options.checkpoint);
  if (!checkpoint.checksummed) {
    std::printf("NOTE: %s carries no checksums (written by another tool), so damage to it cannot be detected.\n",
                options.checkpoint.c_str());
  }
  const std::string model = from_metadata(checkpoint, "model", options.model, "");
  if (model.empty()) {
    throw std::invalid_argument(options.checkpoint + " does not say which model it holds: give --model (and --stem)");
  }
  const Stem stem = stem_from_string(from_metadata(checkpoint, "stem", options.stem, "imagenet"));
  normalization = normalization_from_string(from_metadata(checkpoint, "normalization", options.normalization, "half"));
  // The checkpoint's own numbers: a damaged or foreign value is a clear error, not "stoul".
  const std::string classes_text = from_metadata(checkpoint, "classes", "", "10");
  const std::string dropout_text = from_metadata(checkpoint, "dropout", "", "0");
  if (!whole_in(1, 1000000)(classes_text).empty() || !real_in(0.0, 0.99)(dropout_text).empty()) {
    throw DataError(options.checkpoint + ": its metadata gives classes '" + classes_text + "' and dropout '" +
                    dropout_text + "' (expected 1 to 1,000,000 classes and a dropout from 0 to 0.99)");
  }
  ResNetConfig config = resnet_config(model, std::stoul(classes_text), stem);
  config.dropout = std::stod(dropout_text);  // its buffer is in the state
  Generator generator(0);
  auto network = std::make_unique<ResNet<float>>(config, generator);
  load_model(options.checkpoint, *network);
  network->eval();
  network->use_cpu_kernels(kernels);
  return network;
}

int run_evaluate(const CheckpointOptions& options) {
  set_thread_count(options.threads);
  std::string kernels_text;
  const CpuKernels kernels = apply_cpu_options(options.cpu, kernels_text);
  Normalization normalization = Normalization::mean_half_std_half;
  auto model = load_trained_model(options, normalization, kernels);
  std::printf("Evaluating with %d threads, %s.\n", thread_count(), kernels_text.c_str());
  const Cifar10Location location = find_cifar10(options.data_dir);
  if (location.is_sample) std::printf("NOTE: evaluating on the 200 test images of the committed sample.\n");
  const Cifar10Data test = load_cifar10(location.directory, Split::test);
  print_report(evaluate(*model, test, normalization), options.checkpoint + " on the CIFAR-10 test set");
  return 0;
}

int run_predict(const CheckpointOptions& options) {
  set_thread_count(options.threads);
  std::string kernels_text;  // not printed: predict's output is one line per image
  const CpuKernels kernels = apply_cpu_options(options.cpu, kernels_text);
  Normalization normalization = Normalization::mean_half_std_half;
  auto model = load_trained_model(options, normalization, kernels);
  const auto& names = cifar10_class_names();
  for (const std::string& path : options.images) {
    // (H, W, 3) bytes -> 32x32 -> (1, 3, 32, 32) normalised floats, as the training data.
    const xt::xtensor<std::uint8_t, 3> small = resize_image(read_image_rgb(path), 32, 32);
    xt::xtensor<std::uint8_t, 4> batch = xt::xtensor<std::uint8_t, 4>::from_shape({1, 3, 32, 32});
    for (std::size_t c = 0; c < 3; ++c) {
      for (std::size_t y = 0; y < 32; ++y) {
        for (std::size_t x = 0; x < 32; ++x) batch(0, c, y, x) = small(y, x, c);
      }
    }
    const auto logits = model->forward(Tensor<float, 4>::from_host(normalize_images(batch, normalization))).host();
    const xt::xtensor<float, 2> probabilities = softmax(logits);
    std::vector<std::size_t> order(probabilities.shape()[1]);
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return probabilities(0, a) > probabilities(0, b); });
    std::printf("%s:", path.c_str());
    for (std::size_t i = 0; i < std::min<std::size_t>(3, order.size()); ++i) {
      const std::size_t k = order[i];
      const std::string name = k < names.size() ? names[k] : "class " + std::to_string(k);
      std::printf("  %s %.1f%%", name.c_str(), 100.0 * probabilities(0, k));
    }
    std::printf("\n");
  }
  return 0;
}

void add_checkpoint_options(CLI::App* command, CheckpointOptions& options) {
  command->add_option("--checkpoint", options.checkpoint, "a .safetensors checkpoint (from `train`, or converted)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--model", options.model, "the architecture, when the checkpoint does not say");
  command->add_option("--stem", options.stem, "imagenet or cifar, when the checkpoint does not say")
      ->check(CLI::IsMember({"imagenet", "cifar"}));
  command->add_option("--normalization", options.normalization, "half or cifar10, when the checkpoint does not say")
      ->check(CLI::IsMember({"half", "cifar10"}));
  command->add_option("--threads", options.threads, "CPU threads (0: one per core)")->check(whole_in(0, 1024));
  add_cpu_options(command, options.cpu);
}

}  // namespace

void add_evaluate_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<CheckpointOptions>();
  CLI::App* command = app.add_subcommand("evaluate", "a checkpoint's accuracy on the CIFAR-10 test set, per class");
  add_checkpoint_options(command, *options);
  command->add_option("--data", options->data_dir,
                      "CIFAR-10 folder (default: data/cifar-10-batches-bin, else the sample)");
  command->callback([options, &action] { action = [options] { return run_evaluate(*options); }; });
}

void add_predict_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<CheckpointOptions>();
  CLI::App* command = app.add_subcommand("predict", "classify PNG or JPEG images with a checkpoint");
  add_checkpoint_options(command, *options);
  command->add_option("images", options->images, "image files (resized to 32x32)")
      ->required()
      ->check(CLI::ExistingFile);
  command->callback([options, &action] { action = [options] { return run_predict(*options); }; });
}

}  // namespace resnet::cli
