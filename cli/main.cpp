// The `resnet` command line: `train`, `evaluate`, `predict` (chapter 7), `summary`
// (chapter 5) and `compare-devices` (chapter 6). Run `resnet --help` or `resnet <command> --help`.
#include <csignal>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "resnet/exercise.hpp"
#include "resnet/train/trainer.hpp"

int main(int argc, char** argv) {
  CLI::App app{"resnet-from-scratch: ResNets built from scratch in C++"};
  app.require_subcommand(1);
  resnet::cli::Action action;
  resnet::cli::add_train_command(app, action);
  resnet::cli::add_evaluate_command(app, action);
  resnet::cli::add_predict_command(app, action);
  resnet::cli::add_summary_command(app, action);
  resnet::cli::add_compare_devices_command(app, action);
  CLI11_PARSE(app, argc, argv);
  // A write past the file size limit (ulimit -f) then fails with an error that names the
  // file, as a full disk does, instead of killing the program mid-save.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    return action();
  } catch (const resnet::NotImplemented& missing) {
    std::fflush(stdout);  // what was printed so far comes first
    std::fprintf(stderr, "This needs a task you have not written yet:\n  %s\n", missing.what());
    return 1;
  } catch (const resnet::TrainingDiverged& diverged) {
    std::fflush(stdout);
    std::fprintf(stderr, "training diverged: %s\n", diverged.what());
    return 3;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
}
