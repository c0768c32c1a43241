// Fuzz target: CIFAR-10 binary batch files (resnet::read_cifar10_file, which load_cifar10
// calls for each file of a `cifar-10-batches-bin` folder).
#include <cstdint>

#include "resnet/data/cifar10.hpp"
#include "resnet/error.hpp"
#include "targets.hpp"

namespace resnet::fuzz {

namespace {

// A batch file of `labels.size()` records: a label byte, then 3072 pixel bytes.
std::string batch_file(const std::vector<std::uint8_t>& labels) {
  std::string bytes;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    bytes.push_back(static_cast<char>(labels[i]));
    for (std::size_t p = 0; p < Cifar10Format::pixel_bytes; ++p) bytes.push_back(static_cast<char>((p * 7 + i) % 256));
  }
  return bytes;
}

// Documented: a DataError naming the file. A file that reads holds as many labels as
// images, each label a class index.
bool read(const std::filesystem::path& path, const std::string& bytes) {
  write_file(path, bytes);
  try {
    const Cifar10Data data = read_cifar10_file(path.string());
    require(data.images.shape()[0] == data.labels.size(), "the image and label counts differ");
    for (std::uint8_t label : data.labels) require(label < Cifar10Format::classes, "a label is above 9");
    return true;
  } catch (const DataError& error) {
    require_names_file(error, path.string());
    return false;
  }
}

}  // namespace

FuzzTarget cifar10_target(const FuzzFolders& folders) {
  FuzzTarget target;
  target.name = "cifar10";
  target.seeds = {batch_file({3}), batch_file({0, 9, 5})};
  const std::filesystem::path path = folders.scratch / "fuzz_batch.bin";
  target.read = [path](const std::string& bytes) { return read(path, bytes); };
  // No length fields: the record size is fixed, so the file's size says everything. At
  // most 21 records: more only repeat what the first ones test.
  target.max_bytes = 64 << 10;
  return target;
}

}  // namespace resnet::fuzz
