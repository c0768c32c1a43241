#include "resnet/io/image.hpp"

#include <algorithm>
#include <memory>

#include <stb_image.h>
#include <stb_image_write.h>

#include "resnet/error.hpp"
#include "resnet/io/atomic_file.hpp"
#include "resnet/shape.hpp"

namespace resnet {

namespace {

// stb_image_write hands the encoded PNG to this callback in pieces; we collect them.
void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

}  // namespace

void write_png(const std::string& path, const xt::xtensor<std::uint8_t, 3>& image) {  // (H, W, C)
  const std::size_t height = image.shape()[0], width = image.shape()[1],
                    channels = image.shape()[2];
  if (channels != 1 && channels != 3 && channels != 4) {
    throw ShapeError("write_png: image of shape " + format_shape(image.shape()) +
                     " must have 1, 3 or 4 channels in its last axis (H, W, C)");
  }
  if (height == 0 || width == 0) {
    throw ShapeError("write_png: image of shape " + format_shape(image.shape()) + " is empty");
  }
  std::string png;
  const int row_bytes = static_cast<int>(width * channels);
  const int ok = stbi_write_png_to_func(append_to_string, &png, static_cast<int>(width),
                                        static_cast<int>(height), static_cast<int>(channels),
                                        image.data(), row_bytes);
  if (!ok) throw DataError("write_png: encoding " + path + " failed");
  write_file_atomically(path, png);
}

xt::xtensor<std::uint8_t, 3> read_image_rgb(const std::string& path) {
  int width = 0, height = 0, channels_in_file = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &width, &height, &channels_in_file, 3), stbi_image_free);
  if (!pixels) {
    throw DataError("cannot read image " + path + ": " + stbi_failure_reason());
  }
  xt::xtensor<std::uint8_t, 3> image({static_cast<std::size_t>(height),
                                      static_cast<std::size_t>(width), 3});
  std::copy(pixels.get(), pixels.get() + image.size(), image.begin());
  return image;
}

}  // namespace resnet
