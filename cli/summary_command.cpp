// `resnet summary`: per layer its output shape, parameters and multiply-accumulates.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "number_checks.hpp"
#include "resnet/nn/resnet.hpp"
#include "resnet/nn/summary.hpp"

namespace resnet::cli {

namespace {

struct SummaryOptions {
  std::string model = "resnet34";
  std::string stem = "imagenet";
  std::size_t classes = 1000;
  std::size_t batch = 1;
  std::size_t image_size = 224;
  std::size_t depth = 3;
};

int run_summary(const SummaryOptions& options) {
  Generator generator(0);
  const auto model = make_resnet<float>(options.model, options.classes, stem_from_string(options.stem), generator);
  const Summary summary = summarize(*model, {options.batch, 3, options.image_size, options.image_size});
  std::printf("%s, %s stem, %zu classes\n%s", model->config().name.c_str(), to_string(model->config().stem).c_str(),
              options.classes, summary.to_string(options.depth).c_str());
  return 0;
}

}  // namespace

void add_summary_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<SummaryOptions>();
  CLI::App* command = app.add_subcommand("summary", "print a model's layers, output shapes, parameters and mult-adds");
  command->add_option("--model", options->model, "resnet18/34/50/101/152, resnet20/32/44/56/110, or plainNN")
      ->capture_default_str();
  command->add_option("--stem", options->stem, "imagenet or cifar")
      ->check(CLI::IsMember({"imagenet", "cifar"}))
      ->capture_default_str();
  command->add_option("--classes", options->classes, "outputs of the classifier")
      ->check(whole_in(1, 1000000))
      ->capture_default_str();
  command->add_option("--batch", options->batch, "images per batch")->check(whole_in(1, 100000))->capture_default_str();
  command->add_option("--image-size", options->image_size, "height and width of the input images")
      ->check(whole_in(1, 4096))
      ->capture_default_str();
  command->add_option("--depth", options->depth, "rows down to this depth (1: stages, 2: blocks, 3: layers)")
      ->check(whole_in(1, 10))
      ->capture_default_str();
  command->callback([options, &action] { action = [options] { return run_summary(*options); }; });
}

}  // namespace resnet::cli
