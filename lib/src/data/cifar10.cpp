#include "resnet/data/cifar10.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "resnet/config.hpp"
#include "resnet/error.hpp"

namespace resnet {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDownloadHint = "; tools/download_cifar10.sh downloads the official set";

std::string train_file_name(int number) { return "data_batch_" + std::to_string(number) + ".bin"; }

// Room for `count` images and labels. (from_shape, because xtensor<T, 1>({count}) would
// be a one-element tensor holding the value `count`.)
Cifar10Data allocate(std::size_t count) {
  return {xt::xtensor<std::uint8_t, 4>::from_shape(
              {count, Cifar10Format::channels, Cifar10Format::height, Cifar10Format::width}),
          xt::xtensor<std::uint8_t, 1>::from_shape({count})};
}

// Joins several batch files into one data set, in order.
Cifar10Data concatenate(const std::vector<Cifar10Data>& parts) {
  std::size_t total = 0;
  for (const auto& part : parts) total += part.labels.size();
  Cifar10Data all = allocate(total);
  auto image_out = all.images.begin();
  auto label_out = all.labels.begin();
  for (const auto& part : parts) {
    image_out = std::copy(part.images.begin(), part.images.end(), image_out);
    label_out = std::copy(part.labels.begin(), part.labels.end(), label_out);
  }
  return all;
}

bool holds_split(const fs::path& directory, Split split) {
  const std::string file = split == Split::test ? "test_batch.bin" : train_file_name(1);
  return fs::is_regular_file(directory / file);
}

}  // namespace

const std::array<std::string, 10>& cifar10_class_names() {
  static const std::array<std::string, 10> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                    "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

Cifar10Data read_cifar10_file(const std::string& path) {
  // (A folder opens as a file on Linux, and reading it throws std::ios_base::failure.)
  if (fs::is_directory(path)) throw DataError("CIFAR-10 file " + path + " is a folder, not a batch file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot open CIFAR-10 file " + path + kDownloadHint);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError("reading CIFAR-10 file " + path + " failed");
  if (bytes.empty()) throw DataError("CIFAR-10 file " + path + " is empty" + kDownloadHint);
  if (bytes.size() % Cifar10Format::record_bytes != 0) {
    throw DataError("CIFAR-10 file " + path + " has " + std::to_string(bytes.size()) +
                    " bytes, not a multiple of the 3073-byte record (1 label byte + 3072 "
                    "pixel bytes): the file is truncated or not in the CIFAR-10 binary format");
  }
  const std::size_t count = bytes.size() / Cifar10Format::record_bytes;
  Cifar10Data data = allocate(count);
  for (std::size_t i = 0; i < count; ++i) {
    const char* record = bytes.data() + i * Cifar10Format::record_bytes;
    const auto label = static_cast<std::uint8_t>(record[0]);
    if (label >= Cifar10Format::classes) {
      throw DataError("CIFAR-10 file " + path + ": record " + std::to_string(i) + " has label " +
                      std::to_string(label) + "; CIFAR-10 labels are 0-9 (a CIFAR-100 file?)");
    }
    data.labels(i) = label;
    // The 3072 pixel bytes are already planar R, G, B (C, H, W): copy them as they are.
    std::copy(record + 1, record + Cifar10Format::record_bytes,
              data.images.begin() + static_cast<std::ptrdiff_t>(i * Cifar10Format::pixel_bytes));
  }
  return data;
}

Cifar10Data load_cifar10(const std::string& directory, Split split) {
  const fs::path folder(directory);
  if (!fs::is_directory(folder)) {
    throw DataError("CIFAR-10 folder " + directory + " does not exist" + kDownloadHint);
  }
  if (split == Split::test) return read_cifar10_file((folder / "test_batch.bin").string());

  std::vector<Cifar10Data> parts;
  int number = 1;
  for (; fs::exists(folder / train_file_name(number)); ++number) {
    parts.push_back(read_cifar10_file((folder / train_file_name(number)).string()));
  }
  if (parts.empty()) {
    throw DataError("CIFAR-10 folder " + directory + " has no " + train_file_name(1) + kDownloadHint);
  }
  for (int later = number + 1; later <= 9; ++later) {
    if (fs::exists(folder / train_file_name(later))) {
      throw DataError("CIFAR-10 folder " + directory + " has " + train_file_name(later) + " but not " +
                      train_file_name(number) + ": the download is incomplete");
    }
  }
  return parts.size() == 1 ? parts.front() : concatenate(parts);
}

Cifar10Location find_cifar10(const std::string& requested) {
  if (!requested.empty()) {
    for (const fs::path& candidate : {fs::path(requested), fs::path(requested) / "cifar-10-batches-bin"}) {
      if (holds_split(candidate, Split::train) && holds_split(candidate, Split::test)) {
        return {candidate.string(), false};
      }
    }
    throw DataError("no CIFAR-10 data in " + requested +
                    " (expected data_batch_1.bin and "
                    "test_batch.bin there or in its cifar-10-batches-bin folder)" +
                    kDownloadHint + ", or leave out --data to use the committed sample");
  }
  const fs::path data_dir(config::data_directory);
  const fs::path full = data_dir / "cifar-10-batches-bin";
  bool full_is_complete = holds_split(full, Split::test);
  for (int number = 1; number <= 5; ++number) {
    full_is_complete = full_is_complete && fs::exists(full / train_file_name(number));
  }
  if (full_is_complete) return {full.string(), false};
  const fs::path sample = data_dir / "cifar10-sample" / "cifar-10-batches-bin";
  if (holds_split(sample, Split::train) && holds_split(sample, Split::test)) {
    return {sample.string(), true};
  }
  throw DataError("no CIFAR-10 data found: neither " + full.string() + " nor the sample " + sample.string() +
                  kDownloadHint);
}

}  // namespace resnet
