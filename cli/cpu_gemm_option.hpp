/// @file
/// @brief `--cpu-gemm`: which code multiplies the CPU layers' float matrices, for the
///        commands that run a model (train, evaluate, predict).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace resnet::cli {

/// @brief Adds `--cpu-gemm packed|openblas` to `command`, writing the choice to `choice`
///        (whose value on entry is the default: "packed").
void add_cpu_gemm_option(CLI::App* command, std::string& choice);

/// @brief Applies the choice (resnet::use_cpu_gemm) and describes it for the command's
///        first line, e.g. "our packed GEMM (avx2 micro-kernel)" or "OpenBLAS".
std::string apply_cpu_gemm(const std::string& choice);

}  // namespace resnet::cli
