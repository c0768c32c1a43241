#include "support/golden.hpp"

#include <filesystem>
#include <fstream>

#include "resnet/error.hpp"
#include "test_paths.hpp"

namespace resnet::testing {

std::string golden_path(const std::string& name) {
  const std::filesystem::path path = std::filesystem::path(paths::golden_directory) / name;
  if (!std::filesystem::exists(path)) {
    throw DataError("golden file " + path.string() +
                    " is missing; regenerate the goldens with "
                    "/usr/bin/python3 tests/golden/make_golden.py (needs python3-torch)");
  }
  return path.string();
}

nlohmann::json golden_cases(const std::string& name, std::size_t at_least) {
  std::ifstream file(golden_path(name));
  nlohmann::json cases = nlohmann::json::parse(file).at("cases");
  if (cases.size() < at_least) {
    throw DataError("golden file " + name + " has " + std::to_string(cases.size()) +
                    " cases, expected at least " + std::to_string(at_least));
  }
  return cases;
}

}  // namespace resnet::testing
