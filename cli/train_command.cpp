// `resnet train`: trains a ResNet on CIFAR-10 with a progress bar, evaluates every epoch,
// and ends with the test accuracy, the per-class accuracy and the confusion matrix.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

#include "commands.hpp"
#include "cpu_options.hpp"
#include "number_checks.hpp"
#include "report.hpp"
#include "resnet/error.hpp"
#include "resnet/malloc_tuning.hpp"
#include "resnet/threads.hpp"
#include "resnet/train/reference_runs.hpp"
#include "resnet/train/trainer.hpp"

namespace resnet::cli {

namespace {

// The most images --train-images and --test-images take: far above any CIFAR-10 split (a
// larger count is a typo; a count above the split's size uses the whole split).
constexpr std::uint64_t kMostImages = 1'000'000'000;

struct TrainCommandOptions {
  TrainingOptions training;
  std::string stem = "imagenet";
  std::string schedule = "constant";
  std::string normalization = "half";
  std::string optimizer = "adam";
  std::string data_dir;
  std::string device = "cpu";
  int threads = 0;
  CpuChoices cpu;
  bool resume = false;
};

// Ctrl-C asks the trainer to stop after the current step (it then saves a checkpoint); a
// second Ctrl-C ends the program at once.
std::atomic<Trainer*> running_trainer{nullptr};

extern "C" void on_interrupt(int) {
  if (Trainer* trainer = running_trainer.load()) trainer->stop();
  std::signal(SIGINT, SIG_DFL);
}

std::string duration(double seconds) {
  const long total = std::lround(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return text;
}

// On a terminal the progress bar redraws one line after every step; into a file or a pipe
// (a log, CI) it writes a plain line every tenth of an epoch instead.
void show_progress(const StepProgress& p) {
  static const bool on_terminal = isatty(fileno(stdout)) != 0;
  const std::size_t every = std::max<std::size_t>(1, p.steps / 10);
  if (!on_terminal && p.step % every != 0 && p.step != p.steps) return;
  const std::size_t width = 24, filled = width * p.step / p.steps;
  const double eta = p.seconds / static_cast<double>(p.step) * static_cast<double>(p.steps - p.step);
  std::printf("%sepoch %zu/%zu [%s%s] %zu/%zu  loss %.4f  acc %5.1f%%  %6.1f img/s  ETA %s   %s",
              on_terminal ? "\r" : "", p.epoch, p.epochs, std::string(filled, '#').c_str(),
              std::string(width - filled, '.').c_str(), p.step, p.steps, p.loss, 100.0 * p.accuracy,
              p.images_per_second, duration(eta).c_str(), on_terminal ? "" : "\n");
  std::fflush(stdout);
}

// After each epoch: the epoch's numbers and, for the tutorial's recipe on the full data,
// where reference runs were after this epoch, with a warning when the run is below that.
void show_epoch(const EpochMetrics& m, const std::optional<AccuracyBand>& reference) {
  std::printf("\repoch %zu: train loss %.4f acc %5.1f%% | test loss %.4f acc %5.1f%% | %s, %.1f img/s, lr %.3g\n",
              m.epoch, m.train_loss, 100.0 * m.train_accuracy, m.test_loss, 100.0 * m.test_accuracy,
              duration(m.seconds).c_str(), m.images_per_second, m.learning_rate);
  if (reference) {
    std::printf(
        "         expected for this recipe (reference run +-%.0f points): %.0f-%.0f%% test accuracy after epoch "
        "%zu%s\n",
        50.0 * (reference->high - reference->low), 100.0 * reference->low, 100.0 * reference->high, m.epoch,
        m.test_accuracy < reference->low ? "\n         BELOW the reference band: something is likely wrong "
                                           "(see chapter 7's guide, \"When the numbers look wrong\")"
                                         : "");
  }
  std::fflush(stdout);
}

int run_train(TrainCommandOptions options) {
  TrainingOptions& training = options.training;
  training.device = parse_device(options.device);
  training.stem = stem_from_string(options.stem);
  training.schedule = schedule_from_string(options.schedule);
  training.normalization = normalization_from_string(options.normalization);
  training.optimizer = optimizer_from_string(options.optimizer);
  set_thread_count(options.threads);
  std::string products;
  training.cpu_kernels = apply_cpu_options(options.cpu, products);
  keep_freed_memory();

  const Cifar10Location location = find_cifar10(options.data_dir);
  if (location.is_sample) {
    std::printf(
        "NOTE: the full CIFAR-10 set is not in data/ (tools/download_cifar10.sh fetches it), so this\n"
        "trains on the 1,000-image sample committed with the course: expect a low accuracy.\n\n");
  }
  const Cifar10Data train = load_cifar10(location.directory, Split::train);
  const Cifar10Data test = load_cifar10(location.directory, Split::test);
  const std::size_t train_count =
      training.train_images ? std::min(training.train_images, train.labels.size()) : train.labels.size();
  const std::size_t test_count =
      training.test_images ? std::min(training.test_images, test.labels.size()) : test.labels.size();
  Trainer trainer(training, train, test);
  if (options.resume) {
    std::printf("Resuming %s after epoch %zu.\n", trainer.run_file("last.safetensors").c_str(), trainer.resume());
  }
  std::printf("Training %s\non %zu images, testing on %zu, %d threads, %s; run folder %s\n\n",
              describe(training).c_str(), train_count, test_count, thread_count(), products.c_str(),
              training.run_directory.c_str());

  running_trainer = &trainer;
  std::signal(SIGINT, on_interrupt);
  try {
    trainer.run(show_progress, [&](const EpochMetrics& metrics) {
      show_epoch(metrics, tutorial_reference_band(training, train_count, test_count, metrics.epoch));
    });
  } catch (const TrainingDiverged& diverged) {
    running_trainer = nullptr;
    std::printf("\n");
    throw;
  }
  running_trainer = nullptr;
  std::signal(SIGINT, SIG_DFL);
  if (trainer.stopped()) {
    std::printf("\nInterrupted: saved %s; continue with the same command and --resume.\n",
                trainer.run_file("last.safetensors").c_str());
    return 130;
  }
  print_report(trainer.evaluate(), "Test set, after epoch " + std::to_string(trainer.epochs_done()));
  std::printf("\nWrote %s, %s (best test accuracy), metrics.jsonl, loss.svg and accuracy.svg in %s\n",
              "last.safetensors", "best.safetensors", training.run_directory.c_str());
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<TrainCommandOptions>();
  TrainingOptions& t = o->training;
  CLI::App* command = app.add_subcommand(
      "train",
      "train a ResNet on CIFAR-10 (defaults: the tutorial's recipe, ResNet-34, Adam 1e-3, batch 128, 10 epochs)");
  command->add_option("--model", t.model, "resnet18/34/50/101/152 or resnet20/32/44/56/110")->capture_default_str();
  command->add_option("--stem", o->stem, "imagenet or cifar")
      ->check(CLI::IsMember({"imagenet", "cifar"}))
      ->capture_default_str();
  command->add_option("--epochs", t.epochs, "passes over the training set")
      ->check(whole_in(1, 10000))
      ->capture_default_str();
  command->add_option("--batch-size", t.batch_size, "images per step")
      ->check(whole_in(1, 65536))
      ->capture_default_str();
  command->add_flag("--drop-last", t.drop_last, "drop each epoch's last, smaller batch");
  command->add_option("--optimizer", o->optimizer, "adam, adamw or sgd")
      ->check(CLI::IsMember({"adam", "adamw", "sgd"}))
      ->capture_default_str();
  command->add_option("--lr", t.learning_rate, "learning rate (one-cycle: the peak)")
      ->check(positive_real(10.0))
      ->capture_default_str();
  command->add_option("--momentum", t.momentum, "SGD momentum")->check(real_in(0.0, 1.0))->capture_default_str();
  command->add_flag("--nesterov", t.nesterov, "SGD with Nesterov momentum");
  command->add_option("--weight-decay", t.weight_decay, "weight decay")
      ->check(real_in(0.0, 1.0))
      ->capture_default_str();
  command->add_option("--schedule", o->schedule, "constant, step, cosine or one-cycle")
      ->check(CLI::IsMember({"constant", "step", "cosine", "one-cycle"}))
      ->capture_default_str();
  command->add_option("--normalization", o->normalization, "half (the tutorial's 0.5/0.5) or cifar10 (per channel)")
      ->check(CLI::IsMember({"half", "cifar10"}))
      ->capture_default_str();
  command->add_flag("--augment", t.augment, "random crop (padding 4) and horizontal flip");
  command->add_option("--dropout", t.dropout, "dropout before the classifier, the probability of dropping (0: none)")
      ->check(real_in(0.0, 0.99))
      ->capture_default_str();
  command->add_option("--threads", o->threads, "CPU threads (0: one per core)")
      ->check(whole_in(0, 1024))
      ->capture_default_str();
  add_cpu_options(command, o->cpu);
  command->add_option("--seed", t.seed, "fixes weights, order and augmentation")
      ->check(whole_in(0, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str();
  command->add_option("--data", o->data_dir, "CIFAR-10 folder (default: data/cifar-10-batches-bin, else the sample)");
  command
      ->add_option("--device", o->device,
                   "cpu, or cuda: the GPU (chapter 6; RESNET_CUDA_EMULATE=1 emulates one on the CPU)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  command->add_option("--run-dir", t.run_directory, "where checkpoints, metrics and curves go")->capture_default_str();
  command->add_flag("--resume", o->resume, "continue from the run folder's last.safetensors");
  command
      ->add_option("--checkpoint-minutes", t.checkpoint_minutes,
                   "also save last.safetensors mid-epoch every this many minutes: a killed run loses at most that "
                   "(0: after every step)")
      ->check(real_in(0.0, 1e6))
      ->capture_default_str();
  command->add_option("--train-images", t.train_images, "train on the first N images only (0: all)")
      ->check(whole_in(0, kMostImages));
  command->add_option("--test-images", t.test_images, "test on the first N images only (0: all)")
      ->check(whole_in(0, kMostImages));
  command->callback([o, &action] { action = [o] { return run_train(*o); }; });
}

}  // namespace resnet::cli
