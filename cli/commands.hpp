// The subcommands of the `resnet` command. Each adds itself to the app and sets the
// function that runs it when chosen.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace resnet::cli {

/// What runs when a subcommand is chosen; returns the process's exit code.
using Action = std::function<int()>;

/// `resnet summary`: the model summary table (chapter 5).
void add_summary_command(CLI::App& app, Action& action);
/// `resnet train`: training on CIFAR-10 (chapter 7).
void add_train_command(CLI::App& app, Action& action);
/// `resnet evaluate`: a checkpoint's test accuracy, per class, and confusion matrix.
void add_evaluate_command(CLI::App& app, Action& action);
/// `resnet predict`: the classes of image files.
void add_predict_command(CLI::App& app, Action& action);
void add_compare_devices_command(CLI::App& app, Action& action);

}  // namespace resnet::cli
