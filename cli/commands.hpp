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

}  // namespace resnet::cli
