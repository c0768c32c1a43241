#include "resnet/io/image.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <png.h>
#include <turbojpeg.h>

#include <xtensor/xbuilder.hpp>
#include <stb_image_write.h>

#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// stb_image_write hands the encoded PNG to this callback in pieces; we collect them.
void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

}  // namespace

void write_png(const std::string& path, const xt::xtensor<std::uint8_t, 3>& image) {  // (H, W, C)
  const std::size_t height = image.shape()[0], width = image.shape()[1], channels = image.shape()[2];
  if (channels != 1 && channels != 3 && channels != 4) {
    throw ShapeError("write_png: image of shape " + format_shape(image.shape()) +
                     " must have 1, 3 or 4 channels in its last axis (H, W, C)");
  }
  if (height == 0 || width == 0) {
    throw ShapeError("write_png: image of shape " + format_shape(image.shape()) + " is empty");
  }
  std::string png;
  const int row_bytes = static_cast<int>(width * channels);
  const int ok = stbi_write_png_to_func(append_to_string, &png, static_cast<int>(width), static_cast<int>(height),
                                        static_cast<int>(channels), image.data(), row_bytes);
  if (!ok) throw DataError("write_png: encoding " + path + " failed");
  write_file_atomically(path, png);
}

namespace {

// ---- reading: files that may come from anywhere ----
//
// PNG goes through libpng and JPEG through libjpeg-turbo (its TurboJPEG interface): both are
// the decoders every Linux desktop uses, fuzzed continuously upstream and patched by Debian's
// security team. (This reader used stb_image until fuzzing showed how much version 2.27,
// Debian 12's, trusts a corrupt file: a 2 GB allocation from an 88-byte PNG, Huffman tables
// overrun by a crafted JPEG, and known heap overflows in its 16-bit PNG path that no check
// made outside the decoder can rule out.) tests/fuzz/fuzz_readers feeds this function
// hostile files under the sanitizers.

// The most pixels an image may have: 8192 x 8192. `resnet predict` shrinks every image to
// 32x32; a header that claims more is a corrupt file or an attempt to exhaust memory.
constexpr std::size_t kMaxPixels = std::size_t{1} << 26;
// The largest file read: an 8192 x 8192 PNG of noise is about 200 MB.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 30;

[[noreturn]] void refuse(const std::string& path, const std::string& problem) {
  throw DataError("cannot read image " + path + ": " + problem);
}

std::string read_file_bytes(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) refuse(path, "it is a folder, not a file");
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error)) {
    // A pipe or a device has no size to check, and /dev/zero would be read until memory ran out.
    refuse(path, "it is not a regular file (a pipe or a device?)");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxFileBytes) refuse(path, "the file is larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, "cannot open the file (missing, or no permission)");
  // (A read error mid-file leaves the bytes short, which the decoder then reports as corrupt.)
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool starts_with(const std::string& bytes, const std::string& prefix) {
  return bytes.compare(0, prefix.size(), prefix) == 0;
}

// Refuses a header's size before any pixel memory is allocated for it.
void check_size(std::size_t width, std::size_t height, const std::string& path) {
  if (width == 0 || height == 0) {
    refuse(path,
           "its header gives it " + std::to_string(width) + "x" + std::to_string(height) + " pixels, no image at all");
  }
  if (width > kMaxPixels / height) {
    refuse(path, "it claims " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels, more than the 67,108,864 (8192 x 8192) this reader accepts");
  }
}

// Frees libpng's decoder state however decode_png leaves.
struct PngImage {
  png_image image{};
  PngImage() { image.version = PNG_IMAGE_VERSION; }
  ~PngImage() { png_image_free(&image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
};

// Decodes with libpng's simplified interface, which converts every PNG colour type (grey,
// palette, 16-bit, with or without alpha) to 8-bit RGBA. The alpha channel is then dropped
// rather than blended, as the network saw no transparency in training.
xt::xtensor<std::uint8_t, 3> decode_png(const std::string& bytes, const std::string& path) {
  PngImage png;
  if (!png_image_begin_read_from_memory(&png.image, bytes.data(), bytes.size())) {
    refuse(path, std::string("corrupt PNG (") + png.image.message + ")");
  }
  // A 16-bit PNG without gamma information is taken as sRGB-encoded, like an 8-bit one, not
  // as linear light (libpng's default, which would brighten its mid-greys to 186 of 255).
  png.image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  const std::size_t width = png.image.width, height = png.image.height;
  check_size(width, height, path);
  png.image.format = PNG_FORMAT_RGBA;
  std::vector<std::uint8_t> rgba(width * height * 4);
  if (!png_image_finish_read(&png.image, nullptr, rgba.data(), 0, nullptr)) {
    refuse(path, std::string("corrupt PNG (") + png.image.message + ")");
  }
  xt::xtensor<std::uint8_t, 3> image = xt::xtensor<std::uint8_t, 3>::from_shape({height, width, 3});
  for (std::size_t pixel = 0; pixel < width * height; ++pixel) {
    for (std::size_t c = 0; c < 3; ++c) image.data()[pixel * 3 + c] = rgba[pixel * 4 + c];
  }
  return image;
}

// Frees libjpeg-turbo's decoder however decode_jpeg leaves.
struct JpegDecoder {
  tjhandle handle = tjInitDecompress();
  ~JpegDecoder() {
    if (handle) tjDestroy(handle);
  }
  JpegDecoder() = default;
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;
};

xt::xtensor<std::uint8_t, 3> decode_jpeg(const std::string& bytes, const std::string& path) {
  JpegDecoder decoder;
  if (!decoder.handle) refuse(path, "libjpeg-turbo could not start a decoder");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto size = static_cast<unsigned long>(bytes.size());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(decoder.handle, data, size, &width, &height, &subsampling, &colorspace) != 0) {
    refuse(path, std::string("corrupt JPEG (") + tjGetErrorStr2(decoder.handle) + ")");
  }
  check_size(static_cast<std::size_t>(std::max(width, 0)), static_cast<std::size_t>(std::max(height, 0)), path);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    refuse(path, "a CMYK JPEG (print colours), which this reader does not convert: save it as RGB first");
  }
  xt::xtensor<std::uint8_t, 3> image =
      xt::xtensor<std::uint8_t, 3>::from_shape({static_cast<std::size_t>(height), static_cast<std::size_t>(width), 3});
  // TJFLAG_LIMITSCANS refuses a progressive JPEG of more than 500 scans (a few hundred bytes
  // could otherwise keep the decoder busy for minutes). libjpeg's warnings are refused too, and
  // TJFLAG_STOPONWARNING stops at the first: the commonest is a file cut short, whose missing
  // part libjpeg fills with grey. (Stricter than Pillow, which also decodes a file with a few
  // stray bytes between its segments.)
  const int flags = TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING;
  if (tjDecompress2(decoder.handle, data, size, image.data(), width, 0, height, TJPF_RGB, flags) != 0) {
    refuse(path, std::string("corrupt JPEG (") + tjGetErrorStr2(decoder.handle) + ")");
  }
  return image;
}

}  // namespace

xt::xtensor<std::uint8_t, 3> read_image_rgb(const std::string& path) {
  const std::string bytes = read_file_bytes(path);
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n")) return decode_png(bytes, path);
  if (starts_with(bytes, "\xFF\xD8\xFF")) return decode_jpeg(bytes, path);
  refuse(path, "not a PNG or JPEG file (convert it to PNG first)");
}

namespace {

// Averages blocks of `factor_y` x `factor_x` pixels: the pre-filter of a large reduction.
xt::xtensor<double, 3> block_average(const xt::xtensor<std::uint8_t, 3>& image, std::size_t factor_y,
                                     std::size_t factor_x) {
  const std::size_t H = image.shape()[0] / factor_y, W = image.shape()[1] / factor_x, C = image.shape()[2];
  xt::xtensor<double, 3> result = xt::zeros<double>({H, W, C});
  for (std::size_t y = 0; y < H * factor_y; ++y) {
    for (std::size_t x = 0; x < W * factor_x; ++x) {
      for (std::size_t c = 0; c < C; ++c) result(y / factor_y, x / factor_x, c) += image(y, x, c);
    }
  }
  return result / static_cast<double>(factor_y * factor_x);
}

}  // namespace

xt::xtensor<std::uint8_t, 3> resize_image(const xt::xtensor<std::uint8_t, 3>& image, std::size_t height,
                                          std::size_t width) {
  if (image.size() == 0 || height == 0 || width == 0) {
    throw ShapeError("resize_image: cannot resize an image of shape " + format_shape(image.shape()) + " to " +
                     std::to_string(height) + "x" + std::to_string(width));
  }
  // Shrink by whole factors first, so that the bilinear step never skips pixels.
  const std::size_t factor_y = std::max<std::size_t>(1, image.shape()[0] / height);
  const std::size_t factor_x = std::max<std::size_t>(1, image.shape()[1] / width);
  const xt::xtensor<double, 3> source = block_average(image, factor_y, factor_x);
  const std::size_t H = source.shape()[0], W = source.shape()[1], C = source.shape()[2];
  xt::xtensor<std::uint8_t, 3> result = xt::xtensor<std::uint8_t, 3>::from_shape({height, width, C});
  // Output pixel centre (i + 0.5) maps to source coordinate (i + 0.5) * H / height - 0.5.
  auto source_position = [](std::size_t i, std::size_t from, std::size_t to) {
    const double position = (static_cast<double>(i) + 0.5) * static_cast<double>(from) / static_cast<double>(to) - 0.5;
    return std::clamp(position, 0.0, static_cast<double>(from - 1));
  };
  for (std::size_t i = 0; i < height; ++i) {
    const double sy = source_position(i, H, height);
    const std::size_t y0 = static_cast<std::size_t>(sy), y1 = std::min(y0 + 1, H - 1);
    const double wy = sy - static_cast<double>(y0);
    for (std::size_t j = 0; j < width; ++j) {
      const double sx = source_position(j, W, width);
      const std::size_t x0 = static_cast<std::size_t>(sx), x1 = std::min(x0 + 1, W - 1);
      const double wx = sx - static_cast<double>(x0);
      for (std::size_t c = 0; c < C; ++c) {
        const double top = (1 - wx) * source(y0, x0, c) + wx * source(y0, x1, c);
        const double bottom = (1 - wx) * source(y1, x0, c) + wx * source(y1, x1, c);
        result(i, j, c) = static_cast<std::uint8_t>(std::lround(std::clamp((1 - wy) * top + wy * bottom, 0.0, 255.0)));
      }
    }
  }
  return result;
}

}  // namespace resnet
