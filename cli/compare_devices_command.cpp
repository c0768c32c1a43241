// `resnet compare-devices` (chapter 6): one batch through a model on the CPU and on the
// GPU, part by part; prints every comparison and names the first part that diverges.
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "commands.hpp"
#include "number_checks.hpp"
#include "resnet/cuda/gemm.hpp"
#include "resnet/cuda/memory.hpp"
#include "resnet/data/cifar10.hpp"
#include "resnet/data/loader.hpp"
#include "resnet/device/conv2d.hpp"
#include "resnet/train/compare_devices.hpp"

namespace resnet::cli {

namespace {

struct CompareOptions {
  std::string model = "resnet20";
  std::string stem = "cifar";
  std::size_t batch = 8;
  std::uint64_t seed = 0;
  double tolerance = 0;       // 0: 1e-4, or 1e-2 with --tf32
  double kink_tolerance = 0;  // 0: AgreementRule's
  bool eval_mode = false;
  bool tf32 = false;
  std::string data_dir;
};

// One row of the table: the element-wise and the norm-wise figures, and the verdict.
void print_entry(const DeviceDifference& entry) {
  const char* verdict = !entry.within          ? "   <-- beyond the tolerance"
                        : entry.only_norm_wise ? "   (agrees norm-wise only: ReLU kinks)"
                                               : "";
  std::printf("%-10s %-9s %-32s %10.3g %10.3g %10.3g%s\n", entry.part.c_str(), entry.pass.c_str(), entry.tensor.c_str(),
              entry.worst, entry.norm_relative, entry.fraction_beyond, verdict);
}

int run_compare(const CompareOptions& options) {
  // TF32 keeps 10 of float's 23 mantissa bits: differences near 1e-3 are expected.
  AgreementRule rule;
  rule.tolerance = options.tolerance > 0 ? options.tolerance : (options.tf32 ? 1e-2 : 1e-4);
  if (options.kink_tolerance > 0) rule.kink_tolerance = options.kink_tolerance;
  Generator generator(options.seed);
  auto model = make_resnet<float>(options.model, Cifar10Format::classes, stem_from_string(options.stem), generator);
  model->train(!options.eval_mode);
  if (options.tf32) model->use_gemm(cuda::GemmKernel::tf32_wmma);
  const Cifar10Location location = find_cifar10(options.data_dir);
  LoaderSettings settings;
  settings.batch_size = options.batch;
  settings.shuffle = false;
  settings.background = false;
  const Cifar10Data test = load_cifar10(location.directory, Split::test);  // the loader refers to it
  DataLoader loader(test, settings);
  const auto batch = loader.next();
  std::printf("%s (%s stem, %s mode), %zu test images, on the CPU and on %s; GEMM rung %s\n", options.model.c_str(),
              to_string(model->config().stem).c_str(), options.eval_mode ? "eval" : "train", batch->labels.size(),
              cuda::is_emulated() ? "the emulated device (RESNET_CUDA_EMULATE=1)" : "the GPU",
              cuda::gemm_kernel_name(device::runnable_gemm(model->gemm())).c_str());
  const DeviceComparison comparison = compare_devices(*model, batch->images, batch->labels, rule);
  std::printf(
      "element-wise: max |gpu - cpu| / max |cpu|; norm-wise: ||gpu - cpu|| / ||cpu||; beyond: the fraction\n"
      "of entries beyond the tolerance %.3g element-wise\n\n",
      rule.tolerance);
  std::printf("%-10s %-9s %-32s %10s %10s %10s\n", "part", "pass", "tensor", "element", "norm", "beyond");
  const DeviceDifference* worst = nullptr;
  for (const DeviceDifference& entry : comparison.entries) {
    print_entry(entry);
    if (worst == nullptr || !(entry.worst <= worst->worst)) worst = &entry;
  }
  if (const auto first = comparison.first_divergence()) {
    std::printf("\nFIRST DIVERGENCE: %s, %s pass, %s: %.3g element-wise > tolerance %.3g", first->part.c_str(),
                first->pass.c_str(), first->tensor.c_str(), first->worst, rule.tolerance);
    if (first->pass == "backward") std::printf(", %.3g norm-wise > %.3g", first->norm_relative, rule.kink_tolerance);
    std::printf("\n");
    return 1;
  }
  std::printf("\nall %zu comparisons agree; the largest element-wise: %.3g (%s, %s pass, %s)\n",
              comparison.entries.size(), worst ? worst->worst : 0.0, worst ? worst->part.c_str() : "",
              worst ? worst->pass.c_str() : "", worst ? worst->tensor.c_str() : "");
  if (const std::size_t kinks = comparison.only_norm_wise()) {
    std::printf(
        "%zu backward tensors agree norm-wise only (within %.3g): a pre-activation within rounding of zero fell on\n"
        "different sides of ReLU's kink on the two devices, which moves its gradient entry by its whole value\n",
        kinks, rule.kink_tolerance);
  }
  return 0;
}

}  // namespace

void add_compare_devices_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* command = app.add_subcommand(
      "compare-devices", "one batch through a model on the CPU and the GPU, part by part; names the first divergence");
  command->add_option("--model", options->model, "resnet18/34/50/..., resnet20/32/...")->capture_default_str();
  command->add_option("--stem", options->stem, "imagenet or cifar")
      ->check(CLI::IsMember({"imagenet", "cifar"}))
      ->capture_default_str();
  command->add_option("--batch", options->batch, "test images in the batch")
      ->check(whole_in(2, 4096))
      ->capture_default_str();
  command->add_option("--seed", options->seed, "the model's initial weights")
      ->check(whole_in(0, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str();
  command
      ->add_option("--tolerance", options->tolerance,
                   "element-wise relative tolerance (default 1e-4; 1e-2 with --tf32)")
      ->check(positive_real(1.0));
  command
      ->add_option("--kink-tolerance", options->kink_tolerance,
                   "norm-wise tolerance for backward tensors, which ReLU kinks move (default 3e-2)")
      ->check(positive_real(1.0));
  command->add_flag("--eval", options->eval_mode, "compare in evaluation mode (batch norm's running statistics)");
  command->add_flag("--tf32", options->tf32, "use the TF32 tensor-core GEMM rung (differences near 1e-3 are expected)");
  command->add_option("--data", options->data_dir,
                      "CIFAR-10 folder (default: data/cifar-10-batches-bin, else the sample)");
  command->callback([options, &action] { action = [options] { return run_compare(*options); }; });
}

}  // namespace resnet::cli
