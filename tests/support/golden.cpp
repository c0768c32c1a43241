#include "support/golden.hpp"

#include <filesystem>
#include <fstream>

#include <xtensor/xnpy.hpp>

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

namespace {

template <class FileT>
StateEntry read_entry(const std::string& path, DType dtype) {
  std::ifstream in(path, std::ios::binary);
  auto array = xt::load_npy<FileT>(in);
  if (!in) throw DataError(path + ": truncated .npy file");
  StateEntry entry;
  entry.dtype = dtype;
  entry.shape.assign(array.shape().begin(), array.shape().end());
  entry.values.assign(array.begin(), array.end());
  return entry;
}

}  // namespace

StateEntry load_golden_state_entry(const std::string& name) {
  const std::string path = golden_path(name);
  // The element type is in the header's 'descr' entry, near the start of the file.
  std::ifstream in(path, std::ios::binary);
  std::string header(256, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  if (header.find("'descr': '<f4'") != std::string::npos) return read_entry<float>(path, DType::float32);
  if (header.find("'descr': '<f8'") != std::string::npos) return read_entry<double>(path, DType::float64);
  if (header.find("'descr': '<i8'") != std::string::npos) return read_entry<std::int64_t>(path, DType::int64);
  throw DataError(path + ": not a float32, float64 or int64 .npy file");
}

nlohmann::json golden_cases(const std::string& name, std::size_t at_least) {
  std::ifstream file(golden_path(name));
  nlohmann::json cases = nlohmann::json::parse(file).at("cases");
  if (cases.size() < at_least) {
    throw DataError("golden file " + name + " has " + std::to_string(cases.size()) + " cases, expected at least " +
                    std::to_string(at_least));
  }
  return cases;
}

}  // namespace resnet::testing
