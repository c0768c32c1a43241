// A fresh folder for a test's files, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string>

namespace resnet::testing {

class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  /// The path of `name` inside the folder.
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes `bytes` to `path` (for tests that build bad input files on purpose).
void write_bytes(const std::string& path, const std::string& bytes);

}  // namespace resnet::testing
