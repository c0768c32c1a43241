// Fuzz target: image files, through the path `resnet predict` takes: read_image_rgb (libpng or
// libjpeg-turbo) and then resize_image to the network's 32x32. The decoders are Debian's shared
// libraries, built without the sanitizers: what this target checks under them is our side, the
// size checks, the buffers handed to the decoders and the conversion to RGB; a memory error
// inside a decoder shows only if it crashes. (Both are fuzzed upstream, continuously, under
// the sanitizers.)
#include <algorithm>
#include <array>
#include <cstdint>

#include <stb_image_write.h>

#include "resnet/error.hpp"
#include "resnet/io/crc32.hpp"
#include "resnet/io/image.hpp"
#include "targets.hpp"

namespace resnet::fuzz {

namespace {

constexpr int kWidth = 8, kHeight = 6;

// stb_image_write hands the encoded file to this callback in pieces.
void append(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

// kHeight x kWidth pixels with `channels` interleaved channels: smooth ramps, so that the
// JPEG seeds have some structure to encode.
std::vector<std::uint8_t> pixels(int channels) {
  std::vector<std::uint8_t> values(static_cast<std::size_t>(kWidth * kHeight * channels));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint8_t>((i * 37) % 256);
  return values;
}

std::string png(int channels) {
  std::string bytes;
  stbi_write_png_to_func(append, &bytes, kWidth, kHeight, channels, pixels(channels).data(), kWidth * channels);
  return bytes;
}

std::string jpeg(int channels) {
  std::string bytes;
  stbi_write_jpg_to_func(append, &bytes, kWidth, kHeight, channels, pixels(channels).data(), 90);
  return bytes;
}

// Recomputes the CRC-32 of every whole chunk of a PNG (over its type and data), which libpng
// checks before it parses a chunk. Chunks: [length: 4 bytes, big-endian] [type: 4] [data] [CRC: 4].
void repair_png_crcs(std::string& bytes) {
  if (bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return;
  for (std::size_t chunk = 8; chunk + 12 <= bytes.size();) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < 4; ++i) length = length << 8 | static_cast<unsigned char>(bytes[chunk + i]);
    if (length > bytes.size() - chunk - 12) return;
    const std::uint32_t crc = crc32(bytes.data() + chunk + 4, 4 + length);
    for (std::size_t i = 0; i < 4; ++i) bytes[chunk + 8 + length + i] = static_cast<char>(crc >> (24 - 8 * i));
    chunk += 12 + length;
  }
}

// Valid files of the formats read_image_rgb reads (PNG and JPEG), 8x6 pixels. Those
// stb_image_write can make are made here. The others are committed in tests/fuzz/seeds/image/:
// a progressive JPEG, a palette and a 16-bit PNG written by Pillow, and an interlaced PNG
// written by hand (Pillow does not write interlaced PNGs).
std::vector<std::string> seeds(const FuzzFolders& folders) {
  std::vector<std::string> files = {png(1), png(2), png(3), png(4), jpeg(1), jpeg(3)};
  std::vector<std::filesystem::path> committed;
  for (const auto& entry : std::filesystem::directory_iterator(folders.source / "tests/fuzz/seeds/image")) {
    committed.push_back(entry.path());
  }
  std::sort(committed.begin(), committed.end());  // a fixed order: input i is the same on every machine
  for (const auto& path : committed) files.push_back(read_file(path));
  return files;
}

// Documented: a DataError naming the file. An image that reads becomes 32x32 RGB.
bool read(const std::filesystem::path& path, const std::string& bytes) {
  write_file(path, bytes);
  try {
    const xt::xtensor<std::uint8_t, 3> small = resize_image(read_image_rgb(path.string()), 32, 32);
    require(small.shape() == std::array<std::size_t, 3>{32, 32, 3}, "the resized image is not 32x32 RGB");
    return true;
  } catch (const DataError& error) {
    require_names_file(error, path.string());
    return false;
  }
}

}  // namespace

FuzzTarget image_target(const FuzzFolders& folders) {
  FuzzTarget target;
  target.name = "image";
  target.seeds = seeds(folders);
  const std::filesystem::path path = folders.scratch / "fuzz_image";
  target.read = [path](const std::string& bytes) { return read(path, bytes); };
  // PNG's width and height fields, at 16 and 20, and its first chunk lengths (JPEG's size
  // fields move with the tables before them).
  target.hints.length_fields = {8, 16, 20, 33};
  target.hints.repair_checksums = repair_png_crcs;
  target.max_bytes = 256 << 10;
  return target;
}

}  // namespace resnet::fuzz
