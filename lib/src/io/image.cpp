#include "resnet/io/image.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <stb_image.h>
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

xt::xtensor<std::uint8_t, 3> read_image_rgb(const std::string& path) {
  int width = 0, height = 0, channels_in_file = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load(path.c_str(), &width, &height, &channels_in_file, 3),
                                                   stbi_image_free);
  if (!pixels) {
    throw DataError("cannot read image " + path + ": " + stbi_failure_reason());
  }
  xt::xtensor<std::uint8_t, 3> image({static_cast<std::size_t>(height), static_cast<std::size_t>(width), 3});
  std::copy(pixels.get(), pixels.get() + image.size(), image.begin());
  return image;
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
