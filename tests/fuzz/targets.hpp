// The fuzz targets: one per reader of files that come from outside the program.
//
// A target is a reader, valid files to start from, and the one rule every input is held
// to: the reader returns a result or throws the error its documentation promises (a
// resnet::DataError naming the file). Anything else is a finding: another exception (a
// std::bad_alloc from a size taken on trust, a std::length_error), an error that does not
// say which file, and of course a crash or a sanitizer report.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mutations.hpp"

namespace resnet::fuzz {

struct FuzzTarget {
  std::string name;                ///< what --target selects: "safetensors", ...
  FormatHints hints;               ///< where the format keeps its length fields
  std::vector<std::string> seeds;  ///< valid files; every input is one of them, edited
  /// Runs the reader on one input: true when it gave a result, false when it refused the
  /// file with its documented error; anything else it throws is a finding.
  std::function<bool(const std::string&)> read;
  std::size_t max_bytes = 1 << 20;  ///< the longest input to make
};

/// Where the fuzzer finds the committed files (seeds/, regressions/) and puts its own.
struct FuzzFolders {
  std::filesystem::path source;   ///< the repository (for committed valid files)
  std::filesystem::path scratch;  ///< a private temporary folder, for readers that take a path
};

FuzzTarget safetensors_target(const FuzzFolders& folders);
FuzzTarget cifar10_target(const FuzzFolders& folders);
FuzzTarget npy_target(const FuzzFolders& folders);
FuzzTarget image_target(const FuzzFolders& folders);

/// A reader broke its contract without crashing: reported as a finding, like a crash.
class ContractBroken : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Throws ContractBroken unless `error`, a documented error, names the file it is about.
inline void require_names_file(const std::exception& error, const std::string& file_name) {
  if (std::string(error.what()).find(file_name) == std::string::npos) {
    throw ContractBroken(std::string("the error does not name the file: ") + error.what());
  }
}

/// Throws ContractBroken with `problem` when `holds` is false (a check on a result).
inline void require(bool holds, const std::string& problem) {
  if (!holds) throw ContractBroken(problem);
}

/// Throws ContractBroken unless a result of shape `shape` holds `size` values: one per
/// element. (The product is checked for overflow: a shape of 2^64 - 1 by 2^64 - 1 elements
/// must not pass for one of a single element.)
template <class Shape>
void require_one_value_per_element(const Shape& shape, std::size_t size, const std::string& what) {
  const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
  std::size_t count = empty ? 0 : 1;
  for (std::size_t extent : shape) {
    if (empty) break;
    if (count > std::numeric_limits<std::size_t>::max() / extent) {
      throw ContractBroken(what + " has a shape of more than 2^64 elements");
    }
    count *= extent;
  }
  require(count == size,
          what + " holds " + std::to_string(size) + " values for " + std::to_string(count) + " elements");
}

/// Writes `bytes` to `path`, for the readers that take a file name.
inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("fuzz: cannot write " + path.string());
}

/// The bytes of a file (committed seeds and regression inputs).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace resnet::fuzz
