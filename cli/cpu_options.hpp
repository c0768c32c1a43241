/// @file
/// @brief `--kernels` and `--cpu-gemm`: which code runs the CPU layers, for the commands
///        that run a model (train, evaluate, predict).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "resnet/nn/module.hpp"

namespace resnet::cli {

/// @brief The CPU choices of one command, as typed.
struct CpuChoices {
  /// `--kernels`: packed (the library's kernels) or reference (the chapters' code). The
  /// default is packed, except in a build with exercise chapters, whose commands run the
  /// student's code unless asked.
  std::string kernels;
  /// `--cpu-gemm`: packed (our GEMM) or openblas, the matrix products under the reference.
  std::string gemm = "packed";

  CpuChoices();
};

/// @brief Adds `--kernels packed|reference` and `--cpu-gemm packed|openblas` to `command`.
void add_cpu_options(CLI::App* command, CpuChoices& choices);

/// @brief Applies `--cpu-gemm` (resnet::use_cpu_gemm) and returns the `--kernels` choice,
///        for Module::use_cpu_kernels(); `description` gets the choices in words for the
///        command's first lines, e.g. "the packed kernels (avx2 micro-kernel)".
CpuKernels apply_cpu_options(const CpuChoices& choices, std::string& description);

}  // namespace resnet::cli
