#include "support/golden.hpp"

#include <filesystem>

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

}  // namespace resnet::testing
