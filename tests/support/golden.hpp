// Reading the PyTorch reference values in tests/golden (written by make_golden.py).
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <xtensor/xtensor.hpp>

#include "resnet/io/npy.hpp"
#include "resnet/nn/state.hpp"

namespace resnet::testing {

/// The path of a golden file, e.g. golden_path("ch01/softmax_logits.npy").
/// Throws a DataError that says how to regenerate the goldens when the file is missing.
std::string golden_path(const std::string& name);

/// Loads a golden array as T (float32 files read as double convert exactly).
template <class T, std::size_t N>
xt::xtensor<T, N> load_golden(const std::string& name) {
  return load_npy<T, N>(golden_path(name));
}

/// A golden .npy file of any rank (a 0-d scalar included) as a state-dict entry:
/// float32 and float64 files give DType::float32 / float64, int64 files DType::int64.
resnet::StateEntry load_golden_state_entry(const std::string& name);

/// The "cases" list of a golden JSON file (a copy: safe to loop over). Throws DataError
/// when the file has fewer than `at_least` cases, so a loop over them cannot pass by
/// running zero times.
nlohmann::json golden_cases(const std::string& name, std::size_t at_least);

}  // namespace resnet::testing
